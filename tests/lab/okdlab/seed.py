"""Cluster state seeded like a fresh OpenShift cluster.

CRDs (tests/lab/crds, unmodified openshift/api copies; with the real machine-config-controller
built, the 26 of its vendored openshift/api instead), the namespaces, the cluster pull secret,
ControllerConfig, ClusterVersion, the master/worker pools and Nodes.  With the real controller's
binaries (okdlab.mco) the lab also seeds what it needs (config singletons, FeatureGate status,
Infrastructure) and stamps the ControllerConfig with its version, so that either the real
controller or the simulator's can drive the lab.  The ControllerConfig is completed and the
template MachineConfigs are created by the lab only when the simulator drives it; the real
template controller does both itself (pkg/controller/template/template_controller.go).

`set_release` is also how the lab simulates a cluster upgrade: the release image and its OS
image change everywhere the MCO would see them.
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

from . import pki, procs
from .simulator import constants as c

HERE = os.path.dirname(os.path.abspath(__file__))
CRD_DIR = os.path.join(HERE, "..", "crds")
NAMESPACES = ("openshift-config", "openshift-config-managed", "openshift-machine-config-operator")
# the real controller's informers also watch these (controller_context.go, certrotation)
REAL_MCO_NAMESPACES = ("openshift-machine-api",)
ROLES = ("master", "worker")
ZONES = ("lab-a", "lab-b", "lab-c")
CV = ("config.openshift.io", "v1", "clusterversions")
CC = (c.MC_GROUP, c.MC_VERSION, "controllerconfigs")
MC = (c.MC_GROUP, c.MC_VERSION, "machineconfigs")
MCP = (c.MC_GROUP, c.MC_VERSION, "machineconfigpools")
FG = ("config.openshift.io", "v1", "featuregates")
INFRA = ("config.openshift.io", "v1", "infrastructures")
# a kubelet writes this on every Node; the real node controller panics on a Node without any
# annotation (setClusterConfigAnnotation assigns into a nil map in this MCO version)
NODE_ANNOTATIONS = {"volumes.kubernetes.io/controller-managed-attach-detach": "true"}


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


def lab_crds():
    """The lab's own CRD copies (tests/lab/crds)."""
    import yaml  # pylint: disable=import-outside-toplevel

    crds = []
    # gzip keeps the upstream bytes verbatim (their curly quotes would trip sanity's
    # no-smart-quotes if stored as text); tests/lab/tests/test_crds.py checks their sha256
    for path in sorted(glob.glob(os.path.join(CRD_DIR, "*.crd.yaml.gz"))):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            crds.append(yaml.safe_load(f))
    return crds


def install_crds(api_client, crds=None, timeout=60):
    """Create `crds` (default: the lab's own copies) and wait until they are Established."""
    ext = k8s.ApiextensionsV1Api(api_client)
    names = []
    for crd in lab_crds() if crds is None else crds:
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


def versions(lab):
    """(ControllerConfig generated-by-version, MachineConfig generated-by-controller-version) the
    lab's controllers speak: the real controller's Raw and Hash when it is built, else the
    simulator's own."""
    mco = lab.mco or {}
    return mco.get("raw", c.CONTROLLER_VERSION), mco.get("hash", c.CONTROLLER_VERSION)


def seed(api_client, lab, release, implementation="simulator"):
    """Create everything a fresh cluster has; `release` is a payload.write_release() dict.
    `implementation` ("real" or "simulator") says which controllers will drive the lab."""
    core = k8s.CoreV1Api(api_client)
    custom = k8s.CustomObjectsApi(api_client)
    real_ready = bool((lab.mco or {}).get("raw"))
    for ns in NAMESPACES + (REAL_MCO_NAMESPACES if real_ready else ()):
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
    _seed_cluster_version(custom, release)
    if real_ready:
        _seed_config_singletons(custom, lab, release)
    _seed_controller_config(custom, lab, release, complete=implementation == "simulator")
    for role in ROLES:
        _create(custom.create_cluster_custom_object, *MCP, _pool(role))
        if implementation == "simulator":
            for name in TEMPLATE_MCS:
                _create(custom.create_cluster_custom_object, *MC, _template_mc(name.format(role=role), role, lab))
    _seed_nodes(core)


# the generated MCs the simulator's lab seeds, by the names the real controllers give them: the
# template controller renders the first three from templates/<role>/, the kubelet-config
# controller the last two (pkg/controller/kubelet-config: node-config and feature gates)
TEMPLATE_MCS = (
    "00-{role}",
    "01-{role}-container-runtime",
    "01-{role}-kubelet",
    "97-{role}-generated-kubelet",
    "98-{role}-generated-kubelet",
)


