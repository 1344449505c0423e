# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""MachineConfigPool and Node model: plain data read from API objects.

Pure functions, no I/O. Field meanings follow the MCO (openshift/api machineconfiguration/v1/types.go;
openshift/machine-config-operator pkg/daemon/constants/constants.go, pkg/controller/node/status.go):

* ``spec.configuration.name`` is the *target* rendered config (written by the render
  controller), ``status.configuration.name`` the one every node has reached; never compute
  a rendered name, read it.
* Node progress lives in the node annotations ``desiredConfig`` (node controller),
  ``currentConfig``, ``state`` and ``reason`` (daemon); the pool's status counts lag behind
  them.
* A node belongs to exactly one pool: a custom pool beats ``worker``, ``master`` beats
  ``worker`` (MCO node controller ``getPoolsForNode``).

Objects may be plain dicts or kubernetes ``ResourceInstance`` objects (anything with
``to_dict()``).
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import to_dict

MCO_PREFIX = "machineconfiguration.openshift.io/"
ROLE_LABEL = MCO_PREFIX + "role"
DESIRED_CONFIG_ANNOTATION = MCO_PREFIX + "desiredConfig"
CURRENT_CONFIG_ANNOTATION = MCO_PREFIX + "currentConfig"
STATE_ANNOTATION = MCO_PREFIX + "state"
REASON_ANNOTATION = MCO_PREFIX + "reason"
DESIRED_IMAGE_ANNOTATION = MCO_PREFIX + "desiredImage"
ZONE_LABEL = "topology.kubernetes.io/zone"

NODE_STATE_DONE = "Done"
NODE_STATE_WORKING = "Working"
NODE_STATE_DEGRADED = "Degraded"
NODE_STATE_UNRECONCILABLE = "Unreconcilable"
NODE_FAILED_STATES = (NODE_STATE_DEGRADED, NODE_STATE_UNRECONCILABLE)

# MachineConfigPool condition types (openshift/api MachineConfigPoolConditionType).
COND_UPDATED = "Updated"
COND_UPDATING = "Updating"
COND_DEGRADED = "Degraded"
COND_NODE_DEGRADED = "NodeDegraded"
COND_RENDER_DEGRADED = "RenderDegraded"
# Degraded causes that are neither a node nor the render.
OTHER_DEGRADED_CONDITIONS = (
    "ImageBuildDegraded",
    "PinnedImageSetsDegraded",
    "PoolSynchronizerDegraded",
)

MASTER_POOL = "master"
WORKER_POOL = "worker"


def _get(obj: Mapping, *path: str, default: Any = None) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return default
        obj = obj.get(key)
        if obj is None:
            return default
    return obj


@dataclass(frozen=True)
class Condition:
    type: str
    status: str = "Unknown"
    reason: str = ""
    message: str = ""
    last_transition_time: str | None = None

    @property
    def is_true(self) -> bool:
        return self.status == "True"

    @property
    def is_false(self) -> bool:
        return self.status == "False"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "last_transition_time": self.last_transition_time,
        }


@dataclass(frozen=True)
class Counts:
    machine: int = 0
    ready: int = 0
    updated: int = 0
    unavailable: int = 0
    degraded: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "machine": self.machine,
            "ready": self.ready,
            "updated": self.updated,
            "unavailable": self.unavailable,
            "degraded": self.degraded,
        }


@dataclass(frozen=True)
class Pool:
    """What the rollout predicate and the info module need from a MachineConfigPool."""

    name: str
    generation: int = 0
    observed_generation: int = 0
    paused: bool = False
    machine_config_selector: dict[str, Any] | None = None
    node_selector: dict[str, Any] | None = None
    max_unavailable: Any = None
    target_config: str | None = None
    current_config: str | None = None
    source: tuple[str, ...] = ()
    counts: Counts = field(default_factory=Counts)
    conditions: dict[str, Condition] = field(default_factory=dict)

    def condition(self, condition_type: str) -> Condition | None:
        return self.conditions.get(condition_type)

    def condition_true(self, condition_type: str) -> bool:
        cond = self.conditions.get(condition_type)
        return bool(cond and cond.is_true)

    def condition_false(self, condition_type: str) -> bool:
        cond = self.conditions.get(condition_type)
        return bool(cond and cond.is_false)

    @property
    def status_stale(self) -> bool:
        """True while the node controller has not yet written status for the current spec."""
        return self.observed_generation < self.generation


