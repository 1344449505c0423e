# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout predicate over the stages of an osImageURL override and its rollback."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import (
    node_from_object,
    pool_from_object,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.rollout import (
    FINAL_STATES,
    STATE_DEGRADED,
    STATE_DONE,
    STATE_PAUSED,
    STATE_PROGRESSING,
    STATE_RENDER_PENDING,
    STATES,
    Verdict,
    evaluate,
)

DAEMON_ERROR = (
    "failed to update OS to registry.example.com/os/layered@sha256:bbbb after retries: "
    "error running rpm-ostree rebase --experimental ostree-unverified-registry:"
    "registry.example.com/os/layered@sha256:bbbb: error: manifest unknown: exit status 1"
)


def three_nodes(mco, states):
    """Nodes worker-0..2 from (desired, current, state, reason) tuples."""
    return [mco.node(f"worker-{i}", desired=d, current=c, state=s, reason=r) for i, (d, c, s, r) in enumerate(states)]


# --- done ------------------------------------------------------------------------------


def test_done_with_nodes_and_expectations(mco):
    verdict = evaluate(
        mco.pool(),
        three_nodes(mco, [(mco.NEW, mco.NEW, "Done", "")] * 3),
        expect_source=mco.OVERRIDE_MC,
        rendered_config=mco.rendered(mco.NEW, mco.LAYERED_IMAGE),
        expected_os_image=mco.LAYERED_IMAGE,
    )
    assert verdict.state == STATE_DONE
    assert verdict.done and verdict.final and not verdict.failed
    assert verdict.render_done
    assert verdict.reasons == ()
    assert verdict.pending_nodes == ()
    assert verdict.message == f"Pool worker is updated to {mco.NEW} on all 3 nodes."


def test_done_from_pool_status_alone(mco):
    verdict = evaluate(mco.pool())
    assert verdict.state == STATE_DONE


def test_empty_pool_is_trivially_done(mco):
    verdict = evaluate(mco.pool(machine=0), [])
    assert verdict.state == STATE_DONE
    assert "all 0 nodes" in verdict.message


def test_paused_pool_that_is_already_there_is_done(mco):
    verdict = evaluate(mco.pool(paused=True), three_nodes(mco, [(mco.NEW, mco.NEW, "Done", "")] * 3))
    assert verdict.state == STATE_DONE
    assert "paused" in verdict.message


def test_accepts_models_and_resource_instances(mco):
    class ResourceInstanceLike:
        def __init__(self, obj):
            self._obj = obj

        def to_dict(self):
            return self._obj

    nodes = three_nodes(mco, [(mco.NEW, mco.NEW, "Done", "")] * 3)
    by_model = evaluate(pool_from_object(mco.pool()), [node_from_object(n) for n in nodes])
    by_instance = evaluate(ResourceInstanceLike(mco.pool()), [ResourceInstanceLike(n) for n in nodes])
    assert by_model == by_instance
    assert by_model.state == STATE_DONE


# --- render ----------------------------------------------------------------------------


def test_before_render_our_mc_not_in_source(mco):
    """The override MC exists, the render controller has not merged it: the pool still
    looks perfectly done on the old config, which is the race a bare Updated=True wait loses."""
    pool = mco.pool(target=mco.OLD, current=mco.OLD, source=mco.BASE_SOURCE)
    nodes = three_nodes(mco, [(mco.OLD, mco.OLD, "Done", "")] * 3)
    verdict = evaluate(pool, nodes, expect_source=mco.OVERRIDE_MC)
    assert verdict.state == STATE_RENDER_PENDING
    assert not verdict.render_done and not verdict.final
    assert verdict.reasons == (
        f"MachineConfig {mco.OVERRIDE_MC} is not yet in spec.configuration.source of pool worker",
    )
    # without the expectation the same snapshot is done: the predicate needs it
    assert evaluate(pool, nodes).state == STATE_DONE


def test_render_pending_when_pool_never_rendered(mco):
    verdict = evaluate(mco.pool(target=None, current=None, machine=0))
    assert verdict.state == STATE_RENDER_PENDING
    assert "spec.configuration.name is empty" in verdict.reasons[0]


