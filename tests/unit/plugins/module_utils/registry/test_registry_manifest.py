# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Manifest parsing, digests over the exact bytes, platform selection."""

import hashlib
import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry import manifest as m
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    DigestMismatchError,
    ManifestError,
    PlatformNotFoundError,
)

C = "sha256:" + "c" * 64
L1 = "sha256:" + "1" * 64
L2 = "sha256:" + "2" * 64


def image(media_type=m.DOCKER_MANIFEST, config_type=m.DOCKER_CONFIG, layer_type=m.DOCKER_LAYER, with_type=True):
    doc = {
        "schemaVersion": 2,
        "config": {"mediaType": config_type, "digest": C, "size": 1234},
        "layers": [
            {"mediaType": layer_type, "digest": L1, "size": 10},
            {"mediaType": layer_type, "digest": L2, "size": 20},
        ],
    }
    if with_type:
        doc["mediaType"] = media_type
    return doc


def entry(digest, arch, os_="linux", variant=None, annotations=None, media_type=m.OCI_MANIFEST):
    platform = {"architecture": arch, "os": os_}
    if variant:
        platform["variant"] = variant
    result = {"mediaType": media_type, "digest": digest, "size": 500, "platform": platform}
    if annotations:
        result["annotations"] = annotations
    return result


AMD = "sha256:" + "a" * 64
ARM = "sha256:" + "b" * 64
ARMV7 = "sha256:" + "7" * 64
PPC = "sha256:" + "d" * 64
S390 = "sha256:" + "e" * 64
ATT = "sha256:" + "f" * 64

INDEX = {
    "schemaVersion": 2,
    "mediaType": m.OCI_INDEX,
    "manifests": [
        entry(ATT, "unknown", "unknown", annotations={"vnd.docker.reference.type": "attestation-manifest"}),
        entry(AMD, "amd64"),
        entry(ARM, "arm64", variant="v8"),
        entry(ARMV7, "arm", variant="v7"),
        entry(PPC, "ppc64le"),
        entry(S390, "s390x"),
    ],
}


def raw(doc, **kwargs):
    return json.dumps(doc, **kwargs).encode()


def test_docker_schema2_manifest():
    data = raw(image())
    parsed = m.parse_manifest(data)
    assert parsed.media_type == m.DOCKER_MANIFEST
    assert not parsed.is_index
    assert parsed.config.digest == C and parsed.config.size == 1234
    assert [layer.digest for layer in parsed.layers] == [L1, L2]
    assert [b.digest for b in parsed.blobs()] == [C, L1, L2]
    assert parsed.raw == data
    assert parsed.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert parsed.descriptor.size == len(data)


def test_digest_is_over_the_exact_bytes():
    compact = raw(image(), separators=(",", ":"))
    pretty = raw(image(), indent=3)
    first, second = m.parse_manifest(compact), m.parse_manifest(pretty)
    assert first.config == second.config
    assert first.digest != second.digest
    assert first.digest == m.sha256_digest(compact)


def test_oci_manifest_media_type_from_header_or_fields():
    data = raw(image(with_type=False, config_type=m.OCI_CONFIG, layer_type=m.OCI_LAYER_GZIP))
    assert (
        m.parse_manifest(data, "application/vnd.oci.image.manifest.v1+json; charset=utf-8").media_type == m.OCI_MANIFEST
    )
    assert m.parse_manifest(data).media_type == m.OCI_MANIFEST  # inferred from config + layers
    assert m.parse_manifest(raw({"schemaVersion": 2, "manifests": []})).media_type == m.OCI_INDEX


def test_the_documents_media_type_wins_over_the_header():
    data = raw(image(media_type=m.DOCKER_MANIFEST))
    assert m.parse_manifest(data, m.OCI_MANIFEST).media_type == m.DOCKER_MANIFEST


def test_docker_manifest_list():
    doc = dict(INDEX, mediaType=m.DOCKER_MANIFEST_LIST)
    parsed = m.parse_manifest(raw(doc))
    assert parsed.is_index
    assert parsed.media_type == m.DOCKER_MANIFEST_LIST
    assert len(parsed.manifests) == 6


