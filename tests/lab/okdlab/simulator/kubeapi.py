"""The simulator's only door to the API server: plain dicts in and out.

CustomObjectsApi for the machineconfiguration.openshift.io objects, CoreV1Api for Nodes and the
pull secret (raw JSON, so every controller works on the same dict shapes).  Writes that the MCO
does with optimistic concurrency (pool spec Update, UpdateStatus) are replaces carrying the
resourceVersion; node writes are JSON merge patches.
"""

import base64
import json
import logging

from kubernetes import client as k8s
from kubernetes import config as kconfig
from kubernetes.client.exceptions import ApiException

from . import constants as c

log = logging.getLogger("okdlab.simulator.kube")
MERGE_PATCH = "application/merge-patch+json"
TIMEOUT = 15
_MC = (c.MC_GROUP, c.MC_VERSION)


class Conflict(Exception):
    """409 from a replace: the object changed since it was read."""


class Kube:
    def __init__(self, kubeconfig):
        self.api_client = kconfig.new_client_from_config(config_file=kubeconfig)
        self.custom = k8s.CustomObjectsApi(self.api_client)
        self.core = k8s.CoreV1Api(self.api_client)

    # -- machineconfiguration.openshift.io -------------------------------------------------
    def _get(self, plural, name):
        try:
            return self.custom.get_cluster_custom_object(*_MC, plural, name, _request_timeout=TIMEOUT)
        except ApiException as e:
            if e.status == 404:
                return None
            raise

    def _list(self, plural):
        return self.custom.list_cluster_custom_object(*_MC, plural, _request_timeout=TIMEOUT)["items"]

    def get_controller_config(self):
        return self._get(c.CC_PLURAL, c.CONTROLLER_CONFIG_NAME)

    def list_pools(self):
        return self._list(c.MCP_PLURAL)

    def get_pool(self, name):
        return self._get(c.MCP_PLURAL, name)

    def list_machine_configs(self):
        return self._list(c.MC_PLURAL)

    def get_machine_config(self, name):
        return self._get(c.MC_PLURAL, name)

    def create_machine_config(self, body):
        """Create; an existing object of that name is fine (rendered names are content hashes)."""
        try:
            return self.custom.create_cluster_custom_object(*_MC, c.MC_PLURAL, body, _request_timeout=TIMEOUT)
        except ApiException as e:
            if e.status == 409:
                return None
            raise

    def patch_machine_config(self, name, patch):
        return self.custom.patch_cluster_custom_object(
            *_MC, c.MC_PLURAL, name, patch, _content_type=MERGE_PATCH, _request_timeout=TIMEOUT
        )

    def replace_pool(self, body):
        """Update (spec); raises Conflict on 409."""
        try:
            return self.custom.replace_cluster_custom_object(
                *_MC, c.MCP_PLURAL, body["metadata"]["name"], body, _request_timeout=TIMEOUT
            )
        except ApiException as e:
            if e.status == 409:
                raise Conflict(body["metadata"]["name"]) from None
            raise

    def replace_pool_status(self, body):
        """UpdateStatus; None on a 409 conflict (the caller recomputes next tick)."""
        try:
            return self.custom.replace_cluster_custom_object_status(
                *_MC, c.MCP_PLURAL, body["metadata"]["name"], body, _request_timeout=TIMEOUT
            )
        except ApiException as e:
            if e.status == 409:
                log.debug("pool %s status: conflict, retrying next tick", body["metadata"]["name"])
                return None
            raise

    # -- MachineConfigNodes (written by the daemon stand-in when the lab has their CRD) -------
    def get_machine_config_node(self, name):
        return self._get("machineconfignodes", name)

    def create_machine_config_node(self, body):
        """Create; None if it exists already."""
        try:
            return self.custom.create_cluster_custom_object(*_MC, "machineconfignodes", body, _request_timeout=TIMEOUT)
        except ApiException as e:
            if e.status == 409:
                return None
            raise

    def replace_machine_config_node_status(self, body):
        """UpdateStatus; None on a 409 conflict."""
        try:
            return self.custom.replace_cluster_custom_object_status(
                *_MC, "machineconfignodes", body["metadata"]["name"], body, _request_timeout=TIMEOUT
            )
        except ApiException as e:
            if e.status == 409:
                return None
            raise

    def has_machine_config_nodes(self):
        """Whether the MachineConfigNode CRD is served."""
        try:
            self._list("machineconfignodes")
        except ApiException as e:
            if e.status == 404:
                return False
            raise
        return True

    def get_control_plane_topology(self):
        """Infrastructure `cluster` status.controlPlaneTopology, None without one (or its CRD)."""
        try:
            infra = self.custom.get_cluster_custom_object(
                "config.openshift.io", "v1", "infrastructures", "cluster", _request_timeout=TIMEOUT
            )
        except ApiException as e:
            if e.status == 404:
                return None
            raise
        return (infra.get("status") or {}).get("controlPlaneTopology") or None

    # -- core --------------------------------------------------------------------------------
    def list_nodes(self):
        resp = self.core.list_node(_preload_content=False, _request_timeout=TIMEOUT)
        return json.loads(resp.data)["items"]

    def get_node(self, name):
        try:
            resp = self.core.read_node(name, _preload_content=False, _request_timeout=TIMEOUT)
        except ApiException as e:
            if e.status == 404:
                return None
            raise
        return json.loads(resp.data)

    def patch_node(self, name, patch):
        """JSON merge patch (annotations merge key by key; a None value deletes)."""
        self.core.patch_node(name, patch, _content_type=MERGE_PATCH, _preload_content=False, _request_timeout=TIMEOUT)

    def read_pull_secret(self):
        """The cluster pull secret's docker config as a dict ({"auths": ...}), {} if absent."""
        try:
            resp = self.core.read_namespaced_secret(
                c.PULL_SECRET_NAME, c.PULL_SECRET_NAMESPACE, _preload_content=False, _request_timeout=TIMEOUT
            )
        except ApiException as e:
            if e.status == 404:
                return {}
            raise
        data = (json.loads(resp.data).get("data") or {}).get(".dockerconfigjson")
        if not data:
            return {}
        return json.loads(base64.b64decode(data))
