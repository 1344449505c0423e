# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a release from an OCI image layout directory, through the same parsing."""

import json
import os

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import DigestMismatchError
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import LayoutError
from ansible_collections.okd.machine_os.plugins.module_utils.release.info import release_report
from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release
from ansible_collections.okd.machine_os.plugins.module_utils.release.source import (
    OCILayoutSource,
    split_layout_argument,
)


def _release(build):
    return build.MemorySource([build.tar_bytes(build.release_files())])


def _component(build):
    return build.MemorySource(
        [build.tar_bytes({"oc": b"binary"}, prefix="usr/bin/")],
        config={"os": "linux", "architecture": "amd64", "config": {"Labels": {}}},
    )


def test_single_image_layout(build, tmp_path):
    release = _release(build)
    path = build.write_layout(str(tmp_path / "layout"), [release])
    payload = read_release(OCILayoutSource(path))
    report = release_report(payload)
    assert report["name"] == "4.19.0"
    assert report["digest"] == build.digest_of(release.manifest_bytes)
    assert report["pull_from"] is None
    assert payload.image == "oci:" + path


def test_release_found_among_components_or_by_name(build, tmp_path):
    release, component = _release(build), _component(build)
    path = build.write_layout(str(tmp_path / "l"), [component, release], ["4.19.0-x86_64-cli", "4.19.0-x86_64"])
    assert read_release(OCILayoutSource(path)).name == "4.19.0"
    assert split_layout_argument(path + ":4.19.0-x86_64") == (path, "4.19.0-x86_64")
    assert split_layout_argument(path) == (path, None)
    assert read_release(OCILayoutSource(path, ref_name="4.19.0-x86_64")).digest == build.digest_of(
        release.manifest_bytes
    )
    with pytest.raises(LayoutError, match="has no image named 'nope'; it has: 4.19.0-x86_64-cli; 4.19.0-x86_64"):
        read_release(OCILayoutSource(path, ref_name="nope"))
    two = build.write_layout(str(tmp_path / "two"), [component, component])
    with pytest.raises(LayoutError, match="holds 2 images and no release image"):
        read_release(OCILayoutSource(two))


def test_damaged_layouts(build, tmp_path):
    with pytest.raises(LayoutError, match="is not a directory"):
        read_release(OCILayoutSource(str(tmp_path / "missing")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(LayoutError, match="is not an OCI image layout: it has no oci-layout file"):
        read_release(OCILayoutSource(str(tmp_path / "empty")))
    release = _release(build)
    path = build.write_layout(str(tmp_path / "l"), [release])
    layer = json.loads(release.manifest_bytes)["layers"][-1]["digest"]
    blob = os.path.join(path, "blobs", "sha256", layer.split(":")[1])
    with open(blob, "r+b") as handle:
        handle.seek(30)
        handle.write(b"XX")
    with pytest.raises(DigestMismatchError):
        read_release(OCILayoutSource(path))
    os.unlink(blob)
    with pytest.raises(LayoutError, match=f"layer {layer} is missing from the OCI layout"):
        read_release(OCILayoutSource(path))
