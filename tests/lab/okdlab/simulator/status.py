"""Pure MachineConfigPool status calculation.

Follows MCO@main pkg/controller/node/status.go `calculateStatus` with the node-annotation
counting (`getUpdatedMachines`, `getReadyMachines`, `getUnavailableMachines`,
`getDegradedMachines`) and pkg/apihelpers/apihelpers.go `SetMachineConfigPoolCondition`
(research/mco-layering.md §2 table, §4).
"""

import copy
import datetime

from . import constants as c
from . import node_state as ns


def now_rfc3339():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def get_condition(conditions, ctype):
    for cond in conditions or []:
        if cond.get("type") == ctype:
            return cond
    return None


def is_condition_true(conditions, ctype):
    cond = get_condition(conditions, ctype)
    return cond is not None and cond.get("status") == "True"


def set_condition(conditions, ctype, status, reason, message, now):
    """SetMachineConfigPoolCondition: an identical condition is left alone; lastTransitionTime
    is kept while the status does not flip; the changed condition moves to the end."""
    current = get_condition(conditions, ctype)
    if current is not None and (current.get("status"), current.get("reason", ""), current.get("message", "")) == (
        status,
        reason,
        message,
    ):
        return list(conditions)
    transition = now
    if current is not None and current.get("status") == status:
        transition = current.get("lastTransitionTime") or now
    new = {"type": ctype, "status": status, "lastTransitionTime": transition, "reason": reason, "message": message}
    return [x for x in conditions or [] if x.get("type") != ctype] + [new]


def pool_update_line(pool):
    """getPoolUpdateLine for a non-layered pool."""
    return f"MachineConfig {pool['spec']['configuration']['name']}"


def cert_expirys(cc):
    """certExpirys from ControllerConfig status.controllerCertificates (KubeAPIServerServingCAData)."""
    out = []
    for cert in ((cc or {}).get("status") or {}).get("controllerCertificates") or []:
        if cert.get("bundleFile") == "KubeAPIServerServingCAData":
            out.append(
                {"bundle": cert["bundleFile"], "subject": cert.get("subject", ""), "expiry": cert.get("notAfter")}
            )
    return out


def counts(pool, nodes):
    """(machine, updated, ready, unavailable, degraded) node lists for `pool`'s nodes."""
    target = pool["spec"]["configuration"]["name"]
    updated = [n for n in nodes if ns.is_updated(n, target)]
    ready = [n for n in updated if ns.is_ready(n)]
    unavailable = [n for n in nodes if ns.is_unavailable_for_update(n)]
    degraded = [n for n in nodes if ns.is_degraded(n)]
    return nodes, updated, ready, unavailable, degraded


def calculate_status(pool, nodes, now, cc=None):
    """The new `status` for `pool` given its nodes; `now` stamps changed conditions."""
    old = pool.get("status") or {}
    machines, updated, ready, unavailable, degraded = counts(pool, nodes)
    status = {
        "observedGeneration": pool["metadata"].get("generation", 0),
        "machineCount": len(machines),
        "updatedMachineCount": len(updated),
        "readyMachineCount": len(ready),
        "unavailableMachineCount": len(unavailable),
        "degradedMachineCount": len(degraded),
        "certExpirys": cert_expirys(cc),
        # status.go: one synchronizer, PinnedImageSets; its updated count comes from the
        # MachineConfigNodes' pinned-image conditions, which no daemon here writes (0)
        "poolSynchronizersStatus": [
            {
                "poolSynchronizerType": "PinnedImageSets",
                "machineCount": len(machines),
                "updatedMachineCount": 0,
                "readyMachineCount": len(ready),
                "unavailableMachineCount": len(unavailable),
                "availableMachineCount": len(machines) - len(unavailable),
            }
        ],
    }
    if old.get("configuration"):
        status["configuration"] = copy.deepcopy(old["configuration"])
    conditions = copy.deepcopy(old.get("conditions") or [])
    if get_condition(conditions, c.COND_PINNED_IMAGE_SETS_DEGRADED) is None:
        # the pinned-image-set controller reports every pool it sees (pkg/controller/pinnedimageset)
        conditions = set_condition(conditions, c.COND_PINNED_IMAGE_SETS_DEGRADED, "False", "", "", now)
    line = pool_update_line(pool)
    total = len(machines)
    if len(updated) == total and len(ready) == total and not unavailable:
        conditions = set_condition(conditions, c.COND_UPDATED, "True", "", f"All nodes are updated with {line}", now)
        conditions = set_condition(conditions, c.COND_UPDATING, "False", "", "", now)
        spec_conf = pool["spec"]["configuration"]
        old_conf = status.get("configuration") or {}
        if old_conf.get("name") != spec_conf.get("name") or old_conf.get("source") != spec_conf.get("source"):
            status["configuration"] = copy.deepcopy(spec_conf)
    else:
        conditions = set_condition(conditions, c.COND_UPDATED, "False", "", "", now)
        if pool["spec"].get("paused"):
            conditions = set_condition(
                conditions, c.COND_UPDATING, "False", "", f"Pool is paused; will not update to {line}", now
            )
        else:
            conditions = set_condition(
                conditions, c.COND_UPDATING, "True", "", f"All nodes are updating to {line}", now
            )
    node_degraded_message = ", ".join(degraded_reasons(degraded))
    if degraded:
        conditions = set_condition(
            conditions,
            c.COND_NODE_DEGRADED,
            "True",
            f"{len(degraded)} nodes are reporting degraded status on sync",
            node_degraded_message,
            now,
        )
    else:
        conditions = set_condition(conditions, c.COND_NODE_DEGRADED, "False", "", "", now)
    render_degraded = is_condition_true(conditions, c.COND_RENDER_DEGRADED)
    build_degraded = is_condition_true(conditions, c.COND_IMAGE_BUILD_DEGRADED)
    pis_degraded = is_condition_true(conditions, c.COND_PINNED_IMAGE_SETS_DEGRADED)
    if degraded or render_degraded or build_degraded or pis_degraded:
        message = node_degraded_message if degraded else ("Custom OS image build failed" if build_degraded else "")
        conditions = set_condition(conditions, c.COND_DEGRADED, "True", "", message, now)
    else:
        conditions = set_condition(conditions, c.COND_DEGRADED, "False", "", "", now)
    status["conditions"] = conditions
    return status


def degraded_reasons(degraded):
    """The pool's NodeDegraded message parts, as calculateStatus builds them: first the
    MachineConfigNode NodeDegraded message of every degraded node (the MCD writes
    "Node <n> upgrade failure. <error>"; pkg/daemon/update.go reportMachineNodeDegradeStatus),
    then the reason annotation of each (status.go: both quoted with %q)."""
    degraded = sorted((n for n in degraded if ns.reason(n)), key=ns.name)
    from_mcn = [
        f"Node {ns.name(n)} is reporting: {go_quote(f'Node {ns.name(n)} upgrade failure. {ns.reason(n)}')}"
        for n in degraded
    ]
    from_node = [f"Node {ns.name(n)} is reporting: {go_quote(ns.reason(n))}" for n in degraded]
    return from_mcn + from_node


def status_changed(old, new):
    """Whether writing `new` changes anything (syncStatusOnly compares before UpdateStatus)."""
    return (old or {}) != new


def go_quote(text):
    """Go's %q for the common case (printable text): double quotes, escaped \\ and \"."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'
