"""os_image_override against the lab: real MachineConfigs rendered and rolled out by the MCO
simulator, pulls checked against the lab registry with the cluster pull secret."""

import json
import os
import threading
import time

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from okdlab import variants

from ...conftest import MC, MCP, REPO, run_module, service_account_kubeconfig, wait_for

pytestmark = pytest.mark.lab

NAME = "99-worker-os-image-override"
MANAGED_BY = "app.kubernetes.io/managed-by"
ROLE = "machineconfiguration.openshift.io/role"
ANN = "machineconfiguration.openshift.io/"
RBAC_DOC = os.path.join(REPO, "docs", "rbac", "os-image-override-clusterrole.yaml")
VARIANT_REPO = "okdlab-test/os-override-variants"


@pytest.fixture
def custom(kube):
    return k8s.CustomObjectsApi(kube)


@pytest.fixture
def core(kube):
    return k8s.CoreV1Api(kube)


def _mc(custom, name=NAME):
    try:
        return custom.get_cluster_custom_object(*MC, name)
    except ApiException as e:
        if e.status == 404:
            return None
        raise


def _pool(custom):
    return custom.get_cluster_custom_object(*MCP, "worker")


def _converged(custom, target=None):
    pool = _pool(custom)
    conds = {c["type"]: c["status"] for c in pool.get("status", {}).get("conditions", [])}
    name = pool["spec"]["configuration"]["name"]
    return (
        conds.get("Updated") == "True"
        and conds.get("Degraded") == "False"
        and pool["status"]["configuration"]["name"] == name
        and (target is None or name == target)
        and name
    )


@pytest.fixture
def base(custom):
    """The worker pool's converged rendered config; afterwards every MC this test made is
    deleted, the pool unpaused and back on it."""
    target = wait_for(lambda: _converged(custom), 60, what="the worker pool to converge")
    yield target
    for item in custom.list_cluster_custom_object(*MC)["items"]:
        if item["metadata"]["name"].startswith(("99-worker-os-image", "99-worker-itest")):
            custom.delete_cluster_custom_object(*MC, item["metadata"]["name"])
    custom.patch_cluster_custom_object(*MCP, "worker", {"spec": {"paused": False}})
    wait_for(lambda: _converged(custom, target), 60, what=f"the worker pool to return to {target}")


def _args(lab, **extra):
    args = {"pool": "worker", "ca_file": lab.ca_file, "wait_timeout": 120}
    args.update(extra)
    return args


def _ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def _nodes(core):
    return json.loads(core.list_node(label_selector="node-role.kubernetes.io/worker", _preload_content=False).data)[
        "items"
    ]


def _ann(node, key):
    return (node["metadata"].get("annotations") or {}).get(ANN + key, "")


# -- tests --------------------------------------------------------------------------------


def test_override_rolls_out_is_idempotent_and_absent_rolls_back(lab, custom, core, base):
    image = lab.release["ocp_next"]["os_image"]
    result = _ok(run_module(lab, "os_image_override", _args(lab, image=image)))
    assert result["changed"] is True and result["operation"] == "create"
    assert result["pool"]["state"] == "done"
    target = result["rendered_config"]["after"]
    assert result["rendered_config"] == {"before": base, "after": target} and target != base
    assert custom.get_cluster_custom_object(*MC, target)["spec"]["osImageURL"] == image
    for node in _nodes(core):
        assert _ann(node, "currentConfig") == target and _ann(node, "state") == "Done"
    timeline = result["timeline"]
    assert [e["name"] for e in timeline] == ["worker-0", "worker-1", "worker-2"]  # zones lab-a, b, c
    assert all(e["state"] == "done" and e["target"] == target and e["targeted_at"] <= e["done_at"] for e in timeline)
    assert result["elapsed_seconds"] > 0
    mc = _mc(custom)
    assert mc["spec"] == {"osImageURL": image}
    assert mc["metadata"]["labels"] == {ROLE: "worker", MANAGED_BY: "okd.machine_os"}
    assert not (mc["metadata"].get("annotations") or {}).get(ANN + "generated-by-controller-version")
    assert result["image_check"]["bootable"] is True

    again = _ok(run_module(lab, "os_image_override", _args(lab, image=image)))
    assert again["changed"] is False and again["operation"] == "none"
    assert again["pool"]["state"] == "done" and again["rendered_config"]["after"] == target
    assert _mc(custom)["metadata"]["resourceVersion"] == mc["metadata"]["resourceVersion"]

    removed = _ok(run_module(lab, "os_image_override", _args(lab, state="absent")))
    assert removed["changed"] is True and removed["operation"] == "delete"
    assert removed["previous_image"] == image
    assert removed["expected_os_image"] == lab.release["ocp"]["os_image"]
    assert removed["rendered_config"] == {"before": target, "after": base}
    assert removed["pool"]["state"] == "done"
    assert [e["name"] for e in removed["timeline"]] == ["worker-0", "worker-1", "worker-2"]
    assert _mc(custom) is None
    assert custom.get_cluster_custom_object(*MC, base)["spec"]["osImageURL"] == lab.release["ocp"]["os_image"]
    for node in _nodes(core):
        assert _ann(node, "currentConfig") == base

    gone = _ok(run_module(lab, "os_image_override", _args(lab, state="absent")))
    assert gone["changed"] is False and gone["operation"] == "none"


