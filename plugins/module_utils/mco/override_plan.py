# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The OS image override MachineConfig of one pool, planned without I/O.

Facts it honours (openshift/machine-config-operator):

* the override carries the pool's role label, our managed-by label and only
  ``spec.osImageURL`` (no ``config``); never ``generated-by-controller-version``, which marks
  the controller's own MachineConfigs (pkg/controller/common/constants.go);
* the render merges the MCs of a pool in order (pkg/controller/common/helpers.go
  ``MergeMachineConfigs``, MCO@4.15+: role ``worker`` first, sorted by name, then the others
  sorted by name) and the last non-empty ``osImageURL`` wins; on MCO@4.12-4.20 the template
  MCs (``00-<role>``, ``01-<role>-*``) carry the default image, so an override must sort
  after them;
* only MachineConfigs carrying our managed-by label are updated or deleted.

:data:`NAME_TEMPLATE` and :data:`MANAGED_BY_LABEL`/:data:`MANAGED_BY_VALUE` are the one
definition of the override's name and ownership; the roles get them through the
``okd.machine_os.os_image_override_meta`` filter.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import MCO_API_VERSION
from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import (
    MCO_PREFIX,
    ROLE_LABEL,
    WORKER_POOL,
    selector_matches,
    to_dict,
)

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "okd.machine_os"
GENERATED_BY_ANNOTATION = MCO_PREFIX + "generated-by-controller-version"
NAME_TEMPLATE = "99-%s-os-image-override"

OP_CREATE = "create"
OP_UPDATE = "update"
OP_DELETE = "delete"
OP_NONE = "none"


class OverrideError(MachineOSError):
    """A refusal or failure the user can act on; the message says what and why."""


class ConcurrentChangeError(OverrideError):
    """Another writer changed (or created) the MachineConfig between our read and write."""


def default_name(pool_name: str) -> str:
    return NAME_TEMPLATE % pool_name


def override_meta(pool_name: str) -> dict[str, Any]:
    """What the roles need to find a pool's override: its default name and our ownership label."""
    return {
        "name": default_name(pool_name),
        "managed_by_label": MANAGED_BY_LABEL,
        "managed_by_value": MANAGED_BY_VALUE,
        "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE},
    }


def pool_role(pool_object: Any) -> str:
    """The role an MC must carry to be selected by the pool: the pool's
    ``machineConfigSelector.matchLabels[role]``, else the pool name."""
    pool_object = to_dict(pool_object)
    selector = (pool_object.get("spec") or {}).get("machineConfigSelector") or {}
    role = (selector.get("matchLabels") or {}).get(ROLE_LABEL)
    return role or (pool_object.get("metadata") or {}).get("name", "")


def build_machine_config(name: str, role: str, image: str) -> dict[str, Any]:
    """The override MachineConfig: role + managed-by labels and ``spec.osImageURL`` only."""
    return {
        "apiVersion": MCO_API_VERSION,
        "kind": "MachineConfig",
        "metadata": {
            "name": name,
            "labels": {ROLE_LABEL: role, MANAGED_BY_LABEL: MANAGED_BY_VALUE},
        },
        "spec": {"osImageURL": image},
    }


def is_managed(machine_config: Any) -> bool:
    labels = (to_dict(machine_config).get("metadata") or {}).get("labels") or {}
    return labels.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE


def is_controller_generated(machine_config: Any) -> bool:
    annotations = (to_dict(machine_config).get("metadata") or {}).get("annotations") or {}
    return bool(annotations.get(GENERATED_BY_ANNOTATION))


def mc_name(machine_config: Any) -> str:
    return (to_dict(machine_config).get("metadata") or {}).get("name", "")


def os_image_of(machine_config: Any) -> str | None:
    return (to_dict(machine_config).get("spec") or {}).get("osImageURL") or None


def role_of(machine_config: Any) -> str | None:
    return ((to_dict(machine_config).get("metadata") or {}).get("labels") or {}).get(ROLE_LABEL)


def pool_machine_configs(pool_object: Any, machine_configs: Iterable[Any]) -> list[dict[str, Any]]:
    """The MachineConfigs the pool's ``machineConfigSelector`` selects."""
    selector = (to_dict(pool_object).get("spec") or {}).get("machineConfigSelector")
    selected = []
    for mc in machine_configs:
        mc = to_dict(mc)
        labels = (mc.get("metadata") or {}).get("labels") or {}
        if selector_matches(selector, labels):
            selected.append(mc)
    return selected


def merge_order(machine_configs: Iterable[Any]) -> list[dict[str, Any]]:
    """The render controller's merge order (MCO@4.15+ ``MergeMachineConfigs``): MCs with role
    ``worker`` first, sorted by name, then every other MC sorted by name."""
    mcs = [to_dict(mc) for mc in machine_configs]
    return sorted(mcs, key=lambda mc: (role_of(mc) != WORKER_POOL, mc_name(mc)))


def template_names(machine_configs: Iterable[Any], role: str) -> list[str]:
    """Names of the controller-generated MCs of ``role`` (``00-<role>``, ``01-<role>-*``)."""
    return sorted(mc_name(mc) for mc in machine_configs if role_of(mc) == role and is_controller_generated(mc))