@dataclass(frozen=True)
class Node:
    """One node's MCO view: its annotations plus readiness."""

    name: str
    desired_config: str | None = None
    current_config: str | None = None
    state: str | None = None
    reason: str = ""
    ready: bool = False
    zone: str | None = None
    unschedulable: bool = False
    desired_image: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """The daemon reports Degraded or Unreconcilable."""
        return self.state in NODE_FAILED_STATES

    def is_updated_to(self, config: str | None) -> bool:
        """Counted as updated by the MCO: Done, current == desired == ``config``."""
        return bool(config) and self.state == NODE_STATE_DONE and self.current_config == self.desired_config == config

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "desired_config": self.desired_config,
            "current_config": self.current_config,
            "state": self.state,
            "reason": self.reason,
            "ready": self.ready,
            "zone": self.zone,
            "unschedulable": self.unschedulable,
        }

    def describe(self, target: str | None = None) -> str:
        """Short progress text, e.g. ``worker-1 (Working, rendered-a -> rendered-b)``;
        with ``target``, a node the node controller has not pointed at it yet says so."""
        state = self.state or "no state"
        if self.current_config == self.desired_config:
            configs = self.current_config or "no config"
        else:
            configs = "{} -> {}".format(
                self.current_config or "none",
                self.desired_config or "not targeted",
            )
        waiting = ""
        if target and self.desired_config != target:
            waiting = ", not yet targeted"
        return f"{self.name} ({state}, {configs}{waiting})"


def parse_conditions(conditions: Iterable[Mapping] | None) -> dict[str, Condition]:
    parsed = {}
    for cond in conditions or ():
        cond_type = cond.get("type")
        if not cond_type:
            continue
        parsed[cond_type] = Condition(
            type=cond_type,
            status=str(cond.get("status") or "Unknown"),
            reason=cond.get("reason") or "",
            message=cond.get("message") or "",
            last_transition_time=cond.get("lastTransitionTime"),
        )
    return parsed


