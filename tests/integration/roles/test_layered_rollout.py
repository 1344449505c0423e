"""The layered_rollout and layered_rollback ROLES run through ansible-playbook against the lab:
staleness after a (simulated) cluster upgrade, auto-rollback of a non-bootable image (with
and without a canary pool), and nothing half-applied on a failing build or a missing pool."""

import json
import uuid

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import NotFoundError
from okdlab import seed, variants

from ..conftest import MC, MCP, run_play, wait_for

pytestmark = pytest.mark.lab

RUN = uuid.uuid4().hex[:8]  # a kept lab keeps what earlier runs pushed: fresh repositories per run
MANAGED_BY = "app.kubernetes.io/managed-by"
CANARY_LABEL = "node-role.kubernetes.io/worker-canary"
LABEL_BASE_DIGEST = "machine-os.okd.io/base-image-digest"
DEGRADED_REASON = "failed to update OS to"
MARKER = """\
FROM scratch
RUN mkdir -p /etc/okdtest && echo {text} > /etc/okdtest/marker
"""


class PlayResult:
    """What ansible-playbook (json callback) said: rc, per-task results, the recap."""

    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        start = proc.stdout.find("{")
        self.data = json.loads(proc.stdout[start:]) if start >= 0 else {}
        self.tasks = [
            (task["task"]["name"], task["hosts"].get("localhost", {}))
            for play in self.data.get("plays", [])
            for task in play["tasks"]
        ]
        self.stats = self.data.get("stats", {}).get("localhost", {})

    @property
    def changed(self):
        return self.stats.get("changed", 0)

    @property
    def changed_tasks(self):
        return [name for name, res in self.tasks if res.get("changed")]

    @property
    def failed_tasks(self):
        return [(name, res) for name, res in self.tasks if res.get("failed")]

    @property
    def msg(self):
        """The message of the task that failed the play (the last failed one)."""
        failed = self.failed_tasks
        return failed[-1][1].get("msg", "") if failed else ""

    def result(self, name):
        return next(res for task, res in reversed(self.tasks) if task == name)


def run_role(lab, role, role_vars, extra_env=None, facts=()):
    """Apply `okd.machine_os.<role>` with `role_vars` in a play on localhost through
    ansible-playbook, with the environment run_module uses; `facts` are echoed by a debug task."""
    tasks = [{"name": f"show {fact}", "ansible.builtin.debug": {"var": fact}} for fact in facts]
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "roles": [{"role": f"okd.machine_os.{role}", "vars": role_vars}],
            "tasks": tasks,
        }
    ]
    proc = run_play(lab, play, f"role-{role}", extra_env=extra_env, timeout=800)
    return PlayResult(proc)


# -- cluster and registry state ---------------------------------------------------------------


@pytest.fixture(scope="module")
def custom(kube):
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel

    return k8s.CustomObjectsApi(kube)


@pytest.fixture(scope="module")
def core(kube):
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel

    return k8s.CoreV1Api(kube)


def pool(custom, name="worker"):
    return custom.get_cluster_custom_object(*MCP, name)


def pool_or_none(custom, name):
    from kubernetes.client.exceptions import ApiException  # pylint: disable=import-outside-toplevel

    try:
        return pool(custom, name)
    except ApiException as e:
        if e.status == 404:
            return None
        raise


def rendered_os_image(custom, name="worker"):
    rendered = pool(custom, name)["spec"]["configuration"]["name"]
    return custom.get_cluster_custom_object(*MC, rendered)["spec"]["osImageURL"]


def mc_names(custom):
    return sorted(m["metadata"]["name"] for m in custom.list_cluster_custom_object(*MC)["items"])


def override_mcs(custom):
    return [
        m
        for m in custom.list_cluster_custom_object(*MC)["items"]
        if (m["metadata"].get("labels") or {}).get(MANAGED_BY) == "okd.machine_os"
    ]


def converged(custom, name="worker"):
    """The pool targets a rendered config every node has reached, and is not degraded."""
    p = pool(custom, name)
    st = p.get("status", {})
    conds = {c["type"]: c["status"] for c in st.get("conditions", [])}
    return (
        st.get("configuration", {}).get("name") == p["spec"]["configuration"]["name"]
        and st.get("updatedMachineCount") == st.get("machineCount")
        and st.get("degradedMachineCount") == 0
        and conds.get("Updated") == "True"
        and conds.get("Degraded") != "True"
    ) and p


def worker_nodes(core):
    return sorted(n.metadata.name for n in core.list_node(label_selector="node-role.kubernetes.io/worker").items)


def image_labels(registry, pullspec):
    manifest, _index = registry.get_image_manifest(pullspec)
    return registry.get_json_blob(pullspec, manifest.config.digest)["config"].get("Labels") or {}


def dest(lab, name):
    return f"{lab.registry('mirror').host}/itest-roles/{name}-{RUN}:worker"


def rollout_vars(lab, **kwargs):
    return dict(
        {"layered_rollout_pool": "worker", "layered_rollout_ca_file": lab.ca_file, "layered_rollout_wait_timeout": 120},
        **kwargs,
    )


