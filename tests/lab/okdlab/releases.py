"""The lab's release history for image sets: more releases, channels, an update graph, signatures.

Releases (all amd64): 4.19.0 and 4.19.1 are the lab's `ocp` and `ocp_next`; 4.19.2, 4.20.0,
4.20.1 and 4.20.2 are written here, in the same repositories, always with the small payload
profile of okdlab/payload.py.

Channels, as Cincinnati serves them (a 4.20 channel also holds the 4.19 releases that update
into it):

    stable-4.19   4.19.0 -> 4.19.1 -> 4.19.2, and 4.19.0 -> 4.19.2 directly
    stable-4.20   4.19.1 -> 4.19.2 -> 4.20.0, and 4.19.1 => 4.20.0 conditional (risk LabEtcdDefrag)
    fast-4.20     stable-4.20 + 4.20.0 -> 4.20.1 -> 4.20.2, 4.20.0 -> 4.20.2

Signatures (`<store>/sha256=<hex>/signature-1`, lab key "release"): every release is signed,
except 4.20.1 (no signature at all) and 4.20.2 (signed by the "rogue" key: a valid OpenPGP
signature nobody trusts).
"""

import json
import os

from . import payload, signing

MULTI_ARCH_REPO = "okdlab-test/multi-tool"

NEW_RELEASES = (
    # version, os_version, created, previous
    ("4.19.2", "9.6.20261201-0", "2026-12-01T00:00:00Z", ("4.19.0", "4.19.1")),
    ("4.20.0", "9.6.20261205-0", "2026-12-05T00:00:00Z", ("4.19.1", "4.19.2")),
    ("4.20.1", "9.6.20261205-0", "2026-12-10T00:00:00Z", ("4.20.0",)),
    ("4.20.2", "9.6.20261205-0", "2026-12-15T00:00:00Z", ("4.20.0", "4.20.1")),
)
CHANNELS = {
    "stable-4.19": ("4.19.0", "4.19.1", "4.19.2"),
    "stable-4.20": ("4.19.1", "4.19.2", "4.20.0"),
    "fast-4.20": ("4.19.1", "4.19.2", "4.20.0", "4.20.1", "4.20.2"),
}
EDGES = (
    ("4.19.0", "4.19.1"),
    ("4.19.1", "4.19.2"),
    ("4.19.0", "4.19.2"),
    ("4.19.2", "4.20.0"),
    ("4.20.0", "4.20.1"),
    ("4.20.1", "4.20.2"),
    ("4.20.0", "4.20.2"),
)
RISK = {
    "url": "https://okd-lab.example/risks/LabEtcdDefrag",
    "name": "LabEtcdDefrag",
    "message": "Clusters updating straight from 4.19.1 may see etcd defragmentation stall.",
    "matchingRules": [
        {"type": "PromQL", "promql": {"promql": 'group(cluster_version{_id="",type="current",version="4.19.1"})'}}
    ],
}
CONDITIONAL_EDGES = ({"edges": [{"from": "4.19.1", "to": "4.20.0"}], "risks": [RISK]},)
UNSIGNED = ("4.20.1",)
BADLY_SIGNED = ("4.20.2",)
ARCH = "amd64"


def write_image_set_releases(client, host, existing):
    """Write the releases the lab lacks; return {version: release dict} for all six.

    They are always of the small profile, whatever `labctl up --size` says: a large lab is for
    benchmarks of one release, and four more large releases would multiply its start-up.
    In a small lab they share every component blob but the OS image with 4.19.0/4.19.1."""
    knobs = payload.LAB_SIZES["small"]
    ocp = {
        "release_repo": "openshift-release-dev/ocp-release",
        "content_repo": "openshift-release-dev/ocp-v4.0-art-dev",
        "os_tag": "rhel-coreos",
        "seed": 0,
    }
    releases = {existing["ocp"]["version"]: existing["ocp"], existing["ocp_next"]["version"]: existing["ocp_next"]}
    for version, os_version, created, previous in NEW_RELEASES:
        releases[version] = payload.write_release(
            client, host, version=version, os_version=os_version, created=created, previous=previous, **ocp, **knobs
        )
    return releases


