# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What release_info and release_extract share: options, the source they name, and errors.

``load_release(module, keep)`` reads the payload the module's options point at (``image``,
``from_dir``, or the cluster's ClusterVersion) and turns every error into one
``fail_json`` that names the input and the fix. Nothing is written.
"""

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

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
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release
from ansible_collections.okd.machine_os.plugins.module_utils.release.source import (
    OCILayoutSource,
    RegistrySource,
    split_layout_argument,
)

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

    HAS_KUBERNETES_CORE = True
except ImportError:
    HAS_KUBERNETES_CORE = False
    AUTH_ARG_SPEC = {}

    class CoreException(Exception):
        """Stand-in: kubernetes.core is only needed to read the cluster's release."""


RELEASE_SOURCE_ARG_SPEC = {
    "image": {"type": "str"},
    "from_dir": {"type": "path"},
    "platform": {"type": "str"},
}
RELEASE_SOURCE_MUTUALLY_EXCLUSIVE = [["image", "from_dir"]]


def release_source_argument_spec():
    """``image``, ``from_dir``, ``platform``, the registry options and kubernetes.core's
    connection options (a fresh copy)."""
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(copy.deepcopy(RELEASE_SOURCE_ARG_SPEC))
    spec.update(registry_auth_argument_spec())
    return spec


def release_module(extra_spec, **kwargs):
    """The module object: AnsibleK8SModule when kubernetes.core is there (its connection
    options read the cluster's release), else AnsibleModule; the kubernetes library is
    only required when the cluster is read."""
    spec = release_source_argument_spec()
    spec.update(extra_spec)
    kwargs.setdefault("mutually_exclusive", []).extend(RELEASE_SOURCE_MUTUALLY_EXCLUSIVE)
    kwargs.setdefault("required_together", []).extend(registry_auth_required_together())
    if HAS_KUBERNETES_CORE:
        return AnsibleK8SModule(argument_spec=spec, check_k8s=False, check_pyyaml=False, **kwargs)
    return AnsibleModule(argument_spec=spec, **kwargs)


def cluster_image_reader(module):
    """A callable giving the release image of the cluster the module's options connect to."""

    def read():
        if not HAS_KUBERNETES_CORE:
            module.fail_json(
                msg="no image or from_dir given: reading the cluster's release needs the "
                "kubernetes.core collection (ansible-galaxy collection install kubernetes.core)"
            )
        from ansible_collections.okd.machine_os.plugins.module_utils.release.cluster import (  # pylint: disable=import-outside-toplevel
            cluster_release_image_for_module,
        )

        module.requires("kubernetes")
        try:
            return cluster_release_image_for_module(module)
        except CoreException as exc:
            raise ReleaseError(
                f"no image or from_dir given, and the cluster connection failed: {exc}: pass image "
                f"(a release pullspec) or from_dir, or working connection options (kubeconfig, "
                f"context, host)"
            ) from None

    return read


def _fail_registry(module, exc, image, source):
    kwargs = exc.fail_kwargs()
    if isinstance(exc, InvalidReferenceError):
        what = "the cluster's ClusterVersion status.desired.image" if source == "cluster" else "the image option"
        kwargs["msg"] = f"{what} is not a valid image reference: {exc.message}"
    else:
        kwargs["msg"] = f"cannot read the release image {image}: {exc.message}"
        if isinstance(exc, NotFoundError):
            kwargs["msg"] += ": check the repository and the tag or digest of the release image"
        if source == "cluster":
            kwargs["msg"] += " (the image is the cluster's ClusterVersion status.desired.image)"
    kwargs["image"] = image
    kwargs["image_source"] = source
    module.fail_json(**kwargs)


def load_release(module, keep=None, require_digests=True):
    """The ReleasePayload the module's options name; fails the module on any error.

    With neither ``image`` nor ``from_dir``, the cluster's release is read.
    """
    params = module.params
    platform = params.get("platform")
    if platform:
        try:
            Platform.parse(platform)
        except ValueError as exc:
            module.fail_json(msg=f"platform: {exc}", platform=platform)
    image, source_kind, client = params.get("image"), "image", None
    try:
        if params.get("from_dir"):
            path, ref_name = split_layout_argument(params["from_dir"])
            source = OCILayoutSource(path, platform, ref_name)
            image, source_kind = source.image, "from_dir"
        else:
            if not image:
                source_kind = "cluster"
                image = cluster_image_reader(module)()
            if not HAS_REQUESTS:
                module.fail_json(msg=missing_required_lib("requests", reason="to read from a registry"))
            client = RegistryClient.from_params(params)
            source = RegistrySource(client, image, platform)
        return read_release(source, keep=keep, require_digests=require_digests)
    except ReleaseError as exc:
        kwargs = exc.fail_kwargs()
        kwargs.setdefault("image", image)
        kwargs["image_source"] = source_kind
        module.fail_json(**kwargs)
    except RegistryError as exc:
        _fail_registry(module, exc, image, source_kind)
    finally:
        if client is not None:
            client.close()
    return None
