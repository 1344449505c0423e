# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release selection from a Cincinnati graph: ranges, shortestPath, conditional edges and risks."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.imageset.config import Channel
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import ChannelError, GraphError
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.graph import Graph, select

RISK = {
    "url": "https://okd.example/risks/etcd",
    "name": "EtcdDefragStall",
    "message": "etcd may stall during defragmentation after this update.",
    "matchingRules": [{"type": "PromQL", "promql": {"promql": "group(etcd_server_has_leader)"}}],
}


def cincinnati(versions, edges, conditional=()):
    """A Cincinnati answer: nodes in the given (unsorted) order, edges by index."""
    index = {v: i for i, v in enumerate(versions)}
    return {
        "nodes": [
            {"version": v, "payload": f"quay.example/ocp-release@sha256:{i:064x}", "metadata": {}}
            for v, i in index.items()
        ],
        "edges": [[index[a], index[b]] for a, b in edges],
        "conditionalEdges": [
            {"edges": [{"from": a, "to": b} for a, b in c_edges], "risks": risks} for c_edges, risks in conditional
        ],
    }


STABLE_419 = cincinnati(
    ["4.19.1", "4.19.0", "4.19.2"], [("4.19.0", "4.19.1"), ("4.19.1", "4.19.2"), ("4.19.0", "4.19.2")]
)
FAST_420 = cincinnati(
    ["4.20.0", "4.19.1", "4.19.2", "4.20.1"],
    [("4.19.1", "4.19.2"), ("4.19.2", "4.20.0"), ("4.20.0", "4.20.1")],
    [([("4.19.1", "4.20.0")], [RISK])],
)


def graph(data, channel="stable-4.19"):
    return Graph.from_cincinnati(channel, "amd64", data, url="https://graph.example/graph")


def test_head_only_by_default():
    sel = select(graph(STABLE_419), Channel("stable-4.19"))
    assert sel.versions == ["4.19.2"] and sel.upgrade_path == ["4.19.2"] and sel.steps == []


def test_full_takes_every_release():
    assert select(graph(STABLE_419), Channel("stable-4.19", full=True)).versions == ["4.19.0", "4.19.1", "4.19.2"]


def test_min_only_runs_to_head_and_max_only_starts_at_first():
    assert select(graph(FAST_420, "fast-4.20"), Channel("fast-4.20", min_version="4.19.2")).versions == [
        "4.19.2",
        "4.20.0",
        "4.20.1",
    ]
    assert select(graph(FAST_420, "fast-4.20"), Channel("fast-4.20", max_version="4.20.0")).versions == [
        "4.19.1",
        "4.19.2",
        "4.20.0",
    ]


def test_range_and_shortest_path():
    channel = Channel("stable-4.19", min_version="4.19.0", max_version="4.19.2")
    full = select(graph(STABLE_419), channel)
    assert full.versions == ["4.19.0", "4.19.1", "4.19.2"]
    assert full.upgrade_path == ["4.19.0", "4.19.2"]  # the direct edge
    short = select(
        graph(STABLE_419), Channel("stable-4.19", min_version="4.19.0", max_version="4.19.2", shortest_path=True)
    )
    assert short.versions == ["4.19.0", "4.19.2"]
    assert short.steps == [{"from": "4.19.0", "to": "4.19.2", "conditional": False, "risks": []}]


def test_path_prefers_unconditional_edges_and_reports_the_conditional_one():
    sel = select(
        graph(FAST_420, "fast-4.20"),
        Channel("fast-4.20", min_version="4.19.1", max_version="4.20.0", shortest_path=True),
    )
    assert sel.versions == ["4.19.1", "4.19.2", "4.20.0"]
    assert [s["conditional"] for s in sel.steps] == [False, False]
    assert sel.conditional_edges == [{"from": "4.19.1", "to": "4.20.0", "risks": [RISK]}]


def test_conditional_edge_used_when_it_is_the_only_path():
    data = cincinnati(["4.19.1", "4.20.0"], [], [([("4.19.1", "4.20.0")], [RISK])])
    sel = select(
        graph(data, "fast-4.20"), Channel("fast-4.20", min_version="4.19.1", max_version="4.20.0", shortest_path=True)
    )
    assert sel.upgrade_path == ["4.19.1", "4.20.0"]
    assert sel.steps == [{"from": "4.19.1", "to": "4.20.0", "conditional": True, "risks": [RISK]}]
    assert sel.as_dict()["conditional_edges"][0]["risks"][0]["name"] == "EtcdDefragStall"


def test_no_path_with_shortest_path_is_an_error_without_it_a_report():
    data = cincinnati(["4.19.0", "4.19.1"], [])
    with pytest.raises(ChannelError, match="no upgrade path from 4.19.0 to 4.19.1"):
        select(graph(data), Channel("stable-4.19", min_version="4.19.0", max_version="4.19.1", shortest_path=True))
    sel = select(graph(data), Channel("stable-4.19", min_version="4.19.0", max_version="4.19.1"))
    assert sel.versions == ["4.19.0", "4.19.1"] and sel.upgrade_path is None and sel.steps == []


def test_channel_not_in_graph():
    with pytest.raises(ChannelError, match="channel stable-4.99 has no releases for amd64") as info:
        select(graph({"nodes": [], "edges": []}, "stable-4.99"), Channel("stable-4.99"))
    assert info.value.context["channel"] == "stable-4.99"


def test_version_not_in_channel_lists_what_is():
    with pytest.raises(ChannelError) as info:
        select(graph(STABLE_419), Channel("stable-4.19", min_version="4.19.7"))
    assert "minVersion 4.19.7 is not in channel stable-4.19" in info.value.message
    assert "4.19.0, 4.19.1, 4.19.2" in info.value.message


def test_min_above_max():
    with pytest.raises(ChannelError, match="minVersion 4.19.2 is above maxVersion 4.19.0"):
        select(graph(STABLE_419), Channel("stable-4.19", min_version="4.19.2", max_version="4.19.0"))


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"nodes": "x"},
        {"nodes": [{"version": "four"}]},
        {"nodes": [{"version": "4.19.0", "payload": "p"}], "edges": [[0, 5]]},
    ],
)
def test_not_a_graph(data):
    with pytest.raises(GraphError):
        graph(data)
