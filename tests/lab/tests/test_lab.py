"""The running lab is made of real parts that behave like the real thing.

Registries demand TLS + credentials; the apiserver enforces the OpenShift CRD schemas;
the cluster is seeded like OpenShift; `labctl` fails cleanly on a busy port.
"""

import base64
import json
import os
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from kubernetes import client as k8s
from kubernetes import config as kconfig
from kubernetes.client.rest import ApiException

from okdlab import procs

pytestmark = pytest.mark.lab
LABCTL = os.path.join(os.path.dirname(os.path.dirname(__file__)), "labctl")
MC = ("machineconfiguration.openshift.io", "v1", "machineconfigs")
MCP = ("machineconfiguration.openshift.io", "v1", "machineconfigpools")


@pytest.fixture(scope="module")
def api(lab):
    return kconfig.new_client_from_config(config_file=lab.kubeconfig)


def _get(url, ca_file=None, auth=None):
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    ctx = ssl.create_default_context(cafile=ca_file)
    with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
        return resp.status


@pytest.mark.parametrize("name", ["upstream", "mirror"])
def test_registry_requires_credentials_over_verified_tls(lab, name):
    reg = lab.registry(name)
    with pytest.raises(urllib.error.URLError) as err:  # system CAs don't know the lab CA
        _get(f"https://{reg.host}/v2/")
    assert "CERTIFICATE_VERIFY_FAILED" in str(err.value)
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(f"https://{reg.host}/v2/", lab.ca_file)
    assert err.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(f"https://{reg.host}/v2/", lab.ca_file, (reg.username, "wrong"))
    assert err.value.code == 401
    assert _get(f"https://{reg.host}/v2/", lab.ca_file, (reg.username, reg.password)) == 200


def test_credentials_are_per_registry(lab):
    up, mirror = lab.registry("upstream"), lab.registry("mirror")
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(f"https://{mirror.host}/v2/", lab.ca_file, (up.username, up.password))
    assert err.value.code == 401


def test_apiserver_enforces_the_openshift_crd_schemas(api):
    custom = k8s.CustomObjectsApi(api)
    bad_pool = {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfigPool",
        "metadata": {"name": "Not_A_DNS_Name"},
        "spec": {},
    }
    with pytest.raises(ApiException) as err:
        custom.create_cluster_custom_object(*MCP, bad_pool)
    assert err.value.status == 422  # CEL format.dns1123Subdomain() rule of the copied CRD
    bad_mc = {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "metadata": {"name": "99-bad"},
        "spec": {"kernelArguments": "not-a-list"},
    }
    with pytest.raises(ApiException) as err:
        custom.create_cluster_custom_object(*MC, bad_mc)
    assert err.value.status == 422


def test_cluster_is_seeded_like_openshift(lab, api):
    core = k8s.CoreV1Api(api)
    custom = k8s.CustomObjectsApi(api)
    secret = core.read_namespaced_secret("pull-secret", "openshift-config")
    assert secret.type == "kubernetes.io/dockerconfigjson"
    auths = json.loads(base64.b64decode(secret.data[".dockerconfigjson"]))["auths"]
    assert set(auths) == {r.host for r in lab.registries.values()}
    cv = custom.get_cluster_custom_object("config.openshift.io", "v1", "clusterversions", "version")
    assert cv["status"]["desired"]["image"] == lab.release["ocp"]["pullspec"]
    cc = custom.get_cluster_custom_object(
        "machineconfiguration.openshift.io", "v1", "controllerconfigs", "machine-config-controller"
    )
    assert cc["spec"]["baseOSContainerImage"] == lab.release["ocp"]["os_image"]
    pools = {p["metadata"]["name"]: p for p in custom.list_cluster_custom_object(*MCP)["items"]}
    assert {"master", "worker"} <= set(pools)
    for role in ("master", "worker"):
        nodes = core.list_node(label_selector=f"node-role.kubernetes.io/{role}").items
        assert len(nodes) == 3
        assert {n.metadata.labels["topology.kubernetes.io/zone"] for n in nodes} == {"lab-a", "lab-b", "lab-c"}
        # template MCs carry no image (MCO template_controller.go clearImageURLs): the rendered
        # config takes the ControllerConfig's baseOSContainerImage
        assert custom.get_cluster_custom_object(*MC, f"00-{role}")["spec"]["osImageURL"] == ""
        rendered = custom.get_cluster_custom_object(*MC, pools[role]["spec"]["configuration"]["name"])
        assert rendered["spec"]["osImageURL"] == lab.release["ocp"]["os_image"]


def test_labctl_up_refuses_a_taken_port_and_leaves_nothing_running(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        env = dict(
            os.environ, OKD_LAB_DIR=str(tmp_path / "lab2"), OKD_LAB_PORT_BASE=str(port - 1), OKD_PYTHON=sys.executable
        )
        proc = subprocess.run([LABCTL, "up"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert f"port {port}" in proc.stderr and "OKD_LAB_PORT_BASE" in proc.stderr
    run = str(tmp_path / "lab2" / "run")
    for name in ("registry-upstream", "registry-mirror", "etcd", "kube-apiserver", "simulator"):
        assert procs.pid_of(run, name) is None
