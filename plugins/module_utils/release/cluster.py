# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release a cluster runs: ``ClusterVersion/version`` ``status.desired.image``.

As ``oc adm release info`` with no argument: ``status.desired.image``, falling back to
``spec.desiredUpdate.image``. Read through kubernetes.core's client, so the usual
connection options and ``K8S_AUTH_*`` variables apply.
"""

from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import (
    DynamicApiError,
    MachineConfigApiError,
    NotFoundError,
    Urllib3Error,
    api_error_text,
    reader_for_module,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import ReleaseError

CLUSTER_VERSION_API = "config.openshift.io/v1"
CLUSTER_VERSION_KIND = "ClusterVersion"
CLUSTER_VERSION_NAME = "version"


def _desired_image(cluster_version):
    status = cluster_version.get("status") or {}
    image = (status.get("desired") or {}).get("image")
    if not image:
        image = ((cluster_version.get("spec") or {}).get("desiredUpdate") or {}).get("image")
    return image


def cluster_release_image(reader):
    """The release image of the cluster ``reader`` (a MachineConfigReader) talks to."""
    hint = "pass image (a release pullspec) or from_dir, or connection options for an OpenShift/OKD cluster"
    try:
        resource = reader.resource(CLUSTER_VERSION_KIND, CLUSTER_VERSION_API)
        cluster_version = reader.client.get(resource, name=CLUSTER_VERSION_NAME)
    except NotFoundError:
        raise ReleaseError(f"the cluster has no ClusterVersion {CLUSTER_VERSION_NAME}: {hint}") from None
    except MachineConfigApiError as exc:
        raise ReleaseError(f"cannot read the cluster's ClusterVersion: {exc}: {hint}") from None
    except DynamicApiError as exc:
        raise ReleaseError(
            f"cannot read the cluster's ClusterVersion {CLUSTER_VERSION_NAME}: {api_error_text(exc)}: {hint}"
        ) from None
    except (Urllib3Error, OSError) as exc:
        raise ReleaseError(f"cannot reach the API server to read the ClusterVersion: {exc}: {hint}") from None
    cluster_version = cluster_version.to_dict() if hasattr(cluster_version, "to_dict") else dict(cluster_version)
    image = _desired_image(cluster_version)
    if not image:
        raise ReleaseError(
            "the server is not reporting a release image at this time (ClusterVersion version "
            "has no status.desired.image): pass image to view a release"
        )
    return image


def cluster_release_image_for_module(module):
    """cluster_release_image over kubernetes.core's client for an ``AnsibleK8SModule``."""
    try:
        reader = reader_for_module(module)
    except MachineConfigApiError as exc:
        raise ReleaseError(
            f"no image or from_dir given, and the cluster is not reachable: {exc}: pass image (a "
            f"release pullspec) or from_dir"
        ) from None
    return cluster_release_image(reader)
