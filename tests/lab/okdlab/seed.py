"""Cluster state seeded like a fresh OpenShift cluster (research/mco-layering.md §1-§6).

CRDs from tests/lab/crds (unmodified openshift/api copies), the namespaces, the cluster
pull secret, ControllerConfig (completed), ClusterVersion, the master/worker pools, the
template MachineConfigs and Nodes.  `set_release` is also how the lab simulates a cluster
upgrade: the release image and its OS image change everywhere the MCO would see them.
"""

import base64
import datetime
import glob
import gzip
import json
import os
import time
import uuid

from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from . import procs
from .simulator import constants as c

HERE = os.path.dirname(os.path.abspath(__file__))
CRD_DIR = os.path.join(HERE, "..", "crds")
NAMESPACES = ("openshift-config", "openshift-config-managed", "openshift-machine-config-operator")
ROLES = ("master", "worker")
ZONES = ("lab-a", "lab-b", "lab-c")
CV = ("config.openshift.io", "v1", "clusterversions")
CC = (c.MC_GROUP, c.MC_VERSION, "controllerconfigs")
MC = (c.MC_GROUP, c.MC_VERSION, "machineconfigs")
MCP = (c.MC_GROUP, c.MC_VERSION, "machineconfigpools")


def _now():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _create(fn, *args, **kwargs):
    """Create, or do nothing if it exists (re-running a seed is harmless)."""
    try:
        return fn(*args, **kwargs)
    except ApiException as e:
        if e.status != 409:
            raise
        return None


def install_crds(api_client, timeout=60):
    ext = k8s.ApiextensionsV1Api(api_client)
    import yaml  # pylint: disable=import-outside-toplevel

    names = []
    # gzip keeps the upstream bytes verbatim (their curly quotes would trip sanity's
    # no-smart-quotes if stored as text); tests/lab/tests/test_crds.py checks their sha256
    for path in sorted(glob.glob(os.path.join(CRD_DIR, "*.crd.yaml.gz"))):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            crd = yaml.safe_load(f)
        _create(ext.create_custom_resource_definition, crd)
        names.append(crd["metadata"]["name"])
    deadline = time.monotonic() + timeout
    for name in names:
        while True:
            conds = ext.read_custom_resource_definition(name).status.conditions or []
            if any(x.type == "Established" and x.status == "True" for x in conds):
                break
            if time.monotonic() > deadline:
                raise procs.LabError(f"CRD {name} was not Established within {timeout}s")
            time.sleep(0.1)
    return names


def seed(api_client, lab, release):
    """Create everything a fresh cluster has; `release` is a payload.write_release() dict."""
    core = k8s.CoreV1Api(api_client)
    custom = k8s.CustomObjectsApi(api_client)
    for ns in NAMESPACES:
        _create(core.create_namespace, {"metadata": {"name": ns}})
    with open(lab.auth_file, encoding="utf-8") as f:
        dockerconfig = f.read()
    _create(
        core.create_namespaced_secret,
        c.PULL_SECRET_NAMESPACE,
        {
            "metadata": {"name": c.PULL_SECRET_NAME},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": base64.b64encode(dockerconfig.encode()).decode()},
        },
    )
    _seed_controller_config(custom, lab, release)
    _seed_cluster_version(custom, release)
    for role in ROLES:
        _create(custom.create_cluster_custom_object, *MCP, _pool(role))
        for name in (f"00-{role}", f"01-{role}-container-runtime", f"01-{role}-kubelet"):
            _create(custom.create_cluster_custom_object, *MC, _template_mc(name, role, release["os_image"]))
    _seed_nodes(core)


