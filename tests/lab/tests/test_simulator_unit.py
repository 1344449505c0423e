"""Unit tests of the MCO simulator's pure logic (no API server, no registry)."""

import copy
import hashlib
import json
import re

import pytest

from okdlab import oci
from okdlab.simulator import constants as c
from okdlab.simulator import daemon, image_check, node_controller, render, render_controller, selectors, status

DEFAULT_OS = "registry.lab/ocp/release@sha256:" + "a" * 64
OVERRIDE_OS = "registry.lab/custom/os@sha256:" + "b" * 64
OTHER_OS = "registry.lab/custom/os@sha256:" + "c" * 64
NOW = "2026-11-22T10:00:00Z"
LATER = "2026-11-22T10:05:00Z"


# -- fixtures ---------------------------------------------------------------------------------
def cc(annotations=None, base=DEFAULT_OS, generation=1, observed=1, completed="True", running="False", failing="False"):
    ann = {c.CC_GENERATED_BY_VERSION: c.CONTROLLER_VERSION, c.RELEASE_IMAGE_VERSION: "4.19.0-lab"}
    ann.update(annotations or {})
    return {
        "metadata": {"name": c.CONTROLLER_CONFIG_NAME, "generation": generation, "annotations": ann},
        "spec": {"baseOSContainerImage": base, "baseOSExtensionsContainerImage": ""},
        "status": {
            "observedGeneration": observed,
            "conditions": [
                {"type": c.TEMPLATE_CONTROLLER_COMPLETED, "status": completed},
                {"type": c.TEMPLATE_CONTROLLER_RUNNING, "status": running},
                {"type": c.TEMPLATE_CONTROLLER_FAILING, "status": failing},
            ],
        },
    }


def mc(name, role="worker", os_image=None, config=None, annotations=None, **spec):
    body = {
        "metadata": {
            "name": name,
            "labels": {c.ROLE_LABEL: role} if role else {},
            "annotations": dict(annotations or {}),
        },
        "spec": dict(spec),
    }
    if os_image is not None:
        body["spec"]["osImageURL"] = os_image
    if config is not None:
        body["spec"]["config"] = config
    return body


def template_mcs(role="worker"):
    gen = {c.GENERATED_BY_CONTROLLER: c.CONTROLLER_VERSION}
    return [
        mc(f"00-{role}", role, DEFAULT_OS, {"ignition": {"version": "3.5.0"}}, gen),
        mc(f"01-{role}-container-runtime", role, DEFAULT_OS, {"ignition": {"version": "3.5.0"}}, gen),
        mc(
            f"01-{role}-kubelet",
            role,
            DEFAULT_OS,
            {
                "ignition": {"version": "3.5.0"},
                "storage": {"files": [{"path": "/etc/kubernetes/kubelet.conf", "contents": {"source": "data:,a"}}]},
            },
            gen,
        ),
    ]


def pool(
    name="worker",
    target=None,
    paused=False,
    max_unavailable=None,
    selector=None,
    conditions=None,
    status_conf=None,
    generation=2,
):
    spec = {
        "machineConfigSelector": selector or {"matchLabels": {c.ROLE_LABEL: name}},
        "nodeSelector": {"matchLabels": {f"node-role.kubernetes.io/{name}": ""}},
        "paused": paused,
    }
    if target:
        spec["configuration"] = {"name": target, "source": []}
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    st = {"conditions": conditions or []}
    if status_conf:
        st["configuration"] = {"name": status_conf, "source": []}
    return {"metadata": {"name": name, "uid": "uid-" + name, "generation": generation}, "spec": spec, "status": st}


def node(
    name,
    role="worker",
    zone=None,
    created="2026-11-22T00:00:00Z",
    current="rendered-worker-old",
    desired=None,
    state=c.STATE_DONE,
    reason="",
    ready=True,
    unschedulable=False,
    arch="amd64",
):
    labels = {f"node-role.kubernetes.io/{role}": "", c.ARCH_LABEL: arch}
    if zone:
        labels[c.ZONE_LABEL] = zone
    ann = {}
    if current is not None:
        ann = {c.CURRENT_CONFIG: current, c.DESIRED_CONFIG: desired or current, c.STATE: state, c.REASON: reason}
    return {
        "metadata": {"name": name, "labels": labels, "annotations": ann, "creationTimestamp": created},
        "spec": {"unschedulable": True} if unschedulable else {},
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False"},
                {"type": "DiskPressure", "status": "False"},
            ]
        },
    }


# -- ControllerConfig gating --------------------------------------------------------------------
def test_controller_config_completed():
    assert render.controller_config_not_completed(cc()) is None


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"generation": 2, "observed": 1}, "is being reported for 1, expecting it for 2"),
        ({"completed": "False"}, "completed(false) running(false) failing(false)"),
        ({"running": "True"}, "running(true)"),
        ({"failing": "True"}, "failing(true)"),
    ],
)
def test_controller_config_not_completed(kwargs, text):
    assert text in render.controller_config_not_completed(cc(**kwargs))


