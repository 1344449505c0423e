"""machine_config_pool_info against the lab: real MachineConfig changes rolled out by the
MCO simulator, observed through the module (Updated -> Updating -> Updated, Degraded)."""

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from okdlab.seed import mark_ready

from ...conftest import MC, MCP, run_module, wait_for

pytestmark = pytest.mark.lab
ROLE = "machineconfiguration.openshift.io/role"


@pytest.fixture
def custom(kube):
    return k8s.CustomObjectsApi(kube)


@pytest.fixture
def core(kube):
    return k8s.CoreV1Api(kube)


@pytest.fixture
def worker_mc(custom):
    """Create worker MachineConfigs through the test; delete them and wait for the pool
    to settle again afterwards, so each test starts from a converged lab."""
    created = []

    def create(name, spec):
        custom.create_cluster_custom_object(
            *MC,
            {
                "apiVersion": "machineconfiguration.openshift.io/v1",
                "kind": "MachineConfig",
                "metadata": {"name": name, "labels": {ROLE: "worker"}},
                "spec": spec,
            },
        )
        created.append(name)

    yield create
    for name in created:
        try:
            custom.delete_cluster_custom_object(*MC, name)
        except ApiException as e:
            if e.status != 404:
                raise
    wait_for(lambda: _settled(custom), 60, what="the worker pool to settle after the test")


def _settled(custom):
    pool = custom.get_cluster_custom_object(*MCP, "worker")
    conds = {c["type"]: c["status"] for c in pool.get("status", {}).get("conditions", [])}
    source = [s["name"] for s in pool["spec"].get("configuration", {}).get("source", [])]
    return (
        conds.get("Updated") == "True"
        and not any(s.startswith("99-itest") for s in source)
        and pool["status"]["configuration"]["name"] == pool["spec"]["configuration"]["name"]
    )


def _worker(result):
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    (pool,) = [p for p in result["pools"] if p["name"] == "worker"]
    return pool


def test_lists_every_pool_with_nodes_and_a_done_verdict(lab):
    result = run_module(lab, "machine_config_pool_info")
    pools = {p["name"]: p for p in result["pools"]}
    assert set(pools) == {"master", "worker"}
    for name, pool in pools.items():
        assert pool["verdict"]["state"] == "done" and pool["verdict"]["done"] is True
        assert pool["counts"] == {"machine": 3, "ready": 3, "updated": 3, "unavailable": 0, "degraded": 0}
        assert pool["os_image_url"] == lab.release["ocp"]["os_image"]
        assert pool["target_config"].startswith(f"rendered-{name}-")
        assert sorted(n["name"] for n in pool["nodes"]) == [f"{name}-{i}" for i in range(3)]
        assert all(n["current_config"] == pool["target_config"] and n["state"] == "Done" for n in pool["nodes"])


def test_follows_a_rollout_from_updating_to_updated(lab, custom, core, worker_mc):
    before = _worker(run_module(lab, "machine_config_pool_info", {"name": "worker"}))
    # Hold the rollout still: with worker-2 NotReady, unavailable (1) == maxUnavailable (1),
    # so the node controller may target nobody (node_controller.go getAllCandidateMachines).
    mark_ready(core, "worker-2", ready=False)
    try:
        worker_mc("99-itest-kargs", {"kernelArguments": ["itest=1"]})
        wait_for(
            lambda: (
                custom.get_cluster_custom_object(*MCP, "worker")["spec"]["configuration"]["name"]
                != before["target_config"]
            ),
            30,
            what="the render",
        )
        wait_for(
            lambda: (
                {
                    c["type"]: c["status"]
                    for c in custom.get_cluster_custom_object(*MCP, "worker")["status"]["conditions"]
                }.get("Updating")
                == "True"
            ),
            30,
            what="Updating=True",
        )
        stalled = _worker(run_module(lab, "machine_config_pool_info", {"name": "worker"}))
        assert stalled["target_config"] != before["target_config"]
        assert stalled["current_config"] == before["target_config"]
        assert "99-itest-kargs" in stalled["source"]
        assert stalled["conditions"]["Updating"]["status"] == "True"
        assert stalled["conditions"]["Updated"]["status"] == "False"
        assert stalled["verdict"]["state"] == "progressing" and not stalled["verdict"]["done"]
        nodes = {n["name"]: n for n in stalled["nodes"]}
        assert nodes["worker-2"]["ready"] is False
        assert all(n["current_config"] == before["target_config"] for n in nodes.values())
    finally:
        mark_ready(core, "worker-2", ready=True)

    def rolled_out():
        pool = _worker(run_module(lab, "machine_config_pool_info", {"name": "worker"}))
        return pool if pool["verdict"]["done"] else None

    done = wait_for(rolled_out, 60, 0.5, "the rollout")
    assert done["target_config"] == stalled["target_config"] == done["current_config"]
    assert done["counts"]["updated"] == 3 and done["conditions"]["Updated"]["status"] == "True"
    assert all(n["current_config"] == done["target_config"] for n in done["nodes"])


def test_reports_a_degraded_pool_with_the_node_and_its_reason(lab, custom, worker_mc):
    missing = f"{lab.registry('upstream').host}/itest/absent@sha256:{'0' * 64}"
    worker_mc("99-itest-bad-os-image", {"osImageURL": missing})

    def degraded():
        pool = _worker(run_module(lab, "machine_config_pool_info", {"name": "worker"}))
        return pool if pool["verdict"]["state"] == "degraded" else None

    pool = wait_for(degraded, 60, 0.5, "the degraded verdict")
    assert pool["verdict"]["done"] is False
    bad = [n for n in pool["nodes"] if n["state"] == "Degraded"]
    assert [n["name"] for n in bad] == ["worker-0"]  # zone lab-a goes first, alone
    assert bad[0]["reason"].lower().startswith(f"failed to update os to {missing}")
    text = " ".join(pool["verdict"]["reasons"]) + pool["verdict"]["message"]
    assert "worker-0" in text and "failed to update OS to" in text
    wait_for(
        lambda: (
            _worker(run_module(lab, "machine_config_pool_info", {"name": "worker"}))["conditions"]["NodeDegraded"][
                "status"
            ]
            == "True"
        ),
        30,
        0.5,
        "NodeDegraded=True",
    )


def test_unknown_pool_fails_naming_it_and_the_existing_pools(lab):
    result = run_module(lab, "machine_config_pool_info", {"name": "infra"})
    assert result["failed"]
    assert "infra" in result["msg"] and "master" in result["msg"] and "worker" in result["msg"]


def test_check_mode_reads_the_same(lab):
    result = run_module(lab, "machine_config_pool_info", {"name": "master"}, check=True)
    assert not result.get("failed") and result["changed"] is False
    assert result["pools"][0]["name"] == "master"
