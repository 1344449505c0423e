"""python -m okdlab.simulator --kubeconfig K [--ca-file CA] [--tick 0.1]
[--node-update-seconds 1.0] [--render-delay 0.3] [--log-file F] [--strict-degraded]
[--controllers all|daemon] [--controller-version RAW --controller-hash HASH]

Runs until SIGTERM/SIGINT.  --ca-file is the CA the simulated nodes trust for registries
(like a node trusting the cluster's CA bundle).  --strict-degraded turns off the one rule the
MCO does not have: re-targeting a node that failed towards a config that is no longer the
pool's target (node_controller.failing_elsewhere).  --controllers daemon runs the node half only
(firstboot + daemons) beside the real machine-config-controller.  --controller-version/-hash:
the versions the simulated controllers stamp and check (the real controller's when it is built).
"""

import argparse
import logging
import signal
import sys
import threading
import time

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from . import constants, kubeapi, loop


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m okdlab.simulator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--ca-file", help="CA bundle the simulated nodes trust for registries")
    parser.add_argument("--tick", type=float, default=0.1, help="seconds between reconciles")
    parser.add_argument(
        "--node-update-seconds", type=float, default=1.0, help="how long a node's update (the reboot) takes"
    )
    parser.add_argument(
        "--render-delay", type=float, default=0.3, help="delay before a render takes effect (the MCO's is 5 s)"
    )
    parser.add_argument("--log-file", help="log here instead of stderr")
    parser.add_argument(
        "--strict-degraded",
        action="store_true",
        help="never re-target a node that failed towards an old config (exact MCO behaviour)",
    )
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--controllers", choices=("all", "daemon"), default="all")
    parser.add_argument("--controller-version", default=constants.CONTROLLER_VERSION)
    parser.add_argument("--controller-hash", default=None, help="default: --controller-version")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(
        filename=args.log_file,
        level=getattr(logging, args.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s",
    )
    log = logging.getLogger("okdlab.simulator")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sim = loop.Simulator(
        kubeapi.Kube(args.kubeconfig),
        ca_file=args.ca_file,
        render_delay=args.render_delay,
        node_update_seconds=args.node_update_seconds,
        retarget_failing=not args.strict_degraded,
        controllers=args.controllers,
        versions=constants.Versions(args.controller_version, args.controller_hash or args.controller_version),
    )
    log.info(
        "MCO simulator %s started (%s; tick %.2fs, render delay %.2fs, node update %.2fs)",
        args.controller_hash or args.controller_version,
        "all controllers" if args.controllers == "all" else "node daemons only",
        args.tick,
        args.render_delay,
        args.node_update_seconds,
    )
    last_error = None
    while not stop.is_set():
        started = time.monotonic()
        try:
            sim.tick()
            last_error = None
        except (ApiException, HTTPError, OSError) as e:
            text = f"{e.__class__.__name__}: {e}".splitlines()[0]
            if text != last_error:
                log.warning("tick failed (retrying): %s", text)
            last_error = text
        except Exception:  # pylint: disable=broad-exception-caught
            log.exception("tick failed (retrying)")
        stop.wait(max(0.0, args.tick - (time.monotonic() - started)))
    log.info("MCO simulator stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
