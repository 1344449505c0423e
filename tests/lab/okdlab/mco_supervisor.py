"""python -m okdlab.mco_supervisor --kubeconfig K --binary MCC --templates DIR --metrics-port P
--state-file F [--streams-cache DIR]

Runs the real machine-config-controller and starts it again whenever it exits, as the
kubelet restarts the controller's container on a cluster.  It exits by design: with status 0
whenever the FeatureGate status for its version changes (library-go featuregates), when it
loses its lease, and fatally when a start-up step fails (cmd/machine-config-controller/start.go).

Before each start the supervisor deletes the controller's Lease (`machine-config-controller` in
openshift-machine-config-operator): a controller killed without releasing it would otherwise
wait out the 137 s lease duration (cmd/common GetDefaultLeaderElectionConfig) before leading
again.  `--payload-version` is ClusterVersion status.desired.version, read at every start, so
SIGHUP (sent by `labctl upgrade`) restarts the controller as the new release's.

The state file (JSON: pid, restarts, last_exit, started, payload_version) is what
`labctl status` shows.  SIGTERM/SIGINT stop the controller (it releases its lease) and exit.
"""

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time

from . import mco

RESTART_BACKOFF = (0.5, 1, 2, 5, 10)  # seconds before the n-th quick restart in a row
STABLE_SECONDS = 60  # a controller that ran this long resets the backoff


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m okdlab.mco_supervisor", description=__doc__)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--templates", required=True)
    parser.add_argument("--metrics-port", type=int, required=True)
    parser.add_argument("--state-file", required=True)
    parser.add_argument("--streams-cache", default="")
    parser.add_argument("--verbosity", default="2", help="the controller's klog -v")
    return parser.parse_args(argv)


def log(msg):
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4]
    print(f"{stamp} okdlab-supervisor: {msg}", flush=True)


class Supervisor:
    def __init__(self, args):
        self.args = args
        from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel
        from kubernetes import config as kconfig  # pylint: disable=import-outside-toplevel

        api_client = kconfig.new_client_from_config(config_file=args.kubeconfig)
        self.coordination = k8s.CoordinationV1Api(api_client)
        self.custom = k8s.CustomObjectsApi(api_client)
        self.stopping = threading.Event()
        self.restart_requested = threading.Event()
        self.child = None
        self.state = {"pid": None, "restarts": 0, "last_exit": None, "started": None, "payload_version": None}

    # -- cluster ----------------------------------------------------------------------------
    def payload_version(self):
        cv = self.custom.get_cluster_custom_object("config.openshift.io", "v1", "clusterversions", "version")
        return cv["status"]["desired"]["version"]

    def delete_lease(self):
        from kubernetes.client.exceptions import ApiException  # pylint: disable=import-outside-toplevel

        try:
            self.coordination.delete_namespaced_lease(mco.LEASE_NAME, mco.MCO_NAMESPACE)
            log(f"deleted Lease {mco.MCO_NAMESPACE}/{mco.LEASE_NAME} left by the previous controller")
        except ApiException as e:
            if e.status != 404:
                raise

    # -- state ------------------------------------------------------------------------------
    def write_state(self):
        tmp = self.args.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.state, f)
        os.replace(tmp, self.args.state_file)

    # -- the child --------------------------------------------------------------------------
    def argv(self, version):
        a = self.args
        argv = [
            a.binary,
            "start",
            "--kubeconfig",
            a.kubeconfig,
            "--templates",
            a.templates,
            "--payload-version",
            version,
            "--resourcelock-namespace",
            mco.MCO_NAMESPACE,
            "--metrics-listen-address",
            f"127.0.0.1:{a.metrics_port}",
            "--streams-cache",
            a.streams_cache,
            f"--v={a.verbosity}",
        ]
        return argv

    def start_child(self):
        version = self.payload_version()
        self.delete_lease()
        env = dict(os.environ, KUBECONFIG=self.args.kubeconfig, RELEASE_VERSION=version)
        # pylint: disable-next=consider-using-with
        self.child = subprocess.Popen(self.argv(version), stdin=subprocess.DEVNULL, env=env)
        self.state.update(
            pid=self.child.pid,
            started=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            payload_version=version,
        )
        self.write_state()
        log(f"started machine-config-controller pid {self.child.pid} (payload version {version})")

    def stop_child(self, timeout=15):
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)  # cmd/common SignalHandler: cancel, release the lease
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    def run(self):
        quick_restarts = 0
        while not self.stopping.is_set():
            try:
                self.start_child()
            except Exception as e:  # pylint: disable=broad-exception-caught  # apiserver not answering yet
                log(f"cannot start the controller yet: {e.__class__.__name__}: {str(e).splitlines()[0]}")
                self.stopping.wait(1)
                continue
            started = time.monotonic()
            while self.child.poll() is None and not self.stopping.is_set():
                if self.restart_requested.is_set():
                    self.restart_requested.clear()
                    log("restart requested (SIGHUP)")
                    self.stop_child()
                    break
                self.stopping.wait(0.2)
            if self.stopping.is_set():
                break
            code = self.child.wait()
            self.state.update(last_exit=code, pid=None, restarts=self.state["restarts"] + 1)
            self.write_state()
            quick_restarts = 0 if time.monotonic() - started > STABLE_SECONDS else quick_restarts + 1
            delay = RESTART_BACKOFF[min(quick_restarts, len(RESTART_BACKOFF) - 1)]
            log(f"machine-config-controller exited with {code}; restarting in {delay}s")
            self.stopping.wait(delay)
        self.stop_child()
        self.state.update(pid=None)
        self.write_state()
        log("stopped")


def main(argv=None):
    args = parse_args(argv)
    sup = Supervisor(args)
    signal.signal(signal.SIGTERM, lambda *_: sup.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: sup.stopping.set())
    signal.signal(signal.SIGHUP, lambda *_: sup.restart_requested.set())
    sup.run()
    return 0


def read_state(state_file):
    """The supervisor's state file as a dict, {} if it has not written one."""
    try:
        with open(state_file, encoding="utf-8") as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return {}


if __name__ == "__main__":
    sys.exit(main())
