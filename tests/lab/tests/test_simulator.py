"""The MCO controllers against the running lab (real kube-apiserver, real registries), for both
implementations: the real machine-config-controller and the simulator's controllers.

Each test runs once per implementation (the `implementation` fixture switches the lab's
controllers with `labctl mco`; the node daemons are the simulator's in both).  Where the two
differ, the test says so and tests/lab/MCO-DIFFERENCES.md lists the difference.

Every test works on the `worker` pool and leaves it as it found it: the MachineConfigs it
created are deleted, `paused`/`maxUnavailable` reset, and the pool is back at its original
rendered config, Updated, with no degraded node (the `worker` fixture checks this).
"""

import contextlib
import copy
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest

from okdlab import admin, mco, seed, variants
from okdlab.simulator import constants as c

pytestmark = pytest.mark.lab

MC_PLURAL = (c.MC_GROUP, c.MC_VERSION, "machineconfigs")
MCP_PLURAL = (c.MC_GROUP, c.MC_VERSION, "machineconfigpools")
CC_PLURAL = (c.MC_GROUP, c.MC_VERSION, "controllerconfigs")
MERGE = "application/merge-patch+json"
TEST_LABEL = "okdlab.test/simulator"
POOL = "worker"


# -- plumbing -----------------------------------------------------------------------------------
class Api:
    def __init__(self, lab):
        from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel
        from kubernetes import config as kconfig  # pylint: disable=import-outside-toplevel

        api_client = kconfig.new_client_from_config(config_file=lab.kubeconfig)
        self.custom = k8s.CustomObjectsApi(api_client)
        self.core = k8s.CoreV1Api(api_client)

    def pool(self, name=POOL):
        return self.custom.get_cluster_custom_object(*MCP_PLURAL, name)

    def patch_pool(self, patch, name=POOL):
        return self.custom.patch_cluster_custom_object(*MCP_PLURAL, name, patch, _content_type=MERGE)

    def mc(self, name):
        return self.custom.get_cluster_custom_object(*MC_PLURAL, name)

    def create_mc(self, name, role=POOL, annotations=None, **spec):
        body = {
            "apiVersion": f"{c.MC_GROUP}/{c.MC_VERSION}",
            "kind": "MachineConfig",
            "metadata": {
                "name": name,
                "labels": {c.ROLE_LABEL: role, TEST_LABEL: ""},
                "annotations": annotations or {},
            },
            "spec": spec,
        }
        return self.custom.create_cluster_custom_object(*MC_PLURAL, body)

    def delete_test_mcs(self):
        from kubernetes.client.exceptions import ApiException  # pylint: disable=import-outside-toplevel

        for item in self.custom.list_cluster_custom_object(*MC_PLURAL, label_selector=TEST_LABEL)["items"]:
            try:
                self.custom.delete_cluster_custom_object(*MC_PLURAL, item["metadata"]["name"])
            except ApiException as e:
                if e.status != 404:
                    raise

    def nodes(self, role=POOL):
        resp = self.core.list_node(label_selector=f"node-role.kubernetes.io/{role}", _preload_content=False)
        return json.loads(resp.data)["items"]

    def controller_config(self):
        return self.custom.get_cluster_custom_object(*CC_PLURAL, c.CONTROLLER_CONFIG_NAME)


def conditions(pool):
    return {x["type"]: x for x in (pool.get("status") or {}).get("conditions") or []}


def ann(node, key):
    return (node["metadata"].get("annotations") or {}).get(key, "")


def converged(pool, target=None):
    st = pool.get("status") or {}
    cond = conditions(pool)
    name = pool["spec"].get("configuration", {}).get("name")
    return (
        bool(name)
        and (target is None or name == target)
        and st.get("observedGeneration") == pool["metadata"]["generation"]
        and (st.get("configuration") or {}).get("name") == name
        and cond.get("Updated", {}).get("status") == "True"
        and cond.get("Updating", {}).get("status") == "False"
        and cond.get("Degraded", {}).get("status") == "False"
        and st.get("machineCount", 0) > 0
        and st.get("updatedMachineCount") == st.get("readyMachineCount") == st.get("machineCount")
        and st.get("degradedMachineCount") == 0
        and st.get("unavailableMachineCount") == 0
    )


