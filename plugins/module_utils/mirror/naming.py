# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a mirrored release goes: destination repositories and tags, named like oc (pure).

``oc adm release mirror --to REPO`` (openshift/oc pkg/cli/admin/release/mirror.go) tags each component
``REPO:<version>-<arch>-<tag name>`` and the release ``REPO:<version>-<arch>`` (or the
``--to-release-image`` pullspec), ``<arch>`` in OpenShift's spelling (amd64 -> x86_64,
arm64 -> aarch64; ``multi`` for a manifest list). The same names are the
``org.opencontainers.image.ref.name`` of the images in a ``to_dir`` OCI layout.
"""

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import InvalidReferenceError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import openshift_architecture
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference, validate_tag

MULTI_ARCH = "multi"
SIGNATURE_SUFFIX = ".sig"


def mirror_arch(architecture, multi=False):
    """``x86_64``/``aarch64``/``ppc64le``/``s390x``, or ``multi`` for a manifest-listed release."""
    if multi:
        return MULTI_ARCH
    return openshift_architecture(architecture or "amd64")


def release_tag(version, arch):
    """``<version>-<arch>``, e.g. ``4.19.0-x86_64``."""
    return validate_tag(f"{version}-{arch}")


def component_tag(version, arch, name):
    """``<version>-<arch>-<component>``, e.g. ``4.19.0-x86_64-etcd``."""
    return validate_tag(f"{version}-{arch}-{name}")


def signature_tag(digest):
    """The sigstore signature tag of an image: ``sha256-<hex>.sig``."""
    algorithm, _colon, hexdigest = digest.partition(":")
    return f"{algorithm}-{hexdigest}{SIGNATURE_SUFFIX}"


def destination_repository(text, option="to"):
    """``text`` as a repository Reference (no tag, no digest), or InvalidReferenceError naming ``option``."""
    try:
        ref = Reference.parse(text)
    except InvalidReferenceError as exc:
        raise InvalidReferenceError(f"{option}: {exc.message}", reference=text) from None
    if ref.tag or ref.digest:
        raise InvalidReferenceError(
            f"{option} {text!r} must be a repository without tag or digest, like "
            f"mirror.example.com:5000/ocp4/openshift4",
            reference=text,
        )
    return ref


def release_destination(to, to_release_image, version, arch):
    """The release image's destination: ``to_release_image`` (its tag, else ``<version>-<arch>``),
    else ``<to>:<version>-<arch>``. ``to`` and ``to_release_image`` are strings or None."""
    if to_release_image:
        try:
            ref = Reference.parse(to_release_image)
        except InvalidReferenceError as exc:
            raise InvalidReferenceError(f"to_release_image: {exc.message}", reference=to_release_image) from None
        if ref.digest:
            raise InvalidReferenceError(
                f"to_release_image {to_release_image!r} must not carry a digest: give "
                f"a repository, optionally with a tag",
                reference=to_release_image,
            )
        return ref if ref.tag else ref.with_tag(release_tag(version, arch))
    return destination_repository(to).with_tag(release_tag(version, arch))


def component_destination(to, version, arch, name):
    """``<to>:<version>-<arch>-<name>`` as a Reference."""
    return destination_repository(to).with_tag(component_tag(version, arch, name))