def test_render_pending_when_mc_changed_but_not_rerendered(mco):
    """Changing the image of an existing override MC: its name is in source already, so
    only the rendered config's osImageURL tells whether the render caught up."""
    other_image = "registry.example.com/os/layered@sha256:" + "c" * 64
    verdict = evaluate(
        mco.pool(),
        three_nodes(mco, [(mco.NEW, mco.NEW, "Done", "")] * 3),
        expect_source=mco.OVERRIDE_MC,
        rendered_config=mco.rendered(mco.NEW, mco.LAYERED_IMAGE),
        expected_os_image=other_image,
    )
    assert verdict.state == STATE_RENDER_PENDING
    assert verdict.reasons == (
        f"target rendered config {mco.NEW} has osImageURL {mco.LAYERED_IMAGE}, expected {other_image}",
    )


def test_render_pending_when_rendered_config_missing_or_stale(mco):
    pool = mco.pool()
    missing = evaluate(pool, expected_os_image=mco.LAYERED_IMAGE)
    assert missing.state == STATE_RENDER_PENDING
    assert missing.reasons == (f"target rendered config {mco.NEW} was not read",)
    stale = evaluate(
        pool, rendered_config=mco.rendered(mco.OLD, mco.LAYERED_IMAGE), expected_os_image=mco.LAYERED_IMAGE
    )
    assert stale.state == STATE_RENDER_PENDING
    assert "is not the pool's target" in stale.reasons[0]


def test_render_degraded_fails_fast_even_before_render(mco):
    message = "Failed to render configuration for pool worker: parsing Ignition config failed: unknown version"
    pool = mco.pool(
        target=mco.OLD, current=mco.OLD, source=mco.BASE_SOURCE, degraded_cond="True", render_degraded=message
    )
    verdict = evaluate(pool, expect_source=mco.OVERRIDE_MC)
    assert verdict.state == STATE_DEGRADED
    assert verdict.failed and verdict.final
    assert not verdict.render_done
    assert verdict.reasons[0] == "RenderDegraded: " + message
    assert message in verdict.message


# --- rolling out -----------------------------------------------------------------------


def test_updating_status_stale_after_render(mco):
    """Right after the render: spec moved, status.observedGeneration not yet."""
    pool = mco.pool(
        target=mco.NEW, current=mco.OLD, generation=4, observed=3, updated=3, updated_cond="True", updating_cond="False"
    )
    nodes = three_nodes(mco, [(mco.OLD, mco.OLD, "Done", "")] * 3)
    verdict = evaluate(pool, nodes, expect_source=mco.OVERRIDE_MC)
    assert verdict.state == STATE_PROGRESSING
    assert verdict.render_done
    assert verdict.reasons[0].startswith("status.observedGeneration 3 < metadata.generation 4")
    assert verdict.pending_nodes == ("worker-0", "worker-1", "worker-2")


def test_partially_updated(mco):
    pool = mco.pool(current=mco.OLD, updated=1, ready=1, unavailable=1, updated_cond="False", updating_cond="True")
    nodes = three_nodes(
        mco,
        [
            (mco.NEW, mco.NEW, "Done", ""),
            (mco.NEW, mco.OLD, "Working", ""),
            (mco.OLD, mco.OLD, "Done", ""),
        ],
    )
    verdict = evaluate(pool, nodes, expect_source=mco.OVERRIDE_MC)
    assert verdict.state == STATE_PROGRESSING
    assert verdict.pending_nodes == ("worker-1", "worker-2")
    assert verdict.degraded_nodes == ()
    assert f"Pool worker is rolling out {mco.NEW}: 1 of 3 nodes updated; pending: " in verdict.message
    assert f"worker-1 (Working, {mco.OLD} -> {mco.NEW})" in verdict.message
    assert f"worker-2 (Done, {mco.OLD}, not yet targeted)" in verdict.message
    assert f"status.configuration.name is {mco.OLD}, target is {mco.NEW}" in verdict.reasons
    assert "condition Updating is True, not False" in verdict.reasons
    assert "1 machines unavailable" in verdict.reasons


