# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What release_info and release_extract share: options, the source they name, and errors.

``load_release(ctx, keep)`` reads the payload the module's options point at (``image``,
``from_dir``, or the cluster's ClusterVersion) and raises every error with a message that
names the input and the fix, and the ``image`` and ``image_source`` context keys. Nothing
is written.
"""

import copy

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import KubernetesError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.args import (
    registry_auth_argument_spec,
    registry_auth_required_together,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import HAS_REQUESTS, RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    InvalidReferenceError,
    NotFoundError,
    RegistryError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import Platform
from ansible_collections.okd.machine_os.plugins.module_utils.release.cluster import cluster_release_image
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release
from ansible_collections.okd.machine_os.plugins.module_utils.release.source import (
    OCILayoutSource,
    RegistrySource,
    split_layout_argument,
)

RELEASE_SOURCE_ARG_SPEC = {
    "image": {"type": "str"},
    "from_dir": {"type": "path"},
    "platform": {"type": "str"},
}
RELEASE_SOURCE_MUTUALLY_EXCLUSIVE = [["image", "from_dir"]]


def release_source_argument_spec(extra_spec=None):
    """``image``, ``from_dir``, ``platform`` and the registry options (a fresh copy), plus
    ``extra_spec``; the module runner adds kubernetes.core's connection options."""
    spec = copy.deepcopy(RELEASE_SOURCE_ARG_SPEC)
    spec.update(registry_auth_argument_spec())
    spec.update(extra_spec or {})
    return spec


def release_source_module_kwargs(**kwargs):
    """The module's keyword arguments with the source's mutually_exclusive/required_together."""
    kwargs.setdefault("mutually_exclusive", []).extend(RELEASE_SOURCE_MUTUALLY_EXCLUSIVE)
    kwargs.setdefault("required_together", []).extend(registry_auth_required_together())
    return kwargs


def cluster_image(ctx):
    """The release image of the cluster the module's connection options name."""
    why = "reading the cluster's release (no image or from_dir given)"
    try:
        return cluster_release_image(ctx.client(why=why))
    except KubernetesError as exc:
        raise exc.reworded(
            f"no image or from_dir given, and the cluster's release cannot be read: {exc.message}. "
            "Or pass image (a release pullspec) or from_dir"
        ) from None


def _registry_error(exc, image, source):
    if isinstance(exc, InvalidReferenceError):
        what = "the cluster's ClusterVersion status.desired.image" if source == "cluster" else "the image option"
        message = f"{what} is not a valid image reference: {exc.message}"
    else:
        message = f"cannot read the release image {image}: {exc.message}"
        if isinstance(exc, NotFoundError):
            message += ": check the repository and the tag or digest of the release image"
        if source == "cluster":
            message += " (the image is the cluster's ClusterVersion status.desired.image)"
    exc.context.update(image=image, image_source=source)
    return exc.reworded(message)


def load_release(ctx, keep=None, require_digests=True):
    """The ReleasePayload the module's options name; raises a MachineOSError on any error.

    With neither ``image`` nor ``from_dir``, the cluster's release is read.
    """
    params = ctx.params
    platform = params.get("platform")
    if platform:
        try:
            Platform.parse(platform)
        except ValueError as exc:
            raise ReleaseError(f"platform: {exc}", platform=platform) from None
    image, source_kind, client = params.get("image"), "image", None
    try:
        if params.get("from_dir"):
            path, ref_name = split_layout_argument(params["from_dir"])
            source = OCILayoutSource(path, platform, ref_name)
            image, source_kind = source.image, "from_dir"
        else:
            if not image:
                source_kind = "cluster"
                image = cluster_image(ctx)
            ctx.require("requests", HAS_REQUESTS, reason="to read from a registry")
            client = RegistryClient.from_params(params)
            source = RegistrySource(client, image, platform)
        return read_release(source, keep=keep, require_digests=require_digests)
    except RegistryError as exc:
        raise _registry_error(exc, image, source_kind) from None
    except MachineOSError as exc:
        exc.context["image_source"] = source_kind
        raise exc.with_context(image=image) from None
    finally:
        if client is not None:
            client.close()
