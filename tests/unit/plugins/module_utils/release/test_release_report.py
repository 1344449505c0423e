# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""read_release over an in-memory source, and the release_info report built from it."""

import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import (
    NotAReleaseError,
    PayloadError,
    UnknownTagError,
    VersionMismatchError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.info import format_created, os_arch, release_report
from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release

BASE = b"base layer, never a tar: it must not be read"


def _source(build, files=None, **kwargs):
    return build.MemorySource([BASE, build.tar_bytes(files or build.release_files())], **kwargs)


def test_report_has_ocs_fields(build):
    source = _source(build, build.release_files(manifests=3, extra={"notes.txt": b"n"}))
    payload = read_release(source)
    report = release_report(payload, image_for=["cli"])
    manifest_digest = build.digest_of(source.manifest_bytes)
    assert report["name"] == "4.19.0"
    assert report["digest"] == report["manifest_digest"] == manifest_digest
    assert report["list_digest"] is None
    assert report["created"] == "2026-11-01T00:00:00Z"
    assert report["os_arch"] == "linux/amd64"
    assert report["manifests"] == 3
    assert report["metadata_files"] == ["notes.txt"]
    assert report["pull_from"] == "quay.example/ocp/release@" + manifest_digest
    assert report["metadata"] == {
        "version": "4.19.0",
        "previous": [],
        "next": [],
        "url": "https://example.com/errata/1",
        "channels": ["stable-4.19", "fast-4.19"],
        "architecture": None,
        "metadata": {
            "url": "https://example.com/errata/1",
            "io.openshift.upgrades.graph.release.channels": "stable-4.19,fast-4.19",
        },
    }
    assert report["component_versions"]["kubernetes"]["display_name"] == "Kubernetes"
    assert report["images"]["cli"] == build.pullspec("cli")
    assert report["commit_urls"]["hyperkube"] == "https://github.com/openshift/kubernetes/commit/" + "b" * 40
    assert report["image_for"] == {"cli": build.pullspec("cli")}
    assert report["os_image"]["tag"] == "rhel-coreos"
    assert report["release_warnings"] == []
    info = report["info"]
    assert set(info) == {
        "image",
        "digest",
        "contentDigest",
        "listDigest",
        "config",
        "metadata",
        "references",
        "versions",
        "displayVersions",
        "versionsTags",
        "images",
        "warnings",
    }
    assert info["image"] == "quay.example/ocp/release:4.19.0"
    assert info["listDigest"] == ""
    assert info["metadata"]["kind"] == "cincinnati-metadata-v0"
    assert info["references"]["metadata"]["name"] == "4.19.0"
    assert info["displayVersions"]["kubectl"] == {"Version": "1.32.5", "DisplayName": "Kubectl"}
    assert info["versions"] is None and info["images"] is None and info["warnings"] is None
    json.dumps(report)  # plain data only


def test_multi_arch_digest_is_the_lists(build):
    source = _source(build, arch="arm64", listed=True)
    report = release_report(read_release(source))
    assert report["digest"] == source.index.digest != report["manifest_digest"]
    assert report["os_arch"] == "multi (linux/arm64)"
    assert report["info"]["listDigest"] == source.index.digest
    assert report["pull_from"].endswith(source.index.digest)


def test_reader_errors_name_the_image(build):
    component = build.MemorySource(
        [build.tar_bytes({"x": b"y"}, prefix="usr/bin/")], image="quay.example/c@sha256:" + "0" * 64
    )
    with pytest.raises(
        NotAReleaseError,
        match="^quay.example/c@sha256:0+ is not a release payload: its last layer has no release-manifests/ directory",
    ) as err:
        read_release(component)
    assert err.value.context["image"].startswith("quay.example/c@")
    mismatch = _source(build, build.release_files(name="4.19.7", version="4.19.8"))
    with pytest.raises(
        VersionMismatchError,
        match="^release image quay.example/ocp/release:4.19.0: the payload's image-references name '4.19.7' differs",
    ):
        read_release(mismatch)
    broken = _source(build, {"image-references": b"{}"})
    with pytest.raises(PayloadError, match="unrecognized image-references in release payload"):
        read_release(broken)
    with pytest.raises(UnknownTagError):
        release_report(read_release(_source(build)), image_for=["nope"])


def test_missing_release_metadata_is_a_warning(build):
    files = build.release_files()
    del files["release-metadata"]
    report = release_report(read_release(_source(build, files)))
    assert report["metadata"] is None and report["info"]["metadata"] is None
    assert report["release_warnings"] == [
        "the payload has no release-manifests/release-metadata: the cluster-version-operator refuses such a payload"
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"),
        ("2026-11-01T00:00:00.987654321Z", "2026-11-01T00:00:00Z"),
        ("2026-11-01T02:30:00+02:30", "2026-11-01T00:00:00Z"),
        ("2026-10-31T22:00:00-02:00", "2026-11-01T00:00:00Z"),
        ("yesterday", None),
        (None, None),
    ],
)
def test_format_created(value, expected):
    assert format_created(value) == expected


def test_os_arch():
    assert os_arch({}, False) == "unknown/unknown"
    assert os_arch({"os": "linux", "architecture": "s390x"}, True) == "multi (linux/s390x)"