def test_unavailable_machine_blocks_done(mco):
    """Everything else says done, but a node is not ready: not done."""
    verdict = evaluate(mco.pool(unavailable=1, ready=2))
    assert verdict.state == STATE_PROGRESSING
    assert "1 machines unavailable" in verdict.reasons
    assert "3 of 3 machines updated, 2 ready" in verdict.reasons


def test_counts_lag_behind_nodes(mco):
    """Nodes are all Done on the target but the pool status has not caught up."""
    pool = mco.pool(current=mco.OLD, updated=2, updated_cond="False", updating_cond="True")
    verdict = evaluate(pool, three_nodes(mco, [(mco.NEW, mco.NEW, "Done", "")] * 3))
    assert verdict.state == STATE_PROGRESSING
    assert verdict.pending_nodes == ()
    assert verdict.message.endswith(verdict.reasons[0])


def test_node_status_lags_behind_pool(mco):
    """The pool claims done but a node annotation is not Done: trust the node."""
    nodes = three_nodes(
        mco, [(mco.NEW, mco.NEW, "Done", ""), (mco.NEW, mco.NEW, "Working", ""), (mco.NEW, mco.NEW, "Done", "")]
    )
    verdict = evaluate(mco.pool(), nodes)
    assert verdict.state == STATE_PROGRESSING
    assert verdict.pending_nodes == ("worker-1",)


def test_observed_generation_lag_alone_blocks_done(mco):
    verdict = evaluate(mco.pool(generation=5, observed=4))
    assert verdict.state == STATE_PROGRESSING
    assert len(verdict.reasons) == 1


# --- degraded --------------------------------------------------------------------------


def test_degraded_with_node_reasons(mco):
    node_message = f'Node worker-1 is reporting: "{DAEMON_ERROR}"'
    pool = mco.pool(
        current=mco.OLD,
        updated=1,
        degraded=1,
        updated_cond="False",
        updating_cond="True",
        degraded_cond="True",
        node_degraded=node_message,
    )
    nodes = three_nodes(
        mco,
        [
            (mco.NEW, mco.NEW, "Done", ""),
            (mco.NEW, mco.OLD, "Degraded", DAEMON_ERROR),
            (mco.OLD, mco.OLD, "Done", ""),
        ],
    )
    verdict = evaluate(pool, nodes, expect_source=mco.OVERRIDE_MC)
    assert verdict.state == STATE_DEGRADED
    assert verdict.failed and verdict.final
    assert [n.name for n in verdict.degraded_nodes] == ["worker-1"]
    assert verdict.degraded_nodes[0].reason == DAEMON_ERROR
    assert verdict.degraded_nodes[0].desired_config == mco.NEW
    assert verdict.reasons[0] == "node worker-1 is reporting Degraded: " + DAEMON_ERROR
    assert DAEMON_ERROR in verdict.message
    assert verdict.pending_nodes == ("worker-1", "worker-2")


def test_unreconcilable_node_is_degraded(mco):
    nodes = three_nodes(
        mco,
        [
            (mco.NEW, mco.OLD, "Unreconcilable", "can't reconcile config"),
            (mco.OLD, mco.OLD, "Done", ""),
            (mco.OLD, mco.OLD, "Done", ""),
        ],
    )
    verdict = evaluate(mco.pool(current=mco.OLD, updated=0, updated_cond="False", updating_cond="True"), nodes)
    assert verdict.state == STATE_DEGRADED
    assert verdict.degraded_nodes[0].state == "Unreconcilable"


def test_degraded_from_pool_status_without_nodes(mco):
    node_message = f'Node worker-1 is reporting: "{DAEMON_ERROR}"'
    pool = mco.pool(
        current=mco.OLD,
        updated=1,
        degraded=1,
        updated_cond="False",
        updating_cond="True",
        degraded_cond="True",
        node_degraded=node_message,
    )
    verdict = evaluate(pool)
    assert verdict.state == STATE_DEGRADED
    assert verdict.reasons[0] == "NodeDegraded: " + node_message
    assert node_message in verdict.message


