# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Manifests: Docker schema 2 manifest and manifest list, OCI image manifest and index.

A manifest's digest is the sha256 of its exact bytes as served (or pushed): the parsed
objects keep those bytes (``raw``) and never re-serialise them. Platform selection in a
list/index accepts the aliases people type (``x86_64`` for amd64, ``aarch64`` for arm64)
and fails with the list of platforms the index does offer.
"""

import hashlib
import json
from dataclasses import dataclass, field

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    DigestMismatchError,
    ManifestError,
    PlatformNotFoundError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import validate_digest

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"

DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"

IMAGE_MANIFEST_TYPES = (DOCKER_MANIFEST, OCI_MANIFEST)
INDEX_TYPES = (DOCKER_MANIFEST_LIST, OCI_INDEX)
MANIFEST_TYPES = IMAGE_MANIFEST_TYPES + INDEX_TYPES
# the Accept header of manifest requests: every type we can read, lists included
MANIFEST_ACCEPT = ", ".join(MANIFEST_TYPES)
MAX_MANIFEST_SIZE = 4 * 1024 * 1024

ARCH_ALIASES = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armhf": "arm",
    "armel": "arm",
    "arm": "arm",
    "i386": "386",
    "i686": "386",
    "386": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}
# OpenShift's architecture names in release tags (openshift/oc pkg/cli/admin/release/mirror.go
# archMap): amd64 -> x86_64, arm64 -> aarch64, the others keep their Go name
OPENSHIFT_ARCH_NAMES = {"amd64": "x86_64", "arm64": "aarch64"}


def sha256_digest(data):
    """``sha256:<hex>`` of ``data`` (bytes)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def verify_digest(data, expected, what="content"):
    """Raise DigestMismatchError unless ``data`` hashes to ``expected``; return the digest."""
    actual = sha256_digest(data)
    if actual != expected:
        raise DigestMismatchError(
            f"{what} does not match its digest: expected {expected}, got {actual}", expected=expected, actual=actual
        )
    return actual


def normalize_architecture(arch):
    """``x86_64`` -> ``amd64``, ``aarch64`` -> ``arm64``; unknown names are lower-cased."""
    if arch is None:
        return None
    return ARCH_ALIASES.get(arch.lower(), arch.lower())


def openshift_architecture(arch):
    """The OpenShift spelling used in mirror tags: ``amd64`` -> ``x86_64``, ``arm64`` -> ``aarch64``."""
    arch = normalize_architecture(arch)
    return OPENSHIFT_ARCH_NAMES.get(arch, arch)


@dataclass(frozen=True)
class Platform:
    """os/architecture[/variant]; ``parse`` reads ``linux/amd64``, ``arm64/v8``, ``x86_64``."""

    os: str = "linux"
    architecture: str = "amd64"
    variant: str = None
    os_version: str = None

    @classmethod
    def parse(cls, text):
        if isinstance(text, Platform):
            return text
        if isinstance(text, dict):
            return cls.from_dict(text)
        parts = [p for p in str(text).strip().split("/") if p]
        if not parts or len(parts) > 3:
            raise ValueError(
                f"invalid platform {text!r}: expected [os/]architecture[/variant], like linux/amd64 or arm64"
            )
        if len(parts) == 1:
            return cls(architecture=normalize_architecture(parts[0]))
        if len(parts) == 2 and parts[0].lower() not in ("linux", "windows", "darwin", "freebsd"):
            return cls(architecture=normalize_architecture(parts[0]), variant=parts[1])
        return cls(
            os=parts[0].lower(),
            architecture=normalize_architecture(parts[1]),
            variant=parts[2] if len(parts) == 3 else None,
        )

    @classmethod
    def from_dict(cls, data):
        data = data or {}
        return cls(
            os=(data.get("os") or "").lower() or None,
            architecture=normalize_architecture(data.get("architecture")),
            variant=data.get("variant") or None,
            os_version=data.get("os.version") or None,
        )

    def to_dict(self):
        result = {"architecture": self.architecture, "os": self.os}
        if self.variant:
            result["variant"] = self.variant
        if self.os_version:
            result["os.version"] = self.os_version
        return result

    def matches(self, other):
        """Whether ``other`` (an index entry's platform) satisfies this wanted platform.

        Architecture aliases are equal; a wanted variant must match, except that arm64's
        default variant ``v8`` equals no variant. A wanted platform without variant matches
        any variant.
        """
        if (self.os or "linux") != (other.os or "linux"):
            return False
        if normalize_architecture(self.architecture) != normalize_architecture(other.architecture):
            return False
        if not self.variant:
            return True
        wanted, offered = self.variant, other.variant
        if normalize_architecture(self.architecture) == "arm64":
            wanted, offered = wanted or "v8", offered or "v8"
        return wanted == offered

    def __str__(self):
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


