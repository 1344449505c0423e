# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's pure steps: one release per payload across channels, and the signature judgement."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.imageset import run
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.config import Channel, ImageSet
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import UnverifiedReleaseError
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.graph import Node, Selection

REPO = "quay.example/openshift-release-dev/ocp-release"
DIGESTS = {v: "sha256:" + c * 64 for v, c in (("4.19.1", "1"), ("4.19.2", "2"), ("4.20.0", "3"))}


def selection(name, versions):
    nodes = [Node(v, f"{REPO}@{DIGESTS[v]}", {}) for v in versions]
    return Selection(Channel(name), "amd64", list(versions), nodes, list(versions), [], [])


def test_a_release_in_two_channels_is_one_target():
    targets = run._targets(
        [selection("stable-4.20", ["4.19.2", "4.20.0"]), selection("stable-4.19", ["4.19.1", "4.19.2"])],
        ImageSet(channels=(Channel("stable-4.20"), Channel("stable-4.19"))),
    )
    assert [(t.version, t.channels, t.arch) for t in targets] == [
        ("4.19.1", ["stable-4.19"], "x86_64"),
        ("4.19.2", ["stable-4.20", "stable-4.19"], "x86_64"),
        ("4.20.0", ["stable-4.20"], "x86_64"),
    ]


def test_platform_release_by_tag_merges_with_the_graph_release():
    class Client:
        @staticmethod
        def head_manifest(ref):
            return type("Descriptor", (), {"digest": DIGESTS["4.19.2"]})

    targets = run._targets([selection("stable-4.20", ["4.19.2"])], ImageSet(release=f"{REPO}:4.19.2-x86_64"))
    assert len(targets) == 2
    unique = run._unique(Client, targets)
    assert len(unique) == 1 and unique[0].channels == ["stable-4.20"]
    assert str(unique[0].source) == f"{REPO}@{DIGESTS['4.19.2']}"


def verdict(status):
    return {"status": status, "reason": None if status == "verified" else "no signature found"}


def test_judge_refuses_with_every_verdict(monkeypatch):
    targets = run._targets([selection("fast-4.20", ["4.19.1", "4.20.0"])], ImageSet())
    for target in targets:
        target.digest = DIGESTS[target.version]
    statuses = {DIGESTS["4.19.1"]: "verified", DIGESTS["4.20.0"]: "missing"}
    monkeypatch.setattr(run.signatures, "verdict", lambda v, d, s, c: dict(verdict(statuses[d]), version=v, digest=d))
    with pytest.raises(UnverifiedReleaseError) as info:
        run._judge(targets, certs=["key"], skip=False)
    assert "1 release(s)" in info.value.message and "4.20.0 (" in info.value.message
    assert [r["signature"]["status"] for r in info.value.context["releases"]] == ["verified", "missing"]


def test_judge_skips_when_told():
    targets = run._targets([selection("fast-4.20", ["4.20.0"])], ImageSet())
    targets[0].digest = DIGESTS["4.20.0"]
    run._judge(targets, certs=None, skip=True)
    assert targets[0].summary()["signature"]["status"] == "skipped"