def test_check_mode_with_diff_creates_nothing(lab, custom, base):
    image = lab.release["ocp_next"]["os_image"]
    result = _ok(
        run_module(
            lab, "os_image_override", _args(lab, image=image), check=True, extra_env={"ANSIBLE_DIFF_ALWAYS": "true"}
        )
    )
    assert result["changed"] is True and result["operation"] == "create"
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["spec"] == {"osImageURL": image}
    assert result["diff"]["after"]["metadata"]["labels"][MANAGED_BY] == "okd.machine_os"
    assert "pool" not in result and "timeline" not in result
    assert _mc(custom) is None
    assert _pool(custom)["spec"]["configuration"]["name"] == base


def test_tag_is_refused_and_nothing_created(lab, custom, base):
    image = lab.release["ocp_next"]["os_image"].split("@")[0] + ":latest"
    result = run_module(lab, "os_image_override", _args(lab, image=image))
    assert result["failed"] and "tag reference" in result["msg"] and "allow_tag" in result["msg"]
    assert "different images" in result["msg"]
    assert _mc(custom) is None


def test_image_not_pushed_fails_and_creates_nothing(lab, custom, base):
    image = f"{lab.registry('upstream').host}/okdlab-test/not-pushed@sha256:{'0' * 64}"
    result = run_module(lab, "os_image_override", _args(lab, image=image))
    assert result["failed"]
    assert image in result["msg"] and "openshift-config/pull-secret" in result["msg"]
    assert "not found" in result["msg"].lower() or "unknown" in result["msg"].lower()
    assert result.get("status") == 404
    assert _mc(custom) is None
    assert _pool(custom)["spec"]["configuration"]["name"] == base


def test_not_bootable_image_degrades_fast_then_absent_recovers(lab, custom, core, base):
    image = variants.push_os_variant(
        lab,
        lab.release["ocp"]["os_image"],
        "okdlab-override-not-bootable",
        variants.drop_bootable_labels,
        repo=VARIANT_REPO,
    )
    outcome = {}

    def run():
        outcome["result"] = run_module(lab, "os_image_override", _args(lab, image=image))
        outcome["returned_at"] = time.monotonic()

    worker = threading.Thread(target=run)
    worker.start()
    degraded_at = None
    while worker.is_alive():
        if degraded_at is None and any(_ann(n, "state") == "Degraded" for n in _nodes(core)):
            degraded_at = time.monotonic()
        time.sleep(0.02)
    worker.join()
    result = outcome["result"]
    assert result["failed"]
    assert degraded_at is not None, "the module returned before any node was seen Degraded"
    delay = outcome["returned_at"] - degraded_at
    print(f"degraded-report delay: {delay:.3f}s")
    assert delay < 3.0
    assert "worker-0" in result["msg"] and "Target image does not have ostree.bootable label" in result["msg"]
    assert any("ostree.bootable" in w for w in result.get("warnings", []))
    (node,) = result["pool"]["degraded_nodes"]
    assert node["name"] == "worker-0" and "failed to update OS to" in node["reason"]
    entry = next(e for e in result["timeline"] if e["name"] == "worker-0")
    assert entry["state"] == "degraded" and entry["degraded_at"] and entry["reason"] == node["reason"]

    back = _ok(run_module(lab, "os_image_override", _args(lab, state="absent")))
    assert back["changed"] is True and back["pool"]["state"] == "done"
    assert back["rendered_config"]["after"] == base
    assert all(_ann(n, "state") == "Done" and _ann(n, "currentConfig") == base for n in _nodes(core))


def test_unknown_pool_lists_existing(lab, custom):
    result = run_module(lab, "os_image_override", {"pool": "nope", "image": lab.release["ocp_next"]["os_image"]})
    assert result["failed"] and "MachineConfigPool nope not found" in result["msg"]
    assert result["existing_pools"] == ["master", "worker"]
    assert _mc(custom, "99-nope-os-image-override") is None