def rollback(lab):
    return run_role(lab, "layered_rollback", {"layered_rollback_pool": "worker", "layered_rollback_wait_timeout": 120})


@pytest.fixture()
def clean_worker(lab, custom):
    """The worker pool without an override before and after the test (a failed test must not
    leave the next one a layered pool)."""
    if override_mcs(custom) or pool_or_none(custom, "worker-canary"):
        assert rollback(lab).rc == 0
    wait_for(lambda: converged(custom), timeout=60, what="the worker pool to settle")
    yield
    if override_mcs(custom) or pool_or_none(custom, "worker-canary"):
        result = rollback(lab)
        assert result.rc == 0, result.msg or result.output[-3000:]


@pytest.fixture(scope="module")
def not_bootable(lab):
    """A copy of the lab's OS image without ostree.bootable/containers.bootc, by digest."""
    return variants.push_os_variant(
        lab, lab.release["ocp"]["os_image"], "v1", variants.drop_bootable_labels, repo=f"itest-roles/not-bootable-{RUN}"
    )


# -- a. staleness ------------------------------------------------------------------------------


def test_staleness_rebuilds_from_the_new_base_after_an_upgrade(lab, kube, custom, storage_env, registry, clean_worker):  # pylint: disable=unused-argument
    target = dest(lab, "stale")
    repo = target.rsplit(":", 1)[0]
    role_vars = rollout_vars(
        lab,
        layered_rollout_image=target,
        layered_rollout_canary_count=1,
        layered_rollout_containerfile=MARKER.format(text="staleness"),
    )
    first = run_role(lab, "layered_rollout", role_vars, extra_env=storage_env)
    assert first.rc == 0, first.msg or first.output[-3000:]
    assert first.changed > 0
    image = rendered_os_image(custom)
    assert image.startswith(repo + "@sha256:")
    assert image_labels(registry, image)[LABEL_BASE_DIGEST] == lab.release["ocp"]["os_image"].split("@")[1]
    assert converged(custom)
    assert pool_or_none(custom, "worker-canary") is None

    second = run_role(lab, "layered_rollout", role_vars, extra_env=storage_env)
    assert second.rc == 0, second.msg or second.output[-3000:]
    assert second.changed == 0, second.changed_tasks
    assert rendered_os_image(custom) == image

    nxt = lab.release["ocp_next"]
    try:
        seed.set_release(kube, lab, nxt)
        third = run_role(lab, "layered_rollout", role_vars, extra_env=storage_env)
        assert third.rc == 0, third.msg or third.output[-3000:]
        assert third.changed > 0
        new_image = rendered_os_image(custom)
        assert new_image != image and new_image.startswith(repo + "@sha256:")
        assert image_labels(registry, new_image)[LABEL_BASE_DIGEST] == nxt["os_image"].split("@")[1]
        assert converged(custom)
        assert pool_or_none(custom, "worker-canary") is None

        back = rollback(lab)
        assert back.rc == 0, back.msg or back.output[-3000:]
        assert rendered_os_image(custom) == nxt["os_image"]
        assert not override_mcs(custom)
        assert converged(custom)
    finally:
        if override_mcs(custom):
            rollback(lab)
        seed.set_release(kube, lab, lab.release["ocp"])
        for name in ("master", "worker"):
            wait_for(
                lambda name=name: (
                    rendered_os_image(custom, name) == lab.release["ocp"]["os_image"] and converged(custom, name)
                ),
                timeout=120,
                what=f"pool {name} back on the original release",
            )


# -- b. auto-rollback --------------------------------------------------------------------------


def test_non_bootable_canary_degrades_and_the_pool_is_untouched(lab, custom, core, not_bootable, clean_worker):  # pylint: disable=unused-argument
    before = pool(custom)["spec"]["configuration"]["name"]
    mcs_before = mc_names(custom)
    result = run_role(
        lab,
        "layered_rollout",
        rollout_vars(lab, layered_rollout_prebuilt_image=not_bootable, layered_rollout_canary_count=1),
    )
    assert result.rc != 0
    assert "worker-0" in result.msg and DEGRADED_REASON in result.msg, result.msg
    assert "Canary rollout of " + not_bootable in result.msg
    assert pool_or_none(custom, "worker-canary") is None
    node = core.read_node("worker-0")
    assert CANARY_LABEL not in (node.metadata.labels or {})
    assert "worker-0" in worker_nodes(core)
    assert not override_mcs(custom)
    assert pool(custom)["spec"]["configuration"]["name"] == before
    # the rendered config of the canary pool stays (the MCO never deletes rendered configs)
    assert not set(mcs_before) - set(mc_names(custom))
    wait_for(lambda: converged(custom), timeout=60, what="the worker pool to recover")
    assert pool(custom)["status"]["configuration"]["name"] == before


