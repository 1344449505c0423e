"""Node controller: which nodes a pool owns, maxUnavailable, candidates and their order, the
desiredConfig writes, the UpdateInProgress taint and the pool status write.

Follows MCO@main pkg/controller/node/node_controller.go (`syncMachineConfigPool`,
`getPoolsForNode`, `maxUnavailable`, `getAllCandidateMachines`, `updateCandidateMachines`,
`sortNodeList`, `setUpdateInProgressTaint`) and status.go `syncStatusOnly`
(research/mco-layering.md §4).  The functions above `NodeController` are pure.
"""

import logging
import re

from . import constants as c
from . import daemon, selectors
from . import node_state as ns
from . import status as pool_status

log = logging.getLogger("okdlab.simulator.node")


class MaxUnavailableError(ValueError):
    pass


def primary_pool_name(node, pools):
    """The pool that owns `node` (getPoolsForNode + getPrimaryPoolForNode): a single custom pool
    beats worker; master wins over worker; a node in two custom pools, or in master and a custom
    pool, belongs to none (the MCO logs an error for it)."""
    matched = [
        p
        for p in pools
        if not selectors.is_empty(p["spec"].get("nodeSelector"))
        and selectors.matches(p["spec"]["nodeSelector"], ns.labels(node))
    ]
    names = [p["metadata"]["name"] for p in matched]
    custom = [n for n in names if n not in (c.MASTER_POOL, c.WORKER_POOL)]
    if len(custom) > 1:
        return None
    if custom:
        return None if c.MASTER_POOL in names else custom[0]
    if c.MASTER_POOL in names:
        return c.MASTER_POOL
    if c.WORKER_POOL in names:
        return c.WORKER_POOL
    return None


def nodes_for_pool(pool, pools, nodes):
    return [n for n in nodes if primary_pool_name(n, pools) == pool["metadata"]["name"]]


_PERCENT = re.compile(r"^(-?\d+)%$")


def max_unavailable(pool, node_count):
    """intstr.GetScaledValueFromIntOrPercent(maxUnavailable or 1, nodes, roundUp=false); 0 -> 1."""
    value = pool["spec"].get("maxUnavailable")
    if value is None:
        value = 1
    if isinstance(value, bool):
        raise MaxUnavailableError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        result = value
    else:
        match = _PERCENT.match(str(value))
        if not match:
            raise MaxUnavailableError(
                f"invalid value {value!r} for IntOrString: invalid type: string is not a percentage"
            )
        result = int(match.group(1)) * node_count // 100
    return result if result != 0 else 1


def candidates_and_capacity(target, nodes, max_unavail):
    """getAllCandidateMachines for a non-layered pool: ([candidate nodes], capacity)."""
    unavailable = [n for n in nodes if ns.is_unavailable_for_update(n)]
    if len(unavailable) >= max_unavail:
        return [], 0
    capacity = max_unavail - len(unavailable)
    failing_this_config = 0
    candidates = []
    for node in nodes:
        if ns.is_desired_equal_to_pool(node, target):
            if ns.is_mcd_failing(node):
                failing_this_config += 1
            continue
        # ignore nodes that are mid-update or unschedulable
        if not ns.is_ready(node):
            continue
        candidates.append(node)
    # nodes failing to reach this config count against availability too
    if failing_this_config >= capacity:
        return [], 0
    return candidates, capacity - failing_this_config


def sort_nodes(nodes):
    """sortNodeList: by topology.kubernetes.io/zone, then oldest creationTimestamp; nodes without
    a zone last, oldest first (name breaks ties so the order is deterministic)."""

    def key(node):
        zone = ns.labels(node).get(c.ZONE_LABEL)
        created = node["metadata"].get("creationTimestamp", "")
        return (zone is None, zone or "", created, ns.name(node))

    return sorted(nodes, key=key)


def select_targets(target, nodes, max_unavail):
    """The nodes to point at `target` now (updateCandidateMachines): all candidates if they fit
    the capacity, else the first `capacity` in sortNodeList order."""
    candidates, capacity = candidates_and_capacity(target, nodes, max_unavail)
    if capacity < len(candidates):
        return sort_nodes(candidates)[:capacity]
    return candidates


def failing_elsewhere(target, nodes):
    """Simulator addition (not in the MCO): nodes whose daemon failed towards a config that is no
    longer the target.  The real node controller never re-targets them while they are cordoned
    (openshift/machine-config-operator#1443: recovery needs a manual annotation edit); the lab
    re-targets them so that deleting a bad MachineConfig recovers the pool."""
    return [n for n in nodes if ns.is_mcd_failing(n) and not ns.is_desired_equal_to_pool(n, target)]


def firstboot_config(pool):
    """The config a new node boots with: what the machine-config-server serves (the pool's
    status.configuration, else its target)."""
    return ((pool.get("status") or {}).get("configuration") or {}).get("name") or pool["spec"]["configuration"]["name"]


def taint_patch(node, want):
    """A merge patch adding/removing UpdateInProgress:PreferNoSchedule, or None if no change."""
    taints = list((node.get("spec") or {}).get("taints") or [])
    has = any(
        t.get("key") == c.UPDATE_IN_PROGRESS_TAINT_KEY and t.get("effect") == c.UPDATE_IN_PROGRESS_TAINT_EFFECT
        for t in taints
    )
    if want == has:
        return None
    if want:
        taints.append({"key": c.UPDATE_IN_PROGRESS_TAINT_KEY, "effect": c.UPDATE_IN_PROGRESS_TAINT_EFFECT})
    else:
        taints = [
            t
            for t in taints
            if not (
                t.get("key") == c.UPDATE_IN_PROGRESS_TAINT_KEY and t.get("effect") == c.UPDATE_IN_PROGRESS_TAINT_EFFECT
            )
        ]
    return {"spec": {"taints": taints or None}}


