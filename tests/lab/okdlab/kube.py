"""etcd + a real kube-apiserver on loopback, and the lab's admin kubeconfig.

Binaries come from tests/lab/build/build-kube.sh (cached by version outside the repo).
No kubelet, scheduler or controller-manager runs: Nodes are API objects the seed creates
and the MCO simulator drives, which is all the MachineConfig flow needs.
"""

import os
import ssl
import subprocess
import urllib.request

import yaml

from . import procs

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_SCRIPT = os.path.join(HERE, "..", "build", "build-kube.sh")


def binaries():
    """(kube-apiserver, etcd) paths from the build script; error with the fix if unbuilt."""
    proc = subprocess.run(["bash", BUILD_SCRIPT, "paths"], capture_output=True, text=True, check=True)
    apiserver, etcd = proc.stdout.split()
    for path in (apiserver, etcd):
        if not os.access(path, os.X_OK):
            raise procs.LabError(
                f"{path} is not built: run hack/bootstrap.sh "
                f"(it runs tests/lab/build/build-kube.sh; ~10 min the first time)"
            )
    return apiserver, etcd


def start_etcd(state_dir, run_dir, etcd, client_port, peer_port):
    procs.require_free(client_port, "etcd (client)")
    procs.require_free(peer_port, "etcd (peer)")
    data = os.path.join(state_dir, "etcd")
    client = f"http://127.0.0.1:{client_port}"
    peer = f"http://127.0.0.1:{peer_port}"
    procs.start(
        run_dir,
        "etcd",
        [
            etcd,
            "--name",
            "lab",
            "--data-dir",
            data,
            "--listen-client-urls",
            client,
            "--advertise-client-urls",
            client,
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
            "--initial-cluster",
            f"lab={peer}",
            "--log-level",
            "warn",
            # a throwaway test store: durability buys nothing, fsync costs seconds per rollout
            "--unsafe-no-fsync",
        ],
    )
    procs.wait_until(run_dir, "etcd", lambda: _http_ok(f"{client}/health"), 30, f"etcd on {client}")
    return client


def start_apiserver(state_dir, run_dir, apiserver, pki, etcd_url, port):
    procs.require_free(port, "kube-apiserver")
    procs.start(
        run_dir,
        "kube-apiserver",
        [
            apiserver,
            "--etcd-servers",
            etcd_url,
            "--bind-address",
            "127.0.0.1",
            "--advertise-address",
            "127.0.0.1",
            "--secure-port",
            str(port),
            "--tls-cert-file",
            pki["serving_cert"],
            "--tls-private-key-file",
            pki["serving_key"],
            "--client-ca-file",
            pki["ca"],
            "--service-account-issuer",
            "https://kubernetes.default.svc",
            "--service-account-key-file",
            pki["sa_pub"],
            "--service-account-signing-key-file",
            pki["sa_key"],
            "--service-cluster-ip-range",
            "10.96.0.0/24",
            "--authorization-mode",
            "Node,RBAC",
            # a loopback advertise address cannot go into the `kubernetes` Endpoints object
            "--endpoint-reconciler-type",
            "none",
            "--cert-dir",
            os.path.join(state_dir, "apiserver-certs"),
            "--v",
            "1",
        ],
    )
    url = f"https://127.0.0.1:{port}"
    ctx = ssl.create_default_context(cafile=pki["ca"])
    ctx.load_cert_chain(pki["admin_cert"], pki["admin_key"])
    procs.wait_until(run_dir, "kube-apiserver", lambda: _http_ok(f"{url}/readyz", ctx), 90, f"kube-apiserver on {url}")
    return url


def _http_ok(url, ctx=None):
    with urllib.request.urlopen(url, context=ctx, timeout=2) as resp:  # nosec - loopback lab URL
        return resp.status == 200


def write_kubeconfig(path, url, pki):
    """cluster-admin kubeconfig (client certificate in O=system:masters), files inlined by path."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "lab",
        "clusters": [{"name": "lab", "cluster": {"server": url, "certificate-authority": pki["ca"]}}],
        "users": [
            {"name": "lab-admin", "user": {"client-certificate": pki["admin_cert"], "client-key": pki["admin_key"]}}
        ],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "lab-admin"}}],
    }
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f)
    os.chmod(path, 0o600)
    return path


def stop(run_dir):
    procs.stop(run_dir, "kube-apiserver")
    procs.stop(run_dir, "etcd")
