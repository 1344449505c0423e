# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cluster-wide objects several domains read: ClusterVersion, the pull secret, ControllerConfig.

Each reader returns the object as a plain dict, or None when it does not exist; what a
missing object or field means is for the caller to say.

* ``ClusterVersion/version`` (openshift/api config/v1 types_cluster_version.go): the release
  the cluster runs, ``status.desired.image`` (``oc adm release info`` with no argument).
* ``openshift-config/pull-secret``, key ``.dockerconfigjson``: the credentials every node's
  machine-config-daemon pulls images with (openshift/machine-config-operator
  pkg/controller/template: the pull secret is rendered into ``/var/lib/kubelet/config.json``).
* ``ControllerConfig/machine-config-controller`` (openshift/api machineconfiguration/v1
  types.go): ``spec.baseOSContainerImage``, the release's default OS image.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import base64
import json
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client

CLUSTER_VERSION_API = "config.openshift.io/v1"
CLUSTER_VERSION_KIND = "ClusterVersion"
CLUSTER_VERSION_NAME = "version"

PULL_SECRET_NAMESPACE = "openshift-config"
PULL_SECRET_NAME = "pull-secret"
PULL_SECRET_KEY = ".dockerconfigjson"

MCO_API_VERSION = "machineconfiguration.openshift.io/v1"
CONTROLLER_CONFIG_KIND = "ControllerConfig"
CONTROLLER_CONFIG_NAME = "machine-config-controller"


def read_cluster_version(client: Client) -> dict[str, Any] | None:
    return client.get(CLUSTER_VERSION_KIND, CLUSTER_VERSION_API, CLUSTER_VERSION_NAME)


def desired_release_image(cluster_version: dict[str, Any]) -> str | None:
    """``status.desired.image``, else ``spec.desiredUpdate.image`` (as oc falls back)."""
    image = ((cluster_version.get("status") or {}).get("desired") or {}).get("image")
    return image or ((cluster_version.get("spec") or {}).get("desiredUpdate") or {}).get("image")


def read_pull_secret(client: Client) -> dict[str, Any] | None:
    return client.get("Secret", "v1", PULL_SECRET_NAME, namespace=PULL_SECRET_NAMESPACE)


def docker_config(secret: dict[str, Any]) -> dict[str, Any] | None:
    """The decoded ``.dockerconfigjson`` of a Secret; None when the key is absent.

    Raises ValueError when it is not base64 of a JSON object (its content is never quoted).
    """
    encoded = (secret.get("data") or {}).get(PULL_SECRET_KEY)
    if not encoded:
        return None
    try:
        data = json.loads(base64.b64decode(encoded).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"key {PULL_SECRET_KEY} is not base64-encoded JSON") from None
    if not isinstance(data, dict):
        raise ValueError(f"key {PULL_SECRET_KEY} is not a JSON object")
    return data


def read_controller_config(client: Client) -> dict[str, Any] | None:
    return client.get(CONTROLLER_CONFIG_KIND, MCO_API_VERSION, CONTROLLER_CONFIG_NAME)
