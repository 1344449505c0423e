"""cluster_version_update and cluster_version_info against the lab: the lab's own
cluster-version-operator (okdlab/cvo) and MCO simulator move the cluster; the module requests,
refuses and watches like `oc adm upgrade`.  The tests run in file order; each group starts
from 4.19.0 (okdlab.cvo.setup.reset_to)."""

import os

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from okdlab.cvo import setup as cvo_setup

from ...conftest import MCP, REPO, run_module, service_account_kubeconfig, wait_for

pytestmark = pytest.mark.lab

CV = ("config.openshift.io", "v1", "clusterversions", "version")
MC = ("machineconfiguration.openshift.io", "v1", "machineconfigs")


@pytest.fixture
def custom(kube):
    return k8s.CustomObjectsApi(kube)


@pytest.fixture(scope="module")
def at_4190(kube, lab):
    cvo_setup.reset_to(kube, lab, "ocp")


@pytest.fixture(scope="module", autouse=True)
def leave_the_lab_at_4190(kube, lab):
    """The other modules' tests expect the lab's first release (4.19.0) on every pool."""
    yield
    cvo_setup.reset_to(kube, lab, "ocp")


def cv(custom):
    return custom.get_cluster_custom_object(*CV)


def test_check_mode_reports_the_request_and_writes_nothing(custom, lab, at_4190):
    before = cv(custom)
    result = run_module(lab, "cluster_version_update", {"version": "4.19.1"}, check=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    desired = result["request"]["patch"]["spec"]["desiredUpdate"]
    assert desired == {
        "architecture": "",
        "version": "4.19.1",
        "image": lab.release["ocp_next"]["pullspec"],
        "force": False,
    }
    assert "recommended update" in result["request"]["reasons"][0]
    after = cv(custom)
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert after["spec"].get("desiredUpdate") == before["spec"].get("desiredUpdate")


def test_info_reports_updates_and_risks(lab, at_4190):
    result = run_module(lab, "cluster_version_info")
    info = result["cluster_version"]
    assert (info["version"], info["updating"], info["channel"]) == ("4.19.0", False, "stable-4.19")
    assert [u["version"] for u in info["available_updates"]] == ["4.19.1"]
    (conditional,) = info["conditional_updates"]
    assert (conditional["version"], conditional["recommended"], conditional["reason"]) == (
        "4.19.2",
        "False",
        "LabSkipAhead",
    )
    assert conditional["risks"][0]["matching_rules"] == ["Always"]


@pytest.mark.parametrize(
    "args, error, fragment",
    [
        ({"version": "4.19.7"}, "UpdateRefusedError", "the update 4.19.7 is not one of the possible targets: 4.19.1"),
        ({"version": "4.19.2"}, "UpdateRefusedError", "set allow_not_recommended=true"),
        ("tag", "UpdateRefusedError", "must be a by-digest pull spec"),
        ("custom", "UpdateRefusedError", "Set allow_explicit=true"),
    ],
)
def test_refused_requests_write_nothing(custom, lab, at_4190, args, error, fragment):
    if args == "tag":
        args = {"image": lab.release["ocp_next"]["tag_pullspec"], "allow_explicit": True}
    elif args == "custom":
        args = {"image": lab.release["ocp_custom"]["pullspec"]}
    generation = cv(custom)["metadata"]["generation"]
    result = run_module(lab, "cluster_version_update", args)
    assert result.get("failed") and result["error"] == error, result
    assert fragment in result["msg"]
    assert cv(custom)["metadata"]["generation"] == generation


def test_unsigned_release_is_refused_without_force(custom, lab, at_4190):
    release = lab.release["ocp_custom"]
    result = run_module(
        lab, "cluster_version_update", {"image": release["pullspec"], "allow_explicit": True, "wait_timeout": 120}
    )
    assert result.get("failed") and result["error"] == "UpdateRejectedError", result
    assert result["condition"].startswith("ReleaseAccepted=False (RetrievePayload): Retrieving payload failed")
    assert f"The update cannot be verified: unable to verify {release['digest']}" in result["msg"]
    assert result["progress"]["phase"] == "rejected"
    assert cv(custom)["status"]["history"][0]["version"] == "4.19.0"


def test_force_takes_the_unsigned_release_and_records_the_risk(custom, lab, at_4190):
    release = lab.release["ocp_custom"]
    result = run_module(
        lab,
        "cluster_version_update",
        {"image": release["pullspec"], "allow_explicit": True, "force": True, "wait_timeout": 300},
    )
    assert not result.get("failed"), result.get("msg")
    assert any("force=true" in w for w in result.get("warnings", []))
    entry = result["cluster_version"]["history"][0]
    assert (entry["state"], entry["version"], entry["verified"]) == ("Completed", "4.19.1-custom", False)
    assert "cannot be verified, but continuing anyway because the update was forced" in entry["accepted_risks"]
    assert cv(custom)["status"]["history"][0]["acceptedRisks"] == entry["accepted_risks"]


def test_update_to_the_next_version_end_to_end(custom, kube, lab):
    cvo_setup.reset_to(kube, lab, "ocp")
    nxt = lab.release["ocp_next"]
    result = run_module(lab, "cluster_version_update", {"version": "4.19.1", "wait_timeout": 300})
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["progress"]["phase"] == "done"
    assert result["before"]["version"] == "4.19.0"
    history = cv(custom)["status"]["history"]
    assert (history[0]["state"], history[0]["version"], history[0]["verified"]) == ("Completed", "4.19.1", True)
    assert history[1]["version"] == "4.19.0"
    timeline = result["timeline"]
    assert timeline["requested_at"] <= timeline["accepted_at"] <= timeline["completed_at"]
    assert {o["name"] for o in timeline["operators"]} >= {"machine-config", "dns", "etcd"}
    for pool in timeline["pools"]:
        assert pool["state"] == "done" and pool["done_at"], pool
        assert len(pool["nodes"]) == 3 and all(n["state"] == "done" for n in pool["nodes"])
    for name in ("master", "worker"):
        live = custom.get_cluster_custom_object(*MCP, name)
        target = live["status"]["configuration"]["name"]
        assert custom.get_cluster_custom_object(*MC, target)["spec"]["osImageURL"] == nxt["os_image"]
        assert result["pools"][name]["done"]

    again = run_module(lab, "cluster_version_update", {"version": "4.19.1"})
    assert not again.get("failed") and again["changed"] is False
    assert "already at version 4.19.1" in again["request"]["reasons"][0]
    assert again["progress"]["phase"] == "done"


@pytest.fixture
def master_paused(custom):
    """Holds an update in progress: machine-config waits for the master pool."""
    custom.patch_cluster_custom_object(*MCP, "master", {"spec": {"paused": True}})
    yield
    custom.patch_cluster_custom_object(*MCP, "master", {"spec": {"paused": False}})


def test_update_requested_while_another_is_in_progress(custom, lab, master_paused):
    # from 4.19.1: 4.19.2 is recommended
    started = run_module(lab, "cluster_version_update", {"version": "4.19.2", "wait": False})
    assert not started.get("failed") and started["changed"], started.get("msg")

    def progressing():
        conds = {c["type"]: c for c in cv(custom)["status"].get("conditions", [])}
        return conds.get("Progressing", {}).get("status") == "True"

    wait_for(progressing, timeout=60, what="the update to 4.19.2 in progress")
    other = run_module(
        lab,
        "cluster_version_update",
        {"image": lab.release["ocp_custom"]["pullspec"], "allow_explicit": True, "force": True},
    )
    assert other.get("failed") and other["error"] == "UpdateRefusedError"
    assert other["msg"].startswith("the cluster is already upgrading: Working towards 4.19.2")
    assert "allow_upgrade_with_warnings" in other["msg"]
    assert cv(custom)["status"]["history"][0]["state"] == "Partial"
    # the same target again: nothing new is requested, the task just waits it through
    custom.patch_cluster_custom_object(*MCP, "master", {"spec": {"paused": False}})
    same = run_module(lab, "cluster_version_update", {"version": "4.19.2", "wait_timeout": 300})
    assert not same.get("failed"), same.get("msg")
    assert same["changed"] is False and same["progress"]["phase"] == "done"
    assert cv(custom)["status"]["history"][0]["version"] == "4.19.2"


def test_a_paused_worker_pool_is_reported_not_waited_on(custom, kube, lab):
    cvo_setup.reset_to(kube, lab, "ocp")
    custom.patch_cluster_custom_object(*MCP, "worker", {"spec": {"paused": True}})
    try:
        result = run_module(lab, "cluster_version_update", {"version": "4.19.1", "wait_timeout": 300})
        assert not result.get("failed"), result.get("msg")
        assert result["progress"]["phase"] == "paused"
        assert result["pools"]["worker"]["state"] == "paused" and result["pools"]["master"]["done"]
        assert any("paused pools roll out only once unpaused" in w for w in result.get("warnings", []))
        assert result["cluster_version"]["history"][0]["state"] == "Completed"
    finally:
        custom.patch_cluster_custom_object(*MCP, "worker", {"spec": {"paused": False}})


RBAC_DOC = os.path.join(REPO, "docs", "rbac", "cluster-version-update-clusterrole.yaml")
SA_NAMESPACE = "openshift-cluster-version"


@pytest.fixture
def rbac(kube):
    """The docs' ClusterRole and binding (to ServiceAccount cluster-version-update), removed afterwards."""
    core = k8s.CoreV1Api(kube)
    rbac_api = k8s.RbacAuthorizationV1Api(kube)
    try:
        core.create_namespace({"metadata": {"name": SA_NAMESPACE}})
    except ApiException as e:
        if e.status != 409:
            raise
    with open(RBAC_DOC, encoding="utf-8") as f:
        docs = yaml.safe_load(f)["items"]
    for doc in docs:
        (rbac_api.create_cluster_role if doc["kind"] == "ClusterRole" else rbac_api.create_cluster_role_binding)(doc)
    yield core
    for doc in docs:
        name = doc["metadata"]["name"]
        (rbac_api.delete_cluster_role if doc["kind"] == "ClusterRole" else rbac_api.delete_cluster_role_binding)(name)
    for sa in ("cluster-version-update", "cluster-version-none"):
        try:
            core.delete_namespaced_service_account(sa, SA_NAMESPACE)
        except ApiException:
            pass


def test_rbac_least_privilege_role_suffices_and_without_it_403_is_named(custom, kube, lab, rbac):
    cvo_setup.reset_to(kube, lab, "ocp")
    allowed = service_account_kubeconfig(lab, rbac, SA_NAMESPACE, "cluster-version-update")
    denied = service_account_kubeconfig(lab, rbac, SA_NAMESPACE, "cluster-version-none")

    result = run_module(lab, "cluster_version_update", {"version": "4.19.1"}, extra_env={"K8S_AUTH_KUBECONFIG": denied})
    assert result.get("failed") and result["error"] == "ForbiddenError", result
    assert "clusterversions" in result["msg"] and "cluster-version-update-clusterrole.yaml" in result["msg"]
    assert cv(custom)["status"]["history"][0]["version"] == "4.19.0"

    done = run_module(
        lab,
        "cluster_version_update",
        {"version": "4.19.1", "wait_timeout": 300},
        extra_env={"K8S_AUTH_KUBECONFIG": allowed},
    )
    assert not done.get("failed"), done.get("msg")
    assert done["changed"] and done["progress"]["phase"] == "done"
