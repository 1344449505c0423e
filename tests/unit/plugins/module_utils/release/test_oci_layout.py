# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one OCI-layout reader: files, index.json, digest-checked blobs, the errors' hints."""

import json
import os

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import Descriptor
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import LayoutError
from ansible_collections.okd.machine_os.plugins.module_utils.release.oci_layout import (
    ORIGINAL_DIGEST_ANNOTATION,
    ORIGINAL_MEDIA_TYPE_ANNOTATION,
    OCILayout,
    atomic_write,
    blob_path,
    original_descriptor,
    original_digest,
)


def _layout(build, tmp_path):
    source = build.MemorySource([build.tar_bytes(build.release_files())])
    return source, build.write_layout(str(tmp_path / "l"), [source], ["4.19.0-x86_64"])


def test_reads_manifest_and_blobs_digest_checked(build, tmp_path):
    source, path = _layout(build, tmp_path)
    layout = OCILayout(path)
    layout.check_layout_file()
    (entry,) = layout.index().manifests
    manifest = layout.manifest(entry.digest, entry.media_type)
    assert manifest.digest == build.digest_of(source.manifest_bytes)
    layer = manifest.layers[-1]
    assert b"".join(layout.blob_chunks(layer.digest, layer.size)) == source.blobs[layer.digest]
    assert layout.verify_blob(layer.digest, layer.size) == layer.size
    assert layout.index_entries()[0]["annotations"]["org.opencontainers.image.ref.name"] == "4.19.0-x86_64"
    assert blob_path(path, layer.digest) == os.path.join(path, "blobs", "sha256", layer.digest[7:])


def test_damaged_blob_names_the_option_and_the_remedy(build, tmp_path):
    source, path = _layout(build, tmp_path)
    layout = OCILayout(path, "to_dir", "write it again with X")
    config = json.loads(source.manifest_bytes)["config"]["digest"]
    with open(blob_path(path, config), "ab") as handle:
        handle.write(b" ")
    with pytest.raises(LayoutError, match="does not match its digest.*write it again with X") as caught:
        layout.read_blob(config, "image config")
    assert caught.value.context["to_dir"] == layout.root
    with pytest.raises(LayoutError, match="does not match its digest"):
        layout.verify_blob(config, None)
    os.unlink(blob_path(path, config))
    with pytest.raises(
        LayoutError, match="image config .* is missing from the OCI layout .*incomplete; write it again with X"
    ):
        layout.read_blob(config, "image config")


def test_size_limit_and_layout_files(build, tmp_path):
    source, path = _layout(build, tmp_path)
    digest = build.digest_of(source.manifest_bytes)
    with pytest.raises(LayoutError, match="more than a manifest may have"):
        OCILayout(path).read_blob(digest, "manifest", limit=10)
    with open(os.path.join(path, "oci-layout"), "w", encoding="utf-8") as handle:
        json.dump({"imageLayoutVersion": "2.0.0"}, handle)
    with pytest.raises(LayoutError, match="does not declare imageLayoutVersion 1.x"):
        OCILayout(path).check_layout_file()
    with open(os.path.join(path, "index.json"), "w", encoding="utf-8") as handle:
        handle.write("{not json")
    with pytest.raises(LayoutError, match="index.json is not readable JSON: the directory is damaged"):
        OCILayout(path).index_entries()
    assert OCILayout(str(tmp_path / "new")).index_entries() == []


def test_original_of_an_oci_rewrite():
    rewrite = {"digest": "sha256:" + "b" * 64, "annotations": {ORIGINAL_DIGEST_ANNOTATION: "sha256:" + "a" * 64}}
    assert original_digest(rewrite) == "sha256:" + "a" * 64
    assert original_digest({"digest": "sha256:" + "c" * 64}) == "sha256:" + "c" * 64
    annotations = {ORIGINAL_DIGEST_ANNOTATION: "sha256:" + "a" * 64, ORIGINAL_MEDIA_TYPE_ANNOTATION: "x/y"}
    descriptor = Descriptor(
        "application/vnd.oci.image.manifest.v1+json", "sha256:" + "b" * 64, 10, annotations=annotations
    )
    original = original_descriptor(descriptor)
    assert (original.media_type, original.digest) == ("x/y", "sha256:" + "a" * 64)
    plain = Descriptor("x/y", "sha256:" + "c" * 64, 1)
    assert original_descriptor(plain) is plain


def test_atomic_write_leaves_no_partial(tmp_path):
    target = str(tmp_path / "f")
    atomic_write(target, b"data")
    assert open(target, "rb").read() == b"data"
    assert os.listdir(tmp_path) == ["f"]
