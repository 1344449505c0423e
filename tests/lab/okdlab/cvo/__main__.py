"""python -m okdlab.cvo --lab-json LAB [--graph-file F] [--operator-delay S] [--resync S]

The lab's cluster-version-operator; runs until SIGTERM/SIGINT.  Woken by watches on
ClusterVersion, ClusterOperators and MachineConfigPools, and every --resync seconds.
"""

import argparse
import logging
import signal
import sys
import threading

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from .. import config
from .controller import Controller
from .kube import Kube
from .operators import Operators


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m okdlab.cvo", description=__doc__)
    parser.add_argument("--lab-json", required=True)
    parser.add_argument("--graph-file", required=True)
    parser.add_argument(
        "--operator-delay",
        type=float,
        default=0.3,
        help="seconds a second-level operator takes to report a new version",
    )
    parser.add_argument("--resync", type=float, default=2.0)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    log = logging.getLogger("okdlab.cvo")
    lab = config.load(args.lab_json)
    kube = Kube(lab.kubeconfig)
    controller = Controller(kube, Operators(kube, lab, delay=args.operator_delay), args.graph_file, lab.ca_file)
    stop, wake = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: (stop.set(), wake.set()))
    signal.signal(signal.SIGINT, lambda *_: (stop.set(), wake.set()))
    kube.start_watches(wake, stop)
    log.info("lab cluster-version-operator started")
    last_error = None
    while not stop.is_set():
        wake.clear()
        wait = args.resync
        try:
            due = controller.sync()
            if due is not None:
                wait = min(wait, max(0.02, due))
            last_error = None
        except (ApiException, HTTPError, OSError) as e:
            text = f"{e.__class__.__name__}: {e}".splitlines()[0]
            if text != last_error:
                log.warning("sync failed (retrying): %s", text)
            last_error = text
        except Exception:  # pylint: disable=broad-exception-caught
            log.exception("sync failed (retrying)")
        wake.wait(wait)
    log.info("lab cluster-version-operator stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