# default for waits; set by the `api` fixture per implementation and node update time
TIMEOUT = {"seconds": 30.0}
# the real controllers wait 5 s after each change (render renderDelay, node updateDelay, drain
# UpdateDelay): about 15 s per node and 5 s before a render takes effect
REAL_SECONDS_PER_NODE = 20.0


def wait_for(what, fn, timeout=None, interval=0.05):
    """Poll fn() until it returns something truthy; fail with the last value seen."""
    timeout = timeout or TIMEOUT["seconds"]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; last seen: {last!r}")
    return None


def sim_setting(lab, key, default):
    """The lab's simulator timing (`labctl up --tick/--render-delay/--node-update-seconds`)."""
    return (getattr(lab, "simulator", None) or {}).get(key, default)


def zone_order(nodes):
    """The MCO's update order (sortNodeList): zone, then oldest first."""
    return [
        n["metadata"]["name"]
        for n in sorted(
            nodes,
            key=lambda n: (
                n["metadata"]["labels"].get(c.ZONE_LABEL) is None,
                n["metadata"]["labels"].get(c.ZONE_LABEL, ""),
                n["metadata"]["creationTimestamp"],
                n["metadata"]["name"],
            ),
        )
    ]


class Recorder:
    """Samples the pool's nodes and status every 20 ms in a thread: a rollout timeline."""

    def __init__(self, api):
        self.api = api
        self.samples = []  # (t, {node: (desired, current, state, unschedulable)}, pool)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            # the pool first: a status it shows is never newer than the node states read after it
            pool = self.api.pool()
            nodes = {
                n["metadata"]["name"]: (
                    ann(n, c.DESIRED_CONFIG),
                    ann(n, c.CURRENT_CONFIG),
                    ann(n, c.STATE),
                    bool(n.get("spec", {}).get("unschedulable")),
                )
                for n in self.api.nodes()
            }
            self.samples.append((time.monotonic(), nodes, pool))
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def first_targeted(self, target):
        """{node: time its desiredConfig first became target}."""
        out = {}
        for t, nodes, _pool in self.samples:
            for name, seen in nodes.items():
                if seen[0] == target and name not in out:
                    out[name] = t
        return out

    def first_done(self, target):
        """{node: time it was first seen Done at target}."""
        out = {}
        for t, nodes, _pool in self.samples:
            for name, (_desired, current, state, _cordoned) in nodes.items():
                if current == target and state == "Done" and name not in out:
                    out[name] = t
        return out

    def max_in_progress(self, target):
        """Most nodes at once that were pointed at target but not yet Done at it."""
        return max(
            (
                sum(
                    1
                    for d, cur, st, _cordoned in nodes.values()
                    if d == target and not (cur == target and st == "Done")
                )
                for _t, nodes, _pool in self.samples
            ),
            default=0,
        )

    def pool_conditions_seen(self):
        return {
            (ctype, cond["status"], cond.get("message", ""))
            for _t, _nodes, pool in self.samples
            for ctype, cond in conditions(pool).items()
        }


LABCTL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "labctl")


def _labctl(*args):
    env = dict(os.environ, OKD_PYTHON=sys.executable)
    return subprocess.run([LABCTL, *args], env=env, capture_output=True, text=True, check=False, timeout=900)


def _order():
    """The lab's own implementation first (no switch for it), then the other; only the first
    with OKD_LAB_MCO_COMPARE=0 (the real controller's run costs ~12 min: 5 s delays per step)."""
    first = os.environ.get("OKD_LAB_MCO") or mco.DEFAULT_IMPLEMENTATION
    if os.environ.get("OKD_LAB_MCO_COMPARE") == "0":
        return [first]
    return [first] + [i for i in mco.IMPLEMENTATIONS if i != first]


