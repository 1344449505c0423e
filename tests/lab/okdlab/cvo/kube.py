"""The lab CVO's door to the API server (plain dicts), and the watches that wake its loop."""

import logging
import threading

from kubernetes import client as k8s
from kubernetes import config as kconfig
from kubernetes import watch as kwatch
from kubernetes.client.exceptions import ApiException

log = logging.getLogger("okdlab.cvo.kube")
TIMEOUT = 15
CV = ("config.openshift.io", "v1", "clusterversions")
CO = ("config.openshift.io", "v1", "clusteroperators")
MCP = ("machineconfiguration.openshift.io", "v1", "machineconfigpools")
MC = ("machineconfiguration.openshift.io", "v1", "machineconfigs")
CC = ("machineconfiguration.openshift.io", "v1", "controllerconfigs")


class Conflict(Exception):
    pass


class Kube:
    def __init__(self, kubeconfig):
        self.api_client = kconfig.new_client_from_config(config_file=kubeconfig)
        self.custom = k8s.CustomObjectsApi(self.api_client)
        self.core = k8s.CoreV1Api(self.api_client)

    def get(self, gvp, name):
        try:
            return self.custom.get_cluster_custom_object(*gvp, name, _request_timeout=TIMEOUT)
        except ApiException as e:
            if e.status == 404:
                return None
            raise

    def list(self, gvp):
        return self.custom.list_cluster_custom_object(*gvp, _request_timeout=TIMEOUT)["items"]

    def create(self, gvp, body):
        try:
            return self.custom.create_cluster_custom_object(*gvp, body, _request_timeout=TIMEOUT)
        except ApiException as e:
            if e.status == 409:
                return self.get(gvp, body["metadata"]["name"])
            raise

    def replace_status(self, gvp, body):
        """UpdateStatus with the read resourceVersion; Conflict on 409."""
        try:
            return self.custom.replace_cluster_custom_object_status(
                *gvp, body["metadata"]["name"], body, _request_timeout=TIMEOUT
            )
        except ApiException as e:
            if e.status == 409:
                raise Conflict(body["metadata"]["name"]) from None
            raise

    def signature_config_maps(self, namespace, label):
        resp = self.core.list_namespaced_config_map(namespace, label_selector=label, _request_timeout=TIMEOUT)
        return [self.api_client.sanitize_for_serialization(cm) for cm in resp.items]

    def pull_secret(self):
        import base64  # pylint: disable=import-outside-toplevel
        import json  # pylint: disable=import-outside-toplevel

        try:
            secret = self.core.read_namespaced_secret("pull-secret", "openshift-config", _request_timeout=TIMEOUT)
        except ApiException as e:
            if e.status == 404:
                return {}
            raise
        data = (secret.data or {}).get(".dockerconfigjson")
        return json.loads(base64.b64decode(data)) if data else {}

    def watch_forever(self, gvp, wake, stop):
        """Set ``wake`` on every event of ``gvp`` until ``stop``; re-watch on any error."""
        while not stop.is_set():
            try:
                for _event in kwatch.Watch().stream(
                    self.custom.list_cluster_custom_object, *gvp, timeout_seconds=60, _request_timeout=75
                ):
                    wake.set()
                    if stop.is_set():
                        return
            except Exception as e:  # pylint: disable=broad-exception-caught  # a watch just restarts
                log.debug("watch %s: %s", gvp[2], e)
                stop.wait(1)

    def start_watches(self, wake, stop):
        threads = []
        for gvp in (CV, CO, MCP):
            thread = threading.Thread(
                target=self.watch_forever, args=(gvp, wake, stop), daemon=True, name=f"watch-{gvp[2]}"
            )
            thread.start()
            threads.append(thread)
        return threads