def test_paused_pool_is_reported_not_waited_on(lab, custom, base):
    custom.patch_cluster_custom_object(*MCP, "worker", {"spec": {"paused": True}})
    started = time.monotonic()
    result = run_module(lab, "os_image_override", _args(lab, image=lab.release["ocp_next"]["os_image"]))
    assert time.monotonic() - started < 60
    assert result["failed"] and "paused" in result["msg"] and "Timed out" not in result["msg"]
    assert result["pool"]["state"] == "paused"
    assert "worker-0" in result["msg"]  # what is pending
    assert result["changed"] is True and _mc(custom) is not None


def test_name_sorting_before_templates_is_refused(lab, custom, base):
    result = run_module(
        lab, "os_image_override", _args(lab, image=lab.release["ocp_next"]["os_image"], name="00-aaa-override")
    )
    assert result["failed"] and "sorts before the template MachineConfig" in result["msg"]
    assert _mc(custom, "00-aaa-override") is None


def test_mc_with_our_name_not_managed_by_us_is_refused(lab, custom, base):
    custom.create_cluster_custom_object(
        *MC,
        {
            "apiVersion": "machineconfiguration.openshift.io/v1",
            "kind": "MachineConfig",
            "metadata": {"name": NAME, "labels": {ROLE: "worker"}},
            "spec": {"osImageURL": lab.release["ocp"]["os_image"]},
        },
    )
    for args in (_args(lab, image=lab.release["ocp_next"]["os_image"]), _args(lab, state="absent")):
        result = run_module(lab, "os_image_override", args)
        assert result["failed"] and "not managed by okd.machine_os" in result["msg"]
    mc = _mc(custom)
    assert mc["spec"]["osImageURL"] == lab.release["ocp"]["os_image"] and MANAGED_BY not in mc["metadata"]["labels"]


def test_second_writer_with_another_image_is_an_explicit_update(lab, custom, base):
    first, second = lab.release["ocp_next"]["os_image"], lab.release["ocp"]["os_image"]
    _ok(run_module(lab, "os_image_override", _args(lab, image=first, wait=False)))
    result = _ok(
        run_module(
            lab, "os_image_override", _args(lab, image=second, wait=False), extra_env={"ANSIBLE_DIFF_ALWAYS": "true"}
        )
    )
    assert result["changed"] is True and result["operation"] == "update"
    assert result["previous_image"] == first
    assert result["diff"]["before"]["spec"]["osImageURL"] == first
    assert result["diff"]["after"]["spec"]["osImageURL"] == second
    assert _mc(custom)["spec"]["osImageURL"] == second


def test_write_with_a_stale_resource_version_is_not_an_overwrite(lab, custom, base):
    """Two writers racing: the one that read before the other wrote gets a clear failure."""
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client  # pylint: disable=import-outside-toplevel

    from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client  # pylint: disable=import-outside-toplevel
    from ansible_collections.okd.machine_os.plugins.module_utils.mco import (  # pylint: disable=import-outside-toplevel
        override_apply,
        override_plan,
    )

    first, second = lab.release["ocp_next"]["os_image"], lab.release["ocp"]["os_image"]
    _ok(run_module(lab, "os_image_override", _args(lab, image=first, wait=False)))
    stale = _mc(custom)
    plan = override_plan.plan_present(NAME, "worker", second, stale)
    # the other writer gets in between our read and our write
    custom.patch_cluster_custom_object(*MC, NAME, {"spec": {"osImageURL": f"{first.split('@')[0]}@sha256:{'1' * 64}"}})
    applier = override_apply.OverrideApplier(Client(get_api_client(kubeconfig=lab.kubeconfig)))
    with pytest.raises(override_plan.ConcurrentChangeError, match="changed by another writer"):
        applier.apply(plan)
    assert _mc(custom)["spec"]["osImageURL"].endswith("1" * 64)


