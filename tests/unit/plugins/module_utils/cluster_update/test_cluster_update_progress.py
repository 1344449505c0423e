# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wait predicate over ClusterVersion and pool verdicts, and the timeline."""

from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update import progress as prog
from ansible_collections.okd.machine_os.plugins.module_utils.mco.rollout import Verdict

OLD = "quay.io/ocp/release@sha256:" + "0" * 64
NEW = "quay.io/ocp/release@sha256:" + "1" * 64


def cv(history, conditions=(), observed=4):
    return {
        "metadata": {"generation": 4},
        "status": {
            "observedGeneration": observed,
            "history": history,
            "conditions": [{"type": t, "status": s, "reason": r, "message": m} for t, s, r, m in conditions],
        },
    }


DONE = {"master": Verdict("done", "Pool master is updated"), "worker": Verdict("done", "Pool worker is updated")}


def test_not_yet_observed():
    assert prog.judge(cv([], observed=3), NEW, 4, DONE).phase == prog.PHASE_REQUESTED


def test_rejected_when_release_accepted_false_names_the_target():
    text = f'Retrieving payload failed version="" image="{NEW}" failure=The update cannot be verified: nope'
    state = cv([{"state": "Completed", "image": OLD}], [("ReleaseAccepted", "False", "RetrievePayload", text)])
    result = prog.judge(state, NEW, 4, DONE)
    assert result.phase == prog.PHASE_REJECTED and "cannot be verified" in result.message and result.final
    assert result.condition.startswith("ReleaseAccepted=False (RetrievePayload)")
    # a refusal of an older request does not count against this one
    other = cv([{"state": "Completed", "image": OLD}], [("ReleaseAccepted", "False", "RetrievePayload", 'image="x"')])
    assert prog.judge(other, NEW, 4, DONE).phase == prog.PHASE_REQUESTED


def test_invalid_is_rejected():
    state = cv([{"state": "Completed", "image": OLD}], [("Invalid", "True", "InvalidClusterVersion", "bad")])
    assert prog.judge(state, NEW, 4, DONE).phase == prog.PHASE_REJECTED


def test_updating_then_failing_then_degraded_pool():
    updating = cv([{"state": "Partial", "image": NEW}], [("Progressing", "True", "", "Working towards 4.19.1")])
    assert prog.judge(updating, NEW, 4, DONE).phase == prog.PHASE_UPDATING
    failing = cv([{"state": "Partial", "image": NEW}], [("Failing", "True", "ClusterOperatorDegraded", "etcd")])
    assert prog.judge(failing, NEW, 4, DONE).phase == prog.PHASE_FAILED
    degraded = dict(DONE, worker=Verdict("degraded", "Pool worker is degraded: node worker-1 ..."))
    result = prog.judge(updating, NEW, 4, degraded)
    assert result.phase == prog.PHASE_FAILED and "worker-1" in result.message


def test_completed_waits_for_pools_unless_told_not_to():
    completed = cv([{"state": "Completed", "image": NEW, "version": "4.19.1"}], [("Progressing", "False", "", "")])
    rolling = dict(DONE, worker=Verdict("progressing", "Pool worker is rolling out"))
    assert prog.judge(completed, NEW, 4, rolling).phase == prog.PHASE_POOLS
    assert prog.judge(completed, NEW, 4, rolling, wait_for_pools=False).phase == prog.PHASE_DONE
    assert prog.judge(completed, NEW, 4, DONE).phase == prog.PHASE_DONE
    paused = dict(DONE, worker=Verdict("paused", "Pool worker is paused"))
    result = prog.judge(completed, NEW, 4, paused)
    assert result.phase == prog.PHASE_PAUSED and result.final


def test_timeline_records_acceptance_operators_completion_pools():
    timeline = prog.Timeline(100.0)
    partial = cv([{"state": "Partial", "image": NEW, "version": "4.19.1"}])
    cos = [
        {"metadata": {"name": "dns"}, "status": {"versions": [{"name": "operator", "version": "4.19.1"}]}},
        {"metadata": {"name": "machine-config"}, "status": {"versions": [{"name": "operator", "version": "4.19.0"}]}},
    ]
    timeline.observe(cv([{"state": "Completed", "image": OLD}]), NEW, cos, {}, 101.0)
    assert timeline.events["accepted"] is None
    timeline.observe(partial, NEW, cos, {"master": Verdict("progressing", "m", target_config="r1")}, 102.0)
    done = cv([{"state": "Completed", "image": NEW, "version": "4.19.1"}])
    cos[1]["status"]["versions"][0]["version"] = "4.19.1"
    timeline.observe(done, NEW, cos, {"master": Verdict("done", "m", target_config="r1")}, 103.0)
    out = timeline.as_dict()
    assert out["accepted_at"].startswith("1970-01-01T00:01:42") and out["completed_at"].startswith(
        "1970-01-01T00:01:43"
    )
    assert [o["name"] for o in out["operators"]] == ["dns", "machine-config"]
    assert out["pools"][0]["done_at"].startswith("1970-01-01T00:01:43")