def seed_template_machine_configs(api_client, lab):
    """What the template controller does, for a lab the simulator drives: the template MCs
    (created if absent) and a completed ControllerConfig."""
    custom = k8s.CustomObjectsApi(api_client)
    for role in ROLES:
        for name in TEMPLATE_MCS:
            _create(custom.create_cluster_custom_object, *MC, _template_mc(name.format(role=role), role, lab))
    _complete_controller_config(custom, lab)


def _seed_config_singletons(custom, lab, release):
    """The config.openshift.io / operator.openshift.io objects the real controller reads
    (start.go informers; README of the shared MCO peer): Infrastructure (platform None, so
    the Machine API 404 is tolerated and the boot-image controller does not run), FeatureGate
    with a status for the release version, Scheduler, APIServer, Image, Node and the operator's
    MachineConfiguration."""
    _create(
        custom.create_cluster_custom_object,
        *INFRA,
        {
            "apiVersion": "config.openshift.io/v1",
            "kind": "Infrastructure",
            "metadata": {"name": "cluster"},
            "spec": _infrastructure()["spec"],
        },
    )
    infra = custom.get_cluster_custom_object(*INFRA, "cluster")
    infra["status"] = _infrastructure(lab)["status"]
    custom.replace_cluster_custom_object_status(*INFRA, "cluster", infra)
    _create(
        custom.create_cluster_custom_object,
        *FG,
        {"apiVersion": "config.openshift.io/v1", "kind": "FeatureGate", "metadata": {"name": "cluster"}, "spec": {}},
    )
    write_feature_gate_status(custom, lab, release["version"])
    for plural, kind in (
        ("schedulers", "Scheduler"),
        ("apiservers", "APIServer"),
        ("images", "Image"),
        ("nodes", "Node"),
    ):
        _create(
            custom.create_cluster_custom_object,
            "config.openshift.io",
            "v1",
            plural,
            {"apiVersion": "config.openshift.io/v1", "kind": kind, "metadata": {"name": "cluster"}, "spec": {}},
        )
    _create(
        custom.create_cluster_custom_object,
        "operator.openshift.io",
        "v1",
        "machineconfigurations",
        {
            "apiVersion": "operator.openshift.io/v1",
            "kind": "MachineConfiguration",
            "metadata": {"name": "cluster"},
            "spec": {"managementState": "Managed"},
        },
    )


def write_feature_gate_status(custom, lab, version):
    """FeatureGate `cluster` status: the gates of the controller's openshift/api for `version`
    (added beside the entries for other versions, as the cluster-config-operator keeps them
    during an upgrade).  library-go's featuregates accessor waits for this entry and exits the
    process (0) when it changes."""
    gates = lab.mco["featuregates"]
    fg = custom.get_cluster_custom_object(*FG, "cluster")
    entries = [e for e in (fg.get("status") or {}).get("featureGates") or [] if e.get("version") != version]
    entries.append(
        {
            "version": version,
            "enabled": [{"name": n} for n in gates["enabled"]],
            "disabled": [{"name": n} for n in gates["disabled"]],
        }
    )
    fg["status"] = {"featureGates": entries, "conditions": []}
    custom.replace_cluster_custom_object_status(*FG, "cluster", fg)


def _infrastructure(lab=None):
    status = {}
    if lab is not None:
        status = {
            "apiServerURL": lab.apiserver,
            "apiServerInternalURI": lab.apiserver,
            "controlPlaneTopology": "HighlyAvailable",
            "infrastructureTopology": "HighlyAvailable",
            "cpuPartitioning": "None",
            "etcdDiscoveryDomain": "",
            "infrastructureName": "okdlab",
            "platform": "None",
            "platformStatus": {"type": "None"},
        }
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "Infrastructure",
        "metadata": {"name": "cluster"},
        "spec": {"cloudConfig": {"name": ""}, "platformSpec": {"type": "None"}},
        "status": status,
    }


# images the templates name (templates/**: {{.Images.<key>}}); only text in rendered files here
TEMPLATE_IMAGE_KEYS = (
    "machineConfigOperator",
    "infraImageKey",
    "kubeRbacProxyImage",
    "apiServerWatcherKey",
    "corednsImage",
    "haproxyImage",
    "keepalivedImage",
    "baremetalRuntimeCfgImage",
)


def _controller_config_spec(lab, release):
    """What the operator writes (pkg/operator/render.go): every field the CRD requires, the
    Infrastructure and DNS objects embedded, the images the templates name."""
    with open(lab.ca_file, "rb") as f:
        ca_b64 = base64.b64encode(f.read()).decode()
    return {
        "additionalTrustBundle": None,
        "cloudProviderCAData": None,
        "cloudProviderConfig": "",
        "clusterDNSIP": "10.96.0.10",
        "dns": {
            "apiVersion": "config.openshift.io/v1",
            "kind": "DNS",
            "metadata": {"name": "cluster"},
            "spec": {"baseDomain": "okdlab.example"},
            "status": {},
        },
        "infra": _infrastructure(lab),
        "network": None,
        "proxy": None,
        "ipFamilies": "IPv4",
        "kubeAPIServerServingCAData": ca_b64,
        "rootCAData": ca_b64,
        "images": dict.fromkeys(TEMPLATE_IMAGE_KEYS, release["pullspec"]),
        "releaseImage": release["pullspec"],
        "baseOSContainerImage": release["os_image"],
        "baseOSExtensionsContainerImage": "",
        "osImageURL": "",
        "pullSecret": {"namespace": c.PULL_SECRET_NAMESPACE, "name": c.PULL_SECRET_NAME},
    }


