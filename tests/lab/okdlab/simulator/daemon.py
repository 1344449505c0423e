"""Simulated machine-config-daemons (one worker thread per updating node) plus the drain
controller's part of cordon/uncordon.

Follows MCO@main pkg/daemon/daemon.go, update.go, drain.go, writer.go and
pkg/controller/drain/drain_controller.go (research/mco-layering.md §4):
1. desiredConfig != currentConfig: state=Working; desiredDrain=drain-<rendered>; the drain
   controller cordons the node and copies it to lastAppliedDrain.
2. osImageURL of the target rendered MC differs from the current one (newMachineConfigDiff):
   "rpm-ostree rebase" = a real registry check (image_check.py).  Failure: state=Degraded,
   reason=<MCO text>; the node stays cordoned (the MCD does not uncordon on failure).
3. Success: post-config-action=Rebooting, "reboot" (node_update_seconds), post-config-action="",
   desiredDrain=uncordon-<rendered> (drain controller uncordons), SetDone: state=Done,
   currentConfig=<rendered>, reason="".
A Degraded node is retried only when its desiredConfig changes; desiredConfig == currentConfig
with state != Done (e.g. after a rollback) validates and goes back to Done, uncordoned.
Every update reboots here (the MCO skips the reboot for a few file-only changes).

With `external_drain` (beside the real machine-config-controller) the daemon only writes
desiredDrain and waits for the real drain controller to cordon or uncordon the node and write
lastAppliedDrain, as the MCD does (pkg/daemon/drain.go performDrain / uncordon wait).
"""

import logging
import threading
import time

from . import constants as c
from . import image_check, mcn
from . import node_state as ns
from . import status as pool_status

log = logging.getLogger("okdlab.simulator.daemon")
DRAIN_SECONDS = 0.05  # how long the simulated drain controller takes to cordon/uncordon
# how long the daemon waits for a real drain controller's lastAppliedDrain (the MCD's drain
# timeout is an hour; the lab's drain has no pods to evict, so minutes mean a stuck controller)
EXTERNAL_DRAIN_TIMEOUT = 300


def firstboot_patch(config):
    """Annotations a new node has after the MCD's firstboot (machine-config-daemon-firstboot)."""
    return {
        "metadata": {
            "annotations": {
                c.CURRENT_CONFIG: config,
                c.DESIRED_CONFIG: config,
                c.STATE: c.STATE_DONE,
                c.REASON: "",
                c.DESIRED_DRAIN: c.UNCORDON_PREFIX + config,
                c.LAST_APPLIED_DRAIN: c.UNCORDON_PREFIX + config,
            }
        }
    }


def needs_work(node, failed_desired):
    """'update', 'settle' or None for a node, given the desiredConfig it last failed towards."""
    cur, des, st = ns.current_config(node), ns.desired_config(node), ns.state(node)
    if not cur or not des:
        return None
    if des == cur:
        return "settle" if st != c.STATE_DONE else None
    if st in (c.STATE_DEGRADED, c.STATE_UNRECONCILABLE) and failed_desired == des:
        return None
    return "update"


def _annotations(**values):
    return {"metadata": {"annotations": values}}


