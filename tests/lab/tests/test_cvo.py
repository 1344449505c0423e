"""The lab's cluster-version-operator (okdlab/cvo) against the running lab: updates driven by
spec.desiredUpdate as the CVO drives them (pkg/cvo/*.go), signatures, preconditions, the
machine-config operator's gate on the master pool.  Each test starts from 4.19.0."""

import time

import pytest
from kubernetes import client as k8s
from kubernetes import config as kconfig

from okdlab import signing
from okdlab.cvo import setup as cvo_setup

pytestmark = pytest.mark.lab

CV = ("config.openshift.io", "v1", "clusterversions", "version")
CO = ("config.openshift.io", "v1", "clusteroperators")
MCP = ("machineconfiguration.openshift.io", "v1", "machineconfigpools")
MC = ("machineconfiguration.openshift.io", "v1", "machineconfigs")


@pytest.fixture(scope="module")
def api(lab):
    return kconfig.new_client_from_config(config_file=lab.kubeconfig)


@pytest.fixture
def custom(api):
    return k8s.CustomObjectsApi(api)


@pytest.fixture
def at_4190(api, lab):
    cvo_setup.reset_to(api, lab, "ocp")
    yield
    k8s.CustomObjectsApi(api).patch_cluster_custom_object(*MCP, "master", {"spec": {"paused": False}})


@pytest.fixture(scope="module", autouse=True)
def leave_the_lab_at_4190(api, lab):
    """The tests after these (the lab's, the modules') expect the lab's first release (4.19.0)."""
    yield
    cvo_setup.reset_to(api, lab, "ocp")


def wait_for(check, timeout=90, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout}s")


def cv(custom):
    return custom.get_cluster_custom_object(*CV)


def cond(obj, ctype):
    return next((c for c in obj.get("status", {}).get("conditions", []) if c["type"] == ctype), {})


def request(custom, **update):
    custom.patch_cluster_custom_object(*CV, {"spec": {"desiredUpdate": {"architecture": "", "force": False, **update}}})


def operator_versions(custom):
    return {
        co["metadata"]["name"]: {v["name"]: v["version"] for v in co["status"].get("versions", [])}.get("operator")
        for co in custom.list_cluster_custom_object(*CO)["items"]
    }


def test_updates_from_the_lab_graph(custom, lab, at_4190):
    status = cv(custom)["status"]
    assert [(u["version"], u["image"]) for u in status["availableUpdates"]] == [
        ("4.19.1", lab.release["ocp_next"]["pullspec"])
    ]
    (conditional,) = status["conditionalUpdates"]
    assert conditional["release"]["version"] == "4.19.2"
    recommended = conditional["conditions"][0]
    assert (recommended["type"], recommended["status"], recommended["reason"]) == (
        "Recommended",
        "False",
        "LabSkipAhead",
    )
    assert conditional["risks"][0]["url"] in recommended["message"]
    assert cond(cv(custom), "RetrievedUpdates")["status"] == "True"
    assert status["desired"]["channels"] == ["fast-4.19", "stable-4.19"]


def test_version_not_available_is_invalid(custom, at_4190):
    request(custom, version="4.19.9", image="")
    invalid = wait_for(lambda: cond(cv(custom), "Invalid") or None, what="Invalid")
    assert (invalid["status"], invalid["reason"]) == ("True", "InvalidClusterVersion")
    assert "when image is empty the update must be a previous version or an available update" in invalid["message"]
    assert cv(custom)["status"]["history"][0]["version"] == "4.19.0"
    custom.patch_cluster_custom_object(*CV, {"spec": {"desiredUpdate": None}})
    wait_for(lambda: not cond(cv(custom), "Invalid"), what="Invalid removed")


def test_unsigned_and_badly_signed_releases_are_refused(api, custom, lab, at_4190):
    release = lab.release["ocp_custom"]
    request(custom, version="", image=release["pullspec"])

    def refused():
        accepted = cond(cv(custom), "ReleaseAccepted")
        return accepted if accepted.get("status") == "False" else None

    accepted = wait_for(refused, what="ReleaseAccepted=False")
    assert accepted["reason"] == "RetrievePayload"
    assert accepted["message"].startswith(f'Retrieving payload failed version="" image="{release["pullspec"]}"')
    assert "The update cannot be verified: unable to verify " + release["digest"] in accepted["message"]
    status = cv(custom)["status"]
    assert status["history"][0]["version"] == "4.19.0" and status["desired"]["image"] == lab.release["ocp"]["pullspec"]

    # a valid OpenPGP signature by a key the payload does not trust is no better
    rogue = signing.Key("rogue").ensure()
    body = cvo_setup.signature_config_map(
        release, signing.sign_release(rogue, release["tag_pullspec"], release["digest"])
    )
    core = k8s.CoreV1Api(api)
    core.create_namespaced_config_map("openshift-config-managed", body)
    try:
        custom.patch_cluster_custom_object(*CV, {"spec": {"desiredUpdate": None}})
        request(custom, version="", image=release["pullspec"])
        time.sleep(2)
        accepted = wait_for(refused, what="ReleaseAccepted=False")
        assert "cannot be verified" in accepted["message"]
        assert cv(custom)["status"]["history"][0]["version"] == "4.19.0"
    finally:
        core.delete_namespaced_config_map(body["metadata"]["name"], "openshift-config-managed")


