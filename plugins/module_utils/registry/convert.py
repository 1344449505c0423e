# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Docker schema2 manifests and lists rewritten as OCI manifests and indexes (pure).

Why: tools built on containers/image (skopeo, podman, buildah) only read ``index.json`` entries
of an OCI image layout whose media type is an OCI manifest or index. A release payload's
images are usually Docker schema2; rewriting them changes their digests, which the cluster's
pullspecs and the ImageDigestMirrorSet name. So a directory keeps both: the original manifest
(what gets pushed, digest unchanged) and an OCI rewrite of it that index.json names for tools.

The rewrite is what containers/image does when it writes a Docker image into an OCI layout:
the config and layers stay the same blobs (same digest and size) with OCI media types; a
manifest list becomes an OCI index of the rewritten children, platforms kept. The JSON is
serialised the same way every time (compact, keys in a fixed order), so the rewrite of a
manifest always has the same digest.
"""

import json

from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import (
    DOCKER_CONFIG,
    DOCKER_FOREIGN_LAYER,
    DOCKER_LAYER,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
    sha256_digest,
)

DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"
OCI_LAYER_NONDISTRIBUTABLE_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"

# Docker media type -> its OCI counterpart (others, already OCI or unknown, are kept)
OCI_MEDIA_TYPES = {
    DOCKER_MANIFEST: OCI_MANIFEST,
    DOCKER_MANIFEST_LIST: OCI_INDEX,
    DOCKER_CONFIG: OCI_CONFIG,
    DOCKER_LAYER: OCI_LAYER_GZIP,
    DOCKER_LAYER_TAR: OCI_LAYER,
    DOCKER_FOREIGN_LAYER: OCI_LAYER_NONDISTRIBUTABLE_GZIP,
}
CONVERTIBLE = (DOCKER_MANIFEST, DOCKER_MANIFEST_LIST)
_DESCRIPTOR_KEYS = ("mediaType", "digest", "size", "urls", "annotations", "platform")


class ConvertedManifest:
    """An OCI rewrite: its bytes, digest, size and media type."""

    def __init__(self, raw, media_type):
        self.raw = raw
        self.media_type = media_type
        self.digest = sha256_digest(raw)
        self.size = len(raw)


def _descriptor(data, media_type=None, digest=None, size=None):
    out = {}
    for key in _DESCRIPTOR_KEYS:
        if key in data:
            out[key] = data[key]
    out["mediaType"] = media_type or OCI_MEDIA_TYPES.get(data.get("mediaType"), data.get("mediaType"))
    if digest is not None:
        out["digest"], out["size"] = digest, size
    return out


def _dump(document):
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def needs_conversion(media_type):
    return media_type in CONVERTIBLE


def convert_manifest(raw, media_type):
    """The OCI rewrite of a Docker schema2 image manifest ``raw``."""
    if media_type != DOCKER_MANIFEST:
        raise ValueError(f"not a Docker schema2 manifest: {media_type}")
    doc = json.loads(raw)
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": _descriptor(doc["config"]),
        "layers": [_descriptor(layer) for layer in doc.get("layers") or []],
    }
    if doc.get("annotations"):
        document["annotations"] = doc["annotations"]
    return ConvertedManifest(_dump(document), OCI_MANIFEST)


def convert_list(raw, media_type, children):
    """The OCI rewrite of a Docker manifest list ``raw``; ``children`` maps each entry's digest
    to the ConvertedManifest that replaces it (entries not in it are kept as they are)."""
    if media_type != DOCKER_MANIFEST_LIST:
        raise ValueError(f"not a Docker manifest list: {media_type}")
    doc = json.loads(raw)
    entries = []
    for entry in doc.get("manifests") or []:
        child = children.get(entry.get("digest"))
        if child is None:
            entries.append(_descriptor(entry, media_type=entry.get("mediaType")))
        else:
            entries.append(_descriptor(entry, media_type=child.media_type, digest=child.digest, size=child.size))
    document = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    if doc.get("annotations"):
        document["annotations"] = doc["annotations"]
    return ConvertedManifest(_dump(document), OCI_INDEX)
