# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Is an OS image pullable the way the nodes will pull it?

Each machine-config-daemon pulls ``osImageURL`` with the cluster's pull secret
(``openshift-config/pull-secret``, key ``.dockerconfigjson``, which the node holds as the
kubelet's auth file: machine-config-operator pkg/daemon/rpm-ostree.go ``kubeletAuthFile``),
so the check uses exactly those credentials: it reads the manifest (an index resolved to the
nodes' platform) and the image config. It also reports whether the config carries
the ``ostree.bootable``/``containers.bootc`` label, without which every node fails to rebase.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.readers import (
    PULL_SECRET_KEY,
    PULL_SECRET_NAME,
    PULL_SECRET_NAMESPACE,
    docker_config,
    read_pull_secret,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import Platform
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference

PULL_SECRET_SOURCE = "the cluster pull secret openshift-config/pull-secret"
BOOTABLE_LABELS = ("ostree.bootable", "containers.bootc")


class ImageCheckError(MachineOSError):
    """The image cannot be pulled (or the pull secret cannot be read); message for the user."""


def cluster_auth_store(api: Client) -> AuthStore:
    """The cluster pull secret as an AuthStore (its content never goes into a message)."""
    secret = read_pull_secret(api)
    if secret is None:
        raise ImageCheckError(
            f"cannot verify the image: the Secret {PULL_SECRET_NAMESPACE}/{PULL_SECRET_NAME} does not exist. The nodes pull the OS image "
            "with it; create it, or set verify_image: false"
        )
    try:
        data = docker_config(secret)
    except ValueError:
        raise ImageCheckError(
            f"cannot verify the image: key {PULL_SECRET_KEY} of the Secret {PULL_SECRET_NAMESPACE}/{PULL_SECRET_NAME} is not valid JSON"
        ) from None
    if data is None:
        raise ImageCheckError(
            f"cannot verify the image: the Secret {PULL_SECRET_NAMESPACE}/{PULL_SECRET_NAME} has no {PULL_SECRET_KEY} key"
        )
    try:
        return AuthStore.from_dict(data, source=PULL_SECRET_SOURCE)
    except RegistryError as e:
        raise ImageCheckError(f"cannot verify the image: {e}") from None


def verify_image(
    image: str,
    auth: AuthStore,
    *,
    ca_file: str | None = None,
    insecure_registries: Any = (),
    architecture: str = "amd64",
) -> dict[str, Any]:
    """Fetch the manifest and the config of ``image`` with ``auth``; return
    ``{image, digest, manifest_digest, architecture, bootable}``."""
    reference = Reference.parse(image)
    try:
        with RegistryClient(auth, ca_file=ca_file, insecure_registries=insecure_registries or ()) as client:
            manifest, index = client.get_image_manifest(reference, Platform(os="linux", architecture=architecture))
            config = client.get_json_blob(reference, manifest.config.digest)
    except RegistryError as e:
        raise ImageCheckError(
            f"image {image} cannot be pulled with {PULL_SECRET_SOURCE}: {e}",
            registry=e.registry,
            status=e.status,
            registry_error_codes=list(e.codes),
        ) from None
    labels = ((config or {}).get("config") or {}).get("Labels") or {}
    return {
        "image": image,
        "digest": index.descriptor.digest if index is not None else manifest.descriptor.digest,
        "manifest_digest": manifest.descriptor.digest,
        "architecture": (config or {}).get("architecture"),
        "bootable": any(label in labels for label in BOOTABLE_LABELS),
    }