def test_non_bootable_pool_degrades_then_auto_rollback(lab, custom, not_bootable, clean_worker):  # pylint: disable=unused-argument
    before = pool(custom)["spec"]["configuration"]["name"]
    result = run_role(lab, "layered_rollout", rollout_vars(lab, layered_rollout_prebuilt_image=not_bootable))
    assert result.rc != 0
    assert DEGRADED_REASON in result.msg and "worker-" in result.msg, result.msg
    assert "auto-rollback" in result.msg
    assert not override_mcs(custom)
    assert pool(custom)["spec"]["configuration"]["name"] == before
    wait_for(lambda: converged(custom), timeout=60, what="the worker pool to recover")
    assert pool(custom)["status"]["configuration"]["name"] == before


def test_non_bootable_without_auto_rollback_leaves_the_override(lab, custom, not_bootable, clean_worker):  # pylint: disable=unused-argument
    before = pool(custom)["spec"]["configuration"]["name"]
    result = run_role(
        lab,
        "layered_rollout",
        rollout_vars(lab, layered_rollout_prebuilt_image=not_bootable, layered_rollout_auto_rollback=False),
    )
    assert result.rc != 0
    assert DEGRADED_REASON in result.msg and "left in place" in result.msg, result.msg
    overrides = override_mcs(custom)
    assert [m["spec"]["osImageURL"] for m in overrides] == [not_bootable]
    assert pool(custom)["spec"]["configuration"]["name"] != before

    back = rollback(lab)
    assert back.rc == 0, back.msg or back.output[-3000:]
    assert not override_mcs(custom)
    assert pool(custom)["spec"]["configuration"]["name"] == before
    assert converged(custom)


def test_failed_update_rolls_back_to_the_previous_layered_image(lab, custom, not_bootable, clean_worker):  # pylint: disable=unused-argument
    """Auto-rollback returns the pool to what it ran before, here an earlier (prebuilt) layered
    image, not to the release's OS image."""
    good = lab.release["ocp_next"]["os_image"]  # bootable, by digest: stands in for a CI build
    first = run_role(lab, "layered_rollout", rollout_vars(lab, layered_rollout_prebuilt_image=good))
    assert first.rc == 0, first.msg or first.output[-3000:]
    assert rendered_os_image(custom) == good
    before = pool(custom)["spec"]["configuration"]["name"]

    result = run_role(lab, "layered_rollout", rollout_vars(lab, layered_rollout_prebuilt_image=not_bootable))
    assert result.rc != 0
    assert DEGRADED_REASON in result.msg and "rolled back to " + good in result.msg, result.msg
    assert [m["spec"]["osImageURL"] for m in override_mcs(custom)] == [good]
    assert pool(custom)["spec"]["configuration"]["name"] == before
    wait_for(lambda: converged(custom), timeout=60, what="the worker pool to recover")
    assert rendered_os_image(custom) == good


def test_prebuilt_image_by_tag_is_refused_before_anything_is_written(lab, custom, clean_worker):  # pylint: disable=unused-argument
    mcs_before = mc_names(custom)
    result = run_role(
        lab, "layered_rollout", rollout_vars(lab, layered_rollout_prebuilt_image=lab.release["ocp"]["tag_pullspec"])
    )
    assert result.rc != 0
    assert "layered_rollout_prebuilt_image" in result.msg and "by digest" in result.msg, result.msg
    assert mc_names(custom) == mcs_before


# -- c. nothing half-applied -------------------------------------------------------------------


def test_failing_build_changes_nothing(lab, custom, storage_env, registry, clean_worker):  # pylint: disable=unused-argument
    target = dest(lab, "failing")
    mcs_before = mc_names(custom)
    pools_before = {n: pool(custom, n)["spec"]["configuration"]["name"] for n in ("master", "worker")}
    result = run_role(
        lab,
        "layered_rollout",
        rollout_vars(lab, layered_rollout_image=target, layered_rollout_containerfile="FROM scratch\nRUN false\n"),
        extra_env=storage_env,
    )
    assert result.rc != 0
    assert "Build the layered OS image" in result.failed_tasks[-1][0], result.failed_tasks
    assert "RUN false" in result.failed_tasks[-1][1].get("build_output_tail", "") + result.msg
    assert mc_names(custom) == mcs_before
    assert {n: pool(custom, n)["spec"]["configuration"]["name"] for n in pools_before} == pools_before
    assert pool_or_none(custom, "worker-canary") is None
    with pytest.raises(NotFoundError):
        registry.get_image_manifest(target)


def test_missing_pool_fails_naming_it_before_anything_is_written(lab, custom, storage_env, registry, clean_worker):  # pylint: disable=unused-argument
    target = dest(lab, "no-pool")
    mcs_before = mc_names(custom)
    result = run_role(
        lab,
        "layered_rollout",
        rollout_vars(
            lab,
            layered_rollout_pool="no-such-pool",
            layered_rollout_image=target,
            layered_rollout_canary_count=1,
            layered_rollout_containerfile=MARKER.format(text="no-pool"),
        ),
        extra_env=storage_env,
    )
    assert result.rc != 0
    assert "no-such-pool" in result.msg, result.msg
    assert not any("Build the layered OS image" in name for name, _res in result.tasks), result.tasks
    assert mc_names(custom) == mcs_before
    assert pool_or_none(custom, "no-such-pool-canary") is None
    with pytest.raises(NotFoundError):
        registry.get_image_manifest(target)