def test_stale_pool_degraded_is_not_trusted(mco):
    """observedGeneration lags: a NodeDegraded from before the spec change is old news."""
    pool = mco.pool(
        generation=6,
        observed=5,
        current=mco.OLD,
        updated=2,
        degraded=1,
        updated_cond="False",
        degraded_cond="True",
        node_degraded='Node worker-1 is reporting: "old failure"',
    )
    assert evaluate(pool).state == STATE_PROGRESSING


def test_image_build_degraded_fails_even_with_nodes(mco):
    cond = mco.condition(
        "ImageBuildDegraded", "True", "Failed to build OS image for pool worker (MachineOSBuild: x): boom"
    )
    pool = mco.pool(
        current=mco.OLD,
        updated=0,
        updated_cond="False",
        updating_cond="True",
        degraded_cond="True",
        extra_conditions=[cond],
    )
    nodes = three_nodes(mco, [(mco.OLD, mco.OLD, "Done", "")] * 3)
    verdict = evaluate(pool, nodes)
    assert verdict.state == STATE_DEGRADED
    assert verdict.reasons[0].startswith("ImageBuildDegraded: Failed to build OS image")


# --- paused ----------------------------------------------------------------------------


def test_paused_is_reported_not_waited_on(mco):
    pool = mco.pool(
        paused=True,
        current=mco.OLD,
        updated=0,
        updated_cond="False",
        updating_cond="False",
    )
    nodes = three_nodes(mco, [(mco.OLD, mco.OLD, "Done", "")] * 3)
    verdict = evaluate(pool, nodes, expect_source=mco.OVERRIDE_MC)
    assert verdict.state == STATE_PAUSED
    assert verdict.final and not verdict.failed
    assert verdict.reasons[0] == "pool worker is paused (spec.paused: true)"
    assert "0 of 3 nodes updated" in verdict.message
    assert "spec.paused to false" in verdict.message


def test_paused_pool_still_waits_for_render(mco):
    """The render controller renders paused pools too: render_pending comes first."""
    pool = mco.pool(paused=True, target=mco.OLD, current=mco.OLD, source=mco.BASE_SOURCE)
    assert evaluate(pool, expect_source=mco.OVERRIDE_MC).state == STATE_RENDER_PENDING


def test_degraded_wins_over_paused(mco):
    nodes = three_nodes(
        mco,
        [(mco.NEW, mco.OLD, "Degraded", DAEMON_ERROR), (mco.OLD, mco.OLD, "Done", ""), (mco.OLD, mco.OLD, "Done", "")],
    )
    pool = mco.pool(paused=True, current=mco.OLD, updated=0, updated_cond="False")
    assert evaluate(pool, nodes).state == STATE_DEGRADED


# --- rollback --------------------------------------------------------------------------


def test_rollback_waits_for_render_even_while_degraded(mco):
    """The override broke the pool; its MC was deleted; the render has not caught up.
    The old failure must not fail the rollback's wait."""
    pool = mco.pool(
        current=mco.OLD,
        updated=2,
        degraded=1,
        updated_cond="False",
        updating_cond="True",
        degraded_cond="True",
        node_degraded=f'Node worker-0 is reporting: "{DAEMON_ERROR}"',
    )
    nodes = three_nodes(
        mco,
        [(mco.NEW, mco.OLD, "Degraded", DAEMON_ERROR), (mco.OLD, mco.OLD, "Done", ""), (mco.OLD, mco.OLD, "Done", "")],
    )
    verdict = evaluate(pool, nodes, expect_absent_source=mco.OVERRIDE_MC)
    assert verdict.state == STATE_RENDER_PENDING
    assert verdict.reasons == (f"MachineConfig {mco.OVERRIDE_MC} is still in spec.configuration.source of pool worker",)