@pytest.fixture(scope="module")
def restore_implementation(lab):
    """After the module: the lab runs the implementation it started with."""
    started_with = lab.mco.get("implementation", "simulator")
    yield
    _labctl("mco", started_with)


@pytest.fixture(scope="module", params=_order())
def implementation(request, lab, restore_implementation):  # pylint: disable=unused-argument
    if request.param == "real" and not lab.mco.get("raw"):
        pytest.skip("the machine-config-controller is not built (tests/lab/build/build-mco.sh)")
    proc = _labctl("mco", request.param)
    if proc.returncode != 0:
        pytest.fail(f"labctl mco {request.param} failed:\n{proc.stdout}\n{proc.stderr}")
    return request.param


@pytest.fixture(scope="module")
def api(lab, implementation):
    # a rollout of the worker pool: 3 nodes one after another, each drain + "reboot" + uncordon
    per_node = REAL_SECONDS_PER_NODE if implementation == "real" else 0.0
    TIMEOUT["seconds"] = 30.0 + 12 * sim_setting(lab, "node_update_seconds", 0.5) + 3 * per_node
    api = Api(lab)
    api.implementation = implementation
    return api


def controller_hash(lab):
    """generated-by-controller-version the lab's controllers stamp (both speak the same)."""
    return seed.versions(lab)[1]


@pytest.fixture
def worker(api):
    """The worker pool's converged rendered config; restores the pool afterwards."""
    pool = wait_for("the worker pool to be converged before the test", lambda: converged(api.pool()) and api.pool())
    base = pool["spec"]["configuration"]["name"]
    try:
        yield base
    finally:
        api.delete_test_mcs()
        api.patch_pool({"spec": {"paused": False}})
        wait_for(f"the worker pool to target {base} again", lambda: api.pool()["spec"]["configuration"]["name"] == base)
        # then every node at once on the way back (the real controllers take ~15 s per node)
        api.patch_pool({"spec": {"maxUnavailable": "100%"}})
        try:
            wait_for(
                f"the worker pool to return to {base}",
                lambda: recover_failing_nodes(api, base) or converged(api.pool(), base),
                timeout=2 * TIMEOUT["seconds"],
            )
        finally:
            api.patch_pool({"spec": {"maxUnavailable": None}})
        wait_for("the worker pool to observe maxUnavailable reset", lambda: converged(api.pool(), base))
        for node in api.nodes():
            assert ann(node, c.CURRENT_CONFIG) == base and ann(node, c.STATE) == "Done"
            assert not node.get("spec", {}).get("unschedulable"), node["metadata"]["name"]


def recover_failing_nodes(api, base):
    """With the real controller: the admin step for nodes left Degraded towards another config
    (the real node controller never re-targets them; okdlab.admin).  Returns None."""
    if api.implementation != "real":
        return None
    for node in api.nodes():
        if ann(node, c.STATE) in ("Degraded", "Unreconcilable") and ann(node, c.DESIRED_CONFIG) != base:
            admin.reset_degraded_node(api.core, node["metadata"]["name"])
    return None


def new_target(api, base, timeout=30):
    """Wait for the render controller to point the pool at a new rendered config."""
    return wait_for(
        "a new rendered config",
        lambda: api.pool()["spec"]["configuration"]["name"] != base and api.pool()["spec"]["configuration"]["name"],
        timeout=timeout,
    )


def file_config(path, text):
    return {
        "ignition": {"version": "3.2.0"},
        "storage": {"files": [{"path": path, "mode": 420, "contents": {"source": "data:," + text}}]},
    }


