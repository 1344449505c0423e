# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pool and Node model: parsing, label selectors, node-to-pool assignment."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import (
    Counts,
    Node,
    node_from_object,
    nodes_of_pool,
    os_image_url_of,
    pool_from_object,
    primary_pool_for_node,
    selector_is_empty,
    selector_matches,
    selector_to_string,
)

INFRA_SELECTOR = {"matchLabels": {"node-role.kubernetes.io/infra": ""}}


def test_pool_from_object(mco):
    obj = mco.pool(
        current=mco.OLD,
        updated=1,
        ready=1,
        unavailable=1,
        generation=5,
        observed=4,
        updated_cond="False",
        updating_cond="True",
        max_unavailable="50%",
    )
    pool = pool_from_object(obj)
    assert pool.name == "worker"
    assert pool.generation == 5 and pool.observed_generation == 4 and pool.status_stale
    assert pool.target_config == mco.NEW
    assert pool.current_config == mco.OLD
    assert pool.source == (*mco.BASE_SOURCE, mco.OVERRIDE_MC)
    assert pool.counts == Counts(machine=3, ready=1, updated=1, unavailable=1, degraded=0)
    assert pool.max_unavailable == "50%"
    assert pool.node_selector == {"matchLabels": {"node-role.kubernetes.io/worker": ""}}
    assert pool.machine_config_selector == {"matchLabels": {"machineconfiguration.openshift.io/role": "worker"}}
    assert pool.condition_true("Updating") and pool.condition_false("Updated")
    assert pool.condition("Updated").last_transition_time == "2026-11-22T10:00:00Z"
    assert pool.condition("BuildPending") is None
    assert not pool.condition_true("BuildPending") and not pool.condition_false("BuildPending")


def test_pool_without_status():
    """A freshly created pool: no status, no configuration."""
    pool = pool_from_object(
        {
            "metadata": {"name": "infra", "generation": 1},
            "spec": {"nodeSelector": INFRA_SELECTOR},
        }
    )
    assert pool.target_config is None and pool.current_config is None
    assert pool.source == ()
    assert pool.counts == Counts()
    assert pool.conditions == {}
    assert pool.paused is False
    assert pool.status_stale


def test_node_from_object(mco):
    node = node_from_object(
        mco.node("worker-1", desired=mco.NEW, current=mco.OLD, state="Working", zone="zone-b", unschedulable=True)
    )
    assert node == Node(
        name="worker-1",
        desired_config=mco.NEW,
        current_config=mco.OLD,
        state="Working",
        reason="",
        ready=True,
        zone="zone-b",
        unschedulable=True,
        desired_image=None,
        labels=node.labels,
    )
    assert node.as_dict() == {
        "name": "worker-1",
        "desired_config": mco.NEW,
        "current_config": mco.OLD,
        "state": "Working",
        "reason": "",
        "ready": True,
        "zone": "zone-b",
        "unschedulable": True,
    }
    assert not node.is_updated_to(mco.NEW) and not node.failed
    assert node.describe() == f"worker-1 (Working, {mco.OLD} -> {mco.NEW})"
    assert node.describe(mco.NEW) == node.describe()
    waiting = node_from_object(mco.node("worker-2", desired=mco.OLD, current=mco.OLD))
    assert waiting.describe(mco.NEW) == f"worker-2 (Done, {mco.OLD}, not yet targeted)"


def test_node_without_annotations():
    node = node_from_object({"metadata": {"name": "new-node"}, "status": {}})
    assert node.desired_config is None and node.current_config is None and node.state is None
    assert node.ready is False and node.zone is None
    assert node.describe() == "new-node (no state, no config)"
    assert not node.is_updated_to(None)


def test_node_readiness(mco):
    obj = mco.node("worker-0")
    assert node_from_object(obj).ready
    obj["status"]["conditions"][1]["status"] = "True"  # DiskPressure
    assert not node_from_object(obj).ready
    assert not node_from_object(mco.node("worker-0", ready=False)).ready


def test_node_updated_and_failed(mco):
    done = node_from_object(mco.node("w", desired=mco.NEW, current=mco.NEW, state="Done"))
    assert done.is_updated_to(mco.NEW) and not done.is_updated_to(mco.OLD)
    degraded = node_from_object(mco.node("w", desired=mco.NEW, current=mco.OLD, state="Degraded", reason="boom"))
    assert degraded.failed and degraded.reason == "boom"
    assert node_from_object(mco.node("w", state="Unreconcilable")).failed


