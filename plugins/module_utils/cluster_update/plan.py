# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What to request of the cluster-version-operator, and why it is allowed. Pure.

Follows ``oc adm upgrade`` (openshift/oc pkg/cli/admin/upgrade/upgrade.go) and
``oc adm upgrade channel`` (pkg/cli/admin/upgrade/channel/channel.go):

* the client-side guards: refuse while ``Invalid``, ``Failing`` or ``Progressing`` is True,
  unless ``allow_upgrade_with_warnings`` (``--allow-upgrade-with-warnings``); ``Upgradeable=False``
  is only reported, the CVO enforces it (and ``force`` overrides it there);
* a version must be in ``availableUpdates``, or a conditional update accepted with
  ``allow_not_recommended``; an image must be by digest unless ``force``, and an image that is
  not a possible target needs ``allow_explicit`` (``--allow-explicit-upgrade``) and is then
  requested with an empty version;
* a channel not in ``status.desired.channels`` needs ``allow_explicit_channel``;
* already at the target: nothing to request ("Cluster is already at version V");
* the write is a merge patch of ``spec.desiredUpdate{architecture, version, image, force}``
  (a merge patch keeps ``acceptRisks``).
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update import cluster_version as cvm
from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.errors import UpdateRefusedError

FORCE_WARNING = (
    "force=true: the cluster-version-operator will skip the release signature verification and "
    "force through blocking preconditions (Upgradeable=False, downgrades, skipped minor versions). "
    "Only do this for a release you built or verified yourself; a wrong payload can break the cluster"
)


@dataclass
class Plan:
    """``patch`` is None when nothing is to be requested."""

    target_version: str = ""
    target_image: str = ""
    patch: dict[str, Any] | None = None
    already: bool = False  # the cluster is at (or already moving to) the target
    reasons: list[str] = field(default_factory=list)  # why the request is allowed
    warnings: list[str] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)  # a not-recommended target's risks
    channel_change: tuple[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": {"version": self.target_version, "image": self.target_image},
            "patch": self.patch,
            "reasons": list(self.reasons),
            "risks": list(self.risks),
            "channel_change": list(self.channel_change) if self.channel_change else None,
        }


def by_digest(image: str) -> bool:
    digest = image.rsplit("@", 1)[1] if "@" in image else ""
    algorithm, _sep, hexdigest = digest.partition(":")
    return algorithm == "sha256" and len(hexdigest) == 64 and all(c in "0123456789abcdef" for c in hexdigest)


def _guards(cv: dict[str, Any], allow_warnings: bool, plan: Plan) -> None:
    for ctype, text in (
        (cvm.COND_INVALID, "the cluster version object is invalid"),
        (cvm.COND_FAILING, "the cluster is failing"),
        (cvm.COND_PROGRESSING, "the cluster is already upgrading"),
    ):
        if cvm.condition_status(cv, ctype) != "True":
            continue
        message = (cvm.conditions(cv).get(ctype) or {}).get("message") or ""
        if not allow_warnings:
            raise UpdateRefusedError(
                f"{text}: {message}. Set allow_upgrade_with_warnings=true to request the update anyway",
                condition=cvm.condition_text(cv, ctype),
            )
        plan.warnings.append(f"{text} ({message}); requesting anyway because allow_upgrade_with_warnings=true")
    if cvm.condition_status(cv, cvm.COND_UPGRADEABLE) == "False":
        plan.warnings.append(
            f"{cvm.condition_text(cv, cvm.COND_UPGRADEABLE)}. The cluster-version-operator refuses minor "
            "version updates while Upgradeable=False, unless forced"
        )


def _possible_targets(cv: dict[str, Any]) -> str:
    versions = [u.get("version") for u in cvm.status_of(cv).get("availableUpdates") or []]
    return ", ".join(sorted(v for v in versions if v)) or "none"


def _resolve_version(cv: dict[str, Any], version: str, allow_not_recommended: bool, plan: Plan) -> str:
    update = cvm.available_update(cv, version=version)
    if update:
        plan.reasons.append(f"{version} is a recommended update (in status.availableUpdates)")
        return update.get("image") or ""
    conditional = cvm.conditional_update(cv, version=version)
    if conditional:
        described = cvm.describe_conditional(conditional)
        plan.risks = described["risks"]
        if not allow_not_recommended:
            raise UpdateRefusedError(
                f"the update {version} is not one of the recommended updates, but is available as a conditional "
                f"update (Recommended={described['recommended']}, {described['reason']}: {described['message']}). "
                "To accept the risk and to proceed with the update set allow_not_recommended=true",
                risks=described["risks"],
            )
        plan.reasons.append(
            f"{version} is a conditional update (Recommended={described['recommended']}, {described['reason']}); "
            "accepted with allow_not_recommended=true"
        )
        plan.warnings.append(
            f"updating to {version}, which is not recommended: "
            + "; ".join(f"{r['name']}: {r['message']} {r['url'] or ''}".strip() for r in described["risks"])
        )
        return described["image"] or ""
    raise UpdateRefusedError(
        f"the update {version} is not one of the possible targets: {_possible_targets(cv)}. Give the release "
        "image by digest with image= and allow_explicit=true to continue with the update",
        available_updates=_possible_targets(cv),
    )


