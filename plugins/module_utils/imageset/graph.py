# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A channel's update graph as Cincinnati serves it, and which releases an image set takes from it (pure).

The graph (openshift/cincinnati ``docs/design/cincinnati.md``; the cluster-version-operator's
client ``pkg/cincinnati/cincinnati.go``): ``nodes[{version, payload, metadata}]``,
``edges[[from index, to index]]`` and ``conditionalEdges[{edges[{from, to}], risks[{url, name,
message, matchingRules}]}]`` (versions, not indices). A conditional edge is an update that is
recommended only when none of its risks applies to the cluster.

Selection follows oc-mirror v2 (``internal/pkg/release/cincinnati.go`` ``resolveChannelVersions``):
no bound takes the channel head (every release with ``full``), ``minVersion`` alone runs to the
head, ``maxVersion`` alone starts at the channel's first release, both bounds take the whole
range; ``shortestPath`` takes only the releases on the shortest upgrade path between them.
Unlike oc-mirror, the upgrade path and the conditional edges with their risks are reported:
the path prefers unconditional edges and uses conditional ones only when there is no other.
"""

import itertools
from collections import deque
from dataclasses import dataclass

from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import ChannelError, GraphError
from ansible_collections.okd.machine_os.plugins.module_utils.release.semver import Version


def version_key(text):
    return Version.parse(text).sort_key()


@dataclass(frozen=True)
class Node:
    version: str
    payload: str  # the release pullspec, by digest in a real graph
    metadata: dict


class Graph:
    """One channel's graph for one architecture."""

    def __init__(self, channel, arch, nodes, edges, conditional, url=None):
        self.channel = channel
        self.arch = arch
        self.url = url
        self.nodes = nodes  # version -> Node
        self.edges = edges  # set of (from version, to version)
        self.conditional = conditional  # (from, to) -> [risk dict, ...]

    @classmethod
    def from_cincinnati(cls, channel, arch, data, url=None):
        """The Graph of a Cincinnati answer ``data`` (parsed JSON); GraphError if it is not one."""
        where = f"the update graph at {url or '(given)'} for channel {channel} ({arch})"
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
            raise GraphError(f"{where} is not a Cincinnati graph: no nodes list", channel=channel, graph_url=url)
        nodes, order = {}, []
        for index, node in enumerate(data["nodes"]):
            try:
                version, payload = node["version"], node["payload"]
                Version.parse(version)
            except (KeyError, TypeError, ValueError):
                raise GraphError(
                    f"{where}: node {index} has no semantic version or payload", channel=channel, graph_url=url
                ) from None
            nodes[version] = Node(version, payload, dict(node.get("metadata") or {}))
            order.append(version)
        edges = set()
        for edge in data.get("edges") or []:
            try:
                edges.add((order[edge[0]], order[edge[1]]))
            except (IndexError, TypeError, KeyError):
                raise GraphError(f"{where}: edge {edge!r} names no node", channel=channel, graph_url=url) from None
        conditional = {}
        for entry in data.get("conditionalEdges") or []:
            risks = [
                {
                    "name": risk.get("name"),
                    "message": risk.get("message"),
                    "url": risk.get("url"),
                    "matchingRules": risk.get("matchingRules") or [],
                }
                for risk in entry.get("risks") or []
            ]
            for edge in entry.get("edges") or []:
                key = (edge.get("from"), edge.get("to"))
                if key[0] in nodes and key[1] in nodes:
                    conditional.setdefault(key, []).extend(risks)
        return cls(channel, arch, nodes, edges, conditional, url)

    def versions(self):
        return sorted(self.nodes, key=version_key)

    def successors(self, version, with_conditional):
        targets = {to for (frm, to) in self.edges if frm == version}
        if with_conditional:
            targets |= {to for (frm, to) in self.conditional if frm == version}
        return sorted(targets, key=version_key)

    def shortest_path(self, start, end):
        """The versions of the shortest update path ``start`` -> ``end``: over unconditional edges
        if there is one, else over conditional ones too; None if there is none."""
        if start == end:
            return [start]
        for with_conditional in (False, True):
            previous = {start: None}
            queue = deque([start])
            while queue:
                current = queue.popleft()
                for nxt in self.successors(current, with_conditional):
                    if nxt in previous:
                        continue
                    previous[nxt] = current
                    if nxt == end:
                        path = [end]
                        while previous[path[-1]] is not None:
                            path.append(previous[path[-1]])
                        return path[::-1]
                    queue.append(nxt)
        return None

    def step(self, frm, to):
        """{from, to, conditional, risks} of the edge ``frm`` -> ``to``."""
        conditional = (frm, to) not in self.edges and (frm, to) in self.conditional
        return {"from": frm, "to": to, "conditional": conditional, "risks": self.conditional.get((frm, to), [])}

    def conditional_edges(self, versions):
        """The conditional edges between ``versions``, with their risks, in version order."""
        chosen = set(versions)
        found = [
            {"from": frm, "to": to, "risks": risks}
            for (frm, to), risks in self.conditional.items()
            if frm in chosen and to in chosen
        ]
        return sorted(found, key=lambda e: (version_key(e["from"]), version_key(e["to"])))


