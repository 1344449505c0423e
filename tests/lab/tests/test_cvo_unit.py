"""The lab CVO's pure parts: validation, preconditions, the graph's updates, signature checks."""

import base64

import pytest

from okdlab import signing
from okdlab.cvo import graph, preconditions, validation, verify

IMG = "registry.example/ocp/release@sha256:" + "a" * 64


def status(version="4.19.0", history=("4.19.0",), conds=(), available=()):
    return {
        "desired": {"version": version},
        "history": [{"version": v, "state": "Completed"} for v in history],
        "conditions": [{"type": t, "status": s, "reason": r, "message": m} for t, s, r, m in conds],
        "availableUpdates": [{"version": v, "image": i} for v, i in available],
    }


@pytest.mark.parametrize(
    "update, fragment",
    [
        ({"force": False}, "must specify architecture, version, or image"),
        ({"version": "4.19"}, "must be a semantic version"),
        ({"version": "4.19.9"}, "when image is empty the update must be a previous version or an available update"),
    ],
)
def test_validation(update, fragment):
    errors = validation.validate({"spec": {"desiredUpdate": update}, "status": status()})
    assert fragment in validation.message(errors)


def test_validation_accepts_available_and_image_requests():
    st = status(available=[("4.19.1", IMG)])
    assert not validation.validate({"spec": {"desiredUpdate": {"version": "4.19.1"}}, "status": st})
    assert not validation.validate({"spec": {"desiredUpdate": {"image": IMG}}, "status": st})


def test_rollback_only_to_the_previous_version_in_the_minor():
    assert (
        preconditions.rollback("4.19.1", "4.19.0", [{"version": "4.19.1"}, {"version": "4.19.0", "state": "Completed"}])
        is None
    )
    failure = preconditions.rollback(
        "4.19.2", "4.19.1", [{"version": "4.19.2"}, {"version": "4.19.0", "state": "Completed"}]
    )
    assert failure.reason == "LowDesiredVersion" and failure.blocking


def test_giant_hop_and_upgradeable():
    assert preconditions.giant_hop("4.19.0", "4.21.0").reason == "MultipleMinorVersionsUpdate"
    assert preconditions.giant_hop("4.19.0", "5.0.0").reason == "MajorVersionUpdate"
    assert preconditions.giant_hop("4.19.0", "4.20.0") is None
    blocked = [{"type": "Upgradeable", "status": "False", "reason": "AdminAckRequired", "message": "ack"}]
    assert preconditions.upgradeable("4.19.0", "4.20.0", blocked).reason == "AdminAckRequired"
    assert preconditions.upgradeable("4.19.0", "4.19.5", blocked) is None  # patch updates pass


def test_recommended_update_is_a_warning():
    st = status(available=[("4.19.1", IMG)])
    assert preconditions.recommended_update("4.19.1", IMG, st) is None
    failure = preconditions.recommended_update("4.19.7", "x@sha256:" + "b" * 64, st)
    assert not failure.blocking and failure.name == "ClusterVersionRecommendedUpdate"


def test_graph_updates():
    releases = {
        n: {"version": v, "pullspec": f"r@sha256:{c * 64}"}
        for n, v, c in (("ocp", "4.19.0", "0"), ("ocp_next", "4.19.1", "1"), ("ocp_next2", "4.19.2", "2"))
    }
    doc = graph.lab_graph(releases)
    available, conditional, channels, retrieved = graph.updates(doc, "stable-4.19", "amd64", "4.19.0")
    assert [u["version"] for u in available] == ["4.19.1"] and retrieved[0] == "True"
    assert conditional[0]["conditions"][0]["reason"] == "LabSkipAhead" and channels == ["fast-4.19", "stable-4.19"]
    assert graph.updates(doc, "", "amd64", "4.19.0")[3][1] == "NoChannel"
    assert graph.updates(doc, "stable-4.19", "amd64", "4.18.0")[3][1] == "VersionNotFound"
    # a PromQL risk cannot be evaluated in the lab
    doc["channels"]["stable-4.19"]["conditionalEdges"][0]["risks"][0]["matchingRules"] = [{"type": "PromQL"}]
    _unused, conditional, _unused, _unused = graph.updates(doc, "stable-4.19", "amd64", "4.19.0")
    assert conditional[0]["conditions"][0]["status"] == "Unknown"


def test_signature_verification_with_gpgv():
    key = signing.Key("release").ensure()
    with open(key.public_key_file, encoding="ascii") as f:
        keys = {"verifier-public-key-okd-lab": f.read()}
    digest = IMG.rsplit("@", 1)[1]
    good = signing.sign_release(key, "registry.example/ocp/release:4.19.0", digest)
    cms = [
        {"metadata": {"name": "a"}, "binaryData": {digest.replace(":", "-") + "-1": base64.b64encode(good).decode()}}
    ]
    assert verify.signatures_for(digest, cms) == [good]
    verify.verify(IMG, keys, [good])
    with pytest.raises(verify.VerificationError, match="against keyrings"):
        verify.verify(IMG, keys, [signing.sign_release(signing.Key("rogue").ensure(), "x", digest)])
    with pytest.raises(verify.VerificationError, match="against keyrings"):
        verify.verify("registry.example/o@sha256:" + "c" * 64, keys, [good])  # another digest
    with pytest.raises(verify.VerificationError, match="not accessed via digest"):
        verify.verify("registry.example/ocp/release:4.19.0", keys, [good])
    with pytest.raises(verify.VerificationError, match="no keyrings"):
        verify.verify(IMG, {}, [good])
