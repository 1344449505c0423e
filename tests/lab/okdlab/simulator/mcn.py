"""MachineConfigNode objects as the machine-config-daemon keeps them (pure part).

The MCD creates one MachineConfigNode per node and reports its update phases as conditions
(MCO pkg/upgrademonitor/upgrade_monitor.go GenerateAndApplyMachineConfigNodes; the messages
from pkg/daemon/daemon.go and update.go reportMachineNodeDegradeStatus).  The real node
controller counts a node as degraded, and quotes its reason in the pool's NodeDegraded
condition, from the MCN's `NodeDegraded` condition (pkg/controller/node/status.go
calculateStatus), so the lab's daemon stand-in writes the conditions that matter there:
`Updated` and `NodeDegraded`.  The phase conditions (UpdatePrepared, Drained, Rebooted, ...)
are created with the MCD's defaults and left there.
"""

# the condition types the MCD creates (ImageModeStatusReporting off: the Default feature set)
ALL_CONDITION_TYPES = (
    "UpdatePrepared",
    "UpdateExecuted",
    "UpdatePostActionComplete",
    "UpdateComplete",
    "Resumed",
    "Drained",
    "AppliedFilesAndOS",
    "Cordoned",
    "RebootedNode",
    "Updated",
    "Uncordoned",
    "NodeDegraded",
    "PinnedImageSetsDegraded",
    "PinnedImageSetsProgressing",
)
UPDATED = "Updated"
NODE_DEGRADED = "NodeDegraded"


def new_machine_config_node(node_name, pool_name, desired):
    """The MCN the MCD creates for a node (spec only; status is written separately)."""
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfigNode",
        "metadata": {"name": node_name},
        "spec": {
            "node": {"name": node_name},
            "pool": {"name": pool_name},
            "configVersion": {"desired": desired or "NotYetSet"},
        },
    }


def _condition(ctype, status, reason, message, now):
    return {"type": ctype, "status": status, "reason": reason, "message": message, "lastTransitionTime": now}


def with_condition(conditions, ctype, status, message, now, reason=None):
    """`conditions` with `ctype` set; a first write creates every type with the MCD's default
    ("This node has not yet entered the <type> phase", reason NotYetOccurred)."""
    new = _condition(ctype, status, reason or ctype, message, now)
    if not conditions:
        out = [new]
        for other in ALL_CONDITION_TYPES:
            if other != ctype:
                out.append(
                    _condition(
                        other, "False", "NotYetOccurred", f"This node has not yet entered the {other} phase", now
                    )
                )
        return out
    out = [c for c in conditions if c.get("type") != ctype]
    index = next((i for i, c in enumerate(conditions) if c.get("type") == ctype), len(out))
    out.insert(index, new)
    return out


def needs_update(node_name):
    return (UPDATED, "False", f"Node {node_name} needs an update")


def updated(node_name):
    return (UPDATED, "True", f"Node {node_name} Updated")


def degraded(node_name, error):
    """reportMachineNodeDegradeStatus with an error."""
    return (NODE_DEGRADED, "True", f"Node {node_name} upgrade failure. {error}")


def not_degraded(node_name):
    return (NODE_DEGRADED, "False", f"Node {node_name} upgrade succeeded")
