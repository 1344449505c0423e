"""Benchmark: how fast a Degraded node is reported, and what a no-op layered_rollout costs.

Run on demand (not a test):  hack/bench.sh layered_rollout
It brings up its own small lab (OKD_LAB_DIR=/tmp/okd-bench-layered, ports 17700+) unless
one is there, and prints, from one run:

  degraded latency   the simulator marks the first worker Degraded (node annotation) ->
                     `os_image_override wait=true` has exited with the failure (includes
                     the ansible process exit); a watcher polls the node every 10 ms
  no-op rollout      `ansible-playbook` of the layered_rollout role when everything is up
                     to date (image built, pool on it), against a one-task `ping` play
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import benchlab
import yaml
from benchlab import REPO

# pylint: disable=wrong-import-order
from okdlab import config, variants
from okdlab.simulator import constants as c


def _lab():
    return benchlab.lab("/tmp/okd-bench-layered", 17700)


def _env(lab):
    return config.ansible_env(lab, REPO)


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def _playbook(lab, tasks=None, roles=None):
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks or [], "roles": roles or []}]
    fd, path = tempfile.mkstemp(suffix=".yml", dir=lab.state_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        yaml.safe_dump(play, f)
    return path


def _run(lab, path):
    start = time.perf_counter()
    proc = subprocess.run([_bin("ansible-playbook"), path], env=_env(lab), capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def degraded_latency(lab, core, image):
    """Seconds from the node's Degraded annotation to the module's exit."""
    args = f"pool=worker image={image} ca_file={lab.ca_file} wait=true wait_timeout=120"
    cmd = [_bin("ansible"), "localhost", "-m", "okd.machine_os.os_image_override", "-a", args]
    seen = {}

    def watch():
        while "exit" not in seen:
            node = core.read_node("worker-0")
            if node.metadata.annotations.get(c.STATE) == c.STATE_DEGRADED and "degraded" not in seen:
                seen["degraded"] = time.perf_counter()
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    proc = subprocess.run(cmd, env=_env(lab), capture_output=True, text=True, check=False)
    seen["exit"] = time.perf_counter()
    watcher.join()
    if proc.returncode == 0 or "degraded" not in seen:
        raise SystemExit(f"expected a Degraded failure, got rc={proc.returncode}: {proc.stdout[-2000:]}")
    subprocess.run(
        [
            _bin("ansible"),
            "localhost",
            "-m",
            "okd.machine_os.os_image_override",
            "-a",
            "pool=worker state=absent wait=true wait_timeout=120",
        ],
        env=_env(lab),
        capture_output=True,
        check=True,
    )
    return seen["exit"] - seen["degraded"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lab = _lab()
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel
    from kubernetes import config as kconfig

    core = k8s.CoreV1Api(kconfig.new_client_from_config(config_file=lab.kubeconfig))

    bad = variants.push_os_variant(
        lab, lab.release["ocp"]["os_image"], "bench-not-bootable", variants.drop_bootable_labels
    )
    latencies = [degraded_latency(lab, core, bad) for _ in range(args.runs)]  # pylint: disable=disallowed-name

    role = {
        "role": "okd.machine_os.layered_rollout",
        "vars": {
            "layered_rollout_pool": "worker",
            "layered_rollout_image": f"{lab.registry('mirror').host}/bench/layered-os:worker",
            "layered_rollout_containerfile": "FROM scratch\nRUN echo bench > /etc/bench\n",
            "layered_rollout_ca_file": lab.ca_file,
        },
    }
    rollout = _playbook(lab, roles=[role])
    first, proc = _run(lab, rollout)
    if proc.returncode != 0:
        raise SystemExit(f"the first rollout failed:\n{proc.stdout[-3000:]}")
    noop = [_run(lab, rollout)[0] for _ in range(args.runs)]  # pylint: disable=disallowed-name
    ping = _playbook(lab, tasks=[{"ansible.builtin.ping": {}}])
    baseline = [_run(lab, ping)[0] for _ in range(args.runs)]  # pylint: disable=disallowed-name
    subprocess.run(
        [_bin("ansible-playbook"), _playbook(lab, roles=[{"role": "okd.machine_os.layered_rollback"}])],
        env=_env(lab),
        capture_output=True,
        check=False,
    )

    print(
        json.dumps(
            {
                "degraded_latency_s": latencies,
                "first_rollout_s": first,
                "noop_rollout_s": noop,
                "ping_play_s": baseline,
            },
            indent=1,
        )
    )
    print(
        f"Degraded -> module failure: median {statistics.median(latencies):.2f} s "
        f"(runs: {', '.join(f'{x:.2f}' for x in latencies)})"
    )
    print(f"first layered_rollout (build + 3-node rollout): {first:.1f} s")
    print(
        f"no-op layered_rollout: median {statistics.median(noop):.2f} s; a ping play: "
        f"{statistics.median(baseline):.2f} s; overhead {statistics.median(noop) - statistics.median(baseline):.2f} s"
    )


if __name__ == "__main__":
    main()
