"""Helpers for integration tests: run a module of the collection through ansible-playbook
against the lab, and reach the lab's API server directly to set up and check state."""

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
from okdlab import config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MC = ("machineconfiguration.openshift.io", "v1", "machineconfigs")
MCP = ("machineconfiguration.openshift.io", "v1", "machineconfigpools")


def run_play(lab, play, name, extra_env=None, verbosity=0, timeout=600):
    """Run `play` (a list of plays) with ansible-playbook against the lab, json callback;
    return the CompletedProcess."""
    workdir = os.path.join(lab.state_dir, "plays")
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, f"{name}-{time.monotonic_ns()}.yml")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(play, f)
    env = config.ansible_env(lab, REPO, ANSIBLE_STDOUT_CALLBACK="json")
    env.update(extra_env or {})
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), path]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    try:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        os.unlink(path)


def run_module(lab, module, args=None, check=False, verbosity=0, extra_env=None, with_stdout=False):
    """Run `okd.machine_os.<module>` in a one-task play; return its result (and the raw
    stdout with `with_stdout`, for tests that look for leaked secrets at -vvv)."""
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "under test",
                    f"okd.machine_os.{module}": args or {},
                    "check_mode": check,
                    "ignore_errors": True,
                }
            ],
        }
    ]
    proc = run_play(lab, play, module, extra_env=extra_env, verbosity=verbosity)
    start = proc.stdout.find("{")
    data = json.loads(proc.stdout[start:])
    result = data["plays"][0]["tasks"][0]["hosts"]["localhost"]
    return (result, proc.stdout) if with_stdout else result


@pytest.fixture(scope="module")
def storage_env(tmp_path_factory):
    """Environment for podman/buildah/skopeo with a containers storage of the test module's own
    (vfs, in a temp directory): nothing touches the machine's storage."""
    root = tmp_path_factory.mktemp("containers-storage")
    conf = root / "storage.conf"
    conf.write_text(
        f'[storage]\ndriver = "vfs"\ngraphroot = "{root}/graph"\nrunroot = "{root}/run"\n', encoding="utf-8"
    )
    return {"CONTAINERS_STORAGE_CONF": str(conf)}


@pytest.fixture(scope="module")
def registry(lab):
    """The collection's registry client with the lab's auth file and CA."""
    client = RegistryClient.from_params({"auth_file": lab.auth_file, "ca_file": lab.ca_file})
    yield client
    client.close()


@pytest.fixture(scope="session")
def kube(lab):
    from kubernetes import config as kconfig  # pylint: disable=import-outside-toplevel

    return kconfig.new_client_from_config(config_file=lab.kubeconfig)


def service_account_kubeconfig(lab, core, namespace, name):
    """A kubeconfig (in the lab's state dir) for a new ServiceAccount ``namespace/name``: what an
    RBAC test runs a module as."""
    core.create_namespaced_service_account(namespace, {"metadata": {"name": name}})
    token = core.create_namespaced_service_account_token(
        name, namespace, {"spec": {"expirationSeconds": 3600}}
    ).status.token
    path = os.path.join(lab.state_dir, f"{name}.kubeconfig")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "sa",
                "clusters": [
                    {"name": "lab", "cluster": {"server": lab.apiserver, "certificate-authority": lab.ca_file}}
                ],
                "users": [{"name": name, "user": {"token": token}}],
                "contexts": [{"name": "sa", "context": {"cluster": "lab", "user": name}}],
            },
            f,
        )
    os.chmod(path, 0o600)
    return path


def wait_for(predicate, timeout=60, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