def graph_document(releases):
    """{channels: {name: Cincinnati graph}}: what the graph endpoint serves, per channel, for amd64."""
    channels = {}
    for name, versions in CHANNELS.items():
        index = {version: i for i, version in enumerate(versions)}
        nodes = [
            {
                "version": version,
                "payload": releases[version]["pullspec"],
                "metadata": {
                    "io.openshift.upgrades.graph.release.channels": ",".join(
                        c for c, members in CHANNELS.items() if version in members
                    ),
                    "io.openshift.upgrades.graph.release.manifestref": releases[version]["digest"],
                    "url": f"https://okd-lab.example/releases/{version}",
                },
            }
            for version in versions
        ]
        edges = [[index[a], index[b]] for a, b in EDGES if a in index and b in index]
        conditional = []
        for entry in CONDITIONAL_EDGES:
            kept = [e for e in entry["edges"] if e["from"] in index and e["to"] in index]
            if kept:
                conditional.append({"edges": kept, "risks": entry["risks"]})
        channels[name] = {"nodes": nodes, "edges": edges, "conditionalEdges": conditional}
    return {"arch": ARCH, "channels": channels}


def write_signatures(store_dir, releases):
    """Sign every release into the store layout (except UNSIGNED; BADLY_SIGNED by the rogue key);
    return {version: "signed" | "unsigned" | "badly-signed"}."""
    release_key = signing.Key("release").ensure()
    rogue_key = signing.Key("rogue").ensure()
    states = {}
    for version, release in releases.items():
        if version in UNSIGNED:
            states[version] = "unsigned"
            continue
        key = rogue_key if version in BADLY_SIGNED else release_key
        reference = release["tag_pullspec"]
        signing.write_signature(store_dir, release["digest"], signing.sign_release(key, reference, release["digest"]))
        states[version] = "badly-signed" if version in BADLY_SIGNED else "signed"
    return states


def write_multi_arch_image(client, host):
    """A small amd64 + arm64 manifest list, ``<host>/okdlab-test/multi-tool:v1``, for image sets'
    additionalImages (a multi-architecture image is mirrored whole)."""
    pusher = payload._Pusher(client, MULTI_ARCH_REPO)  # pylint: disable=protected-access
    entries = []
    for arch in ("amd64", "arm64"):
        layer = payload.make_layer({"usr/bin/tool": payload.tar_file(f"tool for {arch}\n".encode(), 0o755)})
        config = payload.image_config(arch, payload.DEFAULT_CREATED, [layer], {"name": "multi-tool"}, ["COPY tool"])
        image = payload.Image([layer], config)
        entries.append((arch, pusher.image(image), len(image.manifest)))
    pusher.manifest_list(payload.manifest_list(entries), "v1")
    return f"{host}/{MULTI_ARCH_REPO}:v1"


def prepare(state_dir, client, host, existing):
    """Everything the graph/signature server serves, under <state>/updates; returns the lab.json
    "updates" entry (without the URLs: labctl adds them once the server is up)."""
    root = os.path.join(state_dir, "updates")
    store = os.path.join(root, "signatures")
    os.makedirs(store, exist_ok=True)
    releases = write_image_set_releases(client, host, existing)
    states = write_signatures(store, releases)
    with open(os.path.join(root, "graph.json"), "w", encoding="utf-8") as f:
        json.dump(graph_document(releases), f, indent=1, sort_keys=True)
    return {
        "root": root,
        "public_key": signing.Key("release").public_key_file,
        "rogue_public_key": signing.Key("rogue").public_key_file,
        "releases": {
            v: {
                "pullspec": r["pullspec"],
                "digest": r["digest"],
                "tag_pullspec": r["tag_pullspec"],
                "signature": states[v],
            }
            for v, r in releases.items()
        },
        "channels": {name: list(versions) for name, versions in CHANNELS.items()},
        "multi_arch_image": write_multi_arch_image(client, host),
    }
