"""The update preconditions, pure (CVO pkg/payload/precondition/clusterversion/*.go).

Each returns None or a :class:`Failure`; the runner (pkg/payload/precondition/precondition.go
Summarize) turns blocking failures into a refusal, or, with ``force``, into the accepted risk
"Forced through blocking failures: ...", and records non-blocking warnings as accepted risks.
They compare with ``status.desired.version`` (the current target).
"""

from dataclasses import dataclass

from . import conditions, versions


@dataclass(frozen=True)
class Failure:
    name: str  # the precondition, e.g. ClusterVersionUpgradeable
    reason: str
    message: str
    blocking: bool = True

    def text(self):
        return f'Precondition "{self.name}" failed because of "{self.reason}": {self.message}'


def rollback(current, target, history):
    """pre/rollback.go: a lower version is refused unless it is the previous entry in the same minor."""
    if not (versions.valid(current) and versions.valid(target)) or versions.key(target) >= versions.key(current):
        return None
    previous = next((h.get("version") for h in history[1:] if h.get("state") == "Completed"), None)
    if previous == target and versions.minor(target) == versions.minor(current):
        return None
    return Failure(
        "ClusterVersionRollback",
        "LowDesiredVersion",
        f"Cluster version {current} is higher than target version {target}, "
        + (
            f"and {target} is not the previous version {previous} in the same minor"
            if previous
            else "and there is no previous version to roll back to"
        ),
    )


def giant_hop(current, target):
    """pre/gianthop.go: more than one minor, or a major change, is refused."""
    if not (versions.valid(current) and versions.valid(target)):
        return None
    (cmaj, cmin), (tmaj, tmin) = versions.minor(current), versions.minor(target)
    if tmaj != cmaj:
        return Failure(
            "ClusterVersionGiantHop", "MajorVersionUpdate", f"{current} is major version {cmaj}, {target} is {tmaj}"
        )
    if tmin > cmin + 1:
        return Failure(
            "ClusterVersionGiantHop",
            "MultipleMinorVersionsUpdate",
            f"{current} is minor version {cmin}, {target} is {tmin}: minor updates must be applied one at a time",
        )
    return None


def upgradeable(current, target, cv_conditions):
    """pre/upgradeable.go: Upgradeable=False blocks minor (and major) bumps only."""
    cond = conditions.get(cv_conditions, "Upgradeable")
    if not cond or cond.get("status") != "False":
        return None
    if versions.valid(current) and versions.valid(target) and versions.minor(target) == versions.minor(current):
        return None
    return Failure("ClusterVersionUpgradeable", cond.get("reason") or "NotUpgradeable", cond.get("message") or "")


def recommended_update(target_version, target_image, status):
    """pre/recommendedupdate.go: a target missing from availableUpdates is a warning, not a block."""
    for update in status.get("availableUpdates") or []:
        if update.get("image") == target_image or (target_version and update.get("version") == target_version):
            return None
    for conditional in status.get("conditionalUpdates") or []:
        release = conditional.get("release") or {}
        if release.get("image") == target_image or (target_version and release.get("version") == target_version):
            cond = conditions.get(conditional.get("conditions"), "Recommended") or {}
            return Failure(
                "ClusterVersionRecommendedUpdate",
                cond.get("reason") or "NotRecommended",
                f"Update from {status.get('desired', {}).get('version')} to {release.get('version')} is not "
                f"recommended:\n\n{cond.get('message', '')}",
                blocking=False,
            )
    return Failure(
        "ClusterVersionRecommendedUpdate",
        "UnknownUpdate",
        f"{target_version or target_image} is not one of the available updates of "
        f"{status.get('desired', {}).get('version')}",
        blocking=False,
    )


def run(status, target_version, target_image):
    """Every precondition failure for moving from ``status.desired`` to the target."""
    current = (status.get("desired") or {}).get("version") or ""
    history = status.get("history") or []
    found = [
        rollback(current, target_version, history),
        giant_hop(current, target_version),
        upgradeable(current, target_version, status.get("conditions")),
        recommended_update(target_version, target_image, status),
    ]
    return [f for f in found if f]
