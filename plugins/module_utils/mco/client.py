# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reads of MachineConfigPools, MachineConfigs and Nodes, on the collection's one API client.

:class:`MachineConfigReader` names the MCO kinds (openshift/api machineconfiguration/v1
types.go) over :class:`..k8s.client.Client`, which returns plain dicts and maps every error
(403 names the verb, the resource and the RBAC documentation).
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.readers import MCO_API_VERSION

KIND_POOL = "MachineConfigPool"
KIND_MACHINE_CONFIG = "MachineConfig"
KIND_NODE = "Node"

# the RBAC documentation of os_image_override and machine_config_pool_info
RBAC_DOC = "docs/rbac/os-image-override-clusterrole.yaml"

__all__ = ["KIND_MACHINE_CONFIG", "KIND_NODE", "KIND_POOL", "MCO_API_VERSION", "RBAC_DOC", "MachineConfigReader"]


class MachineConfigReader:
    """Pools, machine configs and nodes as plain dicts; ``api`` is the underlying client."""

    def __init__(self, api: Client) -> None:
        self.api = api

    def list_pools(self) -> list[dict[str, Any]]:
        pools = self.api.list(KIND_POOL, MCO_API_VERSION)
        return sorted(pools, key=lambda p: (p.get("metadata") or {}).get("name", ""))

    def get_pool(self, name: str) -> dict[str, Any] | None:
        return self.api.get(KIND_POOL, MCO_API_VERSION, name)

    def get_machine_config(self, name: str) -> dict[str, Any] | None:
        return self.api.get(KIND_MACHINE_CONFIG, MCO_API_VERSION, name)

    def list_machine_configs(self, label_selector: str | None = None) -> list[dict[str, Any]]:
        return self.api.list(KIND_MACHINE_CONFIG, MCO_API_VERSION, label_selector)

    def list_nodes(self, label_selector: str | None = None) -> list[dict[str, Any]]:
        return self.api.list(KIND_NODE, "v1", label_selector)