def _controller_config_spec(lab, release):
    with open(lab.ca_file, "rb") as f:
        ca_b64 = base64.b64encode(f.read()).decode()
    return {
        "additionalTrustBundle": None,
        "cloudProviderCAData": None,
        "cloudProviderConfig": "",
        "clusterDNSIP": "10.96.0.10",
        "dns": None,
        "infra": None,
        "network": None,
        "proxy": None,
        "ipFamilies": "IPv4",
        "kubeAPIServerServingCAData": ca_b64,
        "rootCAData": ca_b64,
        "images": {},
        "releaseImage": release["pullspec"],
        "baseOSContainerImage": release["os_image"],
        "baseOSExtensionsContainerImage": "",
        "osImageURL": "",
        "pullSecret": {"namespace": c.PULL_SECRET_NAMESPACE, "name": c.PULL_SECRET_NAME},
    }


def _controller_config_annotations(release):
    return {c.CC_GENERATED_BY_VERSION: c.CONTROLLER_VERSION, c.RELEASE_IMAGE_VERSION: release["version"]}


def _seed_controller_config(custom, lab, release):
    body = {
        "apiVersion": f"{c.MC_GROUP}/{c.MC_VERSION}",
        "kind": "ControllerConfig",
        "metadata": {"name": c.CONTROLLER_CONFIG_NAME, "annotations": _controller_config_annotations(release)},
        "spec": _controller_config_spec(lab, release),
    }
    _create(custom.create_cluster_custom_object, *CC, body)
    _complete_controller_config(custom)


def _complete_controller_config(custom):
    """What the template controller reports once it has rendered the templates
    (pkg/apihelpers IsControllerConfigCompleted gates the render controller on this)."""
    cc = custom.get_cluster_custom_object(*CC, c.CONTROLLER_CONFIG_NAME)
    now = _now()
    cc["status"] = {
        "observedGeneration": cc["metadata"]["generation"],
        "conditions": [
            {
                "type": "TemplateControllerCompleted",
                "status": "True",
                "lastTransitionTime": now,
                "reason": "",
                "message": "sync completed",
            },
            {
                "type": "TemplateControllerRunning",
                "status": "False",
                "lastTransitionTime": now,
                "reason": "",
                "message": "",
            },
            {
                "type": "TemplateControllerFailing",
                "status": "False",
                "lastTransitionTime": now,
                "reason": "",
                "message": "",
            },
        ],
    }
    custom.replace_cluster_custom_object_status(*CC, c.CONTROLLER_CONFIG_NAME, cc)


def _seed_cluster_version(custom, release):
    body = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterVersion",
        "metadata": {"name": "version"},
        "spec": {"clusterID": str(uuid.uuid4()), "channel": "stable-4.19"},
    }
    _create(custom.create_cluster_custom_object, *CV, body)
    _write_cluster_version_status(custom, release, previous=None)


def _write_cluster_version_status(custom, release, previous):
    cv = custom.get_cluster_custom_object(*CV, "version")
    now = _now()
    history = [
        {
            "state": "Completed",
            "image": release["pullspec"],
            "version": release["version"],
            "startedTime": now,
            "completionTime": now,
            "verified": False,
        }
    ]
    if previous:
        history += previous
    cv["status"] = {
        "desired": {"image": release["pullspec"], "version": release["version"]},
        "history": history,
        "observedGeneration": cv["metadata"]["generation"],
        "versionHash": release["digest"][7:19],
        "availableUpdates": None,
        "conditions": [
            {
                "type": "Available",
                "status": "True",
                "lastTransitionTime": now,
                "message": f"Done applying {release['version']}",
            },
            {
                "type": "Progressing",
                "status": "False",
                "lastTransitionTime": now,
                "message": f"Cluster version is {release['version']}",
            },
        ],
    }
    custom.replace_cluster_custom_object_status(*CV, "version", cv)


def set_release(api_client, lab, release):
    """Simulate a completed cluster upgrade to `release`: ClusterVersion, ControllerConfig
    and the template MCs all move to its OS image, as the CVO + MCO operator would."""
    custom = k8s.CustomObjectsApi(api_client)
    cv = custom.get_cluster_custom_object(*CV, "version")
    _write_cluster_version_status(custom, release, previous=cv.get("status", {}).get("history"))
    hand_release_to_mco(api_client, lab, release)


