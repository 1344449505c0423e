"""Unit tests of the lab's real-controller support (no API server, no built controller)."""

import json
import os
import stat
import threading

import pytest

from okdlab import mco, mco_supervisor, procs
from okdlab.simulator import constants as c
from okdlab.simulator import daemon, render

API = os.path.join("src", "machine-config-operator", "vendor", "github.com", "openshift", "api")


def _touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("kind: CustomResourceDefinition\n")


def _fake_tree(tmp_path, skip=()):
    """Every CRD of mco.CRDS with the variants openshift/api generates, in a fake build dir."""
    variants = {
        "schedulers": ("SelfManagedHA-Default", "SelfManagedHA-OKD", "Hypershift"),
        "clusterversions": ("Default", "OKD", "TechPreviewNoUpgrade"),
        "machineconfignodes": ("SelfManagedHA-Default", "Hypershift-Default"),
        "machineconfigpools": ("SelfManagedHA", "Hypershift-Default"),
    }
    for api_dir, plural in mco.CRDS:
        if plural in skip:
            continue
        base = tmp_path / API / api_dir / "zz_generated.crd-manifests"
        for variant in variants.get(plural, ("",)):
            suffix = f"-{variant}" if variant else ""
            _touch(str(base / f"0000_80_machine-config_01_{plural}{suffix}.crd.yaml"))
    # the same plural in another API version must not be picked
    _touch(
        str(
            tmp_path
            / API
            / "config/v1alpha1/zz_generated.crd-manifests"
            / "0000_10_x_01_criocredentialproviderconfigs.crd.yaml"
        )
    )
    return mco.Binaries(str(tmp_path))


def test_crd_files_pick_the_default_self_managed_variant(tmp_path):
    bins = _fake_tree(tmp_path)
    chosen = {plural: os.path.basename(path) for _dir, plural, path in bins.crd_files()}
    assert len(chosen) == len(mco.CRDS) == 26
    assert chosen["schedulers"].endswith("_schedulers-SelfManagedHA-Default.crd.yaml")
    assert chosen["clusterversions"].endswith("_clusterversions-Default.crd.yaml")
    assert chosen["machineconfignodes"].endswith("-SelfManagedHA-Default.crd.yaml")
    assert chosen["machineconfigpools"].endswith("_machineconfigpools-SelfManagedHA.crd.yaml")
    assert chosen["machineconfigs"].endswith("_machineconfigs.crd.yaml")
    cri = next(path for _d, plural, path in bins.crd_files() if plural == "criocredentialproviderconfigs")
    assert "/config/v1/" in cri


def test_crd_files_name_a_missing_crd(tmp_path):
    bins = _fake_tree(tmp_path, skip=("osimagestreams",))
    with pytest.raises(procs.LabError, match="no osimagestreams CRD"):
        bins.crd_files()


def test_featuregates_turn_off_the_lab_disabled_gates(tmp_path):
    (tmp_path / "featuregates.json").write_text(
        json.dumps({"Default": {"enabled": ["A", "OSStreams"], "disabled": ["B"]}}), encoding="utf-8"
    )
    gates = mco.Binaries(str(tmp_path)).featuregates()
    assert gates == {"enabled": ["A"], "disabled": ["B", "OSStreams"]}


def test_versions_from_the_binary(tmp_path):
    binary = tmp_path / "machine-config-controller"
    binary.write_text(
        "#!/bin/sh\necho 'MachineConfigController 7ff337a4-7ff337a4ffac8e7562692181178ede61e4b2eec5'\n",
        encoding="utf-8",
    )
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    raw, hash_ = mco.Binaries(str(tmp_path)).versions()
    assert (raw, hash_) == ("7ff337a4", "7ff337a4ffac8e7562692181178ede61e4b2eec5")


def test_implementation_wanted(monkeypatch):
    monkeypatch.delenv("OKD_LAB_MCO", raising=False)
    assert mco.implementation_wanted() == mco.DEFAULT_IMPLEMENTATION
    monkeypatch.setenv("OKD_LAB_MCO", "real")
    assert mco.implementation_wanted() == "real"
    monkeypatch.setenv("OKD_LAB_MCO", "both")
    with pytest.raises(procs.LabError, match="choose one of real, simulator"):
        mco.implementation_wanted()


# -- the simulator speaks the real controller's version pair ------------------------------------
def _cc(raw):
    return {
        "metadata": {"annotations": {c.CC_GENERATED_BY_VERSION: raw, c.RELEASE_IMAGE_VERSION: "4.19.0"}},
        "spec": {"baseOSContainerImage": "registry.lab/os@sha256:" + "a" * 64},
    }


def _mc(name, generated_by=None):
    ann = {c.GENERATED_BY_CONTROLLER: generated_by} if generated_by else {}
    return {
        "metadata": {"name": name, "labels": {c.ROLE_LABEL: "worker"}, "annotations": ann},
        "spec": {"config": {"ignition": {"version": "3.5.0"}}},
    }


