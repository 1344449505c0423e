"""availableUpdates and conditionalUpdates from the lab's update graph.

The graph file has the shape the lab's update service serves per channel:
``{"arch": "amd64", "channels": {name: {nodes[{version, payload, metadata}], edges[[i, j]],
conditionalEdges[{edges[{from, to}], risks[...]}]}}}`` (CVO pkg/cincinnati/cincinnati.go reads
the same document from the update service).  Risks are evaluated as pkg/clusterconditions does:
the first rule that can be evaluated decides; ``Always`` matches; ``PromQL`` needs the
cluster's Thanos, which the lab has not, so it fails to evaluate (``Recommended=Unknown``,
``EvaluationFailed``).  A conditional update whose risks all do not match is Recommended and
listed in availableUpdates too (pkg/cvo/availableupdates.go).
"""

import json

from . import conditions

RETRIEVED = "RetrievedUpdates"


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def _release(node):
    meta = node.get("metadata") or {}
    channels = sorted(c for c in (meta.get("io.openshift.upgrades.graph.release.channels") or "").split(",") if c)
    out = {"version": node["version"], "image": node["payload"]}
    if meta.get("url"):
        out["url"] = meta["url"]
    if channels:
        out["channels"] = channels
    return out


def _risk_matches(risk):
    """True (exposed), False (not exposed) or None (cannot evaluate)."""
    for rule in risk.get("matchingRules") or []:
        if rule.get("type") == "Always":
            return True
        # PromQL: no thanos-querier in the lab; the next rule may still decide
    return None


def _recommended(risks, now):
    exposed = [r for r in risks if _risk_matches(r) is True]
    unknown = [r for r in risks if _risk_matches(r) is None]
    if exposed:
        reason = exposed[0]["name"] if len(exposed) == 1 else "MultipleReasons"
        message = "\n\n".join(f"{r.get('message', '')} {r.get('url', '')}".strip() for r in exposed)
        return {
            "type": "Recommended",
            "status": "False",
            "reason": reason,
            "message": message,
            "lastTransitionTime": now,
        }
    if unknown:
        names = ", ".join(r["name"] for r in unknown)
        return {
            "type": "Recommended",
            "status": "Unknown",
            "reason": "EvaluationFailed",
            "message": f"Could not evaluate exposure to update risk {names} (no PromQL in the lab)",
            "lastTransitionTime": now,
        }
    return {
        "type": "Recommended",
        "status": "True",
        "reason": "NotExposedToRisks",
        "message": "The update is recommended, because none of the conditional update risks apply to this cluster.",
        "lastTransitionTime": now,
    }


def updates(document, channel, arch, version, previous=None, now=None):
    """(availableUpdates, conditionalUpdates, desired channels, RetrievedUpdates condition args).

    ``previous`` is the status being replaced: a Recommended condition keeps its
    lastTransitionTime while its status holds."""
    now = now or conditions.now_rfc3339()
    if not channel:
        return None, [], [], ("False", "NoChannel", "The update channel has not been configured.")
    graph = ((document or {}).get("channels") or {}).get(channel) if (document or {}).get("arch") == arch else None
    nodes = (graph or {}).get("nodes") or []
    index = {n["version"]: i for i, n in enumerate(nodes)}
    if version not in index:
        return (
            None,
            [],
            [],
            (
                "False",
                "VersionNotFound",
                f"Unable to retrieve available updates: currently reconciling cluster version {version} not found in the "
                f'"{channel}" channel',
            ),
        )
    me = index[version]
    available = [_release(nodes[j]) for i, j in graph.get("edges") or [] if i == me]
    old = {(c.get("release") or {}).get("version"): c for c in (previous or {}).get("conditionalUpdates") or []}
    conditional = []
    for block in graph.get("conditionalEdges") or []:
        for edge in block.get("edges") or []:
            if edge.get("from") != version or edge.get("to") not in index:
                continue
            release = _release(nodes[index[edge["to"]]])
            cond = _recommended(block.get("risks") or [], now)
            before = conditions.get((old.get(release["version"]) or {}).get("conditions"), "Recommended")
            if before and before.get("status") == cond["status"]:
                cond["lastTransitionTime"] = before.get("lastTransitionTime") or now
            conditional.append({"release": release, "risks": block.get("risks") or [], "conditions": [cond]})
            if cond["status"] == "True":
                available.append(release)
    available.sort(key=lambda u: u["version"])
    conditional.sort(key=lambda u: u["release"]["version"])
    channels = _release(nodes[me]).get("channels", [])
    return available, conditional, channels, ("True", "", "")


def lab_graph(releases, arch="amd64"):
    """The lab's own small graph over its releases (okdlab.cvo.setup writes it):
    4.19.0 -> 4.19.1 -> 4.19.2 recommended, and 4.19.0 -> 4.19.2 conditional with an
    ``Always`` risk (so it is never recommended)."""
    ordered = [releases[name] for name in ("ocp", "ocp_next", "ocp_next2") if name in releases]
    nodes = [
        {
            "version": r["version"],
            "payload": r["pullspec"],
            "metadata": {
                "url": f"https://okd.example/releases/{r['version']}",
                "io.openshift.upgrades.graph.release.channels": "fast-4.19,stable-4.19",
            },
        }
        for r in ordered
    ]
    edges = [[i, i + 1] for i in range(len(nodes) - 1)]
    conditional = []
    if len(nodes) >= 3:
        conditional.append(
            {
                "edges": [{"from": nodes[0]["version"], "to": nodes[2]["version"]}],
                "risks": [
                    {
                        "url": "https://okd-lab.example/risks/LabSkipAhead",
                        "name": "LabSkipAhead",
                        "message": "Updating straight from 4.19.0 to 4.19.2 skips a lab data migration.",
                        "matchingRules": [{"type": "Always"}],
                    }
                ],
            }
        )
    graph = {"nodes": nodes, "edges": edges, "conditionalEdges": conditional}
    return {"arch": arch, "channels": {"stable-4.19": graph, "fast-4.19": graph}}