def hand_release_to_mco(api_client, lab, release):
    """The machine-config operator's part of an upgrade: the ControllerConfig (releaseImage,
    baseOSContainerImage) and the template MCs move to `release`'s OS image, so the render
    controller renders new configs and the pools roll (MCO pkg/operator/sync.go syncRenderConfig).
    `set_release` and the lab CVO (okdlab.cvo.operators) both go through here."""
    custom = k8s.CustomObjectsApi(api_client)
    cc = custom.get_cluster_custom_object(*CC, c.CONTROLLER_CONFIG_NAME)
    cc["metadata"]["annotations"].update(_controller_config_annotations(release))
    cc["spec"] = _controller_config_spec(lab, release)
    custom.replace_cluster_custom_object(*CC, c.CONTROLLER_CONFIG_NAME, cc)
    _complete_controller_config(custom)
    for role in ROLES:
        for name in (f"00-{role}", f"01-{role}-container-runtime", f"01-{role}-kubelet"):
            custom.patch_cluster_custom_object(*MC, name, {"spec": {"osImageURL": release["os_image"]}})


def _pool(role):
    labels = {"pools.operator.machineconfiguration.openshift.io/" + role: ""}
    if role == "master":
        labels["operator.machineconfiguration.openshift.io/required-for-upgrade"] = ""
    return {
        "apiVersion": f"{c.MC_GROUP}/{c.MC_VERSION}",
        "kind": "MachineConfigPool",
        "metadata": {"name": role, "labels": labels},
        "spec": {
            "machineConfigSelector": {"matchLabels": {c.ROLE_LABEL: role}},
            "nodeSelector": {"matchLabels": {f"node-role.kubernetes.io/{role}": ""}},
            "paused": False,
        },
    }


def _template_mc(name, role, os_image):
    """Template MCs as MCO@4.12-4.20 renders them: they carry the default osImageURL,
    which is why a user override must sort after them (research §3)."""
    config = {"ignition": {"version": "3.5.0"}}
    if name.endswith("-kubelet"):
        config["storage"] = {
            "files": [
                {
                    "path": "/etc/kubernetes/kubelet.conf",
                    "mode": 420,
                    "contents": {"source": "data:,lab%20kubelet%20config"},
                }
            ]
        }
    return {
        "apiVersion": f"{c.MC_GROUP}/{c.MC_VERSION}",
        "kind": "MachineConfig",
        "metadata": {
            "name": name,
            "labels": {c.ROLE_LABEL: role},
            "annotations": {c.GENERATED_BY_CONTROLLER: c.CONTROLLER_VERSION},
        },
        "spec": {"osImageURL": os_image, "config": config},
    }


def _seed_nodes(core, per_role=3):
    for role in ROLES:
        for i in range(per_role):
            name = f"{role}-{i}"
            labels = {
                f"node-role.kubernetes.io/{role}": "",
                c.ZONE_LABEL: ZONES[i % len(ZONES)],
                c.ARCH_LABEL: "amd64",
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": name,
            }
            if role == "master":
                labels["node-role.kubernetes.io/control-plane"] = ""
            _create(core.create_node, {"metadata": {"name": name, "labels": labels}})
            mark_ready(core, name)


def mark_ready(core, name, ready=True):
    now = _now()
    status = {
        "conditions": [
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "reason": "KubeletReady",
                "message": "lab node",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
            },
            {
                "type": "DiskPressure",
                "status": "False",
                "reason": "KubeletHasNoDiskPressure",
                "message": "",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
            },
        ],
        "nodeInfo": {
            "architecture": "amd64",
            "operatingSystem": "linux",
            "osImage": "lab",
            "bootID": "",
            "containerRuntimeVersion": "cri-o://1.32.0",
            "kernelVersion": "6.1.0",
            "kubeProxyVersion": "",
            "kubeletVersion": "v1.32.0",
            "machineID": "",
            "systemUUID": "",
        },
        "addresses": [{"type": "Hostname", "address": name}],
    }
    core.patch_node_status(name, {"status": status})


def dump(obj):
    return json.dumps(obj, indent=2, sort_keys=True)
