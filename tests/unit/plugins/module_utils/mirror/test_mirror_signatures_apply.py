# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release signature ConfigMap (research/release-mirror.md §3.5), signature files,
refused destination writes, and apply's create / update / unchanged decisions."""

import base64
import copy

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.core import ApiException
from ansible_collections.okd.machine_os.plugins.module_utils.mirror import apply as mirror_apply
from ansible_collections.okd.machine_os.plugins.module_utils.mirror import outputs
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.execute import (
    DestinationFullError,
    DestinationReadOnlyError,
    destination_write_error,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.run import MirrorError, read_signature_files
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    RegistryResponseError,
    RegistryUnavailableError,
)

HEX = "ab" * 32
DIGEST = "sha256:" + HEX


def test_signature_configmap_like_oc():
    cm = outputs.signature_configmap(DIGEST, [b"first\x00\xff", b"second"])
    assert cm["apiVersion"] == "v1" and cm["kind"] == "ConfigMap"
    assert cm["metadata"] == {
        "name": f"sha256-{HEX}",
        "namespace": "openshift-config-managed",
        "labels": {"release.openshift.io/verification-signatures": ""},
    }
    assert list(cm["binaryData"]) == [f"sha256-{HEX}-1", f"sha256-{HEX}-2"]
    assert base64.b64decode(cm["binaryData"][f"sha256-{HEX}-1"]) == b"first\x00\xff"
    assert base64.b64decode(cm["binaryData"][f"sha256-{HEX}-2"]) == b"second"
    assert "data" not in cm


def test_read_signature_files(tmp_path):
    one, two = tmp_path / "s1", tmp_path / "s2"
    one.write_bytes(b"\x89sig")
    two.write_bytes(b"other")
    assert read_signature_files([str(one), str(two)]) == [b"\x89sig", b"other"]
    assert read_signature_files(None) == []
    with pytest.raises(MirrorError, match="cannot read .*missing"):
        read_signature_files([str(tmp_path / "missing")])
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(MirrorError, match="is empty"):
        read_signature_files([str(tmp_path / "empty")])


def test_refused_writes_are_named():
    ro = destination_write_error(RegistryResponseError("x", registry="m:5000", status=405), "m:5000", "blob upload")
    assert isinstance(ro, DestinationReadOnlyError)
    assert "the destination registry m:5000 refused writes" in str(ro) and "read-only" in str(ro)
    unsupported = destination_write_error(
        RegistryUnavailableError("x", registry="m:5000", status=503, codes=["UNSUPPORTED"]), "m:5000", "push"
    )
    assert isinstance(unsupported, DestinationReadOnlyError)
    full = destination_write_error(RegistryResponseError("x", registry="m:5000", status=507), "m:5000", "push")
    assert isinstance(full, DestinationFullError) and "out of storage space" in str(full)
    # another registry's error (the source), or an unrelated status: left as it is
    assert destination_write_error(RegistryResponseError("x", registry="src", status=405), "m:5000", "x") is None
    assert destination_write_error(RegistryResponseError("x", registry="m:5000", status=400), "m:5000", "x") is None


def not_found():
    """What the kubernetes client raises for a 404 (the stand-in when the library is absent)."""
    exc = ApiException()
    exc.status, exc.reason, exc.body = 404, "Not Found", None
    return exc


class FakeClient:
    """K8SClient's get/create/replace on a dict store."""

    def __init__(self, store=None):
        self.store = store or {}
        self.calls = []

    def resource(self, kind, api_version):
        return (kind, api_version)

    def get(self, resource, name, namespace=None):
        self.calls.append(("get", resource[0], name))
        if (resource[0], name) not in self.store:
            raise not_found()
        return copy.deepcopy(self.store[(resource[0], name)])

    def create(self, resource, definition, **params):
        self.calls.append(("create", resource[0], definition["metadata"]["name"]))
        self.store[(resource[0], definition["metadata"]["name"])] = definition

    def replace(self, resource, definition, name, namespace=None):
        self.calls.append(("replace", resource[0], name))
        self.store[(resource[0], name)] = definition


def idms(mirror):
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ImageDigestMirrorSet",
        "metadata": {"name": "r"},
        "spec": {"imageDigestMirrors": [{"source": "quay.io/a", "mirrors": [mirror]}]},
    }


def test_apply_creates_then_leaves_alone_then_updates():
    client = FakeClient()
    cm = outputs.signature_configmap(DIGEST, [b"sig"])
    assert mirror_apply.apply_objects(Client(client), [idms("m/one"), cm]) == [
        {"kind": "ImageDigestMirrorSet", "name": "r", "action": "created"},
        {"kind": "ConfigMap", "name": f"sha256-{HEX}", "action": "created"},
    ]
    # the server adds its own metadata: still unchanged
    for obj in client.store.values():
        obj["metadata"].update(resourceVersion="7", uid="u")
    client.store[("ConfigMap", f"sha256-{HEX}")]["metadata"]["labels"]["extra"] = "kept"
    assert [a["action"] for a in mirror_apply.apply_objects(Client(client), [idms("m/one"), cm])] == ["unchanged"] * 2
    assert [
        a["action"]
        for a in mirror_apply.apply_objects(
            Client(client), [idms("m/two"), outputs.signature_configmap(DIGEST, [b"sig", b"sig2"])]
        )
    ] == ["updated"] * 2
    stored = client.store[("ImageDigestMirrorSet", "r")]
    assert stored["spec"]["imageDigestMirrors"][0]["mirrors"] == ["m/two"]
    assert stored["metadata"]["resourceVersion"] == "7"
    stored_cm = client.store[("ConfigMap", f"sha256-{HEX}")]
    assert len(stored_cm["binaryData"]) == 2 and stored_cm["metadata"]["labels"]["extra"] == "kept"
