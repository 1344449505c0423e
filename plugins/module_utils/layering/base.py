# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a layered OS image starts: the base image by digest, read through the registry client.

The base is a pullspec the user gives, the OS image of a release payload (its
``rhel-coreos``, ``rhel-coreos-8``, ``machine-os-content``, ``stream-coreos``,
``centos-stream-coreos-9`` or ``fedora-coreos`` tag, as release_info finds it), or the OS
image of the release the cluster runs. A manifest list is resolved to the build host's
platform, so the FROM names exactly the image the engine will use.
"""

import platform as _platform_module
from dataclasses import dataclass, field

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    NotFoundError,
    PlatformNotFoundError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import Platform, normalize_architecture
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import OS_IMAGE_TAGS, os_image
from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release
from ansible_collections.okd.machine_os.plugins.module_utils.release.source import RegistrySource

LABEL_BASE_IMAGE = "machine-os.okd.io/base-image"
LABEL_BASE_DIGEST = "machine-os.okd.io/base-image-digest"
LABEL_CONTAINERFILE_SHA256 = "machine-os.okd.io/containerfile-sha256"
BUILD_LABELS = (LABEL_BASE_IMAGE, LABEL_BASE_DIGEST, LABEL_CONTAINERFILE_SHA256)
# ostree-ext refuses to rebase onto an image whose labels carry neither (ostree-rs-ext
# lib/src/container/store.rs create_prepared_import; BOOTC_LABEL in encapsulate.rs)
BOOTABLE_LABELS = ("ostree.bootable", "containers.bootc")


class BuildError(MachineOSError):
    """A layered-image build failure the user can act on."""


@dataclass
class ImageInfo:
    """An image read from a registry: by digest, its config's architecture, os and labels."""

    pullspec: str
    digest: str
    architecture: str
    os: str
    labels: dict = field(default_factory=dict)


@dataclass
class BaseImage(ImageInfo):
    """The resolved base; ``source`` is base_image, release_image or cluster."""

    source: str = None
    release_image: str = None
    os_image_tag: str = None


def host_platform(machine=None):
    """linux/<this host's architecture> (x86_64 -> amd64, aarch64 -> arm64)."""
    return Platform(architecture=normalize_architecture(machine or _platform_module.machine()) or "amd64")


def read_image(client, pullspec, wanted_platform):
    """ImageInfo of ``pullspec`` (a manifest list resolved to ``wanted_platform``)."""
    ref = Reference.parse(pullspec) if isinstance(pullspec, str) else pullspec
    manifest, _index = client.get_image_manifest(ref, wanted_platform)
    config = client.get_json_blob(ref, manifest.config.digest)
    config = config if isinstance(config, dict) else {}
    labels = (config.get("config") or {}).get("Labels") or {}
    return ImageInfo(
        pullspec=str(ref.by_digest(manifest.digest)),
        digest=manifest.digest,
        architecture=normalize_architecture(config.get("architecture")),
        os=config.get("os"),
        labels=dict(labels),
    )


def read_existing(client, ref, wanted_platform):
    """ImageInfo of what ``ref`` (the destination tag) holds, or None when it holds nothing
    (no tag, no repository, or no image for the platform)."""
    try:
        return read_image(client, ref, wanted_platform)
    except (NotFoundError, PlatformNotFoundError):
        return None


def release_os_image(client, release_image):
    """(OS image tag, its pullspec, the release by digest) of a release payload."""
    payload = read_release(RegistrySource(client, release_image))
    found = os_image(payload.references)
    if not found:
        raise BuildError(
            f"release {release_image} has no OS image: its image-references has none of the tags "
            f"{', '.join(OS_IMAGE_TAGS)}. Pass base_image (the OS image pullspec) instead",
            release_image=release_image,
        )
    return found["tag"], found["pullspec"], payload.pull_from


def resolve_base(client, wanted_platform, base_image=None, release_image=None, cluster_release=None):
    """The BaseImage: ``base_image`` as is, else the OS image of ``release_image``, else of
    the release ``cluster_release()`` returns (the cluster's ClusterVersion)."""
    source, tag = "base_image", None
    if not base_image:
        source = "release_image"
        if not release_image:
            source = "cluster"
            release_image = cluster_release()
        tag, base_image, release_image = release_os_image(client, release_image)
    info = read_image(client, base_image, wanted_platform)
    return BaseImage(
        pullspec=info.pullspec,
        digest=info.digest,
        architecture=info.architecture,
        os=info.os,
        labels=info.labels,
        source=source,
        release_image=release_image,
        os_image_tag=tag,
    )


def build_labels(base, containerfile_hash, extra=None):
    """The labels the built image gets: ``extra`` plus the three machine-os.okd.io labels."""
    labels = {str(k): "" if v is None else str(v) for k, v in (extra or {}).items()}
    labels[LABEL_BASE_IMAGE] = base.pullspec
    labels[LABEL_BASE_DIGEST] = base.digest
    labels[LABEL_CONTAINERFILE_SHA256] = containerfile_hash
    return labels


def is_up_to_date(existing_labels, base_digest, containerfile_hash):
    """Whether an image with ``existing_labels`` was built FROM ``base_digest`` with the same
    Containerfile inputs (hash)."""
    labels = existing_labels or {}
    return labels.get(LABEL_BASE_DIGEST) == base_digest and labels.get(LABEL_CONTAINERFILE_SHA256) == containerfile_hash


def bootable_problem(built, base):
    """Why the built image (ImageInfo-like dict: architecture, labels) cannot boot a node
    built on ``base``, or None."""
    labels = built.get("labels") or {}
    if not any(label in labels for label in BOOTABLE_LABELS):
        base_has = [label for label in BOOTABLE_LABELS if label in (base.labels or {})]
        why = (
            "its base has them, so the Containerfile removed them"
            if base_has
            else f"its base {base.pullspec} has neither, so it is not a bootable OS image"
        )
        return (
            f"the built image lacks ostree.bootable (and containers.bootc) in its labels: {why}. Nodes "
            f"refuse to rebase to it, so nothing was pushed. Build FROM the OS image of a release "
            f"(release_image, or the cluster's)"
        )
    arch = normalize_architecture(built.get("architecture"))
    if base.architecture and arch != base.architecture:
        return (
            f"the built image has architecture {arch}, its base {base.pullspec} has {base.architecture}: "
            f"nodes refuse to rebase to it, so nothing was pushed. Build on a host of the base's "
            f"architecture, or pass a base for this one"
        )
    return None