def pool_from_object(obj: Any) -> Pool:
    """Build a Pool from a MachineConfigPool object."""
    obj = to_dict(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    spec_configuration = spec.get("configuration") or {}
    return Pool(
        name=_get(obj, "metadata", "name", default=""),
        generation=int(_get(obj, "metadata", "generation", default=0)),
        observed_generation=int(status.get("observedGeneration") or 0),
        paused=bool(spec.get("paused")),
        machine_config_selector=spec.get("machineConfigSelector"),
        node_selector=spec.get("nodeSelector"),
        max_unavailable=spec.get("maxUnavailable"),
        target_config=spec_configuration.get("name") or None,
        current_config=_get(status, "configuration", "name") or None,
        source=tuple(ref.get("name") for ref in spec_configuration.get("source") or () if ref.get("name")),
        counts=Counts(
            machine=int(status.get("machineCount") or 0),
            ready=int(status.get("readyMachineCount") or 0),
            updated=int(status.get("updatedMachineCount") or 0),
            unavailable=int(status.get("unavailableMachineCount") or 0),
            degraded=int(status.get("degradedMachineCount") or 0),
        ),
        conditions=parse_conditions(status.get("conditions")),
    )


def _node_ready(conditions: Iterable[Mapping]) -> bool:
    """NodeReady True and no DiskPressure/NetworkUnavailable (MCO CheckNodeReady, minus cordon)."""
    by_type = {c.get("type"): c.get("status") for c in conditions or ()}
    return (
        by_type.get("Ready") == "True"
        and by_type.get("DiskPressure") != "True"
        and by_type.get("NetworkUnavailable") != "True"
    )


def node_from_object(obj: Any) -> Node:
    """Build a Node from a core/v1 Node object."""
    obj = to_dict(obj)
    metadata = obj.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    labels = metadata.get("labels") or {}
    return Node(
        name=metadata.get("name", ""),
        desired_config=annotations.get(DESIRED_CONFIG_ANNOTATION) or None,
        current_config=annotations.get(CURRENT_CONFIG_ANNOTATION) or None,
        state=annotations.get(STATE_ANNOTATION) or None,
        reason=annotations.get(REASON_ANNOTATION) or "",
        ready=_node_ready(_get(obj, "status", "conditions", default=())),
        zone=labels.get(ZONE_LABEL),
        unschedulable=bool(_get(obj, "spec", "unschedulable", default=False)),
        desired_image=annotations.get(DESIRED_IMAGE_ANNOTATION) or None,
        labels=dict(labels),
    )


def as_pool(pool: Any) -> Pool:
    return pool if isinstance(pool, Pool) else pool_from_object(pool)


def as_node(node: Any) -> Node:
    return node if isinstance(node, Node) else node_from_object(node)


# --- label selectors (metav1.LabelSelector) --------------------------------------------


def selector_matches(selector: Mapping | None, labels: Mapping | None) -> bool:
    """Whether ``labels`` match a LabelSelector. A missing selector matches nothing and an
    empty one everything (metav1.LabelSelectorAsSelector)."""
    if selector is None:
        return False
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or ():
        key = expr.get("key")
        operator = expr.get("operator")
        values = expr.get("values") or []
        if operator == "In":
            if key not in labels or labels[key] not in values:
                return False
        elif operator == "NotIn":
            if key in labels and labels[key] in values:
                return False
        elif operator == "Exists":
            if key not in labels:
                return False
        elif operator == "DoesNotExist":
            if key in labels:
                return False
        else:
            raise ValueError(f"unknown label selector operator {operator!r}")
    return True


def selector_is_empty(selector: Mapping | None) -> bool:
    """An empty selector ({}) selects everything; the MCO then does nothing (SelectingAll)."""
    return selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")


def selector_to_string(selector: Mapping | None) -> str:
    """The API server's ``labelSelector`` query string for a LabelSelector."""
    parts = []
    for key, value in sorted((selector or {}).get("matchLabels", {}).items()):
        parts.append(f"{key}={value}")
    for expr in (selector or {}).get("matchExpressions") or ():
        key = expr.get("key")
        operator = expr.get("operator")
        values = ",".join(sorted(expr.get("values") or []))
        if operator == "In":
            parts.append(f"{key} in ({values})")
        elif operator == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif operator == "Exists":
            parts.append(key)
        elif operator == "DoesNotExist":
            parts.append("!" + key)
        else:
            raise ValueError(f"unknown label selector operator {operator!r}")
    return ",".join(parts)


# --- node ↔ pool membership ------------------------------------------------------------


def primary_pool_for_node(labels: Mapping, pools: Iterable[Any]) -> str | None:
    """The pool that manages a node with these labels, the MCO way (node controller
    ``getPoolsForNode``): one matching custom pool wins over ``worker``; ``master`` wins over
    ``worker``; pools with a missing or empty node selector select nothing. None if no
    pool, or an ambiguous set (several custom pools, or a custom pool plus master, which the
    MCO refuses to manage), matches."""
    matching = [
        p.name
        for p in (as_pool(p) for p in pools)
        if not selector_is_empty(p.node_selector) and selector_matches(p.node_selector, labels)
    ]
    custom = [name for name in matching if name not in (MASTER_POOL, WORKER_POOL)]
    if len(custom) > 1:
        return None
    if custom:
        return None if MASTER_POOL in matching else custom[0]
    if MASTER_POOL in matching:
        return MASTER_POOL
    if WORKER_POOL in matching:
        return WORKER_POOL
    return None


def nodes_of_pool(pool: Any, node_objects: Iterable[Any], all_pools: Iterable[Any] | None = None) -> list[Node]:
    """The nodes a pool manages, sorted by name. With ``all_pools``, nodes that another pool
    takes over (e.g. ``infra`` nodes that also carry the worker label) are left out, as the
    MCO does when it counts ``machineCount``."""
    pool = as_pool(pool)
    if selector_is_empty(pool.node_selector):
        return []
    pools = [as_pool(p) for p in all_pools] if all_pools is not None else None
    selected = []
    for node in (as_node(n) for n in node_objects):
        if not selector_matches(pool.node_selector, node.labels):
            continue
        if pools is not None and primary_pool_for_node(node.labels, pools) != pool.name:
            continue
        selected.append(node)
    return sorted(selected, key=lambda n: n.name)


# --- rendered MachineConfig --------------------------------------------------------------


def os_image_url_of(machine_config: Any) -> str | None:
    """``spec.osImageURL`` of a (rendered) MachineConfig, or None."""
    if machine_config is None:
        return None
    return _get(to_dict(machine_config), "spec", "osImageURL") or None