# -- tests --------------------------------------------------------------------------------------
def test_fresh_lab_is_rendered_and_converged(api, lab, worker):
    pool = api.pool()
    assert re.fullmatch(r"rendered-worker-[0-9a-f]{32}", worker)
    sources = [s["name"] for s in pool["spec"]["configuration"]["source"]]
    assert {"00-worker", "01-worker-container-runtime", "01-worker-kubelet"} <= set(sources)
    assert all(
        s["kind"] == "MachineConfig" and s["apiVersion"] == "machineconfiguration.openshift.io/v1"
        for s in pool["spec"]["configuration"]["source"]
    )
    cond = conditions(pool)
    assert cond["Updated"]["message"] == f"All nodes are updated with MachineConfig {worker}"
    assert cond["RenderDegraded"]["status"] == "False" and cond["NodeDegraded"]["status"] == "False"
    assert pool["status"]["machineCount"] == len(api.nodes()) >= 3
    rendered = api.mc(worker)
    assert rendered["spec"]["osImageURL"] == api.controller_config()["spec"]["baseOSContainerImage"]
    assert rendered["spec"]["osImageURL"] == lab.release["ocp"]["os_image"]
    assert rendered["spec"]["config"]["ignition"]["version"] == "3.5.0"
    meta = rendered["metadata"]
    assert meta["annotations"][c.GENERATED_BY_CONTROLLER] == controller_hash(lab)
    assert meta["annotations"][c.RELEASE_IMAGE_VERSION] == lab.release["ocp"]["version"]
    assert c.OS_IMAGE_URL_OVERRIDDEN not in meta["annotations"]
    owner = meta["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
        "MachineConfigPool",
        "worker",
        pool["metadata"]["uid"],
        True,
    )
    for node in api.nodes():
        assert ann(node, c.DESIRED_CONFIG) == ann(node, c.CURRENT_CONFIG) == worker
        assert (ann(node, c.STATE), ann(node, c.REASON)) == ("Done", "")


def test_mc_change_rolls_out_one_node_at_a_time_in_zone_order(api, worker):
    nodes = api.nodes()
    with Recorder(api) as rec:
        api.create_mc("99-worker-okdlab-test-file", config=file_config("/etc/okdlab-test", "one"))
        target = new_target(api, worker)
        wait_for("the rollout to finish", lambda: converged(api.pool(), target))
    pool = api.pool()
    assert "99-worker-okdlab-test-file" in [s["name"] for s in pool["spec"]["configuration"]["source"]]
    assert api.mc(target)["spec"]["config"]["storage"]["files"][-1]["path"] == "/etc/okdlab-test"
    seen = rec.pool_conditions_seen()
    assert ("Updated", "False", "") in seen
    assert ("Updating", "True", f"All nodes are updating to MachineConfig {target}") in seen
    assert conditions(pool)["Updated"]["message"] == f"All nodes are updated with MachineConfig {target}"
    targeted = rec.first_targeted(target)
    assert sorted(targeted, key=targeted.get) == zone_order(nodes)
    assert rec.max_in_progress(target) == 1
    # status.configuration stays at the old config until every node is done
    assert all(
        (p["status"].get("configuration") or {}).get("name") == worker
        for _t, n, p in rec.samples
        if any(s[0] != target or s[1] != target for s in n.values())
    )
    st = pool["status"]
    assert (
        st["machineCount"],
        st["updatedMachineCount"],
        st["readyMachineCount"],
        st["unavailableMachineCount"],
        st["degradedMachineCount"],
    ) == (len(nodes), len(nodes), len(nodes), 0, 0)
    for node in api.nodes():
        assert ann(node, c.DESIRED_DRAIN) == ann(node, c.LAST_APPLIED_DRAIN) == f"uncordon-{target}"
        assert ann(node, c.POST_CONFIG_ACTION) == ""
    # the master pool was not touched
    assert api.pool("master")["spec"]["configuration"]["name"].startswith("rendered-master-")
    assert converged(api.pool("master"))


