"""The real machine-os-builder (on-cluster layering) in the lab, and what it needs.

machine-os-builder turns a MachineOSConfig into MachineOSBuilds and, for each, a batch Job whose
pod runs buildah (pkg/controller/build: reconciler.go, buildrequest/buildrequest.go
toBuildahPod, assets/buildah-build.sh).  From the cluster it needs (buildrequestopts.go
getOpts): the `machine-config-operator-images` ConfigMap (`images.json`, the operator's image
list: pkg/controller/common/images.go), the cluster pull secret's copy
`global-pull-secret-copy` in openshift-machine-config-operator (unless the MachineOSConfig names
a base-image pull secret), the push secret the MachineOSConfig names, the rendered MachineConfig
and the ControllerConfig.  It reads its kubeconfig from $KUBECONFIG only (cmd/machine-os-builder
start.go builds its clients with an empty path).

No kubelet runs the Jobs here: okdlab/job_runner.py is the stand-in.
"""

import base64
import json
import os
import sys

from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from . import config, mco, procs

IMAGES_CONFIGMAP = "machine-config-operator-images"  # common/constants.go
GLOBAL_PULL_SECRET_COPY = "global-pull-secret-copy"  # common/constants.go GlobalPullSecretCopyName
PUSH_SECRET = "okdlab-layered-push"


def metrics_port():
    """The builder's metrics listener: base+8 (base+6 is the update service, base+7 the controller's)."""
    return config.port_base() + 8


def _apply(fn_create, fn_replace, namespace, body):
    try:
        fn_create(namespace, body)
    except ApiException as e:
        if e.status != 409:
            raise
        fn_replace(body["metadata"]["name"], namespace, body)


def images_json(release):
    """images.json as the operator's configmap carries it (common/images.go Images)."""
    images = release.get("images") or {}
    mco_image = images.get("machine-config-operator", release["pullspec"])
    return {
        "releaseVersion": release["version"],
        "machineConfigOperator": mco_image,
        "baseOSContainerImage": release["os_image"],
        "baseOSExtensionsContainerImage": "",
        "keepalived": mco_image,
        "coredns": mco_image,
        "baremetalRuntimeCfg": mco_image,
        "oauthProxy": mco_image,
        "kubeRbacProxy": mco_image,
        "dockerRegistry": mco_image,
        "infraImage": mco_image,
        "keepalivedImage": mco_image,
        "corednsImage": mco_image,
        "haproxyImage": mco_image,
        "baremetalRuntimeCfgImage": mco_image,
        "dockerRegistryImage": mco_image,
    }


def seed(api_client, lab, release):
    """The ConfigMap and Secrets machine-os-builder reads (all in the MCO namespace)."""
    core = k8s.CoreV1Api(api_client)
    ns = mco.MCO_NAMESPACE
    _apply(
        core.create_namespaced_config_map,
        core.replace_namespaced_config_map,
        ns,
        {
            "metadata": {"name": IMAGES_CONFIGMAP, "namespace": ns},
            "data": {"images.json": json.dumps(images_json(release), indent=2)},
        },
    )
    with open(lab.auth_file, "rb") as f:
        dockerconfig = base64.b64encode(f.read()).decode()
    for name in (GLOBAL_PULL_SECRET_COPY, PUSH_SECRET):
        _apply(
            core.create_namespaced_secret,
            core.replace_namespaced_secret,
            ns,
            {
                "metadata": {"name": name, "namespace": ns},
                "type": "kubernetes.io/dockerconfigjson",
                "data": {".dockerconfigjson": dockerconfig},
            },
        )


def start(lab):
    """machine-os-builder as lab process `mob` (KUBECONFIG in its environment)."""
    bins = mco.Binaries(lab.mco["dir"])
    run = os.path.join(lab.state_dir, "run")
    procs.require_free(metrics_port(), "machine-os-builder's metrics")
    env = dict(os.environ, KUBECONFIG=lab.kubeconfig)
    return procs.start(
        run,
        "mob",
        [bins.builder, "start", "--metrics-listen-address", f"127.0.0.1:{metrics_port()}", "--v=4"],
        env=env,
    )


def machine_os_config(pool, push_spec, containerfile=None):
    """A MachineOSConfig for `pool` pushing to `push_spec` (a repo:tag), with the Job builder."""
    spec = {
        "machineConfigPool": {"name": pool},
        "imageBuilder": {"imageBuilderType": "Job"},
        "renderedImagePushSecret": {"name": PUSH_SECRET},
        "renderedImagePushSpec": push_spec,
    }
    if containerfile:
        spec["containerFile"] = [{"content": containerfile}]
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineOSConfig",
        "metadata": {"name": pool},
        "spec": spec,
    }


if __name__ == "__main__":  # python -m okdlab.builder: seed + start against the running lab
    from kubernetes import config as kconfig  # pylint: disable=ungrouped-imports

    the_lab = config.load()
    seed(kconfig.new_client_from_config(config_file=the_lab.kubeconfig), the_lab, the_lab.release["ocp"])
    print(start(the_lab), file=sys.stdout)