@dataclass(frozen=True)
class Descriptor:
    """A content descriptor: media type, digest, size (+ platform in an index)."""

    media_type: str
    digest: str
    size: int
    platform: Platform = None
    urls: tuple = ()
    annotations: dict = field(default_factory=dict)
    artifact_type: str = None

    @classmethod
    def from_dict(cls, data, where="descriptor"):
        if not isinstance(data, dict):
            raise ManifestError(f"{where} is not a JSON object")
        try:
            digest = validate_digest(data.get("digest"))
        except ValueError:
            raise ManifestError(
                f"{where} has an invalid digest {data.get('digest')!r} (expected sha256:<64 hex>)"
            ) from None
        size = data.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ManifestError(f"{where} has an invalid size {size!r}")
        platform = Platform.from_dict(data["platform"]) if isinstance(data.get("platform"), dict) else None
        return cls(
            media_type=data.get("mediaType"),
            digest=digest,
            size=size,
            platform=platform,
            urls=tuple(data.get("urls") or ()),
            annotations=dict(data.get("annotations") or {}),
            artifact_type=data.get("artifactType"),
        )

    def to_dict(self):
        result = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.platform is not None:
            result["platform"] = self.platform.to_dict()
        if self.urls:
            result["urls"] = list(self.urls)
        if self.annotations:
            result["annotations"] = dict(self.annotations)
        if self.artifact_type:
            result["artifactType"] = self.artifact_type
        return result

    @property
    def is_attestation(self):
        """BuildKit attestation manifests in an index (``unknown/unknown``): not images."""
        return self.annotations.get("vnd.docker.reference.type") == "attestation-manifest" or (
            self.platform is not None and self.platform.os == "unknown"
        )


@dataclass(frozen=True)
class ImageManifest:
    """An image manifest (Docker schema 2 or OCI): config + layers, and its exact bytes."""

    media_type: str
    config: Descriptor
    layers: tuple
    raw: bytes = field(repr=False)
    digest: str
    annotations: dict = field(default_factory=dict)
    subject: Descriptor = None

    is_index = False

    @property
    def size(self):
        return len(self.raw)

    def blobs(self):
        """The config then the layers: every blob this manifest needs, in push order."""
        return (self.config, *tuple(self.layers))

    @property
    def descriptor(self):
        return Descriptor(media_type=self.media_type, digest=self.digest, size=len(self.raw))

    def json(self):
        return json.loads(self.raw)


@dataclass(frozen=True)
class ImageIndex:
    """A Docker manifest list or OCI image index, and its exact bytes."""

    media_type: str
    manifests: tuple
    raw: bytes = field(repr=False)
    digest: str
    annotations: dict = field(default_factory=dict)

    is_index = True

    @property
    def size(self):
        return len(self.raw)

    @property
    def descriptor(self):
        return Descriptor(media_type=self.media_type, digest=self.digest, size=len(self.raw))

    def json(self):
        return json.loads(self.raw)

    def platforms(self):
        """The platforms offered (attestations left out), as ``os/arch[/variant]`` strings."""
        return [str(d.platform) for d in self.manifests if d.platform is not None and not d.is_attestation]

    def select(self, platform):
        """The descriptor for ``platform`` (a Platform, ``linux/arm64`` or ``x86_64``)."""
        return select_platform(self, platform)


