"""What `rpm-ostree rebase --experimental ostree-unverified-registry:<url>` would decide about an
OS image, checked against the real registry: can it be pulled with the cluster pull secret,
does its config carry the bootable label, is it for the node's architecture.

* Manifest lists / OCI indexes: containers/image picks the instance for the node's platform
  ("choosing image instance: no image found in manifest list for architecture ..." otherwise).
* Labels and architecture: ostree-ext lib/src/container/store.rs `create_prepared_import`
  ("Target image does not have ostree.bootable label" unless the config has `ostree.bootable` or
  `containers.bootc`; "Image has architecture X; expected Y"), enforced because rpm-ostree calls
  `require_bootable()` (rust/src/sysroot_upgrade.rs).
* Failure text: MCO@main pkg/daemon/rpm-ostree.go / update.go `updateLayeredOS` + runCmdSync:
  "failed to update OS to <url> after retries: error running rpm-ostree rebase --experimental
  ostree-unverified-registry:<url>: <stderr>: exit status 1: timed out waiting for the condition"
  (research/mco-layering.md §4, §9).

`check_os_image` holds the decisions and takes any object with `get_manifest(repo, ref)` and
`get_blob(repo, digest)`, so unit tests can feed it fixture documents.
"""

import json
import re

from .. import oci

MANIFEST_LIST_TYPES = (oci.DOCKER_LIST, oci.OCI_INDEX)
BOOTABLE_LABELS = ("ostree.bootable", "containers.bootc")


class ImageCheckError(Exception):
    """What rpm-ostree would print on stderr (without the trailing newline)."""


def failure_reason(url, stderr):
    """The daemon's reason annotation for a failed OS update."""
    return (
        f"failed to update OS to {url} after retries: error running rpm-ostree rebase --experimental "
        f"ostree-unverified-registry:{url}: {stderr}: exit status 1: timed out waiting for the condition"
    )


def is_manifest_list(doc, media_type):
    return (
        media_type in MANIFEST_LIST_TYPES
        or doc.get("mediaType") in MANIFEST_LIST_TYPES
        or ("manifests" in doc and "layers" not in doc)
    )


def choose_instance(index, arch, media_type=None, os_name="linux"):
    """The digest of the index entry for (os, arch), as containers/image chooses it."""
    for entry in index.get("manifests") or []:
        platform = entry.get("platform") or {}
        if platform.get("architecture") == arch and platform.get("os", os_name) == os_name:
            return entry["digest"]
    kind = "image index" if (media_type or index.get("mediaType")) == oci.OCI_INDEX else "manifest list"
    raise ImageCheckError(
        f"error: Creating importer: failed to invoke method OpenImage: choosing image instance: "
        f'no image found in {kind} for architecture "{arch}", variant "", OS "{os_name}"'
    )


def check_config(config, expected_arch):
    """ostree-ext's checks on the image config (labels first, then architecture)."""
    labels = (config.get("config") or {}).get("Labels") or {}
    if not any(label in labels for label in BOOTABLE_LABELS):
        raise ImageCheckError("error: Target image does not have ostree.bootable label")
    arch = config.get("architecture", "")
    if arch != expected_arch:
        raise ImageCheckError(f"error: Image has architecture {arch}; expected {expected_arch}")


_REQUEST_PREFIX = re.compile(r"^[A-Z]+ https?://\S+: ")
_ERROR_CODE = re.compile(r"^([A-Z][A-Z_]+): ")


def registry_error_text(message):
    """An okdlab.oci error message as containers/image words it: without the request line, and
    the distribution error code as errcode.ErrorCode.Error() prints it (MANIFEST_UNKNOWN ->
    "manifest unknown")."""
    text = _REQUEST_PREFIX.sub("", message or "")
    return _ERROR_CODE.sub(lambda m: m.group(1).lower().replace("_", " ") + ": ", text)


def _registry_error(what, host, e):
    if e.status is None:  # unreachable registry: containers/image fails its /v2/ ping
        what = f"pinging container registry {host}"
    return ImageCheckError(
        f"error: Creating importer: failed to invoke method OpenImage: {what}: {registry_error_text(e.message)}"
    )


def check_os_image(url, node_arch, fetcher):
    """None if the rebase would succeed, else the stderr text (ImageCheckError message)."""
    try:
        host, repo, ref = oci.parse_pullspec(url)
    except ValueError as e:
        return f"error: Creating importer: failed to invoke method OpenImage: invalid reference format: {e}"
    try:
        name = f"{host}/{repo}"
        body, media_type = _get_manifest(fetcher, host, name, repo, ref)[:2]
        doc = _json(body, f"manifest {ref}")
        if is_manifest_list(doc, media_type):
            instance = choose_instance(doc, node_arch, media_type)
            body, media_type = _get_manifest(fetcher, host, name, repo, instance)[:2]
            doc = _json(body, f"manifest {instance}")
        config_digest = (doc.get("config") or {}).get("digest")
        if not config_digest:
            raise ImageCheckError(f"error: Creating importer: manifest {ref} in {name} has no config")
        try:
            config = _json(fetcher.get_blob(repo, config_digest), f"config {config_digest}")
        except oci.RegistryError as e:
            raise ImageCheckError(
                f"error: Preparing import: failed to invoke method GetConfig: "
                f"reading blob {config_digest}: {registry_error_text(e.message)}"
            ) from None
        check_config(config, node_arch)
    except ImageCheckError as e:
        return str(e)
    return None


def _get_manifest(fetcher, host, name, repo, ref):
    try:
        return fetcher.get_manifest(repo, ref)
    except oci.RegistryError as e:
        raise _registry_error(f"reading manifest {ref} in {name}", host, e) from None


def _json(data, what):
    try:
        return json.loads(data)
    except ValueError:
        raise ImageCheckError(f"error: Creating importer: {what} is not valid JSON") from None


def registry_fetcher(url, dockerconfig, ca_file=None):
    """An oci.RegistryClient for the image's registry with the pull secret's credentials,
    trusting the lab CA (a node trusts the cluster's CA bundle)."""
    host = oci.parse_pullspec(url)[0]
    return oci.RegistryClient(host, auth=oci.auth_for(host, dockerconfig), ca_file=ca_file)


def check_pullspec(url, node_arch, dockerconfig, ca_file=None):
    """None or the daemon's full Degraded reason for rebasing to `url`."""
    try:
        fetcher = registry_fetcher(url, dockerconfig, ca_file)
    except ValueError as e:
        return failure_reason(url, f"error: Creating importer: invalid reference format: {e}")
    stderr = check_os_image(url, node_arch, fetcher)
    return None if stderr is None else failure_reason(url, stderr)
