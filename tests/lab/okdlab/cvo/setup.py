"""What `labctl up` does for the lab CVO (one hook: ``start(api_client, lab)``).

* the update graph file (okdlab/cvo/graph.py lab_graph) in ``<state>/cvo/graph.json``;
* the signatures of the signed lab releases (4.19.0, 4.19.1, 4.19.2, by okdlab.signing's
  "release" key) as ConfigMaps in openshift-config-managed labelled
  ``release.openshift.io/verification-signatures``, binaryData ``sha256-<hex>-1``: the shape
  ``oc adm release mirror --release-image-signature-to-dir`` and oc-mirror write, and the
  store library-go pkg/verify/store/configmap reads first;
* the process ``cluster-version-operator`` (``python -m okdlab.cvo``).
"""

import base64
import json
import os
import sys

from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from .. import procs, signing
from . import graph
from .verify import SIGNATURES_LABEL, SIGNATURES_NAMESPACE

PROCESS = "cluster-version-operator"
SIGNED = ("ocp", "ocp_next", "ocp_next2")


def signature_config_map(release, signature):
    hexdigest = release["digest"].split(":", 1)[1]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"release-image-{release['version']}",
            "namespace": SIGNATURES_NAMESPACE,
            "labels": {SIGNATURES_LABEL: ""},
        },
        "binaryData": {f"sha256-{hexdigest}-1": base64.b64encode(signature).decode()},
    }


def _signature(key, release):
    """The release key's signature of `release`, cached by digest next to the key (the lab's
    digests are reproducible, and a gpg run costs seconds on a busy machine)."""
    path = os.path.join(key.directory, "signatures", release["digest"].replace(":", "-"))
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        pass
    data = signing.sign_release(key, release["tag_pullspec"], release["digest"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    return data


def publish_signatures(api_client, releases, names=SIGNED):
    core = k8s.CoreV1Api(api_client)
    key = signing.Key("release").ensure()
    for name in names:
        release = releases[name]
        body = signature_config_map(release, _signature(key, release))
        try:
            core.create_namespaced_config_map(SIGNATURES_NAMESPACE, body)
        except ApiException as e:
            if e.status != 409:
                raise
            core.replace_namespaced_config_map(body["metadata"]["name"], SIGNATURES_NAMESPACE, body)


def graph_file(state_dir):
    return os.path.join(state_dir, "cvo", "graph.json")


def write_graph(state_dir, releases):
    path = graph_file(state_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(graph.lab_graph(releases), f, indent=2)
    return path


def start(api_client, lab, operator_delay=0.3):
    """Graph, signatures, then the process (its log: run/cluster-version-operator.log)."""
    write_graph(lab.state_dir, lab.release)
    publish_signatures(api_client, lab.release)
    run = os.path.join(lab.state_dir, "run")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    procs.start(
        run,
        PROCESS,
        [
            sys.executable,
            "-m",
            "okdlab.cvo",
            "--lab-json",
            os.path.join(lab.state_dir, "lab.json"),
            "--graph-file",
            graph_file(lab.state_dir),
            "--operator-delay",
            str(operator_delay),
        ],
        env=env,
    )


def wait_ready(api_client, lab, timeout=120):
    """Until the CVO has computed the available updates (its first sync), or its log's tail."""
    custom = k8s.CustomObjectsApi(api_client)

    def ready():
        cv = custom.get_cluster_custom_object("config.openshift.io", "v1", "clusterversions", "version")
        return any(c["type"] == "RetrievedUpdates" for c in (cv.get("status") or {}).get("conditions") or [])

    procs.wait_until(os.path.join(lab.state_dir, "run"), PROCESS, ready, timeout, "the lab cluster-version-operator")


def _poll(check, timeout, what):
    import time  # pylint: disable=import-outside-toplevel

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last is True:
            return
        time.sleep(0.2)
    raise procs.LabError(f"{what} not reached within {timeout}s: {last}")


def reset_to(api_client, lab, name="ocp", timeout=120):
    """Put the cluster back on lab release `name` (tests): no desiredUpdate, ClusterVersion
    Completed there (labctl upgrade's seed.set_release), every ClusterOperator at its version and
    every pool Updated on a rendered config with its OS image."""
    import time  # pylint: disable=import-outside-toplevel

    from .. import seed  # pylint: disable=import-outside-toplevel

    release = lab.release[name]
    custom = k8s.CustomObjectsApi(api_client)
    cv_path = ("config.openshift.io", "v1", "clusterversions", "version")
    custom.patch_cluster_custom_object(*cv_path, {"spec": {"desiredUpdate": None}})
    for attempt in range(20):  # the CVO writes the status too: retry conflicts
        try:
            seed.set_release(api_client, lab, release)
            break
        except ApiException as e:
            if e.status != 409 or attempt == 19:
                raise
            time.sleep(0.2)

    def converged():
        cv = custom.get_cluster_custom_object(*cv_path)
        history = (cv.get("status") or {}).get("history") or [{}]
        if history[0].get("version") != release["version"] or history[0].get("state") != "Completed":
            return f"ClusterVersion at {history[0].get('version')} {history[0].get('state')}"
        for co in custom.list_cluster_custom_object("config.openshift.io", "v1", "clusteroperators")["items"]:
            versions = {v["name"]: v["version"] for v in co.get("status", {}).get("versions", [])}
            if versions.get("operator") != release["version"]:
                return f"ClusterOperator {co['metadata']['name']} at {versions.get('operator')}"
        for pool in custom.list_cluster_custom_object("machineconfiguration.openshift.io", "v1", "machineconfigpools")[
            "items"
        ]:
            conds = {c["type"]: c["status"] for c in pool.get("status", {}).get("conditions", [])}
            target = pool["spec"].get("configuration", {}).get("name")
            rendered = custom.get_cluster_custom_object(
                "machineconfiguration.openshift.io", "v1", "machineconfigs", target
            )
            if (
                conds.get("Updated") != "True"
                or pool["status"].get("configuration", {}).get("name") != target
                or rendered["spec"].get("osImageURL") != release["os_image"]
            ):
                return f"pool {pool['metadata']['name']} not updated to {release['version']}'s OS image"
        return True

    _poll(converged, timeout, f"the cluster back on {release['version']}")
