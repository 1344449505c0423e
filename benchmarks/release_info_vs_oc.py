"""Benchmark: release_info versus `oc adm release info -o json` on the ~180-image lab release.

Run on demand (not a test):  hack/bench.sh release_info_vs_oc  (or with the venv active:
`python benchmarks/release_info_vs_oc.py`).  It brings up its own large lab
(OKD_LAB_DIR=/tmp/okd-bench-lab, ports 17000+) unless one is there, builds oc if needed,
and prints medians of N runs and the ratios, all from the same run:

  oc            the real oc binary, a whole process (what an admin runs today)
  module        `ansible localhost -m okd.machine_os.release_info` (a whole process, with
                ansible's own start-up, which is most of it)
  engine        the collection's reader in-process (registry client + payload parsing)
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import benchlab
from benchlab import REPO

from okdlab import config


def _lab():
    return benchlab.lab("/tmp/okd-bench-lab", 17000, size="large")


def _time(fn, runs):
    samples = []
    for _ in range(runs):  # pylint: disable=disallowed-name
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lab = _lab()
    release = lab.release["ocp"]["pullspec"]
    oc = benchlab.oc()
    sys.path.insert(0, config.collections_dir(REPO))
    # pylint: disable=import-outside-toplevel
    from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore
    from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
    from ansible_collections.okd.machine_os.plugins.module_utils.release.info import release_report
    from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release
    from ansible_collections.okd.machine_os.plugins.module_utils.release.source import RegistrySource

    oc_cmd = [
        oc,
        "adm",
        "release",
        "info",
        "-o",
        "json",
        "-a",
        lab.auth_file,
        f"--certificate-authority={lab.ca_file}",
        release,
    ]
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=config.collections_dir(REPO),
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        REGISTRY_AUTH_FILE=lab.auth_file,
    )
    module_cmd = [
        os.path.join(os.path.dirname(sys.executable), "ansible"),
        "localhost",
        "-m",
        "okd.machine_os.release_info",
        "-a",
        f"image={release} ca_file={lab.ca_file}",
    ]

    oc_out = json.loads(subprocess.run(oc_cmd, check=True, capture_output=True, text=True).stdout)
    images = len(oc_out["references"]["spec"]["tags"])

    def engine():
        with RegistryClient(AuthStore.load(auth_file=lab.auth_file), ca_file=lab.ca_file) as client:
            report = release_report(read_release(RegistrySource(client, release)))
        assert len(report["images"]) == images

    results = {
        "oc": _time(lambda: subprocess.run(oc_cmd, check=True, capture_output=True), args.runs),
        "module": _time(lambda: subprocess.run(module_cmd, check=True, capture_output=True, env=env), args.runs),
        "engine": _time(engine, args.runs),
    }
    print(f"release {release} ({images} images), {args.runs} runs each, medians:")
    for name, (median, samples) in results.items():
        print(f"  {name:7} {median * 1000:8.0f} ms   (runs: {', '.join(f'{s * 1000:.0f}' for s in samples)})")
    oc_median = results["oc"][0]
    print(f"ratio oc/module = {oc_median / results['module'][0]:.2f}x  (>1 means release_info is faster)")
    print(f"ratio oc/engine = {oc_median / results['engine'][0]:.2f}x")


if __name__ == "__main__":
    main()
