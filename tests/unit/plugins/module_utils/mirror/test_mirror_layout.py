# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mirror's directory: written as an OCI layout (Docker manifests kept byte for byte, named
through an OCI rewrite), read back by digest, mirror-index.json."""

import hashlib
import json
import os

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.mirror import plan as mplan
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.layout import (
    MIRROR_INDEX_KIND,
    LayoutDestination,
    LayoutSource,
    manifest_doc,
    read_mirror_index,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import Descriptor, parse_manifest
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import LayoutError
from ansible_collections.okd.machine_os.plugins.module_utils.release.oci_layout import (
    ORIGINAL_DIGEST_ANNOTATION,
    REF_NAME_ANNOTATION,
    blob_path,
)

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _dg(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _image(root):
    """A Docker schema2 image whose config and layer are already in ``root``'s blob store."""
    config, layer = b'{"architecture":"amd64","os":"linux"}', b"layer-bytes"
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    for data in (config, layer):
        with open(blob_path(root, _dg(data)), "wb") as handle:
            handle.write(data)
    raw = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 38,
                "digest": _dg(config),
            },
            "layers": [
                {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 11, "digest": _dg(layer)}
            ],
        }
    ).encode()
    manifest = parse_manifest(raw, DOCKER_MANIFEST, _dg(raw))
    doc = manifest_doc(manifest, None)
    source = Reference.parse(f"quay.example/ocp/release@{doc.digest}")
    image = mplan.MirrorImage("4.19.0", mplan.RELEASE, source, doc.digest, "oci:" + root, "4.19.0-x86_64", None, doc)
    return image, doc, layer


def test_docker_manifest_kept_and_named_through_an_oci_rewrite(tmp_path):
    root = str(tmp_path / "mirror")
    destination = LayoutDestination(root)
    destination.prepare(check_mode=False)
    image, doc, _layer = _image(root)
    assert destination.image_state(image) == mplan.MISSING
    destination.put_manifest(image, doc, tag=True)
    (entry,) = json.load(open(os.path.join(root, "index.json"), encoding="utf-8"))["manifests"]
    assert entry["mediaType"] == OCI_MANIFEST and entry["digest"] != doc.digest
    assert entry["annotations"][ORIGINAL_DIGEST_ANNOTATION] == doc.digest
    assert entry["annotations"][REF_NAME_ANNOTATION] == "4.19.0-x86_64"
    assert open(blob_path(root, doc.digest), "rb").read() == doc.raw  # the original, byte for byte
    again = LayoutDestination(root)
    again.prepare(check_mode=True)
    assert again.image_state(image) == mplan.PRESENT
    # re-tagging replaces the entry, never duplicates it
    again.put_manifest(image, doc, tag=True)
    assert len(json.load(open(os.path.join(root, "index.json"), encoding="utf-8"))["manifests"]) == 1


def test_source_reads_the_original_back_and_checks_blobs(tmp_path):
    root = str(tmp_path / "mirror")
    destination = LayoutDestination(root)
    destination.prepare(check_mode=False)
    image, doc, layer = _image(root)
    destination.put_manifest(image, doc, tag=True)
    source = LayoutSource(root)
    back = source.manifest_doc(image.source)
    assert (back.digest, back.raw) == (doc.digest, doc.raw)
    assert source.verify_blob(_dg(layer), len(layer)) == len(layer)
    with open(blob_path(root, _dg(layer)), "wb") as handle:
        handle.write(b"other-bytes")
    with pytest.raises(LayoutError, match="does not match its digest.*nothing of this release was pushed"):
        source.verify_blob(_dg(layer), len(layer))
    assert source.signature(image.source, doc.digest, "sha256-x.sig") is None
    found = source.signature(image.source, doc.digest, "4.19.0-x86_64")
    assert found[1] == doc.digest


def test_check_mode_writes_nothing_and_a_file_is_refused(tmp_path):
    root = tmp_path / "mirror"
    LayoutDestination(str(root)).prepare(check_mode=True)
    assert not root.exists()
    root.write_text("x")
    with pytest.raises(LayoutError, match="exists and is not a directory"):
        LayoutDestination(str(root)).prepare(check_mode=True)


def test_mirror_index_written_once_and_validated(tmp_path):
    root = str(tmp_path / "mirror")
    destination = LayoutDestination(root)
    destination.prepare(check_mode=False)
    with pytest.raises(LayoutError, match="has no mirror-index.json: it is not a complete release mirror"):
        read_mirror_index(root)
    document = {"kind": MIRROR_INDEX_KIND, "release": {"version": "4.19.0"}}
    assert destination.write_mirror_index(document) is True
    assert destination.write_mirror_index(document) is False
    assert read_mirror_index(root)["release"]["version"] == "4.19.0"
    destination.write_mirror_index({"kind": "other", "release": {}})
    with pytest.raises(LayoutError, match="is not a release_mirror index"):
        read_mirror_index(root)


def test_index_of_an_index_is_walked(tmp_path):
    child = Descriptor(DOCKER_MANIFEST, _dg(b"c"), 1)
    fetched = []

    def fetch(descriptor):
        fetched.append(descriptor.digest)
        return parse_manifest(
            json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": DOCKER_MANIFEST,
                    "config": {"mediaType": "x", "size": 1, "digest": _dg(b"x")},
                    "layers": [],
                }
            ).encode(),
            DOCKER_MANIFEST,
        )

    raw = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
            "manifests": [
                {
                    "mediaType": child.media_type,
                    "digest": child.digest,
                    "size": 1,
                    "platform": {"os": "linux", "architecture": "amd64"},
                }
            ],
        }
    ).encode()
    doc = manifest_doc(parse_manifest(raw), fetch)
    assert fetched == [child.digest] and len(doc.children) == 1 and doc.children[0].blobs