def test_machine_config_reports_its_version_only_when_the_master_pool_is_updated(custom, lab, at_4190):
    custom.patch_cluster_custom_object(*MCP, "master", {"spec": {"paused": True}})
    nxt = lab.release["ocp_next"]
    request(custom, version="4.19.1", image=nxt["pullspec"])
    wait_for(lambda: cv(custom)["status"]["history"][0]["version"] == "4.19.1", what="accepted")
    status = cv(custom)["status"]
    entry = status["history"][0]
    assert (entry["state"], entry["verified"], entry.get("acceptedRisks")) == ("Partial", True, None)
    assert status["history"][1]["state"] == "Completed"
    assert cond(cv(custom), "ReleaseAccepted")["reason"] == "PayloadLoaded"
    assert cond(cv(custom), "Available")["message"] == "Done applying 4.19.0"  # the old version stays available

    def worker_rolled():
        pool = custom.get_cluster_custom_object(*MCP, "worker")
        target = pool["spec"]["configuration"]["name"]
        updated = cond(pool, "Updated").get("status") == "True" and pool["status"]["configuration"]["name"] == target
        return updated and custom.get_cluster_custom_object(*MC, target)["spec"]["osImageURL"] == nxt["os_image"]

    wait_for(worker_rolled, what="worker pool on the new OS image")
    versions = operator_versions(custom)
    assert versions.pop("machine-config") == "4.19.0"
    assert set(versions.values()) == {"4.19.1"}
    progressing = cond(cv(custom), "Progressing")
    assert progressing["status"] == "True" and progressing["message"].endswith("waiting on machine-config")
    assert cv(custom)["status"]["history"][0]["state"] == "Partial"  # workers do not gate Completed; master does

    custom.patch_cluster_custom_object(*MCP, "master", {"spec": {"paused": False}})
    wait_for(lambda: cv(custom)["status"]["history"][0]["state"] == "Completed", what="Completed")
    assert operator_versions(custom)["machine-config"] == "4.19.1"
    assert cond(cv(custom), "Progressing")["message"] == "Cluster version is 4.19.1"
    assert cond(cv(custom), "Available")["message"] == "Done applying 4.19.1"
    assert not cond(cv(custom), "Upgradeable")


def test_force_accepts_an_unsigned_release_and_records_the_risk(custom, lab, at_4190):
    release = lab.release["ocp_custom"]
    request(custom, version="", image=release["pullspec"], force=True)
    wait_for(lambda: completed(custom, release), what="Completed")
    entry = cv(custom)["status"]["history"][0]
    assert entry["version"] == "4.19.1-custom" and entry["verified"] is False
    assert "cannot be verified, but continuing anyway because the update was forced" in entry["acceptedRisks"]
    assert 'Precondition "ClusterVersionRecommendedUpdate" failed' in entry["acceptedRisks"]


def completed(custom, release):
    entry = cv(custom)["status"]["history"][0]
    return entry["state"] == "Completed" and entry["image"] == release["pullspec"]


def test_a_conditional_target_is_a_recorded_risk_and_a_low_version_needs_force(custom, lab, at_4190):
    skip = lab.release["ocp_next2"]
    request(custom, version="4.19.2", image=skip["pullspec"])
    wait_for(lambda: completed(custom, skip), what="4.19.2 Completed")
    entry = cv(custom)["status"]["history"][0]
    assert entry["verified"] is True
    assert 'Precondition "ClusterVersionRecommendedUpdate" failed because of "LabSkipAhead"' in entry["acceptedRisks"]

    # 4.19.1 is lower and not the previous version (4.19.0): LowDesiredVersion blocks it ...
    nxt = lab.release["ocp_next"]
    request(custom, version="4.19.1", image=nxt["pullspec"])

    def refused():
        accepted = cond(cv(custom), "ReleaseAccepted")
        return accepted if accepted.get("status") == "False" else None

    accepted = wait_for(refused, what="ReleaseAccepted=False")
    assert accepted["reason"] == "PreconditionChecks"
    assert 'Precondition "ClusterVersionRollback" failed because of "LowDesiredVersion"' in accepted["message"]
    assert cv(custom)["status"]["history"][0]["version"] == "4.19.2"
    # ... unless forced, and then it is recorded
    request(custom, version="4.19.1", image=nxt["pullspec"], force=True)
    wait_for(lambda: completed(custom, nxt), what="4.19.1 Completed")
    entry = cv(custom)["status"]["history"][0]
    assert entry["verified"] is True  # force skips nothing that passes
    assert entry["acceptedRisks"].startswith("Forced through blocking failures: ")
