# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release a cluster runs: ``ClusterVersion/version`` ``status.desired.image``.

As ``oc adm release info`` with no argument (openshift/oc pkg/cli/admin/release/info.go):
``status.desired.image``, falling back to ``spec.desiredUpdate.image``. Read through the
collection's API client (:mod:`..k8s.readers`), so the usual connection options and
``K8S_AUTH_*`` variables apply; its errors (403, unreachable, ...) pass through unchanged.
"""

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.readers import (
    CLUSTER_VERSION_NAME,
    desired_release_image,
    read_cluster_version,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import ReleaseError

HINT = "pass image (a release pullspec) or from_dir, or connection options for an OpenShift/OKD cluster"


def cluster_release_image(client: Client) -> str:
    """The release image of the cluster ``client`` talks to."""
    cluster_version = read_cluster_version(client)
    if cluster_version is None:
        raise ReleaseError(f"the cluster has no ClusterVersion {CLUSTER_VERSION_NAME}: {HINT}")
    image = desired_release_image(cluster_version)
    if not image:
        raise ReleaseError(
            "the server is not reporting a release image at this time (ClusterVersion version "
            "has no status.desired.image): pass image to view a release"
        )
    return image