@pytest.fixture
def rbac(kube, core):
    """The docs' ClusterRole/Role and their bindings (to ServiceAccount os-image-override);
    removed afterwards with the ServiceAccounts."""
    rbac_api = k8s.RbacAuthorizationV1Api(kube)
    with open(RBAC_DOC, encoding="utf-8") as f:
        docs = yaml.safe_load(f)["items"]  # one `kind: List` document
    create = {
        "ClusterRole": rbac_api.create_cluster_role,
        "ClusterRoleBinding": rbac_api.create_cluster_role_binding,
        "Role": lambda body: rbac_api.create_namespaced_role(body["metadata"]["namespace"], body),
        "RoleBinding": lambda body: rbac_api.create_namespaced_role_binding(body["metadata"]["namespace"], body),
    }
    for doc in docs:
        create[doc["kind"]](doc)
    yield docs
    for doc in docs:
        meta = doc["metadata"]
        if doc["kind"] == "ClusterRole":
            rbac_api.delete_cluster_role(meta["name"])
        elif doc["kind"] == "ClusterRoleBinding":
            rbac_api.delete_cluster_role_binding(meta["name"])
        elif doc["kind"] == "Role":
            rbac_api.delete_namespaced_role(meta["name"], meta["namespace"])
        else:
            rbac_api.delete_namespaced_role_binding(meta["name"], meta["namespace"])
    for sa in ("os-image-override", "os-image-override-none"):
        try:
            core.delete_namespaced_service_account(sa, "openshift-machine-config-operator")
        except ApiException:
            pass


def test_rbac_least_privilege_role_suffices_and_without_it_403_is_clear(lab, custom, core, base, rbac):
    image = lab.release["ocp_next"]["os_image"]
    allowed = service_account_kubeconfig(lab, core, "openshift-machine-config-operator", "os-image-override")
    denied = service_account_kubeconfig(lab, core, "openshift-machine-config-operator", "os-image-override-none")

    result = run_module(lab, "os_image_override", _args(lab, image=image), extra_env={"K8S_AUTH_KUBECONFIG": denied})
    assert result["failed"] and "forbidden" in result["msg"]
    assert "machineconfigpools" in result["msg"] and "os-image-override-clusterrole.yaml" in result["msg"]
    assert result["verb"] == "get" and result["resource"] == "machineconfigpools"
    assert _mc(custom) is None

    done = _ok(
        run_module(lab, "os_image_override", _args(lab, image=image), extra_env={"K8S_AUTH_KUBECONFIG": allowed})
    )
    assert done["changed"] is True and done["pool"]["state"] == "done"
    back = _ok(
        run_module(lab, "os_image_override", _args(lab, state="absent"), extra_env={"K8S_AUTH_KUBECONFIG": allowed})
    )
    assert back["changed"] is True and back["pool"]["state"] == "done"
    assert _mc(custom) is None


# -- found when tried as a new user would --------------------------------------------------


def test_wait_timeout_zero_reports_a_rolled_out_pool_as_done(lab, custom, base):
    image = lab.release["ocp_next"]["os_image"]
    _ok(run_module(lab, "os_image_override", _args(lab, image=image)))
    again = _ok(run_module(lab, "os_image_override", _args(lab, image=image, wait_timeout=0)))
    assert again["changed"] is False
    assert again["pool"]["state"] == "done", again["pool"]
    assert "Timed out" not in again["pool"]["message"] and "0 nodes" not in again["pool"]["message"]
    assert again["pool"]["message"].endswith("on all 3 nodes.")


def test_negative_wait_timeout_is_refused_before_writing(lab, custom, base):
    result = run_module(
        lab, "os_image_override", _args(lab, image=lab.release["ocp_next"]["os_image"], wait_timeout=-1)
    )
    assert result["failed"] and "wait_timeout must be 0" in result["msg"] and "not -1" in result["msg"]
    assert _mc(custom) is None


@pytest.mark.parametrize("check", [False, True])
def test_image_of_another_architecture_is_refused_before_writing(lab, custom, base, check):
    image = variants.push_os_variant(
        lab, lab.release["ocp"]["os_image"], "okdlab-override-arm64", variants.claim_arm64, repo=VARIANT_REPO
    )
    result = run_module(lab, "os_image_override", _args(lab, image=image), check=check)
    assert result["failed"], result
    assert "built for arm64" in result["msg"] and "are amd64" in result["msg"]
    assert result["image_architecture"] == "arm64" and result["node_architecture"] == "amd64"
    assert result["error"] == "OverrideError"
    assert _mc(custom) is None
    assert _pool(custom)["spec"]["configuration"]["name"] == base


def test_pool_name_with_a_typo_suggests_the_nearest(lab, custom):
    result = run_module(lab, "os_image_override", {"pool": "wroker", "image": lab.release["ocp_next"]["os_image"]})
    assert result["failed"] and "Did you mean worker?" in result["msg"]
    assert result["suggestions"] == ["worker"]
    info = run_module(lab, "machine_config_pool_info", {"name": "mastr"})
    assert info["failed"] and "Did you mean master?" in info["msg"] and info["error"] == "PoolNotFoundError"
    assert _mc(custom, "99-wroker-os-image-override") is None