def _resolve_image(cv: dict[str, Any], image: str, params: dict[str, Any], plan: Plan) -> str:
    if not by_digest(image) and not params.get("force"):
        raise UpdateRefusedError(
            f"image {image} must be a by-digest pull spec (…@sha256:<64 hex>), unless force is also set, because "
            "release images that are not accessed via digest cannot be verified"
        )
    update = cvm.available_update(cv, image=image)
    if update:
        plan.reasons.append(f"{image} is the recommended update {update.get('version')}")
        return update.get("version") or ""
    conditional = cvm.conditional_update(cv, image=image)
    if conditional and params.get("allow_not_recommended"):
        version = (conditional.get("release") or {}).get("version") or ""
        _resolve_version(cv, version, True, plan)
        return version
    if not params.get("allow_explicit"):
        raise UpdateRefusedError(
            f"the update {image} is not one of the possible targets: {_possible_targets(cv)}. Set "
            "allow_explicit=true to continue with the update (oc's --allow-explicit-upgrade)",
            available_updates=_possible_targets(cv),
        )
    plan.reasons.append(
        f"{image} is not in status.availableUpdates; requested explicitly (allow_explicit=true), the "
        "cluster-version-operator records that as an accepted risk"
    )
    return ""


def _channel(cv: dict[str, Any], channel: str | None, allow_explicit: bool, plan: Plan) -> dict[str, Any]:
    if channel is None:
        return {}
    before = (cv.get("spec") or {}).get("channel") or ""
    if channel == before:
        return {}
    known = cvm.current(cv).get("channels") or []
    if channel and known and channel not in known and not allow_explicit:
        raise UpdateRefusedError(
            f"the update channel {channel!r} is not one of the channels {', '.join(known)} the current release "
            "is in; set allow_explicit_channel=true to use it anyway",
            channels=known,
        )
    plan.channel_change = (before, channel)
    plan.reasons.append(f"channel {before or '(none)'} -> {channel or '(none)'}")
    return {"channel": channel}


def plan_request(cv: dict[str, Any], params: dict[str, Any]) -> Plan:
    """The request for ``params`` (version, image, channel, force, allow_*) on ``cv``."""
    plan = Plan()
    spec_patch = _channel(cv, params.get("channel"), bool(params.get("allow_explicit_channel")), plan)
    version, image = params.get("version"), params.get("image")
    if version or image:
        desired = cvm.current(cv)
        same = (image and image == desired.get("image")) or (not image and version == desired.get("version"))
        request = (cv.get("spec") or {}).get("desiredUpdate") or {}
        if same:
            plan.already = True
            plan.target_version, plan.target_image = desired.get("version") or "", desired.get("image") or ""
            state = "moving to" if cvm.updating(cv) else "already at"
            plan.reasons.append(f"the cluster is {state} version {plan.target_version}")
        else:
            _guards(cv, bool(params.get("allow_upgrade_with_warnings")), plan)
            if image:
                plan.target_image = image
                plan.target_version = _resolve_image(cv, image, params, plan)
            else:
                plan.target_version = version
                plan.target_image = _resolve_version(cv, version, bool(params.get("allow_not_recommended")), plan)
            if params.get("force"):
                plan.warnings.append(FORCE_WARNING)
            wanted = {
                "architecture": "",
                "version": plan.target_version,
                "image": plan.target_image,
                "force": bool(params.get("force")),
            }
            if (
                all((request.get(k) or "") == (v or "") for k, v in wanted.items() if k != "force")
                and bool(request.get("force")) == wanted["force"]
            ):
                plan.already = True  # requested before (a re-run): the wait reports how it went
                plan.reasons.append(f"spec.desiredUpdate already requests {plan.target_version or plan.target_image}")
            else:
                spec_patch["desiredUpdate"] = wanted
    if spec_patch:
        plan.patch = {"spec": spec_patch}
    return plan
