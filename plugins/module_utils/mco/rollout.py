# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout predicate: is a MachineConfigPool done with a change, still on its way,
waiting for the render, paused, or failing?

This is the collection's only implementation of it (judged as the MCO's node controller
counts a pool: openshift/machine-config-operator pkg/controller/node/status.go); the info module, the waiter and os_image_override all call :func:`evaluate`.
Pure function of one snapshot: no I/O, no clock.

Order of the checks:

1. ``RenderDegraded=True``  -> ``degraded`` (the render failed; its message says why).
2. The render has not produced what the caller expects -> ``render_pending``:
   no ``spec.configuration.name`` yet; ``expect_source`` not (or ``expect_absent_source``
   still) in ``spec.configuration.source``; the target rendered MachineConfig is not the
   one given or its ``spec.osImageURL`` is not ``expected_os_image``. The render
   controller renders paused pools too, so this comes before ``paused``.
3. Rollout done <=> ``status.observedGeneration >= metadata.generation``,
   ``status.configuration.name == spec.configuration.name``, ``Updated=True``,
   ``Updating=False``, ``Degraded=False``, updated == ready == machineCount,
   degraded == unavailable == 0 and, when nodes are given, every node Done on the target
   -> ``done`` (a paused pool that is already there is done too).
4. Otherwise ``degraded`` when a node fails toward the target config (state Degraded or
   Unreconcilable, desiredConfig == target, currentConfig != target), or when the pool's
   up-to-date status says ImageBuildDegraded/PinnedImageSetsDegraded/
   PoolSynchronizerDegraded, or (only without nodes) NodeDegraded/Degraded; then
   ``paused`` when ``spec.paused``; else ``progressing``.

Stale failures are not failures: a pool status older than the spec
(``observedGeneration < generation``), a node still Degraded on an older desiredConfig,
or a node Degraded although it is already on the target (the daemon re-validating after
a rollback) only make the verdict ``progressing``, with the old reason in ``reasons``.
Pass the nodes whenever possible: node annotations are live, pool counts and conditions
lag behind them.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import (
    COND_DEGRADED,
    COND_NODE_DEGRADED,
    COND_RENDER_DEGRADED,
    COND_UPDATED,
    COND_UPDATING,
    OTHER_DEGRADED_CONDITIONS,
    Node,
    Pool,
    as_node,
    as_pool,
    os_image_url_of,
    to_dict,
)

STATE_DONE = "done"
STATE_PROGRESSING = "progressing"
STATE_RENDER_PENDING = "render_pending"
STATE_PAUSED = "paused"
STATE_DEGRADED = "degraded"

STATES = (STATE_DONE, STATE_PROGRESSING, STATE_RENDER_PENDING, STATE_PAUSED, STATE_DEGRADED)
# A waiter stops on these: done is success; degraded fails fast; paused never moves on
# its own, so it is reported instead of waited on.
FINAL_STATES = frozenset((STATE_DONE, STATE_DEGRADED, STATE_PAUSED))