def test_expected_digest_is_checked():
    data = raw(image())
    m.parse_manifest(data, expected_digest=m.sha256_digest(data))
    with pytest.raises(DigestMismatchError) as info:
        m.parse_manifest(data, expected_digest=AMD, where="manifest quay.io/a/b@" + AMD)
    assert info.value.expected == AMD
    assert info.value.actual == m.sha256_digest(data)
    assert "manifest quay.io/a/b@" in str(info.value)
    assert m.verify_digest(data, m.sha256_digest(data)) == m.sha256_digest(data)
    with pytest.raises(DigestMismatchError):
        m.verify_digest(data + b" ", m.sha256_digest(data))


@pytest.mark.parametrize(
    "data,fragment",
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (raw({"schemaVersion": 1, "name": "a", "fsLayers": []}), "schema 1"),
        (raw({"mediaType": m.DOCKER_SCHEMA1_SIGNED, "schemaVersion": 1}), "schema 1"),
        (raw({"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip"}), "unsupported media type"),
        (raw(dict(image(), schemaVersion=3)), "schemaVersion 3"),
        (raw({k: v for k, v in image().items() if k != "config"}), "no config"),
        (raw(dict(image(), layers=None)), 'no "layers"'),
        (raw(dict(image(), config={"mediaType": m.DOCKER_CONFIG, "digest": "sha256:12", "size": 1})), "invalid digest"),
        (raw(dict(image(), config={"mediaType": m.DOCKER_CONFIG, "digest": C, "size": -1})), "invalid size"),
        (raw({"mediaType": m.OCI_INDEX, "schemaVersion": 2}), 'no "manifests"'),
    ],
)
def test_malformed_manifests(data, fragment):
    with pytest.raises(ManifestError, match=fragment):
        m.parse_manifest(data)


@pytest.mark.parametrize(
    "wanted,digest",
    [
        ("linux/amd64", AMD),
        ("amd64", AMD),
        ("x86_64", AMD),
        ("linux/x86_64", AMD),
        ("arm64", ARM),
        ("aarch64", ARM),
        ("linux/arm64/v8", ARM),
        ("linux/arm/v7", ARMV7),
        ("ppc64le", PPC),
        ("s390x", S390),
        (m.Platform(architecture="arm64"), ARM),
        ({"os": "linux", "architecture": "aarch64"}, ARM),
    ],
)
def test_platform_selection(wanted, digest):
    index = m.parse_manifest(raw(INDEX))
    assert index.select(wanted).digest == digest


def test_arm64_variant_v8_equals_no_variant():
    doc = {"schemaVersion": 2, "mediaType": m.OCI_INDEX, "manifests": [entry(ARM, "arm64")]}
    assert m.select_platform(m.parse_manifest(raw(doc)), "linux/arm64/v8").digest == ARM


def test_platform_not_found_lists_what_is_offered():
    index = m.parse_manifest(raw(INDEX))
    with pytest.raises(PlatformNotFoundError) as info:
        index.select("linux/riscv64")
    message = str(info.value)
    assert "linux/riscv64" in message
    assert "linux/amd64, linux/arm64/v8, linux/arm/v7, linux/ppc64le, linux/s390x" in message
    assert "unknown" not in message  # attestations are not platforms
    assert info.value.available == index.platforms()
    assert info.value.fail_kwargs()["available_platforms"] == index.platforms()
    with pytest.raises(PlatformNotFoundError):
        index.select("windows/amd64")


def test_platform_parse_and_str():
    assert str(m.Platform.parse("linux/aarch64")) == "linux/arm64"
    assert str(m.Platform.parse("arm/v6")) == "linux/arm/v6"
    assert m.Platform.parse("linux/arm64/v8").to_dict() == {"os": "linux", "architecture": "arm64", "variant": "v8"}
    with pytest.raises(ValueError, match="os/"):
        m.Platform.parse("a/b/c/d")


def test_architecture_names():
    assert m.normalize_architecture("X86_64") == "amd64"
    assert m.openshift_architecture("amd64") == "x86_64"
    assert m.openshift_architecture("aarch64") == "aarch64"
    assert m.openshift_architecture("arm64") == "aarch64"
    assert m.openshift_architecture("ppc64le") == "ppc64le"


def test_descriptor_round_trip():
    doc = entry(AMD, "amd64", annotations={"a": "b"})
    assert m.Descriptor.from_dict(doc).to_dict() == doc