def name_order_error(name: str, role: str, machine_configs: Iterable[Any]) -> str | None:
    """Why ``name`` would lose the merge to the pool's template MCs, or None.

    Template MCs of MCO@4.12-4.20 carry the default osImageURL, and the last one in merge
    order wins: an override must sort after ``01-<role>-*`` and every other template.
    """
    templates = set(template_names(machine_configs, role))
    templates.update((f"00-{role}", f"01-{role}-container-runtime", f"01-{role}-kubelet"))
    last = max(templates)
    if name <= last:
        return (
            f"name {name} sorts before the template MachineConfig {last} of role {role}: the render merges "
            "MachineConfigs by name and the last osImageURL wins, so the override would be "
            f"silently ignored. Use a name that sorts after {last}, like {NAME_TEMPLATE % role}"
        )
    return None


def effective_os_image(
    machine_configs: Iterable[Any], default_image: str | None, exclude: tuple[str, ...] = ()
) -> tuple[str | None, str | None]:
    """(osImageURL, MC name) the render would pick from these MCs (not controller-generated,
    minus ``exclude``); (default_image, None) when none of them overrides."""
    image, source = default_image, None
    for mc in merge_order(machine_configs):
        if mc_name(mc) in exclude or is_controller_generated(mc):
            continue
        if os_image_of(mc):
            image, source = os_image_of(mc), mc_name(mc)
    return image, source


def later_overrides(name: str, role: str, image: str, machine_configs: Iterable[Any]) -> list[tuple[str, str]]:
    """Other user MCs that come after ``name`` in merge order and set another osImageURL:
    with them in place the override would never reach the rendered config."""
    others = [to_dict(mc) for mc in machine_configs if mc_name(mc) != name]
    ordered = merge_order([*others, build_machine_config(name, role, image)])
    position = [mc_name(mc) for mc in ordered].index(name)
    return [
        (mc_name(mc), os_image_of(mc))
        for mc in ordered[position + 1 :]
        if not is_controller_generated(mc) and os_image_of(mc) and os_image_of(mc) != image
    ]


def diff_view(machine_config: Any | None) -> dict[str, Any]:
    """The part of an MC worth showing in ``--diff``: apiVersion, kind, name, labels,
    annotations, spec (no managed fields, uid or resourceVersion)."""
    if not machine_config:
        return {}
    mc = to_dict(machine_config)
    metadata = mc.get("metadata") or {}
    view = {
        "apiVersion": mc.get("apiVersion", MCO_API_VERSION),
        "kind": mc.get("kind", "MachineConfig"),
        "metadata": {"name": metadata.get("name")},
        "spec": copy.deepcopy(mc.get("spec") or {}),
    }
    if metadata.get("labels"):
        view["metadata"]["labels"] = dict(metadata["labels"])
    if metadata.get("annotations"):
        view["metadata"]["annotations"] = dict(metadata["annotations"])
    return view


@dataclass
class Plan:
    """What applying the override would do."""

    operation: str
    name: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    previous_image: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.operation != OP_NONE


def desired_machine_config(existing: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """``existing`` updated to ``wanted``: our labels and osImageURL set, anything else another
    tool added (labels, annotations) kept; resourceVersion kept for the precondition."""
    desired = copy.deepcopy(existing)
    metadata = desired.setdefault("metadata", {})
    metadata.setdefault("labels", {}).update(wanted["metadata"]["labels"])
    desired["spec"] = dict(wanted["spec"])
    for key in ("managedFields", "creationTimestamp", "generation", "uid"):
        metadata.pop(key, None)
    return desired


def _refuse_unmanaged(name: str, existing: dict[str, Any], state: str, verb: str, fix: str) -> None:
    """Only MachineConfigs carrying our managed-by label are changed or deleted."""
    if not is_managed(existing):
        raise OverrideError(
            f"MachineConfig {name} {state} not managed by okd.machine_os (no label {MANAGED_BY_LABEL}={MANAGED_BY_VALUE}): "
            f"refusing to {verb} it. {fix}",
            name=name,
        )


def plan_present(name: str, role: str, image: str, existing: Any | None) -> Plan:
    wanted = build_machine_config(name, role, image)
    if not existing:
        return Plan(OP_CREATE, name, before=None, after=wanted)
    existing = to_dict(existing)
    _refuse_unmanaged(name, existing, "exists and is", "change", "Delete it, or choose another name")
    if is_controller_generated(existing):
        raise OverrideError(
            f"MachineConfig {name} carries the annotation {GENERATED_BY_ANNOTATION}: the MCO ignores or refuses such "
            "MachineConfigs. Delete it, or choose another name",
            name=name,
        )
    labels = (existing.get("metadata") or {}).get("labels") or {}
    spec = existing.get("spec") or {}
    if spec == wanted["spec"] and labels.get(ROLE_LABEL) == role:
        return Plan(OP_NONE, name, before=existing, after=existing, previous_image=os_image_of(existing))
    return Plan(
        OP_UPDATE,
        name,
        before=existing,
        after=desired_machine_config(existing, wanted),
        previous_image=os_image_of(existing),
    )


def plan_absent(name: str, existing: Any | None) -> Plan:
    if not existing:
        return Plan(OP_NONE, name)
    existing = to_dict(existing)
    _refuse_unmanaged(name, existing, "is", "delete", "Delete it yourself if it is meant to go")
    return Plan(OP_DELETE, name, before=existing, after=None, previous_image=os_image_of(existing))
