# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The machine_config_pool_info report, with a fake reader instead of the API server."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.mco.info import (
    PoolNotFoundError,
    gather_pool_reports,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import (
    selector_to_string,
)

POOL_KEYS = [
    "conditions",
    "counts",
    "current_config",
    "generation",
    "machine_config_selector",
    "max_unavailable",
    "name",
    "node_selector",
    "nodes",
    "observed_generation",
    "os_image_url",
    "paused",
    "source",
    "target_config",
    "verdict",
]


class FakeReader:
    def __init__(self, pools, nodes, machine_configs):
        self.pools = pools
        self.nodes = nodes
        self.machine_configs = {mc["metadata"]["name"]: mc for mc in machine_configs}
        self.node_selectors = []

    def list_pools(self):
        return sorted(self.pools, key=lambda p: p["metadata"]["name"])

    def list_nodes(self, label_selector=None):
        self.node_selectors.append(label_selector)
        if not label_selector:
            return list(self.nodes)
        key = label_selector.split("=")[0]
        return [n for n in self.nodes if key in n["metadata"]["labels"]]

    def get_machine_config(self, name):
        return self.machine_configs.get(name)


@pytest.fixture
def reader(mco):
    return FakeReader(
        pools=[mco.pool("worker"), mco.pool("master", target="rendered-master-1", current="rendered-master-1")],
        nodes=[mco.node(f"worker-{i}") for i in range(3)]
        + [
            mco.node(f"master-{i}", role="master", desired="rendered-master-1", current="rendered-master-1")
            for i in range(3)
        ],
        machine_configs=[
            mco.rendered(mco.NEW, mco.LAYERED_IMAGE),
            mco.rendered("rendered-master-1", mco.DEFAULT_IMAGE),
        ],
    )


def test_all_pools(reader, mco):
    pools = gather_pool_reports(reader)
    assert [p["name"] for p in pools] == ["master", "worker"]
    assert reader.node_selectors == [None]  # all nodes read once
    worker = pools[1]
    assert sorted(worker) == POOL_KEYS
    assert worker["os_image_url"] == mco.LAYERED_IMAGE
    assert worker["target_config"] == worker["current_config"] == mco.NEW
    assert worker["source"] == [*mco.BASE_SOURCE, mco.OVERRIDE_MC]
    assert worker["counts"] == {"machine": 3, "ready": 3, "updated": 3, "unavailable": 0, "degraded": 0}
    assert worker["conditions"]["Updated"]["status"] == "True"
    assert worker["verdict"]["state"] == "done" and worker["verdict"]["done"] is True
    assert [n["name"] for n in worker["nodes"]] == ["worker-0", "worker-1", "worker-2"]
    assert worker["nodes"][0]["state"] == "Done"
    assert pools[0]["os_image_url"] == mco.DEFAULT_IMAGE
    assert [n["name"] for n in pools[0]["nodes"]] == ["master-0", "master-1", "master-2"]


def test_one_pool_uses_its_node_selector(reader):
    pools = gather_pool_reports(reader, name="worker")
    assert [p["name"] for p in pools] == ["worker"]
    assert reader.node_selectors == [selector_to_string({"matchLabels": {"node-role.kubernetes.io/worker": ""}})]


def test_without_nodes(reader):
    pools = gather_pool_reports(reader, name="master", include_nodes=False)
    assert "nodes" not in pools[0]
    assert reader.node_selectors == []
    assert pools[0]["verdict"]["state"] == "done"


def test_unknown_pool_names_the_existing_ones(reader):
    with pytest.raises(PoolNotFoundError) as err:
        gather_pool_reports(reader, name="infra")
    assert str(err.value) == "MachineConfigPool infra not found. Existing pools: master, worker"
    assert err.value.existing == ["master", "worker"]


def test_missing_rendered_config(reader, mco):
    reader.machine_configs.pop(mco.NEW)
    worker = gather_pool_reports(reader, name="worker")[0]
    assert worker["os_image_url"] is None


def test_unknown_pool_suggests_the_nearest_name(reader):
    with pytest.raises(PoolNotFoundError) as err:
        gather_pool_reports(reader, name="wroker")
    assert "Did you mean worker?" in str(err.value)
    assert err.value.fail_kwargs()["suggestions"] == ["worker"]
    assert err.value.fail_kwargs()["error"] == "PoolNotFoundError"