def test_controller_config_missing():
    assert "not found" in render.controller_config_not_completed(None)


# -- merge order and osImageURL precedence ---------------------------------------------------------
def test_merge_order_worker_role_first_then_others_by_name():
    mcs = [mc("50-infra", "infra"), mc("99-worker-z"), mc("00-worker"), mc("00-infra", "infra")]
    expected = ["00-worker", "99-worker-z", "00-infra", "50-infra"]
    assert [m["metadata"]["name"] for m in render.merge_order(mcs)] == expected


def test_default_os_image_from_controller_config():
    spec = render.merge_machine_configs([*template_mcs(), mc("99-x", os_image="")], cc())
    assert spec["osImageURL"] == DEFAULT_OS


def test_override_sorting_after_templates_wins():
    spec = render.merge_machine_configs([*template_mcs(), mc("99-worker-osimageurl", os_image=OVERRIDE_OS)], cc())
    assert spec["osImageURL"] == OVERRIDE_OS


def test_override_named_00_aaa_wins_generated_mcs_are_skipped():
    """MCO 4.21+ (helpers.go MergeMachineConfigs): a generated MC never sets osImageURL, so an
    override wins whatever its name (4.12-4.20 let a template MC sorting after it win)."""
    spec = render.merge_machine_configs([*template_mcs(), mc("00-aaa", os_image=OVERRIDE_OS)], cc())
    assert spec["osImageURL"] == OVERRIDE_OS


def test_generated_mc_with_os_image_is_ignored():
    gen = {c.GENERATED_BY_CONTROLLER: c.CONTROLLER_VERSION}
    spec = render.merge_machine_configs([*template_mcs(), mc("99-gen", os_image=OVERRIDE_OS, annotations=gen)], cc())
    assert spec["osImageURL"] == DEFAULT_OS


def test_custom_role_override_beats_worker_override():
    mcs = [*template_mcs(), mc("50-infra-os", "infra", OVERRIDE_OS), mc("99-worker-os", "worker", OTHER_OS)]
    assert render.merge_machine_configs(mcs, cc())["osImageURL"] == OVERRIDE_OS


def test_last_non_empty_wins_and_lists_concatenate():
    mcs = [
        mc("10-a", kernelArguments=["a=1"], extensions=["usbguard"], os_image=OVERRIDE_OS),
        mc("20-b", kernelArguments=["b=2"], fips=True, kernelType="realtime", os_image=""),
        mc("30-c", kernelArguments=["c=3"], baseOSExtensionsContainerImage="ext:1"),
    ]
    spec = render.merge_machine_configs(mcs, cc())
    assert spec["osImageURL"] == OVERRIDE_OS
    assert spec["kernelArguments"] == ["a=1", "b=2", "c=3"]
    assert spec["extensions"] == ["usbguard"]
    assert spec["fips"] is True and spec["kernelType"] == "realtime"
    assert spec["baseOSExtensionsContainerImage"] == "ext:1"


def test_ignition_merge_later_file_wins_and_overwrite_defaults_true():
    mcs = [
        mc(
            "10-a",
            config={
                "ignition": {"version": "3.2.0"},
                "storage": {
                    "files": [
                        {"path": "/etc/a", "contents": {"source": "data:,1"}},
                        {"path": "/etc/b", "overwrite": False},
                    ]
                },
            },
        ),
        mc(
            "20-b",
            config={
                "ignition": {"version": "3.4.0"},
                "storage": {"files": [{"path": "/etc/a", "contents": {"source": "data:,2"}}]},
                "systemd": {"units": [{"name": "x.service", "enabled": True}]},
            },
        ),
    ]
    ign = render.merge_machine_configs(mcs, cc())["config"]
    assert ign["ignition"]["version"] == "3.5.0"
    files = {f["path"]: f for f in ign["storage"]["files"]}
    assert files["/etc/a"]["contents"]["source"] == "data:,2" and files["/etc/a"]["overwrite"] is True
    assert files["/etc/b"]["overwrite"] is False
    assert ign["systemd"]["units"] == [{"name": "x.service", "enabled": True}]


# -- rendered MachineConfig ---------------------------------------------------------------------
def test_rendered_name_shape_and_stability():
    mcs = template_mcs()
    first = render.generate_rendered(pool(), mcs, cc())["metadata"]["name"]
    assert re.fullmatch(r"rendered-worker-[0-9a-f]{32}", first)
    assert render.generate_rendered(pool(), copy.deepcopy(list(reversed(mcs))), cc())["metadata"]["name"] == first


