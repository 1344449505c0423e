# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every API call of cluster updates, on the collection's one call path (:mod:`..k8s.client`).

Reads: ClusterVersion ``version``, ClusterOperators, MachineConfigPools, Nodes, rendered
MachineConfigs, the ControllerConfig. Write: one JSON merge patch of ClusterVersion ``spec``
(what ``oc adm upgrade`` sends). Watches go through :class:`..mco.waiter` 's watcher thread.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.errors import ClusterUpdateError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.readers import (
    CLUSTER_VERSION_API,
    CLUSTER_VERSION_KIND,
    CLUSTER_VERSION_NAME,
    read_cluster_version,
    read_controller_config,
)

RBAC_DOC = "docs/rbac/cluster-version-update-clusterrole.yaml"
KIND_CLUSTER_OPERATOR = "ClusterOperator"
MCO_API_VERSION = "machineconfiguration.openshift.io/v1"


def cluster_version(client: Client) -> dict[str, Any]:
    cv = read_cluster_version(client)
    if cv is None:
        raise ClusterUpdateError(
            f"there is no {CLUSTER_VERSION_KIND} {CLUSTER_VERSION_NAME!r}: this does not look like an OpenShift/OKD "
            "cluster managed by the cluster-version-operator. Check the kubeconfig, context or host the task uses"
        )
    return cv


def patch_cluster_version(client: Client, patch: dict[str, Any]) -> dict[str, Any]:
    return client.patch(CLUSTER_VERSION_KIND, CLUSTER_VERSION_API, CLUSTER_VERSION_NAME, patch)


def controller_config(client: Client) -> dict[str, Any] | None:
    return read_controller_config(client)


def machine_config(client: Client, name: str) -> dict[str, Any] | None:
    return client.get("MachineConfig", MCO_API_VERSION, name)