def test_max_unavailable_two_updates_two_nodes_at_once(api, worker):
    api.patch_pool({"spec": {"maxUnavailable": 2}})
    nodes = api.nodes()
    with Recorder(api) as rec:
        api.create_mc("99-worker-okdlab-test-file", config=file_config("/etc/okdlab-test", "two"))
        target = new_target(api, worker)
        wait_for("the rollout to finish", lambda: converged(api.pool(), target))
    order = zone_order(nodes)
    targeted, done = rec.first_targeted(target), rec.first_done(target)
    assert rec.max_in_progress(target) == 2
    # the first two in zone order at once (one controller pass), the third once one is done
    assert max(targeted[order[0]], targeted[order[1]]) < min(done[order[0]], done[order[1]])
    assert targeted[order[2]] >= min(done[order[0]], done[order[1]])


def test_max_unavailable_percent_rounds_down_to_at_least_one(api, worker):
    api.patch_pool({"spec": {"maxUnavailable": "50%"}})  # 50% of 3 = 1
    with Recorder(api) as rec:
        api.create_mc("99-worker-okdlab-test-file", config=file_config("/etc/okdlab-test", "pct"))
        target = new_target(api, worker)
        wait_for("the rollout to finish", lambda: converged(api.pool(), target))
    assert rec.max_in_progress(target) == 1


def test_paused_pool_renders_but_targets_no_node(api, lab, worker):
    api.patch_pool({"spec": {"paused": True}})
    api.create_mc("99-worker-okdlab-test-file", config=file_config("/etc/okdlab-test", "paused"))
    target = new_target(api, worker)  # the render controller ignores `paused`
    message = f"Pool is paused; will not update to MachineConfig {target}"
    wait_for(
        "the paused Updating condition", lambda: conditions(api.pool()).get("Updating", {}).get("message") == message
    )
    time.sleep(max(1.0, 3 * sim_setting(lab, "tick", 0.1)))
    cond = conditions(api.pool())
    assert (cond["Updating"]["status"], cond["Updated"]["status"]) == ("False", "False")
    assert all(ann(n, c.DESIRED_CONFIG) == worker for n in api.nodes())
    api.patch_pool({"spec": {"paused": False}})
    wait_for("the rollout after unpausing", lambda: converged(api.pool(), target))


def _wait_degraded(api, target):
    """The first node in zone order goes Degraded towards target; returns (node, pool)."""
    first = zone_order(api.nodes())[0]

    def degraded():
        node = next(n for n in api.nodes() if n["metadata"]["name"] == first)
        return ann(node, c.STATE) == "Degraded" and ann(node, c.DESIRED_CONFIG) == target and node

    node = wait_for(f"{first} to go Degraded", degraded)
    pool = wait_for(
        "NodeDegraded on the pool",
        lambda: conditions(api.pool()).get("NodeDegraded", {}).get("status") == "True" and api.pool(),
    )
    return node, pool


def _assert_degraded_rollout(api, lab, url, target, expected_stderr):
    node, pool = _wait_degraded(api, target)
    name = node["metadata"]["name"]
    reason = ann(node, c.REASON)
    prefix = (
        f"failed to update OS to {url} after retries: error running rpm-ostree rebase --experimental "
        f"ostree-unverified-registry:{url}: "
    )
    assert reason.startswith(prefix), reason
    assert reason.endswith(": exit status 1: timed out waiting for the condition"), reason
    assert expected_stderr in reason
    assert node["spec"].get("unschedulable") is True  # drained, not uncordoned
    assert ann(node, c.CURRENT_CONFIG) != target
    # the MCD's MachineConfigNode message first, then the node's reason (node/status.go); the
    # daemon writes them one after the other, so the pool may show a first version in between
    expected = (
        f"Node {name} is reporting: {json.dumps(f'Node {name} upgrade failure. {reason}')}, "
        f"Node {name} is reporting: {json.dumps(reason)}"
    )
    pool = wait_for(
        "the pool's NodeDegraded message",
        lambda: conditions(api.pool())["NodeDegraded"]["message"] == expected and api.pool(),
        timeout=20,
    )
    cond = conditions(pool)
    assert cond["NodeDegraded"]["reason"] == "1 nodes are reporting degraded status on sync"
    assert cond["Degraded"]["status"] == "True"
    assert cond["Degraded"]["message"] == cond["NodeDegraded"]["message"]
    assert cond["Updated"]["status"] == "False" and cond["Updating"]["status"] == "True"
    st = pool["status"]
    assert (st["degradedMachineCount"], st["unavailableMachineCount"]) == (1, 1)
    # maxUnavailable=1: the rollout stops at the broken node
    time.sleep(max(1.0, 3 * sim_setting(lab, "node_update_seconds", 0.5)))
    others = [n for n in api.nodes() if n["metadata"]["name"] != name]
    assert all(ann(n, c.DESIRED_CONFIG) != target for n in others)
    rendered = api.mc(target)
    assert rendered["spec"]["osImageURL"] == url
    assert rendered["metadata"]["annotations"][c.OS_IMAGE_URL_OVERRIDDEN] == "true"
    return name