def test_rollback_rendered_back_to_old_name_node_not_yet_retargeted(mco):
    """Render went back to the *old* rendered name; the failed node still targets the bad one."""
    pool = mco.pool(
        target=mco.OLD,
        current=mco.NEW,
        source=mco.BASE_SOURCE,
        generation=7,
        observed=7,
        updated=2,
        degraded=1,
        updated_cond="False",
        updating_cond="True",
        degraded_cond="True",
        node_degraded=f'Node worker-0 is reporting: "{DAEMON_ERROR}"',
    )
    nodes = three_nodes(
        mco,
        [(mco.NEW, mco.OLD, "Degraded", DAEMON_ERROR), (mco.OLD, mco.OLD, "Done", ""), (mco.OLD, mco.OLD, "Done", "")],
    )
    verdict = evaluate(
        pool,
        nodes,
        expect_absent_source=mco.OVERRIDE_MC,
        rendered_config=mco.rendered(mco.OLD, mco.DEFAULT_IMAGE),
        expected_os_image=mco.DEFAULT_IMAGE,
    )
    assert verdict.state == STATE_PROGRESSING
    assert verdict.target_config == mco.OLD
    assert verdict.pending_nodes == ("worker-0",)
    assert verdict.degraded_nodes == ()
    assert any(f"on an older target {mco.NEW} (not yet retargeted)" in r for r in verdict.reasons)


def test_rollback_node_retargeted_but_still_degraded(mco):
    """The node controller set desiredConfig back to the old (= current) config; the
    daemon has not re-validated yet, so the node still says Degraded."""
    pool = mco.pool(
        target=mco.OLD,
        current=mco.NEW,
        source=mco.BASE_SOURCE,
        updated=2,
        degraded=1,
        updated_cond="False",
        degraded_cond="True",
        node_degraded="Node worker-0 is reporting: ...",
    )
    nodes = three_nodes(
        mco,
        [(mco.OLD, mco.OLD, "Degraded", DAEMON_ERROR), (mco.OLD, mco.OLD, "Done", ""), (mco.OLD, mco.OLD, "Done", "")],
    )
    verdict = evaluate(pool, nodes, expect_absent_source=mco.OVERRIDE_MC)
    assert verdict.state == STATE_PROGRESSING
    assert any("has not re-validated it yet" in r for r in verdict.reasons)


def test_rollback_done_on_old_rendered_name(mco):
    pool = mco.pool(target=mco.OLD, current=mco.OLD, source=mco.BASE_SOURCE, generation=8, observed=8)
    nodes = three_nodes(mco, [(mco.OLD, mco.OLD, "Done", "")] * 3)
    verdict = evaluate(
        pool,
        nodes,
        expect_absent_source=mco.OVERRIDE_MC,
        rendered_config=mco.rendered(mco.OLD, mco.DEFAULT_IMAGE),
        expected_os_image=mco.DEFAULT_IMAGE,
    )
    assert verdict.state == STATE_DONE
    assert verdict.target_config == verdict.current_config == mco.OLD


# --- shape -----------------------------------------------------------------------------


def test_verdict_as_dict(mco):
    nodes = three_nodes(
        mco,
        [(mco.NEW, mco.OLD, "Degraded", DAEMON_ERROR), (mco.OLD, mco.OLD, "Done", ""), (mco.OLD, mco.OLD, "Done", "")],
    )
    result = evaluate(mco.pool(current=mco.OLD, updated=0, updated_cond="False"), nodes).as_dict()
    assert sorted(result) == [
        "current_config",
        "degraded_nodes",
        "done",
        "message",
        "pending_nodes",
        "reasons",
        "render_done",
        "state",
        "target_config",
    ]
    assert result["state"] == "degraded" and result["done"] is False
    assert result["degraded_nodes"] == [
        {
            "name": "worker-0",
            "state": "Degraded",
            "reason": DAEMON_ERROR,
            "desired_config": mco.NEW,
            "current_config": mco.OLD,
        }
    ]
    assert isinstance(result["reasons"], list)


def test_states_are_closed_set():
    assert set(FINAL_STATES) < set(STATES)
    assert Verdict(state=STATE_PROGRESSING, message="").final is False


@pytest.mark.parametrize("condition,status", [("Updated", "False"), ("Updating", "True"), ("Degraded", "True")])
def test_each_condition_blocks_done(mco, condition, status):
    kwargs = {"Updated": "updated_cond", "Updating": "updating_cond", "Degraded": "degraded_cond"}
    verdict = evaluate(mco.pool(**{kwargs[condition]: status}), three_nodes(mco, [(mco.NEW, mco.NEW, "Done", "")] * 3))
    assert verdict.state == STATE_PROGRESSING
    assert f"condition {condition} is {status}" in verdict.reasons[0]
