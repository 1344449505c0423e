"""Benchmark: how fast cluster_version_update reports what the lab CVO wrote.

Run on demand (not a test):  hack/bench.sh cluster_update [--runs N]
It uses its own lab (OKD_LAB_DIR=/tmp/okd-bench-cvo, ports 17800+; both overridable) and
brings it up unless one is there.  Each run puts the cluster back on 4.19.0, then runs
`cluster_version_update version=4.19.1 wait_for_pools=false` while a watch on ClusterVersion
records when history[0] turned Completed (the event's arrival, ~the CVO's write).  Printed:

  completed -> seen     the module's timeline.completed_at minus the watch's Completed time
  completed -> exited   the ansible-playbook exit minus the Completed time (includes process exit)
"""

import argparse
import datetime
import statistics
import sys
import threading
import time

import benchlab
from benchlab import REPO

# pylint: disable=wrong-import-order
from kubernetes import config as kconfig
from kubernetes import watch as kwatch

from okdlab import config
from okdlab.cvo import setup as cvo_setup

sys.path[:0] = [REPO, config.collections_dir(REPO)]
from tests.integration.conftest import run_module  # noqa: E402  pylint: disable=wrong-import-position


def _completed_watch(api, out, stop):
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel

    custom = k8s.CustomObjectsApi(api)
    for event in kwatch.Watch().stream(
        custom.list_cluster_custom_object, "config.openshift.io", "v1", "clusterversions", timeout_seconds=300
    ):
        history = (event["object"].get("status") or {}).get("history") or [{}]
        if history[0].get("version") == "4.19.1" and history[0].get("state") == "Completed":
            out.append(time.time())
            return
        if stop.is_set():
            return


def one_run(lab, api):
    cvo_setup.reset_to(api, lab, "ocp")
    seen, stop = [], threading.Event()
    watcher = threading.Thread(target=_completed_watch, args=(api, seen, stop), daemon=True)
    watcher.start()
    time.sleep(1)
    result = run_module(lab, "cluster_version_update", {"version": "4.19.1", "wait_for_pools": False})
    exited = time.time()
    stop.set()
    watcher.join(10)
    if result.get("failed") or not seen:
        raise SystemExit(f"run failed: {result.get('msg')}")
    completed_at = datetime.datetime.strptime(result["timeline"]["completed_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    module_seen = completed_at.replace(tzinfo=datetime.UTC).timestamp()
    return module_seen - seen[0], exited - seen[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lab = benchlab.lab("/tmp/okd-bench-cvo", 17800)
    api = kconfig.new_client_from_config(config_file=lab.kubeconfig)
    runs = [one_run(lab, api) for _run in range(args.runs)]
    for label, values in (("completed -> seen", [r[0] for r in runs]), ("completed -> exited", [r[1] for r in runs])):
        print(f"{label:22} median {statistics.median(values):.2f} s ({', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