# --- selectors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector,labels,expected",
    [
        (None, {"a": "1"}, False),
        ({}, {"a": "1"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
        ({"matchLabels": {"node-role.kubernetes.io/worker": ""}}, {"node-role.kubernetes.io/worker": ""}, True),
        (
            {"matchExpressions": [{"key": "role", "operator": "In", "values": ["worker", "infra"]}]},
            {"role": "infra"},
            True,
        ),
        ({"matchExpressions": [{"key": "role", "operator": "In", "values": ["worker"]}]}, {}, False),
        ({"matchExpressions": [{"key": "role", "operator": "NotIn", "values": ["master"]}]}, {}, True),
        ({"matchExpressions": [{"key": "role", "operator": "NotIn", "values": ["master"]}]}, {"role": "master"}, False),
        ({"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}, {"gpu": ""}, True),
        ({"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}, {}, False),
        ({"matchExpressions": [{"key": "gpu", "operator": "DoesNotExist"}]}, {}, True),
        ({"matchExpressions": [{"key": "gpu", "operator": "DoesNotExist"}]}, {"gpu": "x"}, False),
    ],
)
def test_selector_matches(selector, labels, expected):
    assert selector_matches(selector, labels) is expected


def test_selector_unknown_operator():
    with pytest.raises(ValueError):
        selector_matches({"matchExpressions": [{"key": "a", "operator": "Gt"}]}, {})
    with pytest.raises(ValueError):
        selector_to_string({"matchExpressions": [{"key": "a", "operator": "Gt"}]})


def test_selector_to_string():
    selector = {
        "matchLabels": {"node-role.kubernetes.io/worker": "", "b": "2"},
        "matchExpressions": [
            {"key": "role", "operator": "In", "values": ["worker", "infra"]},
            {"key": "tier", "operator": "NotIn", "values": ["x"]},
            {"key": "gpu", "operator": "Exists"},
            {"key": "edge", "operator": "DoesNotExist"},
        ],
    }
    assert selector_to_string(selector) == (
        "b=2,node-role.kubernetes.io/worker=,role in (infra,worker),tier notin (x),gpu,!edge"
    )
    assert selector_to_string(None) == ""


def test_selector_is_empty():
    assert selector_is_empty({}) and selector_is_empty({"matchLabels": {}})
    assert not selector_is_empty(None)
    assert not selector_is_empty(INFRA_SELECTOR)


# --- node to pool ------------------------------------------------------------------------


def _pools(mco):
    return [
        mco.pool("master"),
        mco.pool("worker"),
        mco.pool("infra", node_selector=INFRA_SELECTOR),
        mco.pool("gpu", node_selector={"matchLabels": {"node-role.kubernetes.io/gpu": ""}}),
        mco.pool("everything", node_selector={}),
    ]


@pytest.mark.parametrize(
    "roles,expected",
    [
        (["worker"], "worker"),
        (["worker", "infra"], "infra"),  # a custom pool beats worker
        (["infra"], "infra"),
        (["master", "worker"], "master"),  # compact clusters: master beats worker
        (["master"], "master"),
        (["worker", "infra", "gpu"], None),  # two custom pools: the MCO refuses the node
        (["master", "infra"], None),  # custom pool on a master: refused too
        ([], None),  # only the empty-selector pool matches, and it selects nothing
    ],
)
def test_primary_pool_for_node(mco, roles, expected):
    labels = {f"node-role.kubernetes.io/{r}": "" for r in roles}
    assert primary_pool_for_node(labels, _pools(mco)) == expected


def test_nodes_of_pool_leaves_out_nodes_of_custom_pools(mco):
    pools = _pools(mco)
    nodes = [
        mco.node("worker-1"),
        mco.node("worker-0"),
        mco.node("infra-0", extra_labels={"node-role.kubernetes.io/infra": ""}),
        mco.node("master-0", role="master"),
    ]
    assert [n.name for n in nodes_of_pool(pools[1], nodes, pools)] == ["worker-0", "worker-1"]
    # without the other pools, the selector alone decides
    assert [n.name for n in nodes_of_pool(pools[1], nodes)] == ["infra-0", "worker-0", "worker-1"]
    assert [n.name for n in nodes_of_pool(pools[2], nodes, pools)] == ["infra-0"]
    assert [n.name for n in nodes_of_pool(pools[0], nodes, pools)] == ["master-0"]
    assert nodes_of_pool(pools[4], nodes, pools) == []


def test_os_image_url_of(mco):
    assert os_image_url_of(mco.rendered(mco.NEW, mco.LAYERED_IMAGE)) == mco.LAYERED_IMAGE
    assert os_image_url_of({"metadata": {"name": "x"}, "spec": {}}) is None
    assert os_image_url_of(None) is None
