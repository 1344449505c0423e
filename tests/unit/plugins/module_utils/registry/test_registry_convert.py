# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker schema2 -> OCI rewrites: same blobs, OCI media types, stable bytes."""

import hashlib
import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry import convert
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import parse_manifest


def dg(text):
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


DOCKER = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7, "digest": dg("config")},
    "layers": [
        {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 10, "digest": dg("l1")},
        {
            "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
            "size": 11,
            "digest": dg("l2"),
            "urls": ["https://example.com/l2"],
        },
        {"mediaType": "application/vnd.docker.image.rootfs.diff.tar", "size": 12, "digest": dg("l3")},
    ],
}


def test_manifest_keeps_blobs_and_takes_oci_types():
    raw = json.dumps(DOCKER, indent=3).encode()
    rewrite = convert.convert_manifest(raw, DOCKER["mediaType"])
    parsed = parse_manifest(rewrite.raw, expected_digest=rewrite.digest)
    assert parsed.media_type == rewrite.media_type == "application/vnd.oci.image.manifest.v1+json"
    assert parsed.config.digest == dg("config") and parsed.config.size == 7
    assert parsed.config.media_type == "application/vnd.oci.image.config.v1+json"
    assert [(d.media_type, d.digest, d.size) for d in parsed.layers] == [
        ("application/vnd.oci.image.layer.v1.tar+gzip", dg("l1"), 10),
        ("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", dg("l2"), 11),
        ("application/vnd.oci.image.layer.v1.tar", dg("l3"), 12),
    ]
    assert parsed.layers[1].urls == ("https://example.com/l2",)
    assert rewrite.size == len(rewrite.raw)


def test_rewrite_is_stable_whatever_the_input_spacing():
    compact = json.dumps(DOCKER).encode()
    spaced = json.dumps(DOCKER, indent=3).encode()
    assert (
        convert.convert_manifest(compact, DOCKER["mediaType"]).digest
        == convert.convert_manifest(spaced, DOCKER["mediaType"]).digest
    )


def test_list_points_at_rewritten_children():
    child_raw = json.dumps(DOCKER).encode()
    child_digest = "sha256:" + hashlib.sha256(child_raw).hexdigest()
    listing = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [
            {
                "mediaType": DOCKER["mediaType"],
                "size": len(child_raw),
                "digest": child_digest,
                "platform": {"architecture": "amd64", "os": "linux"},
            },
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "size": 5,
                "digest": dg("arm"),
                "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"},
            },
        ],
    }
    child = convert.convert_manifest(child_raw, DOCKER["mediaType"])
    rewrite = convert.convert_list(json.dumps(listing).encode(), listing["mediaType"], {child_digest: child})
    parsed = parse_manifest(rewrite.raw, expected_digest=rewrite.digest)
    assert parsed.is_index and parsed.media_type == "application/vnd.oci.image.index.v1+json"
    first, second = parsed.manifests
    assert (first.media_type, first.digest, first.size) == (child.media_type, child.digest, child.size)
    assert first.platform.architecture == "amd64"
    assert (second.digest, second.size, second.platform.variant) == (dg("arm"), 5, "v8")


def test_only_docker_types_need_it():
    assert convert.needs_conversion("application/vnd.docker.distribution.manifest.v2+json")
    assert convert.needs_conversion("application/vnd.docker.distribution.manifest.list.v2+json")
    assert not convert.needs_conversion("application/vnd.oci.image.manifest.v1+json")
    with pytest.raises(ValueError):
        convert.convert_manifest(b"{}", "application/vnd.oci.image.manifest.v1+json")
