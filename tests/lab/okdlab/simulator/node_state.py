"""Pure predicates on a Node object (a dict as the API returns it).

Mirrors MCO@main pkg/controller/common/layered_node_state.go (`CheckNodeReady`/`IsNodeReady`,
`IsNodeDone`, `IsNodeMCDFailing`, `IsUnavailableForUpdate`, `IsDone`) for non-layered pools
(research/mco-layering.md §4).
"""

from . import constants as c


def name(node):
    return node["metadata"]["name"]


def annotations(node):
    return node.get("metadata", {}).get("annotations") or {}


def labels(node):
    return node.get("metadata", {}).get("labels") or {}


def current_config(node):
    return annotations(node).get(c.CURRENT_CONFIG, "")


def desired_config(node):
    return annotations(node).get(c.DESIRED_CONFIG, "")


def state(node):
    return annotations(node).get(c.STATE, "")


def reason(node):
    return annotations(node).get(c.REASON, "")


def not_ready_reason(node):
    """None if the node is Ready for the MCO, else why (CheckNodeReady): NodeReady must be True,
    DiskPressure and NetworkUnavailable False (when reported), and the node schedulable."""
    for cond in (node.get("status") or {}).get("conditions") or []:
        ctype, status = cond.get("type"), cond.get("status")
        if ctype == "Ready" and status != "True":
            return f"node {name(node)} is reporting NotReady={status}"
        if ctype == "DiskPressure" and status != "False":
            return f"node {name(node)} is reporting OutOfDisk={status}"
        if ctype == "NetworkUnavailable" and status != "False":
            return f"node {name(node)} is reporting NetworkUnavailable={status}"
    if (node.get("spec") or {}).get("unschedulable"):
        return f"node {name(node)} is reporting Unschedulable"
    return None


def is_ready(node):
    return not_ready_reason(node) is None


def is_node_done(node):
    """currentConfig == desiredConfig (both set) and state Done (IsNodeDone)."""
    cur, des, st = current_config(node), desired_config(node), state(node)
    return bool(cur) and bool(des) and bool(st) and cur == des and st == c.STATE_DONE


def is_mcd_failing(node):
    """The daemon is in a terminal state towards another config (IsNodeMCDFailing)."""
    if current_config(node) == desired_config(node):
        return False
    return state(node) in (c.STATE_DEGRADED, c.STATE_UNRECONCILABLE)


def is_unavailable_for_update(node):
    """Not Ready, or not done and not failing (IsUnavailableForUpdate)."""
    if not is_ready(node):
        return True
    if is_node_done(node):
        return False
    return not is_mcd_failing(node)


def is_desired_equal_to_pool(node, target):
    """desiredConfig == pool target and, non-layered, no desiredImage annotation."""
    return desired_config(node) == target and c.DESIRED_IMAGE not in annotations(node)


def is_updated(node, target):
    """Counted in updatedMachineCount (LayeredNodeState.IsDone for a non-layered pool)."""
    return is_node_done(node) and is_desired_equal_to_pool(node, target)


def is_degraded(node):
    """Counted in degradedMachineCount (getDegradedMachines): state Degraded or Unreconcilable."""
    return state(node) in (c.STATE_DEGRADED, c.STATE_UNRECONCILABLE)