def _detect_media_type(doc, content_type):
    declared = doc.get("mediaType")
    if declared:
        return declared
    header = (content_type or "").split(";")[0].strip()
    if header in MANIFEST_TYPES:
        return header
    if doc.get("schemaVersion") == 1:
        return DOCKER_SCHEMA1
    if "manifests" in doc:
        return OCI_INDEX
    if "config" in doc and "layers" in doc:
        return OCI_MANIFEST
    return header or None


def parse_manifest(raw, content_type=None, expected_digest=None, where="manifest"):
    """Parse manifest bytes into ImageManifest or ImageIndex.

    The media type is the document's ``mediaType``, else the ``Content-Type`` the registry
    sent, else inferred from the fields (OCI allows omitting it). With ``expected_digest``
    the bytes are verified first (DigestMismatchError).
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    digest = sha256_digest(raw)
    if expected_digest is not None and digest != expected_digest:
        raise DigestMismatchError(
            f"{where} does not match its digest: expected {expected_digest}, got {digest}",
            expected=expected_digest,
            actual=digest,
        )
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise ManifestError(f"{where} is not valid JSON") from None
    if not isinstance(doc, dict):
        raise ManifestError(f"{where} is not a JSON object")
    media_type = _detect_media_type(doc, content_type)
    if media_type in (DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED):
        raise ManifestError(
            f"{where} is a Docker schema 1 manifest, which this collection does not read: "
            f"re-push the image with a current tool (schema 2 or OCI)"
        )
    if media_type in INDEX_TYPES:
        entries = doc.get("manifests")
        if not isinstance(entries, list):
            raise ManifestError(f'{where} ({media_type}) has no "manifests" list')
        manifests = tuple(Descriptor.from_dict(d, f"{where} entry {i}") for i, d in enumerate(entries))
        return ImageIndex(
            media_type=media_type,
            manifests=manifests,
            raw=raw,
            digest=digest,
            annotations=dict(doc.get("annotations") or {}),
        )
    if media_type in IMAGE_MANIFEST_TYPES:
        if doc.get("schemaVersion") != 2:
            raise ManifestError(f"{where} ({media_type}) has schemaVersion {doc.get('schemaVersion')!r}, not 2")
        if "config" not in doc:
            raise ManifestError(f"{where} ({media_type}) has no config descriptor")
        config = Descriptor.from_dict(doc["config"], f"{where} config")
        layers = doc.get("layers")
        if not isinstance(layers, list):
            raise ManifestError(f'{where} ({media_type}) has no "layers" list')
        subject = Descriptor.from_dict(doc["subject"], f"{where} subject") if doc.get("subject") else None
        return ImageManifest(
            media_type=media_type,
            config=config,
            layers=tuple(Descriptor.from_dict(d, f"{where} layer {i}") for i, d in enumerate(layers)),
            raw=raw,
            digest=digest,
            annotations=dict(doc.get("annotations") or {}),
            subject=subject,
        )
    raise ManifestError(
        f"{where} has an unsupported media type {media_type!r} (supported: {', '.join(MANIFEST_TYPES)})"
    )


def select_platform(index, platform):
    """The entry of ``index`` for ``platform``; PlatformNotFoundError lists what is offered.

    The first matching entry wins, as in containers/image; attestation entries are skipped.
    """
    wanted = Platform.parse(platform)
    for descriptor in index.manifests:
        if descriptor.platform is None or descriptor.is_attestation:
            continue
        if wanted.matches(descriptor.platform):
            return descriptor
    available = index.platforms()
    raise PlatformNotFoundError(
        f"no image for platform {wanted} in the manifest list {index.digest}: it offers "
        f"{', '.join(available) or 'no platform at all'}; choose one of those",
        available=available,
    )