@dataclass
class Selection:
    """What one channel contributes: its releases and how they connect."""

    channel: object  # config.Channel
    arch: str
    versions: list  # selected versions, ascending
    nodes: list  # their Nodes
    upgrade_path: list  # versions from the range's start to its end, or None
    steps: list  # [{from, to, conditional, risks}] along upgrade_path
    conditional_edges: list  # [{from, to, risks}] between the selected versions

    def as_dict(self):
        return {
            "name": self.channel.name,
            "type": self.channel.type,
            "arch": self.arch,
            "versions": list(self.versions),
            "upgrade_path": self.upgrade_path,
            "upgrade_steps": self.steps,
            "conditional_edges": self.conditional_edges,
        }


def _require_version(graph, version, option):
    if version not in graph.nodes:
        raise ChannelError(
            f"{option} {version} is not in channel {graph.channel} ({graph.arch}) of the update graph "
            f"at {graph.url}: the channel has {', '.join(graph.versions())}; pick one of those",
            channel=graph.channel,
            version=version,
        )


def select(graph, channel):
    """The Selection of ``channel`` (a config.Channel) in ``graph``; ChannelError when the graph
    lacks the channel or a bound, or when shortestPath finds no path."""
    if not graph.nodes:
        raise ChannelError(
            f"channel {channel.name} has no releases for {graph.arch} in the update graph at {graph.url}: "
            f"check the channel name, its type ({channel.type}) and the architecture",
            channel=channel.name,
        )
    ordered = graph.versions()
    for option, version in (("minVersion", channel.min_version), ("maxVersion", channel.max_version)):
        if version:
            _require_version(graph, version, option)
    low, high = channel.min_version, channel.max_version
    if low and high and version_key(low) > version_key(high):
        raise ChannelError(f"channel {channel.name}: minVersion {low} is above maxVersion {high}", channel=channel.name)
    if not low and not high:
        low, high = (ordered[0] if channel.full else ordered[-1]), ordered[-1]
    else:
        low, high = low or ordered[0], high or ordered[-1]
    path = graph.shortest_path(low, high)
    if channel.shortest_path:
        if path is None:
            raise ChannelError(
                f"channel {channel.name} ({graph.arch}): no upgrade path from {low} to {high} in the update "
                f"graph at {graph.url}; drop shortestPath to mirror the whole range",
                channel=channel.name,
            )
        versions = list(path)
    else:
        versions = [v for v in ordered if version_key(low) <= version_key(v) <= version_key(high)]
    steps = [graph.step(frm, to) for frm, to in itertools.pairwise(path)] if path else []
    return Selection(
        channel=channel,
        arch=graph.arch,
        versions=versions,
        nodes=[graph.nodes[v] for v in versions],
        upgrade_path=path,
        steps=steps,
        conditional_edges=graph.conditional_edges(versions),
    )