def _controller_config_annotations(lab, release):
    return {c.CC_GENERATED_BY_VERSION: versions(lab)[0], c.RELEASE_IMAGE_VERSION: release["version"]}


def _seed_controller_config(custom, lab, release, complete):
    """Created, never applied: an apply drops the required null fields (the CRD then refuses it)."""
    body = {
        "apiVersion": f"{c.MC_GROUP}/{c.MC_VERSION}",
        "kind": "ControllerConfig",
        "metadata": {"name": c.CONTROLLER_CONFIG_NAME, "annotations": _controller_config_annotations(lab, release)},
        "spec": _controller_config_spec(lab, release),
    }
    _create(custom.create_cluster_custom_object, *CC, body)
    if complete:
        _complete_controller_config(custom, lab)


def _complete_controller_config(custom, lab):
    """What the template controller reports once it has rendered the templates
    (pkg/controller/template/status.go; pkg/apihelpers IsControllerConfigCompleted gates the
    render controller on this), with the certificates of the lab CA it finds in the spec."""
    cc = custom.get_cluster_custom_object(*CC, c.CONTROLLER_CONFIG_NAME)
    now = _now()
    generation = cc["metadata"]["generation"]
    cert = pki.certificate_summary(lab.ca_file)
    cc["status"] = {
        "observedGeneration": generation,
        "controllerCertificates": [
            dict(cert, bundleFile="KubeAPIServerServingCAData"),
            dict(cert, bundleFile="RootCAData"),
        ],
        "conditions": [
            {
                "type": "TemplateControllerCompleted",
                "status": "True",
                "lastTransitionTime": now,
                "reason": "",
                "message": f"sync completed towards ({generation}) generation using controller version {versions(lab)[0]}",
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


def set_release(api_client, lab, release, implementation="simulator"):
    """Simulate a completed cluster upgrade to `release`: ClusterVersion and ControllerConfig
    move to it (and its OS image), as the CVO + MCO operator would; with the real controller
    built, the FeatureGate status gains the new version.  The real controller must then be
    restarted as the new version (labctl upgrade signals its supervisor); for the simulator the
    lab completes the ControllerConfig as the template controller would."""
    custom = k8s.CustomObjectsApi(api_client)
    cv = custom.get_cluster_custom_object(*CV, "version")
    if (lab.mco or {}).get("featuregates"):
        write_feature_gate_status(custom, lab, release["version"])
    _write_cluster_version_status(custom, release, previous=cv.get("status", {}).get("history"))
    hand_release_to_mco(api_client, lab, release, implementation)


def hand_release_to_mco(api_client, lab, release, implementation=None):
    """The machine-config operator's part of an upgrade: the ControllerConfig (releaseImage,
    baseOSContainerImage) and the template MCs move to `release`'s OS image, so the render
    controller renders new configs and the pools roll (MCO pkg/operator/sync.go syncRenderConfig).
    `set_release` and the lab CVO (okdlab.cvo.operators) both go through here; `implementation`
    defaults to the lab's (lab.json `mco`)."""
    implementation = implementation or (lab.mco or {}).get("implementation", "simulator")
    custom = k8s.CustomObjectsApi(api_client)
    cc = custom.get_cluster_custom_object(*CC, c.CONTROLLER_CONFIG_NAME)
    cc["metadata"]["annotations"].update(_controller_config_annotations(lab, release))
    cc["spec"] = _controller_config_spec(lab, release)
    custom.replace_cluster_custom_object(*CC, c.CONTROLLER_CONFIG_NAME, cc)
    if implementation == "simulator":
        _complete_controller_config(custom, lab)


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


def _template_mc(name, role, lab):
    """Template MCs as the template controller leaves them since MCO 4.21 (pkg/controller/
    template/render.go, template_controller.go clearImageURLs): no osImageURL; the render
    controller takes the default OS image from the ControllerConfig."""
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
            "annotations": {c.GENERATED_BY_CONTROLLER: versions(lab)[1]},
        },
        "spec": {"osImageURL": "", "config": config},
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
            _create(core.create_node, {"metadata": {"name": name, "labels": labels, "annotations": NODE_ANNOTATIONS}})
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