class Daemons:
    """Starts one worker per node that has something to do; at most one per node at a time."""

    def __init__(
        self,
        kube,
        ca_file=None,
        node_update_seconds=1.0,
        drain_seconds=DRAIN_SECONDS,
        check_image=image_check.check_pullspec,
        external_drain=False,
        machine_config_nodes=False,
    ):
        self.kube = kube
        self.external_drain = external_drain
        # write MachineConfigNode status as the MCD does (the real node controller reads it)
        self.machine_config_nodes = machine_config_nodes
        self._pools = {}  # node -> its pool's name, from the last sync
        self._reported = set()  # nodes whose MachineConfigNode this daemon has written
        self.ca_file = ca_file
        self.node_update_seconds = node_update_seconds
        self.drain_seconds = drain_seconds
        self.check_image = check_image
        self._workers = {}
        self._failed = {}  # node -> the desiredConfig its update failed towards
        self._lock = threading.Lock()

    def sync(self, nodes, pools_of=None):
        """Start work for `nodes`; `pools_of` maps node names to their pool (for MCNs)."""
        self._pools.update(pools_of or {})
        for node in nodes:
            name = ns.name(node)
            if self.machine_config_nodes and name not in self._reported and ns.is_node_done(node):
                # an MCD starting on an up-to-date node (daemon.go: "Node <n> Updated")
                self._reported.add(name)
                self.report(name, mcn.updated(name), desired=ns.current_config(node), current=ns.current_config(node))
            worker = self._workers.get(name)
            if worker is not None and worker.is_alive():
                continue
            self._workers.pop(name, None)
            with self._lock:
                failed = self._failed.get(name)
            work = needs_work(node, failed)
            if work is None:
                continue
            worker = threading.Thread(
                target=self._run, args=(name, work, ns.desired_config(node)), name=f"mcd-{name}", daemon=True
            )
            self._workers[name] = worker
            worker.start()

    def busy(self):
        return [n for n, w in self._workers.items() if w.is_alive()]

    def _run(self, name, work, desired):
        try:
            if work == "update":
                self._update(name, desired)
            else:
                self._settle(name)
        except Exception:  # pylint: disable=broad-exception-caught
            # an API hiccup must not kill the simulator; the next tick starts a new worker
            log.exception("node %s: daemon %s towards %s failed", name, work, desired)

    # -- the update -----------------------------------------------------------------------
    def _update(self, name, desired):
        node = self.kube.get_node(name)
        if node is None or ns.desired_config(node) != desired:
            return
        current = ns.current_config(node)
        log.info("node %s: updating %s -> %s", name, current, desired)
        if ns.state(node) not in (c.STATE_DEGRADED, c.STATE_UNRECONCILABLE):
            # MCO@main keeps a Degraded/Unreconcilable state while it retries (daemon.go)
            self.kube.patch_node(name, _annotations(**{c.STATE: c.STATE_WORKING}))
        self.report(name, mcn.needs_update(name), desired=desired, current=current)
        self._drain(name, c.DRAIN_PREFIX + desired, cordon=True)
        new_mc = self.kube.get_machine_config(desired)
        old_mc = self.kube.get_machine_config(current)
        if new_mc is None:
            self._degrade(name, desired, f'machineconfig.machineconfiguration.openshift.io "{desired}" not found')
            return
        new_url = (new_mc.get("spec") or {}).get("osImageURL", "")
        old_url = ((old_mc or {}).get("spec") or {}).get("osImageURL", "")
        if new_url != old_url:
            arch = ns.labels(node).get(c.ARCH_LABEL, "amd64")
            reason = self.check_image(new_url, arch, self.kube.read_pull_secret(), self.ca_file)
            if reason:
                self._degrade(name, desired, reason)
                return
            log.info("node %s: OS image %s checked (bootable, %s)", name, new_url, arch)
        self.kube.patch_node(name, _annotations(**{c.POST_CONFIG_ACTION: c.POST_CONFIG_ACTION_REBOOTING}))
        log.info("node %s: rebooting into %s", name, desired)
        time.sleep(self.node_update_seconds)
        self.kube.patch_node(name, _annotations(**{c.POST_CONFIG_ACTION: ""}))
        self._complete(name, desired)

    def _settle(self, name):
        """desired == current but not Done: on-disk validation passes, uncordon, SetDone."""
        node = self.kube.get_node(name)
        if node is None or ns.current_config(node) != ns.desired_config(node) or ns.state(node) == c.STATE_DONE:
            return
        log.info("node %s: back at %s, state %s -> Done", name, ns.current_config(node), ns.state(node))
        self._complete(name, ns.current_config(node))

    def _complete(self, name, config):
        self._drain(name, c.UNCORDON_PREFIX + config, cordon=False)
        self.kube.patch_node(name, _annotations(**{c.STATE: c.STATE_DONE, c.CURRENT_CONFIG: config, c.REASON: ""}))
        self.report(name, mcn.not_degraded(name), mcn.updated(name), desired=config, current=config)
        with self._lock:
            self._failed.pop(name, None)
        log.info("node %s: Done at %s", name, config)

    def _drain(self, name, value, cordon):
        """desiredDrain by the daemon, then the drain controller's cordon/uncordon + lastAppliedDrain."""
        self.kube.patch_node(name, _annotations(**{c.DESIRED_DRAIN: value}))
        if self.external_drain:
            self._wait_drained(name, value)
            return
        time.sleep(self.drain_seconds)
        self.kube.patch_node(
            name,
            {
                "spec": {"unschedulable": True if cordon else None},
                "metadata": {"annotations": {c.LAST_APPLIED_DRAIN: value}},
            },
        )

    def _wait_drained(self, name, value, timeout=EXTERNAL_DRAIN_TIMEOUT):
        """Until the drain controller has acted on desiredDrain=value (lastAppliedDrain=value)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            node = self.kube.get_node(name)
            if node is None or ns.annotations(node).get(c.LAST_APPLIED_DRAIN) == value:
                return
            time.sleep(0.1)
        raise TimeoutError(f"node {name}: no lastAppliedDrain={value} from the drain controller after {timeout}s")

    def _degrade(self, name, desired, reason):
        reason = reason[: c.MAX_REASON_LENGTH]
        with self._lock:
            self._failed[name] = desired
        self.kube.patch_node(name, _annotations(**{c.STATE: c.STATE_DEGRADED, c.REASON: reason}))
        self.report(name, mcn.degraded(name, reason), desired=desired)
        log.warning("node %s: Degraded: %s", name, reason)

    def report(self, name, *conditions, desired=None, current=None):
        """Create the node's MachineConfigNode if needed and set `conditions` on it.  A failure is
        logged, never raised: the MCN is a report, the update goes on without it (as the MCD)."""
        if not self.machine_config_nodes:
            return
        try:
            self._report(name, conditions, desired, current)
        except Exception as e:  # pylint: disable=broad-exception-caught
            log.warning("node %s: MachineConfigNode status not written: %s", name, str(e).splitlines()[0])

    def _report(self, name, conditions, desired, current):
        for _attempt in range(3):
            obj = self.kube.get_machine_config_node(name)
            if obj is None:
                pool = self._pools.get(name, "")
                self.kube.create_machine_config_node(mcn.new_machine_config_node(name, pool, desired))
                obj = self.kube.get_machine_config_node(name)
                if obj is None:
                    return
            status = dict(obj.get("status") or {})
            conds = status.get("conditions") or []
            now = pool_status.now_rfc3339()
            for ctype, cstatus, message in conditions:
                conds = mcn.with_condition(conds, ctype, cstatus, message, now)
            status["conditions"] = conds
            version = dict(status.get("configVersion") or {})
            if desired:
                version["desired"] = desired
            if current:
                version["current"] = current
            if version.get("desired"):
                status["configVersion"] = version
            # the MCO's writers send generation+1; the CRD refuses a decrease
            status["observedGeneration"] = max(
                status.get("observedGeneration") or 0, obj["metadata"].get("generation", 1) + 1
            )
            if self.kube.replace_machine_config_node_status(dict(obj, status=status)) is not None:
                return