POOL = {"metadata": {"name": "worker", "uid": "u"}, "spec": {}}
REAL = c.Versions("7ff337a4", "7ff337a4ffac8e7562692181178ede61e4b2eec5")


def test_raw_checks_the_controller_config_and_hash_the_machine_configs():
    rendered = render.generate_rendered(POOL, [_mc("00-worker", REAL.hash)], _cc(REAL.raw), REAL)
    assert rendered["metadata"]["annotations"][c.GENERATED_BY_CONTROLLER] == REAL.hash
    with pytest.raises(render.RenderError, match=r"ignoring controller config generated from 7ff337a4ffac"):
        render.generate_rendered(POOL, [_mc("00-worker", REAL.hash)], _cc(REAL.hash), REAL)
    with pytest.raises(render.RenderError, match=r"ignoring MC 00-worker generated by older version 7ff337a4 "):
        render.generate_rendered(POOL, [_mc("00-worker", REAL.raw)], _cc(REAL.raw), REAL)


# -- the node daemon beside a real drain controller ---------------------------------------------
class DrainingKube:
    """A node whose drain controller answers desiredDrain after `answer_after` reads."""

    def __init__(self, answer_after=3):
        self.node = {"metadata": {"name": "worker-0", "annotations": {}}}
        self.patches = []
        self.reads = 0
        self.answer_after = answer_after

    def patch_node(self, name, patch):
        self.patches.append(patch)
        self.node["metadata"]["annotations"].update(patch.get("metadata", {}).get("annotations", {}))

    def get_node(self, name):
        self.reads += 1
        ann = self.node["metadata"]["annotations"]
        if self.reads >= self.answer_after and c.DESIRED_DRAIN in ann:
            ann[c.LAST_APPLIED_DRAIN] = ann[c.DESIRED_DRAIN]
        return self.node


def test_external_drain_writes_desired_drain_only_and_waits_for_last_applied():
    kube = DrainingKube()
    daemons = daemon.Daemons(kube, external_drain=True)
    daemons._drain("worker-0", "drain-rendered-worker-x", cordon=True)  # pylint: disable=protected-access
    assert kube.patches == [{"metadata": {"annotations": {c.DESIRED_DRAIN: "drain-rendered-worker-x"}}}]
    assert kube.node["metadata"]["annotations"][c.LAST_APPLIED_DRAIN] == "drain-rendered-worker-x"
    assert kube.reads >= 3


def test_external_drain_gives_up_with_the_node_and_value():
    kube = DrainingKube(answer_after=10**9)
    daemons = daemon.Daemons(kube, external_drain=True)
    with pytest.raises(TimeoutError, match="worker-0: no lastAppliedDrain=uncordon-r"):
        daemons._wait_drained("worker-0", "uncordon-r", timeout=0.3)  # pylint: disable=protected-access


def test_simulated_drain_cordons_itself():
    kube = DrainingKube(answer_after=10**9)
    daemons = daemon.Daemons(kube, drain_seconds=0)
    daemons._drain("worker-0", "drain-r", cordon=True)  # pylint: disable=protected-access
    assert kube.patches[-1] == {
        "spec": {"unschedulable": True},
        "metadata": {"annotations": {c.LAST_APPLIED_DRAIN: "drain-r"}},
    }


# -- the supervisor ---------------------------------------------------------------------------
def test_supervisor_argv_and_state_file(tmp_path):
    args = mco_supervisor.parse_args(
        [
            "--kubeconfig", "/k", "--binary", "/mcc", "--templates", "/t", "--metrics-port", "22006",
            "--state-file", str(tmp_path / "mcc.json"), "--streams-cache", "/s",
        ]
    )  # fmt: skip
    sup = mco_supervisor.Supervisor.__new__(mco_supervisor.Supervisor)
    sup.args, sup.state = args, {"pid": 7, "restarts": 2}
    argv = sup.argv("4.19.0")
    assert argv[:2] == ["/mcc", "start"]
    for flag, value in (
        ("--payload-version", "4.19.0"),
        ("--resourcelock-namespace", "openshift-machine-config-operator"),
        ("--metrics-listen-address", "127.0.0.1:22006"),
        ("--templates", "/t"),
        ("--streams-cache", "/s"),
    ):
        assert argv[argv.index(flag) + 1] == value
    sup.write_state()
    assert mco_supervisor.read_state(args.state_file) == {"pid": 7, "restarts": 2}
    assert mco_supervisor.read_state(str(tmp_path / "absent.json")) == {}