def _rollback(api, worker, mc_name, degraded_node):
    """Delete the override MC: the pool goes back to the old rendered name and recovers.

    The real node controller never re-targets the Degraded node (it is cordoned, so it counts
    against maxUnavailable and is no candidate): an admin points its desiredConfig back at its
    currentConfig (okdlab.admin).  The simulator re-targets it by itself (its one addition,
    node_controller.failing_elsewhere; MCO-DIFFERENCES.md)."""
    api.custom.delete_cluster_custom_object(*MC_PLURAL, mc_name)
    wait_for(
        "the pool to target the old rendered config again",
        lambda: api.pool()["spec"]["configuration"]["name"] == worker,
    )
    if api.implementation == "real":
        time.sleep(10)  # two node-controller passes: it does not move the node by itself
        node = next(n for n in api.nodes() if n["metadata"]["name"] == degraded_node)
        assert ann(node, c.STATE) == "Degraded" and ann(node, c.DESIRED_CONFIG) != worker
        admin.reset_degraded_node(api.core, degraded_node)
    wait_for("the pool to recover", lambda: converged(api.pool(), worker))
    node = next(n for n in api.nodes() if n["metadata"]["name"] == degraded_node)
    assert (ann(node, c.STATE), ann(node, c.REASON), ann(node, c.CURRENT_CONFIG)) == ("Done", "", worker)
    assert not node["spec"].get("unschedulable")
    assert conditions(api.pool())["NodeDegraded"]["status"] == "False"


def test_unpullable_os_image_degrades_first_node_then_rollback_recovers(api, lab, worker):
    url = f"{lab.registry('upstream').host}/okdlab-test/missing@sha256:{'0' * 64}"
    api.create_mc("99-worker-okdlab-test-osimage", osImageURL=url)
    target = new_target(api, worker)
    node = _assert_degraded_rollout(
        api, lab, url, target, "error: Creating importer: failed to invoke method OpenImage: reading manifest sha256:"
    )
    _rollback(api, worker, "99-worker-okdlab-test-osimage", node)


@pytest.mark.parametrize(
    "mutate, tag, stderr",
    [
        (
            variants.drop_bootable_labels,
            "okdlab-test-not-bootable",
            "error: Target image does not have ostree.bootable label",
        ),
        (variants.claim_arm64, "okdlab-test-arm64", "error: Image has architecture arm64; expected amd64"),
    ],
    ids=["not-bootable", "wrong-arch"],
)
def test_bad_os_image_degrades_first_node_then_rollback_recovers(api, lab, worker, mutate, tag, stderr):
    url = variants.push_os_variant(lab, lab.release["ocp"]["os_image"], tag, mutate)
    api.create_mc("99-worker-okdlab-test-osimage", osImageURL=url)
    target = new_target(api, worker)
    node = _assert_degraded_rollout(api, lab, url, target, stderr)
    _rollback(api, worker, "99-worker-okdlab-test-osimage", node)


