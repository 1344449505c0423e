"""The second-level operators' part of an update, which the lab has no real operators for.

The CVO itself only creates missing ClusterOperators (pkg/cvo/internal/operatorstatus.go);
each operator writes its ``status.versions`` once all its operands run the new version, with
Available/Progressing/Degraded (API config/v1/types_cluster_operator.go).  Here:

* every operator but machine-config reports the payload's declared versions ``delay`` seconds
  after the CVO started applying that payload;
* machine-config (MCO pkg/operator/sync.go): hands the new release to the MCO half at once
  (okdlab.seed.hand_release_to_mco: ControllerConfig releaseImage/baseOSContainerImage and the
  template MCs, so new rendered configs roll out), and publishes its new ``operator`` version
  only when every pool labelled ``operator.machineconfiguration.openshift.io/required-for-upgrade``
  (master) is Updated on a rendered config with the new OS image (syncRequiredMachineConfigPools,
  syncVersion); worker pools do not gate it.  A degraded required pool makes it Degraded=True
  with the pool's reason.
"""

import logging
import time

from . import conditions as cond
from .kube import CC, CO, MC

log = logging.getLogger("okdlab.cvo.operators")
MACHINE_CONFIG = "machine-config"
REQUIRED_FOR_UPGRADE = "operator.machineconfiguration.openshift.io/required-for-upgrade"
INCLUDE = "include.release.openshift.io/self-managed-high-availability"


def versions_match(live, declared):
    """operatorstatus.go: every declared version is reported exactly."""
    reported = {v.get("name"): v.get("version") for v in ((live or {}).get("status") or {}).get("versions") or []}
    return all(reported.get(v["name"]) == v["version"] for v in declared)


def co_ready(live, declared):
    """The CVO's gate for a ClusterOperator manifest: declared versions, Available=True and
    Degraded=False (a missing Degraded counts as degraded)."""
    conds = ((live or {}).get("status") or {}).get("conditions") or []
    return (
        versions_match(live, declared)
        and cond.status_of(conds, "Available") == "True"
        and cond.status_of(conds, "Degraded") == "False"
    )


def _status(live, versions, available, progressing, degraded, now):
    status = dict((live or {}).get("status") or {})
    conds = status.get("conditions") or []
    for ctype, (value, reason, message) in (
        ("Available", available),
        ("Progressing", progressing),
        ("Degraded", degraded),
    ):
        conds = cond.set_condition(conds, ctype, value, reason, message, now)
    status["conditions"] = conds
    if versions is not None:
        status["versions"] = versions
    status.setdefault("relatedObjects", [])
    return status


def _pool_state(pool):
    conds = (pool.get("status") or {}).get("conditions") or []
    return {c["type"]: c for c in conds}


class Operators:
    def __init__(self, kube, lab, delay=0.3, clock=time.monotonic):
        self.kube = kube
        self.lab = lab
        self.delay = delay
        self.clock = clock
        self.applying_since = {}  # payload image -> clock() when the CVO began applying it

    def begin(self, image):
        self.applying_since.setdefault(image, self.clock())

    def _write(self, name, live, status):
        if live is None:
            live = self.kube.create(
                CO,
                {
                    "apiVersion": "config.openshift.io/v1",
                    "kind": "ClusterOperator",
                    "metadata": {"name": name, "annotations": {INCLUDE: "true"}},
                    "spec": {},
                },
            )
        if live.get("status") == status:
            return
        live["status"] = status
        try:
            self.kube.replace_status(CO, live)
        except Exception as e:  # pylint: disable=broad-exception-caught  # conflict: next sync
            log.debug("ClusterOperator %s status: %s", name, e)

    def sync(self, payload, updating):
        """Move every ClusterOperator of ``payload`` along; returns seconds until the next
        timed step (None when nothing is timed)."""
        now = cond.now_rfc3339()
        cos = {c["metadata"]["name"]: c for c in self.kube.list(CO)}
        since = self.applying_since.get(payload.image)
        wait = None
        for name, declared in sorted(payload.cluster_operators.items()):
            live = cos.get(name)
            if name == MACHINE_CONFIG:
                self._machine_config(payload, live, declared, now)
                continue
            if co_ready(live, declared):
                continue
            left = 0 if (not updating or since is None) else self.delay - (self.clock() - since)
            if left > 0:
                wait = left if wait is None else min(wait, left)
                self._write(
                    name,
                    live,
                    _status(
                        live,
                        None,
                        ("True", "AsExpected", ""),
                        ("True", "Upgrading", f"Working towards {payload.version}"),
                        ("False", "AsExpected", ""),
                        now,
                    ),
                )
                continue
            self._write(
                name,
                live,
                _status(
                    live,
                    declared,
                    ("True", "AsExpected", ""),
                    ("False", "AsExpected", ""),
                    ("False", "AsExpected", ""),
                    now,
                ),
            )
        return wait

    def _machine_config(self, payload, live, declared, now):
        cc = self.kube.get(CC, "machine-config-controller")
        if cc is not None and (cc.get("spec") or {}).get("releaseImage") != payload.image and payload.os_image:
            from .. import seed  # pylint: disable=import-outside-toplevel

            log.info("machine-config: handing release %s (OS image %s) to the MCO", payload.version, payload.os_image)
            seed.hand_release_to_mco(self.kube.api_client, self.lab, payload.release())
        if co_ready(live, declared):
            return
        pools = [
            p
            for p in self.kube.list(("machineconfiguration.openshift.io", "v1", "machineconfigpools"))
            if REQUIRED_FOR_UPGRADE in (p["metadata"].get("labels") or {})
        ]
        pending, failing = [], []
        for pool in pools:
            state = _pool_state(pool)
            name = pool["metadata"]["name"]
            if (state.get("Degraded") or {}).get("status") == "True":
                failing.append(f"pool {name} is degraded: {(state['Degraded'].get('message') or '').strip()}")
                continue
            target = ((pool.get("spec") or {}).get("configuration") or {}).get("name")
            current = ((pool.get("status") or {}).get("configuration") or {}).get("name")
            rendered = self.kube.get(MC, target) if target else None
            on_new_os = ((rendered or {}).get("spec") or {}).get("osImageURL") == payload.os_image
            updated = (state.get("Updated") or {}).get("status") == "True"
            if not (on_new_os and updated and current == target):
                pending.append(name)
        if failing:
            message = f"Unable to apply {payload.version}: error during syncRequiredMachineConfigPools: " + "; ".join(
                failing
            )
            status = _status(
                live,
                None,
                ("True", "AsExpected", ""),
                ("True", "", f"Working towards {payload.version}"),
                ("True", "RequiredPoolsFailed", message),
                now,
            )
        elif pending:
            status = _status(
                live,
                None,
                ("True", "AsExpected", ""),
                ("True", "", f"Working towards {payload.version}"),
                ("False", "AsExpected", ""),
                now,
            )
        else:
            status = _status(
                live,
                declared,
                ("True", "AsExpected", f"Cluster version is {payload.version}"),
                ("False", "", f"Cluster version is {payload.version}"),
                ("False", "AsExpected", ""),
                now,
            )
        self._write(MACHINE_CONFIG, live, status)