def test_rendered_name_changes_with_override_and_returns_on_rollback():
    base = render.generate_rendered(pool(), template_mcs(), cc())["metadata"]["name"]
    overridden = render.generate_rendered(pool(), [*template_mcs(), mc("99-worker-os", os_image=OVERRIDE_OS)], cc())[
        "metadata"
    ]["name"]
    rolled_back = render.generate_rendered(pool(), template_mcs(), cc())["metadata"]["name"]
    assert overridden != base and rolled_back == base


def test_rendered_hash_depends_on_spec_only():
    worker = render.generate_rendered(pool("worker"), template_mcs(), cc())
    infra = render.generate_rendered(pool("infra"), template_mcs(), cc(annotations={c.RELEASE_IMAGE_VERSION: "x"}))
    assert worker["metadata"]["name"].rsplit("-", 1)[1] == infra["metadata"]["name"].rsplit("-", 1)[1]
    assert infra["metadata"]["name"].startswith("rendered-infra-")
    expected = hashlib.md5(json.dumps(worker["spec"], sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert worker["metadata"]["name"].endswith(expected)


def test_rendered_annotations_and_owner():
    plain = render.generate_rendered(pool(), template_mcs(), cc())
    assert plain["metadata"]["annotations"] == {
        c.GENERATED_BY_CONTROLLER: c.CONTROLLER_VERSION,
        c.RELEASE_IMAGE_VERSION: "4.19.0-lab",
    }
    assert plain["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "machineconfiguration.openshift.io/v1",
            "kind": "MachineConfigPool",
            "name": "worker",
            "uid": "uid-worker",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert "labels" not in plain["metadata"]
    over = render.generate_rendered(pool(), [*template_mcs(), mc("99-worker-os", os_image=OVERRIDE_OS)], cc())
    assert over["metadata"]["annotations"][c.OS_IMAGE_URL_OVERRIDDEN] == "true"
    assert over["spec"]["osImageURL"] == OVERRIDE_OS


def test_refuses_mc_generated_by_other_controller_version():
    mcs = [*template_mcs(), mc("99-x", annotations={c.GENERATED_BY_CONTROLLER: "old-hash"})]
    with pytest.raises(render.RenderError) as err:
        render.generate_rendered(pool(), mcs, cc())
    assert str(err.value) == (
        f"could not generate rendered MachineConfig: ignoring MC 99-x generated by older "
        f"version old-hash (my version: {c.CONTROLLER_VERSION})"
    )


def test_refuses_controller_config_of_other_version():
    with pytest.raises(render.RenderError, match="ignoring controller config generated from other"):
        render.generate_rendered(pool(), template_mcs(), cc(annotations={c.CC_GENERATED_BY_VERSION: "other"}))


def test_refuses_override_with_os_image_stream():
    p = pool()
    p["spec"]["osImageStream"] = {"name": "rhel-10"}
    with pytest.raises(render.RenderError, match=re.escape(render.OS_IMAGE_STREAM_CONFLICT)):
        render.generate_rendered(p, [*template_mcs(), mc("99-worker-os", os_image=OVERRIDE_OS)], cc())
    assert render.generate_rendered(p, template_mcs(), cc())  # no override: fine


def test_refuses_unknown_ignition_version():
    with pytest.raises(render.RenderError, match="unknown version. Supported spec versions: 2.2, 3.0"):
        render.generate_rendered(pool(), [*template_mcs(), mc("99-x", config={"ignition": {"version": "4.0.0"}})], cc())


# -- selectors / render controller decisions --------------------------------------------------------
def test_selector_match_and_string():
    sel = {"matchExpressions": [{"key": c.ROLE_LABEL, "operator": "In", "values": ["worker", "infra"]}]}
    assert selectors.matches(sel, {c.ROLE_LABEL: "infra"})
    assert not selectors.matches(sel, {c.ROLE_LABEL: "master"})
    assert selectors.to_string(sel) == "machineconfiguration.openshift.io/role in (infra,worker)"
    assert selectors.to_string({"matchLabels": {c.ROLE_LABEL: "worker"}}) == c.ROLE_LABEL + "=worker"
    assert selectors.is_empty({}) and selectors.is_empty(None) and not selectors.is_empty(sel)


def test_render_outcome_no_machine_configs():
    outcome = render_controller.render_outcome(pool("infra"), template_mcs(), cc())
    assert outcome.error == f"no MachineConfigs found matching selector {c.ROLE_LABEL}=infra"
    assert render_controller.degraded_message(pool("infra"), outcome.error).startswith(
        "Failed to render configuration for pool infra: no MachineConfigs found matching selector"
    )


def test_render_outcome_custom_pool_selects_worker_and_own_role():
    sel = {"matchExpressions": [{"key": c.ROLE_LABEL, "operator": "In", "values": ["worker", "infra"]}]}
    mcs = template_mcs() + template_mcs("master") + [mc("50-infra", "infra")]
    error, rendered, source = render_controller.render_outcome(pool("infra", selector=sel), mcs, cc())
    assert error is None and rendered["metadata"]["name"].startswith("rendered-infra-")
    assert [s["name"] for s in source] == ["00-worker", "01-worker-container-runtime", "01-worker-kubelet", "50-infra"]
    assert source[0] == {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "name": "00-worker",
    }


class FakeKube:
    """Records writes; enough of kubeapi.Kube for the controllers' logic."""

    def __init__(self, pools=(), nodes=()):
        self.pools = {p["metadata"]["name"]: copy.deepcopy(p) for p in pools}
        self.nodes = {n["metadata"]["name"]: copy.deepcopy(n) for n in nodes}
        self.created, self.node_patches, self.status_writes = [], [], []

    def create_machine_config(self, body):
        self.created.append(body)
        return body

    def replace_pool(self, body):
        self.pools[body["metadata"]["name"]] = copy.deepcopy(body)
        return copy.deepcopy(body)

    def get_pool(self, name):
        return copy.deepcopy(self.pools[name])

    def replace_pool_status(self, body):
        self.status_writes.append(copy.deepcopy(body["status"]))
        self.pools[body["metadata"]["name"]] = copy.deepcopy(body)
        return copy.deepcopy(body)

    def patch_node(self, name, patch):
        self.node_patches.append((name, patch))


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_render_controller_waits_render_delay_then_writes_spec_and_clears_render_degraded():
    kube, clock = FakeKube([pool()]), Clock()
    ctrl = render_controller.RenderController(kube, render_delay=5, clock=clock)
    mcs = template_mcs()
    p = ctrl.sync(kube.get_pool("worker"), mcs, cc())
    assert not kube.created and "configuration" not in p["spec"]
    clock.now += 5
    p = ctrl.sync(p, mcs, cc())
    assert len(kube.created) == 1
    name = kube.created[0]["metadata"]["name"]
    assert p["spec"]["configuration"]["name"] == name
    assert [s["name"] for s in p["spec"]["configuration"]["source"]] == [m["metadata"]["name"] for m in mcs]
    assert status.get_condition(p["status"]["conditions"], "RenderDegraded")["status"] == "False"
    # satisfied now: nothing more is written
    writes = len(kube.status_writes)
    assert ctrl.sync(p, [*mcs, kube.created[0]], cc()) == p and len(kube.status_writes) == writes


def test_render_controller_reuses_existing_rendered_mc_and_merges_annotations():
    kube, clock = FakeKube([pool()]), Clock()
    kube.mc_patches = []
    kube.patch_machine_config = lambda name, patch: kube.mc_patches.append((name, patch))
    ctrl = render_controller.RenderController(kube, render_delay=0, clock=clock)
    rendered = render.generate_rendered(pool(), template_mcs(), cc())
    stale = copy.deepcopy(rendered)
    stale["metadata"]["annotations"] = {c.RELEASE_IMAGE_VERSION: "4.18.0", c.OS_IMAGE_URL_OVERRIDDEN: "true"}
    p = ctrl.sync(kube.get_pool("worker"), [*template_mcs(), stale], cc())
    assert not kube.created and p["spec"]["configuration"]["name"] == rendered["metadata"]["name"]
    assert kube.mc_patches == [
        (
            rendered["metadata"]["name"],
            {
                "metadata": {
                    "annotations": {
                        c.GENERATED_BY_CONTROLLER: c.CONTROLLER_VERSION,
                        c.RELEASE_IMAGE_VERSION: "4.19.0-lab",
                    }
                }
            },
        )
    ]


def test_render_controller_does_nothing_until_controller_config_completes():
    kube, clock = FakeKube([pool()]), Clock()
    ctrl = render_controller.RenderController(kube, render_delay=0, clock=clock)
    ctrl.sync(kube.get_pool("worker"), template_mcs(), cc(completed="False"))
    assert not kube.created and not kube.status_writes


def test_render_controller_render_degraded_message():
    kube, clock = FakeKube([pool("infra")]), Clock()
    ctrl = render_controller.RenderController(kube, render_delay=0, clock=clock)
    p = ctrl.sync(kube.get_pool("infra"), template_mcs(), cc())
    cond = status.get_condition(p["status"]["conditions"], "RenderDegraded")
    assert cond["status"] == "True" and cond["reason"] == ""
    assert (
        cond["message"] == f"Failed to render configuration for pool infra: no MachineConfigs found matching "
        f"selector {c.ROLE_LABEL}=infra"
    )


def test_render_controller_ignores_empty_selector():
    kube = FakeKube([pool(selector={})])
    kube.pools["worker"]["spec"]["machineConfigSelector"] = {}
    ctrl = render_controller.RenderController(kube, render_delay=0, clock=Clock())
    ctrl.sync(kube.get_pool("worker"), template_mcs(), cc())
    assert not kube.created and not kube.status_writes


# -- node controller --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, count, expected",
    [
        (None, 3, 1),
        (2, 3, 2),
        (0, 3, 1),
        ("50%", 3, 1),
        ("10%", 3, 1),
        ("100%", 3, 3),
        ("66%", 6, 3),
    ],
)
def test_max_unavailable(value, count, expected):
    assert node_controller.max_unavailable(pool(max_unavailable=value), count) == expected


def test_max_unavailable_rejects_non_percent_string():
    with pytest.raises(node_controller.MaxUnavailableError):
        node_controller.max_unavailable(pool(max_unavailable="two"), 3)


def test_sort_nodes_by_zone_then_age_without_zone_last():
    nodes = [
        node("n-nozone-new", created="2026-11-22T03:00:00Z"),
        node("n-b-old", zone="b", created="2026-11-22T00:00:00Z"),
        node("n-a-new", zone="a", created="2026-11-22T02:00:00Z"),
        node("n-nozone-old", created="2026-11-22T01:00:00Z"),
        node("n-a-old", zone="a", created="2026-11-22T01:00:00Z"),
    ]
    assert [n["metadata"]["name"] for n in node_controller.sort_nodes(nodes)] == [
        "n-a-old",
        "n-a-new",
        "n-b-old",
        "n-nozone-old",
        "n-nozone-new",
    ]


def test_select_targets_one_at_a_time_in_zone_order():
    nodes = [node("w-2", zone="c"), node("w-0", zone="b"), node("w-1", zone="a")]
    targets = node_controller.select_targets("rendered-worker-new", nodes, 1)
    assert [n["metadata"]["name"] for n in targets] == ["w-1"]
    assert len(node_controller.select_targets("rendered-worker-new", nodes, 2)) == 2


def test_no_candidates_while_a_node_is_updating():
    nodes = [
        node("w-0", zone="a", desired="rendered-worker-new", state=c.STATE_WORKING, unschedulable=True),
        node("w-1", zone="b"),
        node("w-2", zone="c"),
    ]
    assert node_controller.candidates_and_capacity("rendered-worker-new", nodes, 1) == ([], 0)
    cands, capacity = node_controller.candidates_and_capacity("rendered-worker-new", nodes, 2)
    assert capacity == 1 and [n["metadata"]["name"] for n in cands] == ["w-1", "w-2"]


def test_not_ready_nodes_are_unavailable_and_not_candidates():
    nodes = [node("w-0", ready=False), node("w-1"), node("w-2")]
    cands, capacity = node_controller.candidates_and_capacity("rendered-worker-new", nodes, 2)
    assert capacity == 1 and [n["metadata"]["name"] for n in cands] == ["w-1", "w-2"]


def test_failing_node_towards_target_blocks_capacity():
    # degraded, cordoned node towards the target: unavailable (cordoned) -> nothing else moves
    nodes = [
        node("w-0", desired="rendered-worker-new", state=c.STATE_DEGRADED, unschedulable=True),
        node("w-1"),
        node("w-2"),
    ]
    assert node_controller.candidates_and_capacity("rendered-worker-new", nodes, 1) == ([], 0)
    # with maxUnavailable 3: 1 unavailable, and 1 failing towards this config -> capacity 1
    cands, capacity = node_controller.candidates_and_capacity("rendered-worker-new", nodes, 3)
    assert capacity == 1 and len(cands) == 2


def test_primary_pool():
    pools = [pool("master"), pool("worker"), pool("infra")]
    pools[2]["spec"]["nodeSelector"] = {"matchLabels": {"node-role.kubernetes.io/infra": ""}}
    worker = node("w")
    infra = node("i")
    infra["metadata"]["labels"]["node-role.kubernetes.io/infra"] = ""
    both = node("m", role="master")
    both["metadata"]["labels"]["node-role.kubernetes.io/worker"] = ""
    assert node_controller.primary_pool_name(worker, pools) == "worker"
    assert node_controller.primary_pool_name(infra, pools) == "infra"
    assert node_controller.primary_pool_name(both, pools) == "master"


def test_node_controller_firstboot_sets_annotations():
    p = pool(target="rendered-worker-new")
    fresh = node("w-0", current=None)
    kube = FakeKube([p], [fresh])
    assert node_controller.NodeController(kube).sync_nodes(p, [p], [fresh])
    name, patch = kube.node_patches[0]
    ann = patch["metadata"]["annotations"]
    assert name == "w-0" and ann[c.CURRENT_CONFIG] == ann[c.DESIRED_CONFIG] == "rendered-worker-new"
    assert ann[c.STATE] == "Done" and ann[c.REASON] == ""


def test_node_controller_paused_targets_nothing():
    p = pool(target="rendered-worker-new", paused=True)
    nodes = [node("w-0", zone="a"), node("w-1", zone="b")]
    kube = FakeKube([p], nodes)
    assert not node_controller.NodeController(kube).sync_nodes(p, [p], nodes)
    assert not kube.node_patches


def test_node_controller_targets_and_taints():
    p = pool(target="rendered-worker-new")
    nodes = [node("w-0", zone="b"), node("w-1", zone="a")]
    kube = FakeKube([p], nodes)
    node_controller.NodeController(kube).sync_nodes(p, [p], nodes)
    desired = [(n, x["metadata"]["annotations"][c.DESIRED_CONFIG]) for n, x in kube.node_patches if "metadata" in x]
    assert desired == [("w-1", "rendered-worker-new")]
    taints = [n for n, x in kube.node_patches if "spec" in x]
    assert sorted(taints) == ["w-0", "w-1"]


def test_node_controller_retargets_node_failing_towards_old_config():
    p = pool(target="rendered-worker-old")
    bad = node("w-0", desired="rendered-worker-bad", state=c.STATE_DEGRADED, reason="x", unschedulable=True)
    kube = FakeKube([p], [bad])
    node_controller.NodeController(kube).sync_nodes(p, [p], [bad])
    assert ("w-0", {"metadata": {"annotations": {c.DESIRED_CONFIG: "rendered-worker-old"}}}) in kube.node_patches
    strict = FakeKube([p], [bad])
    node_controller.NodeController(strict, retarget_failing=False).sync_nodes(p, [p], [bad])
    assert not [patch for _node, patch in strict.node_patches if "metadata" in patch]


# -- pool status --------------------------------------------------------------------------------
def test_status_all_updated():
    p = pool(target="rendered-worker-old")
    nodes = [node("w-0"), node("w-1"), node("w-2")]
    st = status.calculate_status(p, nodes, NOW)
    assert (
        st["machineCount"],
        st["updatedMachineCount"],
        st["readyMachineCount"],
        st["unavailableMachineCount"],
        st["degradedMachineCount"],
    ) == (3, 3, 3, 0, 0)
    assert st["observedGeneration"] == 2
    assert st["configuration"] == p["spec"]["configuration"]
    conds = {x["type"]: x for x in st["conditions"]}
    assert conds["Updated"]["status"] == "True"
    assert conds["Updated"]["message"] == "All nodes are updated with MachineConfig rendered-worker-old"
    assert (conds["Updating"]["status"], conds["Updating"]["message"]) == ("False", "")
    assert conds["NodeDegraded"]["status"] == "False" and conds["Degraded"]["status"] == "False"


def test_status_has_the_pinned_image_set_synchronizer_and_condition():
    """Found against the real controller: status.go writes poolSynchronizersStatus and the
    pinned-image-set controller a PinnedImageSetsDegraded=False condition on every pool."""
    p = pool(target="rendered-worker-new", status_conf="rendered-worker-old")
    nodes = [node("w-0", desired="rendered-worker-new", state=c.STATE_WORKING, unschedulable=True), node("w-1")]
    st = status.calculate_status(p, nodes, NOW)
    assert st["poolSynchronizersStatus"] == [
        {
            "poolSynchronizerType": "PinnedImageSets",
            "machineCount": 2,
            "updatedMachineCount": 0,
            "readyMachineCount": 0,
            "unavailableMachineCount": 1,
            "availableMachineCount": 1,
        }
    ]
    conds = {x["type"]: x for x in st["conditions"]}
    assert (conds["PinnedImageSetsDegraded"]["status"], conds["PinnedImageSetsDegraded"]["message"]) == ("False", "")


def test_node_controller_stamps_the_control_plane_topology():
    p = pool(target="rendered-worker-old")
    kube = FakeKube([p], [node("w-0")])
    node_controller.NodeController(kube, control_plane_topology="HighlyAvailable").sync_nodes(p, [p], [node("w-0")])
    assert ("w-0", {"metadata": {"annotations": {c.CONTROL_PLANE_TOPOLOGY: "HighlyAvailable"}}}) in kube.node_patches
    stamped = node("w-0")
    stamped["metadata"]["annotations"][c.CONTROL_PLANE_TOPOLOGY] = "HighlyAvailable"
    kube = FakeKube([p], [stamped])
    node_controller.NodeController(kube, control_plane_topology="HighlyAvailable").sync_nodes(p, [p], [stamped])
    assert not kube.node_patches


def test_status_updating_keeps_old_configuration():
    p = pool(target="rendered-worker-new", status_conf="rendered-worker-old")
    nodes = [
        node("w-0", desired="rendered-worker-new", state=c.STATE_WORKING, unschedulable=True),
        node("w-1"),
        node("w-2"),
    ]
    st = status.calculate_status(p, nodes, NOW)
    assert (st["updatedMachineCount"], st["readyMachineCount"], st["unavailableMachineCount"]) == (0, 0, 1)
    assert st["configuration"]["name"] == "rendered-worker-old"
    conds = {x["type"]: x for x in st["conditions"]}
    assert conds["Updated"]["status"] == "False"
    assert (conds["Updating"]["status"], conds["Updating"]["message"]) == (
        "True",
        "All nodes are updating to MachineConfig rendered-worker-new",
    )


def test_status_paused_message():
    p = pool(target="rendered-worker-new", paused=True)
    st = status.calculate_status(p, [node("w-0")], NOW)
    cond = status.get_condition(st["conditions"], "Updating")
    assert (cond["status"], cond["message"]) == (
        "False",
        "Pool is paused; will not update to MachineConfig rendered-worker-new",
    )


def test_status_node_degraded_texts():
    reason = 'failed to update OS to x: error: "quoted"'
    p = pool(target="rendered-worker-new")
    nodes = [
        node("w-0", desired="rendered-worker-new", state=c.STATE_DEGRADED, reason=reason, unschedulable=True),
        node("w-1"),
        node("w-2"),
    ]
    st = status.calculate_status(p, nodes, NOW)
    assert st["degradedMachineCount"] == 1 and st["unavailableMachineCount"] == 1
    conds = {x["type"]: x for x in st["conditions"]}
    assert conds["NodeDegraded"]["reason"] == "1 nodes are reporting degraded status on sync"
    assert conds["NodeDegraded"]["message"] == (
        'Node w-0 is reporting: "Node w-0 upgrade failure. failed to update OS to x: error: \\"quoted\\"", '
        'Node w-0 is reporting: "failed to update OS to x: error: \\"quoted\\""'
    )
    assert conds["Degraded"]["status"] == "True" and conds["Degraded"]["message"] == conds["NodeDegraded"]["message"]


def test_status_render_degraded_makes_degraded():
    p = pool(
        target="rendered-worker-old",
        conditions=[
            {
                "type": "RenderDegraded",
                "status": "True",
                "reason": "",
                "message": "Failed to render",
                "lastTransitionTime": NOW,
            }
        ],
    )
    st = status.calculate_status(p, [node("w-0")], NOW)
    conds = {x["type"]: x for x in st["conditions"]}
    assert conds["RenderDegraded"]["status"] == "True"
    assert (conds["Degraded"]["status"], conds["Degraded"]["message"]) == ("True", "")


def test_condition_transition_time_only_changes_on_flip():
    conds = status.set_condition([], "Updating", "True", "", "All nodes are updating to MachineConfig a", NOW)
    same = status.set_condition(conds, "Updating", "True", "", "All nodes are updating to MachineConfig a", LATER)
    assert same == conds
    msg = status.set_condition(conds, "Updating", "True", "", "All nodes are updating to MachineConfig b", LATER)
    assert msg[0]["lastTransitionTime"] == NOW and msg[0]["message"].endswith(" b")
    flipped = status.set_condition(conds, "Updating", "False", "", "", LATER)
    assert flipped[0]["lastTransitionTime"] == LATER


def test_status_unchanged_is_not_rewritten():
    p = pool(target="rendered-worker-old")
    nodes = [node("w-0")]
    p["status"] = status.calculate_status(p, nodes, NOW)
    assert not status.status_changed(p["status"], status.calculate_status(p, nodes, LATER))


# -- daemon decisions ---------------------------------------------------------------------------
def test_daemon_needs_work():
    assert daemon.needs_work(node("w", desired="rendered-worker-new"), None) == "update"
    assert daemon.needs_work(node("w"), None) is None
    degraded = node("w", desired="rendered-worker-new", state=c.STATE_DEGRADED)
    assert daemon.needs_work(degraded, "rendered-worker-new") is None  # waits for a new desiredConfig
    assert daemon.needs_work(degraded, "rendered-worker-other") == "update"
    assert daemon.needs_work(node("w", state=c.STATE_DEGRADED), "rendered-worker-new") == "settle"
    assert daemon.needs_work(node("w", current=None), None) is None


def test_firstboot_patch():
    ann = daemon.firstboot_patch("rendered-worker-x")["metadata"]["annotations"]
    assert ann[c.CURRENT_CONFIG] == ann[c.DESIRED_CONFIG] == "rendered-worker-x" and ann[c.STATE] == "Done"


# -- image check decisions -------------------------------------------------------------------------
def _blob(doc):
    data = json.dumps(doc).encode()
    return data, oci.sha256_digest(data)


class FakeRegistry:
    """get_manifest/get_blob over fixture documents; anything else is MANIFEST_UNKNOWN."""

    def __init__(self):
        self.manifests, self.blobs, self.fetched = {}, {}, []

    def add_image(self, tag, labels, arch="amd64"):
        config, config_digest = _blob(
            {
                "architecture": arch,
                "os": "linux",
                "config": {"Labels": labels},
                "rootfs": {"type": "layers", "diff_ids": []},
            }
        )
        self.blobs[config_digest] = config
        manifest, digest = _blob(
            {
                "schemaVersion": 2,
                "mediaType": oci.OCI_MANIFEST,
                "layers": [],
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": config_digest,
                    "size": len(config),
                },
            }
        )
        self.manifests[digest] = (manifest, oci.OCI_MANIFEST)
        if tag:
            self.manifests[tag] = (manifest, oci.OCI_MANIFEST)
        return digest

    def add_index(self, tag, entries, media_type=oci.OCI_INDEX):
        index, digest = _blob(
            {
                "schemaVersion": 2,
                "mediaType": media_type,
                "manifests": [
                    {
                        "mediaType": oci.OCI_MANIFEST,
                        "digest": d,
                        "size": 1,
                        "platform": {"architecture": a, "os": "linux"},
                    }
                    for a, d in entries
                ],
            }
        )
        self.manifests[tag] = self.manifests[digest] = (index, media_type)
        return digest

    def get_manifest(self, repo, ref):
        self.fetched.append(ref)
        if ref not in self.manifests:
            raise oci.RegistryError(
                f"GET https://registry.lab/v2/{repo}/manifests/{ref}: MANIFEST_UNKNOWN: manifest unknown", 404
            )
        body, media_type = self.manifests[ref]
        return body, media_type, oci.sha256_digest(body)

    def get_blob(self, _repo, digest):
        return self.blobs[digest]


BOOTABLE = {"ostree.bootable": "true", "containers.bootc": "1"}


def test_image_check_bootable_image_passes():
    reg = FakeRegistry()
    reg.add_image("os", BOOTABLE)
    assert image_check.check_os_image("registry.lab/ocp/os:os", "amd64", reg) is None


def test_image_check_bootc_label_alone_is_enough():
    reg = FakeRegistry()
    reg.add_image("os", {"containers.bootc": "1"})
    assert image_check.check_os_image("registry.lab/ocp/os:os", "amd64", reg) is None


def test_image_check_missing_bootable_label():
    reg = FakeRegistry()
    digest = reg.add_image(None, {"io.openshift.release": "x"})
    url = f"registry.lab/ocp/os@{digest}"
    stderr = image_check.check_os_image(url, "amd64", reg)
    assert stderr == "error: Target image does not have ostree.bootable label"
    assert image_check.failure_reason(url, stderr) == (
        f"failed to update OS to {url} after retries: error running rpm-ostree rebase --experimental "
        f"ostree-unverified-registry:{url}: error: Target image does not have ostree.bootable label: "
        f"exit status 1: timed out waiting for the condition"
    )


def test_image_check_wrong_architecture():
    reg = FakeRegistry()
    reg.add_image("os", BOOTABLE, arch="arm64")
    assert (
        image_check.check_os_image("registry.lab/ocp/os:os", "amd64", reg)
        == "error: Image has architecture arm64; expected amd64"
    )


def test_image_check_manifest_list_picks_node_platform():
    reg = FakeRegistry()
    amd = reg.add_image(None, {"io.openshift.release": "not bootable"})
    arm = reg.add_image(None, BOOTABLE, arch="arm64")
    reg.add_index("multi", [("amd64", amd), ("arm64", arm)])
    assert image_check.check_os_image("registry.lab/ocp/os:multi", "arm64", reg) is None
    assert reg.fetched == ["multi", arm]
    assert "does not have ostree.bootable label" in image_check.check_os_image(
        "registry.lab/ocp/os:multi", "amd64", reg
    )


def test_image_check_manifest_list_without_node_platform():
    reg = FakeRegistry()
    arm = reg.add_image(None, BOOTABLE, arch="arm64")
    reg.add_index("armonly", [("arm64", arm)], media_type=oci.DOCKER_LIST)
    assert image_check.check_os_image("registry.lab/ocp/os:armonly", "amd64", reg).endswith(
        'no image found in manifest list for architecture "amd64", variant "", OS "linux"'
    )


def test_image_check_unpullable():
    url = "registry.lab/ocp/os@sha256:" + "0" * 64
    stderr = image_check.check_os_image(url, "amd64", FakeRegistry())
    assert stderr == (
        f"error: Creating importer: failed to invoke method OpenImage: reading manifest sha256:{'0' * 64} "
        f"in registry.lab/ocp/os: manifest unknown: manifest unknown"
    )


class DownRegistry:
    def get_manifest(self, repo, ref):
        raise oci.RegistryError(f"GET https://registry.lab/v2/{repo}/manifests/{ref}: ConnectionError: refused")


def test_image_check_unreachable_registry():
    stderr = image_check.check_os_image("registry.lab/ocp/os:4.19", "amd64", DownRegistry())
    assert stderr == (
        "error: Creating importer: failed to invoke method OpenImage: pinging container registry "
        "registry.lab: ConnectionError: refused"
    )


def test_registry_error_text():
    assert (
        image_check.registry_error_text("GET https://h/v2/r/manifests/t: UNAUTHORIZED: authentication required")
        == "unauthorized: authentication required"
    )