def test_good_os_image_override_rolls_out_and_rollback_returns_old_name(api, lab, worker):
    url = lab.release["ocp_next"]["os_image"]
    api.create_mc("99-worker-okdlab-test-osimage", osImageURL=url)
    target = new_target(api, worker)
    wait_for("the override rollout", lambda: converged(api.pool(), target))
    rendered = api.mc(target)
    assert rendered["spec"]["osImageURL"] == url
    assert rendered["metadata"]["annotations"][c.OS_IMAGE_URL_OVERRIDDEN] == "true"
    api.custom.delete_cluster_custom_object(*MC_PLURAL, "99-worker-okdlab-test-osimage")
    wait_for("the rollback", lambda: converged(api.pool(), worker))
    api.mc(target)  # old rendered configs are never deleted


def test_override_named_00_sorting_before_templates_wins(api, lab, worker):
    """MCO 4.21+: generated MCs never set osImageURL, so the name of an override does not
    matter (4.12-4.20 let a template MC sorting after it win)."""
    api.create_mc(
        "00-aaa-okdlab-test",
        osImageURL=lab.release["ocp_next"]["os_image"],
        config=file_config("/etc/okdlab-test", "aaa"),
    )
    target = new_target(api, worker)
    assert api.mc(target)["spec"]["osImageURL"] == lab.release["ocp_next"]["os_image"]
    assert api.mc(target)["metadata"]["annotations"][c.OS_IMAGE_URL_OVERRIDDEN] == "true"
    wait_for("the rollout", lambda: converged(api.pool(), target))


def test_mc_from_another_controller_version_is_render_degraded(api, lab, worker):
    name = "99-worker-okdlab-test-foreign"
    api.create_mc(
        name,
        annotations={c.GENERATED_BY_CONTROLLER: "some-other-hash"},
        config=file_config("/etc/okdlab-test", "foreign"),
    )
    expected = (
        f"Failed to render configuration for pool worker: could not generate rendered MachineConfig: "
        f"ignoring MC {name} generated by older version some-other-hash (my version: {controller_hash(lab)})"
    )
    pool = wait_for(
        "RenderDegraded",
        lambda: conditions(api.pool()).get("RenderDegraded", {}).get("status") == "True" and api.pool(),
    )
    cond = conditions(pool)
    assert cond["RenderDegraded"]["message"] == expected
    wait_for("Degraded", lambda: conditions(api.pool())["Degraded"]["status"] == "True")
    assert api.pool()["spec"]["configuration"]["name"] == worker
    api.custom.delete_cluster_custom_object(*MC_PLURAL, name)
    wait_for(
        "RenderDegraded to clear",
        lambda: conditions(api.pool())["RenderDegraded"]["status"] == "False" and converged(api.pool(), worker),
    )


@contextlib.contextmanager
def controller_config_status(api, **statuses):
    """Temporarily set TemplateController* condition statuses on the ControllerConfig."""
    cc = api.controller_config()
    saved = copy.deepcopy(cc["status"])
    for cond in cc["status"]["conditions"]:
        if cond["type"] in statuses:
            cond["status"] = statuses[cond["type"]]
    api.custom.replace_cluster_custom_object_status(*CC_PLURAL, c.CONTROLLER_CONFIG_NAME, cc)
    try:
        yield
    finally:
        cc = api.controller_config()
        cc["status"] = saved
        api.custom.replace_cluster_custom_object_status(*CC_PLURAL, c.CONTROLLER_CONFIG_NAME, cc)


def test_nothing_renders_while_controller_config_is_not_completed(api, lab, worker):
    if api.implementation == "real":
        # the real template controller owns this status: it rewrites it as soon as it changes
        pytest.skip("the lab cannot hold the real template controller's ControllerConfig status")
    with controller_config_status(api, TemplateControllerRunning="True"):
        api.create_mc("99-worker-okdlab-test-file", config=file_config("/etc/okdlab-test", "gated"))
        time.sleep(max(1.5, 5 * sim_setting(lab, "render_delay", 0.3)))
        assert api.pool()["spec"]["configuration"]["name"] == worker
    target = new_target(api, worker)
    wait_for("the rollout", lambda: converged(api.pool(), target))