class NodeController:
    """The loop half: acts on one pool per call with a snapshot of pools and nodes."""

    def __init__(self, kube, retarget_failing=True, control_plane_topology=None):
        self.kube = kube
        self.retarget_failing = retarget_failing
        # Infrastructure status.controlPlaneTopology, stamped on every node of a pool
        # (node_controller.go setClusterConfigAnnotation); None: no Infrastructure, no stamp
        self.control_plane_topology = control_plane_topology

    def sync_nodes(self, pool, pools, nodes):
        """Firstboot, taints, desiredConfig; True if any node was patched."""
        spec = pool.get("spec") or {}
        name = pool["metadata"]["name"]
        if selectors.is_empty(spec.get("nodeSelector")):
            return False  # SelectingAll
        target = (spec.get("configuration") or {}).get("name")
        if not target:
            return False  # the renderer has not initialised the pool yet
        mine = nodes_for_pool(pool, pools, nodes)
        if self._firstboot(pool, mine):
            return True  # act on fresh node objects next tick
        patched = False
        if self.control_plane_topology:
            for node in mine:
                if ns.annotations(node).get(c.CONTROL_PLANE_TOPOLOGY) != self.control_plane_topology:
                    self.kube.patch_node(
                        ns.name(node), _annotation_patch(c.CONTROL_PLANE_TOPOLOGY, self.control_plane_topology)
                    )
                    patched = True
        if spec.get("paused"):
            return False
        for node in mine:
            patch = taint_patch(node, not ns.is_desired_equal_to_pool(node, target))
            if patch:
                self.kube.patch_node(ns.name(node), patch)
                patched = True
        if self.retarget_failing:
            failing = failing_elsewhere(target, mine)
            for node in failing:
                log.info(
                    "pool %s: re-targeting failing node %s (%s: %s) to %s",
                    name,
                    ns.name(node),
                    ns.state(node),
                    ns.desired_config(node),
                    target,
                )
                self.kube.patch_node(ns.name(node), _desired_patch(target))
            if failing:
                return True  # recompute availability with the re-targeted nodes next tick
        try:
            limit = max_unavailable(pool, len(mine))
        except MaxUnavailableError as e:
            log.warning("pool %s: %s", name, e)
            return patched
        targets = select_targets(target, mine, limit)
        for node in targets:
            log.info("pool %s: setting node %s target to MachineConfig %s", name, ns.name(node), target)
            self.kube.patch_node(ns.name(node), _desired_patch(target))
        if len(targets) == 1:
            log.info("pool %s: Targeted node %s to MachineConfig %s", name, ns.name(targets[0]), target)
        elif targets:
            log.info("pool %s: Set target for %d nodes to MachineConfig %s", name, len(targets), target)
        return patched or bool(targets)

    def firstboot(self, pools, nodes):
        """Firstboot for every pool's new nodes (the node half alone, beside a real node
        controller); True if any node was patched."""
        patched = False
        for pool in pools:
            if (pool.get("spec") or {}).get("configuration", {}).get("name") or (
                (pool.get("status") or {}).get("configuration") or {}
            ).get("name"):
                patched = self._firstboot(pool, nodes_for_pool(pool, pools, nodes)) or patched
        return patched

    def _firstboot(self, pool, mine):
        """A freshly provisioned node: the machine-config-server served the pool's config and the
        MCD's firstboot applied it (machine-config-daemon-firstboot.service)."""
        patched = False
        for node in mine:
            if not ns.current_config(node):
                config = firstboot_config(pool)
                log.info("pool %s: node %s joined with %s (firstboot)", pool["metadata"]["name"], ns.name(node), config)
                self.kube.patch_node(ns.name(node), daemon.firstboot_patch(config))
                patched = True
        return patched

    def sync_status(self, pool, pools, nodes, cc):
        """syncStatusOnly: compute and write status through /status when it changed."""
        spec = pool.get("spec") or {}
        if selectors.is_empty(spec.get("nodeSelector")) or not (spec.get("configuration") or {}).get("name"):
            return pool
        mine = nodes_for_pool(pool, pools, nodes)
        new = pool_status.calculate_status(pool, mine, pool_status.now_rfc3339(), cc)
        if not pool_status.status_changed(pool.get("status"), new):
            return pool
        body = dict(pool, status=new)
        written = self.kube.replace_pool_status(body)
        if written is None:
            return pool  # conflict: recomputed next tick
        _log_status_change(pool, new)
        return written


def _annotation_patch(key, value):
    return {"metadata": {"annotations": {key: value}}}


def _desired_patch(target):
    return _annotation_patch(c.DESIRED_CONFIG, target)


def _log_status_change(pool, new):
    old = {x["type"]: x["status"] for x in (pool.get("status") or {}).get("conditions") or []}
    cur = {x["type"]: x["status"] for x in new["conditions"]}
    flips = [f"{t}={s}" for t, s in cur.items() if old.get(t) != s]
    log.info(
        "pool %s status: updated %d/%d ready %d unavailable %d degraded %d%s",
        pool["metadata"]["name"],
        new["updatedMachineCount"],
        new["machineCount"],
        new["readyMachineCount"],
        new["unavailableMachineCount"],
        new["degradedMachineCount"],
        (" (" + ", ".join(flips) + ")") if flips else "",
    )