@dataclass(frozen=True)
class DegradedNode:
    name: str
    state: str
    reason: str
    desired_config: str | None
    current_config: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "reason": self.reason,
            "desired_config": self.desired_config,
            "current_config": self.current_config,
        }


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`evaluate`.

    ``state`` is one of :data:`STATES`; ``message`` is one sentence for a human;
    ``reasons`` lists every condition of "done" that does not hold (empty when done);
    ``pending_nodes`` names the nodes not yet Done on the target (only when nodes were
    given); ``degraded_nodes`` the nodes failing toward the target.
    """

    state: str
    message: str
    reasons: tuple[str, ...] = ()
    pool: str = ""
    target_config: str | None = None
    current_config: str | None = None
    render_done: bool = False
    pending_nodes: tuple[str, ...] = ()
    degraded_nodes: tuple[DegradedNode, ...] = ()

    @property
    def done(self) -> bool:
        return self.state == STATE_DONE

    @property
    def failed(self) -> bool:
        return self.state == STATE_DEGRADED

    @property
    def final(self) -> bool:
        """Whether waiting longer cannot change the verdict by itself."""
        return self.state in FINAL_STATES

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "done": self.done,
            "message": self.message,
            "reasons": list(self.reasons),
            "render_done": self.render_done,
            "target_config": self.target_config,
            "current_config": self.current_config,
            "pending_nodes": list(self.pending_nodes),
            "degraded_nodes": [n.as_dict() for n in self.degraded_nodes],
        }


def _render_reasons(
    pool: Pool,
    expect_source: str | None,
    expect_absent_source: str | None,
    rendered_config: Any,
    expected_os_image: str | None,
) -> list[str]:
    reasons = []
    if not pool.target_config:
        reasons.append(f"pool {pool.name} has no rendered configuration yet (spec.configuration.name is empty)")
    if expect_source and expect_source not in pool.source:
        reasons.append(f"MachineConfig {expect_source} is not yet in spec.configuration.source of pool {pool.name}")
    if expect_absent_source and expect_absent_source in pool.source:
        reasons.append(
            f"MachineConfig {expect_absent_source} is still in spec.configuration.source of pool {pool.name}"
        )
    if expected_os_image is not None and pool.target_config:
        rendered = to_dict(rendered_config) if rendered_config is not None else None
        rendered_name = ((rendered or {}).get("metadata") or {}).get("name")
        if rendered is None:
            reasons.append(f"target rendered config {pool.target_config} was not read")
        elif rendered_name != pool.target_config:
            reasons.append(f"rendered config {rendered_name} is not the pool's target {pool.target_config}")
        else:
            actual = os_image_url_of(rendered)
            if actual != expected_os_image:
                reasons.append(
                    "target rendered config {} has osImageURL {}, expected {}".format(
                        pool.target_config, actual or "(none)", expected_os_image
                    )
                )
    return reasons


def _condition_reasons(pool: Pool) -> list[str]:
    reasons = []
    for cond_type, wanted in ((COND_UPDATED, "True"), (COND_UPDATING, "False"), (COND_DEGRADED, "False")):
        cond = pool.condition(cond_type)
        status = cond.status if cond else "missing"
        if status != wanted:
            text = f"condition {cond_type} is {status}, not {wanted}"
            if cond and cond.message:
                text += ": " + cond.message
            reasons.append(text)
    return reasons


def _count_reasons(pool: Pool) -> list[str]:
    counts = pool.counts
    reasons = []
    if not counts.updated == counts.ready == counts.machine:
        reasons.append(f"{counts.updated} of {counts.machine} machines updated, {counts.ready} ready")
    if counts.degraded:
        reasons.append(f"{counts.degraded} machines degraded")
    if counts.unavailable:
        reasons.append(f"{counts.unavailable} machines unavailable")
    return reasons


def _pool_degraded_messages(pool: Pool, nodes_known: bool) -> list[str]:
    """Failure messages from the pool's conditions (trusted only when the status is current).
    When the nodes are known, their live annotations decide about node failures, and only
    the other causes (image build, pinned image sets, pool synchronizer) count here."""
    messages = []
    cond_types = OTHER_DEGRADED_CONDITIONS
    if not nodes_known:
        cond_types = (COND_NODE_DEGRADED, *cond_types)
    for cond_type in cond_types:
        cond = pool.condition(cond_type)
        if cond and cond.is_true:
            messages.append("{}: {}".format(cond_type, cond.message or cond.reason or "no message"))
    if nodes_known:
        return messages
    if not messages and pool.condition_true(COND_DEGRADED):
        cond = pool.condition(COND_DEGRADED)
        messages.append(f"Degraded: {cond.message or cond.reason or 'no message'}")
    if not messages and pool.counts.degraded:
        messages.append(f"{pool.counts.degraded} machines degraded")
    return messages


def evaluate(
    pool: Any,
    nodes: Iterable[Any] | None = None,
    *,
    expect_source: str | None = None,
    expect_absent_source: str | None = None,
    rendered_config: Any = None,
    expected_os_image: str | None = None,
) -> Verdict:
    """Judge one snapshot of a pool (and optionally its nodes).

    :param pool: a MachineConfigPool object (dict or ResourceInstance) or a :class:`Pool`.
    :param nodes: the pool's nodes (Node objects or :class:`Node`), or None when unknown.
        Give only the nodes the pool manages (see ``pool.nodes_of_pool``).
    :param expect_source: a MachineConfig name that must be in ``spec.configuration.source``
        (after creating or changing it).
    :param expect_absent_source: a MachineConfig name that must no longer be there (after
        deleting it: the rollback).
    :param rendered_config: the MachineConfig named by ``spec.configuration.name``; needed
        with ``expected_os_image``.
    :param expected_os_image: the ``spec.osImageURL`` the target rendered config must have
        (the override image, or on rollback the default OS image).
    """
    pool = as_pool(pool)
    node_list: list[Node] | None = None if nodes is None else [as_node(n) for n in nodes]
    target = pool.target_config
    base = dict(pool=pool.name, target_config=target, current_config=pool.current_config)

    render_reasons = _render_reasons(pool, expect_source, expect_absent_source, rendered_config, expected_os_image)
    render_done = not render_reasons

    # 1. the render failed
    if pool.condition_true(COND_RENDER_DEGRADED):
        cond = pool.condition(COND_RENDER_DEGRADED)
        failure = "RenderDegraded: %s" % (cond.message or cond.reason or "no message")
        return Verdict(
            state=STATE_DEGRADED,
            message="Pool {} cannot render its configuration: {}".format(
                pool.name, cond.message or cond.reason or "RenderDegraded=True"
            ),
            reasons=(failure, *render_reasons),
            render_done=render_done,
            **base,
        )

    # 2. the render has not produced what we expect yet
    if render_reasons:
        return Verdict(
            state=STATE_RENDER_PENDING,
            message=f"Pool {pool.name} has not rendered the change yet: {render_reasons[0]}",
            reasons=tuple(render_reasons),
            render_done=False,
            **base,
        )

    # 3. rollout done?
    reasons: list[str] = []
    if pool.status_stale:
        reasons.append(
            f"status.observedGeneration {pool.observed_generation} < metadata.generation {pool.generation}: "
            "the pool's status does not reflect its spec yet"
        )
    if pool.current_config != target:
        reasons.append("status.configuration.name is {}, target is {}".format(pool.current_config or "(none)", target))
    reasons.extend(_condition_reasons(pool))
    reasons.extend(_count_reasons(pool))

    pending: list[Node] = []
    failing: list[Node] = []
    if node_list is not None:
        for node in node_list:
            if node.is_updated_to(target):
                continue
            pending.append(node)
            if node.failed:
                if node.desired_config == target and node.current_config != target:
                    failing.append(node)
                elif node.desired_config != target:
                    reasons.append(
                        "node {} is {} on an older target {} (not yet retargeted): {}".format(
                            node.name, node.state, node.desired_config, node.reason or "no reason"
                        )
                    )
                else:
                    reasons.append(
                        "node {} is still {} although it is on the target {} "
                        "(the daemon has not re-validated it yet): {}".format(
                            node.name, node.state, target, node.reason or "no reason"
                        )
                    )
        if pending:
            reasons.append(
                f"{len(pending)} of {len(node_list)} nodes not yet Done on {target}: "
                + ", ".join(n.describe(target) for n in pending)
            )

    pending_names = tuple(n.name for n in pending)
    degraded_nodes = tuple(
        DegradedNode(n.name, n.state or "", n.reason, n.desired_config, n.current_config) for n in failing
    )
    updated_nodes = len(node_list) - len(pending) if node_list is not None else pool.counts.updated
    total_nodes = len(node_list) if node_list is not None else pool.counts.machine

    if not reasons:
        return Verdict(
            state=STATE_DONE,
            message=f"Pool {pool.name} is updated to {target} on all {total_nodes} nodes"
            + (" (the pool is paused)." if pool.paused else "."),
            render_done=True,
            **base,
        )

    # 4. failing, paused or on its way
    if failing:
        failures = ["node {} is reporting {}: {}".format(n.name, n.state, n.reason or "no reason") for n in failing]
        return Verdict(
            state=STATE_DEGRADED,
            message="Pool {} is degraded updating to {}: {}".format(pool.name, target, "; ".join(failures)),
            reasons=tuple(failures + reasons),
            render_done=True,
            pending_nodes=pending_names,
            degraded_nodes=degraded_nodes,
            **base,
        )
    if not pool.status_stale:
        failures = _pool_degraded_messages(pool, nodes_known=node_list is not None)
        if failures:
            return Verdict(
                state=STATE_DEGRADED,
                message="Pool {} is degraded updating to {}: {}".format(pool.name, target, "; ".join(failures)),
                reasons=tuple(failures + reasons),
                render_done=True,
                pending_nodes=pending_names,
                **base,
            )
    if pool.paused:
        return Verdict(
            state=STATE_PAUSED,
            message=f"Pool {pool.name} is paused with {updated_nodes} of {total_nodes} nodes updated to {target}; "
            "set spec.paused to false to roll out.",
            reasons=(f"pool {pool.name} is paused (spec.paused: true)", *reasons),
            render_done=True,
            pending_nodes=pending_names,
            **base,
        )
    if node_list is not None and pending:
        progress = "pending: {}".format(", ".join(n.describe(target) for n in pending))
    else:
        progress = reasons[0]
    return Verdict(
        state=STATE_PROGRESSING,
        message=f"Pool {pool.name} is rolling out {target}: {updated_nodes} of {total_nodes} nodes updated; {progress}",
        reasons=tuple(reasons),
        render_done=True,
        pending_nodes=pending_names,
        **base,
    )