def test_supervisor_restarts_an_exiting_child_after_deleting_the_lease(tmp_path, monkeypatch):
    """The child exits twice by itself; the supervisor deletes the Lease before each start."""
    sup = mco_supervisor.Supervisor.__new__(mco_supervisor.Supervisor)
    sup.args = mco_supervisor.parse_args(
        ["--kubeconfig", "/k", "--binary", "/bin/true", "--templates", "/t", "--metrics-port", "1",
         "--state-file", str(tmp_path / "mcc.json")]
    )  # fmt: skip
    sup.stopping, sup.restart_requested, sup.child = threading.Event(), threading.Event(), None
    sup.state = {"pid": None, "restarts": 0, "last_exit": None, "started": None, "payload_version": None}
    events = []
    sup.payload_version = lambda: "4.19.0"
    sup.delete_lease = lambda: events.append("lease")
    sup.argv = lambda version: ["/bin/sh", "-c", "exit 3"]
    monkeypatch.setattr(mco_supervisor, "RESTART_BACKOFF", (0.05,))

    def stop_after_two_restarts():
        while sup.state["restarts"] < 2:
            threading.Event().wait(0.02)
        sup.stopping.set()

    stopper = threading.Thread(target=stop_after_two_restarts)
    stopper.start()
    sup.run()
    stopper.join()
    assert len(events) >= 2 and set(events) == {"lease"}
    state = mco_supervisor.read_state(sup.args.state_file)
    assert state["restarts"] >= 2 and state["last_exit"] == 3 and state["pid"] is None


def test_certificate_summary_as_the_template_controller_reports_it(tmp_path):
    from okdlab import pki  # pylint: disable=import-outside-toplevel

    certs = pki.ensure(str(tmp_path))
    summary = pki.certificate_summary(certs["ca"])
    assert summary["subject"] == summary["signer"] == "CN=okd-machine-os lab CA"
    assert summary["notBefore"] < summary["notAfter"]
    assert all(len(summary[k]) == 20 and summary[k].endswith("Z") for k in ("notBefore", "notAfter"))


# -- the Job stand-in ---------------------------------------------------------------------------
BUILD_SCRIPT = """#!/usr/bin/env bash
set -xeuo
/usr/bin/p11-kit extract --overwrite /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
su -m build << 'EOF'
set -xeuo
cp /tmp/containerfile/Containerfile "$build_context"
cp /tmp/done-not-a-mount/x /tmp/done/digestfile
buildah bud --storage-driver vfs "$build_context"
buildah push --digestfile="/tmp/done/digestfile" --cert-dir /var/run/secrets/kubernetes.io/serviceaccount "$TAG"
EOF
"""


def test_job_runner_runs_the_build_users_part_with_mounts_on_the_host():
    from okdlab import job_runner  # pylint: disable=import-outside-toplevel

    body = job_runner.build_user_part(BUILD_SCRIPT)
    assert "p11-kit" not in body and body.strip().startswith("set -xeuo") and "EOF" not in body
    mounts = {
        "/tmp/containerfile": "/w/containerfile",
        "/tmp/done": "/w/done",
        "/var/run/secrets/kubernetes.io/serviceaccount": "/w/certs",
    }
    script = job_runner.add_cert_dir(job_runner.rewrite_paths(body, mounts), "/w/certs")
    assert 'cp /w/containerfile/Containerfile "$build_context"' in script
    assert "cp /tmp/done-not-a-mount/x /w/done/digestfile" in script  # a prefix is not a mount
    assert 'buildah push --digestfile="/w/done/digestfile" --cert-dir /w/certs "$TAG"' in script
    assert "buildah bud --cert-dir /w/certs --storage-driver vfs" in script


def test_job_runner_lays_out_volumes_like_the_kubelet():
    from okdlab import job_runner  # pylint: disable=import-outside-toplevel

    objects = {
        ("configMap", "cf"): {"data": {"Containerfile": "FROM x"}, "binaryData": None},
        ("secret", "push"): {"data": {".dockerconfigjson": "e30="}},
    }
    assert job_runner.volume_files({"name": "c", "configMap": {"name": "cf"}}, objects) == {"Containerfile": b"FROM x"}
    secret = {
        "name": "p",
        "secret": {"secretName": "push", "items": [{"key": ".dockerconfigjson", "path": "config.json"}]},
    }
    assert job_runner.volume_files(secret, objects) == {"config.json": b"{}"}
    assert job_runner.volume_files({"name": "d", "emptyDir": {}}, objects) == {}
    assert job_runner.volume_files({"name": "o", "configMap": {"name": "absent", "optional": True}}, objects) is None
    with pytest.raises(LookupError, match="configMap absent of volume o not found"):
        job_runner.volume_files({"name": "o", "configMap": {"name": "absent"}}, objects)


def test_job_status_as_the_job_controller_writes_it():
    from okdlab import job_runner  # pylint: disable=import-outside-toplevel

    ok = job_runner.job_status_success("2026-12-02T10:00:00Z")
    assert ok["succeeded"] == 1 and [c["type"] for c in ok["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    failed = job_runner.job_status_failed("2026-12-02T10:00:00Z", 3)
    assert failed["failed"] == 4 and [c["type"] for c in failed["conditions"]] == ["FailureTarget", "Failed"]
