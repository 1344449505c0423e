# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a requested cluster update stands: the wait predicate and the timeline. Pure.

The ClusterVersion side follows openshift/cluster-version-operator pkg/cvo/status.go and
sync_worker.go: the request is observed once ``status.observedGeneration`` reaches the
generation written; it is accepted when ``history[0].image`` is the target (a refused payload
leaves ``ReleaseAccepted=False`` naming the image, and ``Invalid=True`` refuses the spec); it is
complete when ``history[0]`` is ``Completed`` and ``Progressing=False``; ``Failing=True`` fails it.
The machine-config operator reports its new version once the master pool is updated, but
worker pools do not gate Completed (machine-config-operator pkg/operator/sync.go), so the pools
are judged too, each with the collection's one rollout predicate
(:func:`..mco.rollout.evaluate`): a degraded pool fails the wait at once, a paused one is
reported instead of waited on.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update import cluster_version as cvm
from ansible_collections.okd.machine_os.plugins.module_utils.mco.rollout import STATE_PAUSED, Verdict
from ansible_collections.okd.machine_os.plugins.module_utils.mco.timeline import iso_time

PHASE_REQUESTED = "requested"  # the cluster-version-operator has not accepted the request yet
PHASE_UPDATING = "updating"  # accepted: history[0] Partial
PHASE_POOLS = "pools"  # ClusterVersion Completed, pools still rolling
PHASE_DONE = "done"
PHASE_PAUSED = "paused"  # Completed, but a pool is paused: it will not roll by itself
PHASE_REJECTED = "rejected"
PHASE_FAILED = "failed"
FINAL_PHASES = frozenset((PHASE_DONE, PHASE_PAUSED, PHASE_REJECTED, PHASE_FAILED))


@dataclass
class Progress:
    phase: str
    message: str
    reasons: list[str] = field(default_factory=list)
    condition: str | None = None  # the ClusterVersion condition that decided a failure

    @property
    def final(self) -> bool:
        return self.phase in FINAL_PHASES


def accepted(cv: dict[str, Any], target_image: str) -> bool:
    entries = cvm.history(cv)
    return bool(entries) and bool(target_image) and entries[0].get("image") == target_image


def judge(
    cv: dict[str, Any],
    target_image: str,
    generation: int | None,
    pool_verdicts: dict[str, Verdict],
    wait_for_pools: bool = True,
) -> Progress:
    """Judge one snapshot: the ClusterVersion and the verdict of every pool (by name)."""
    status = cvm.status_of(cv)
    observed = status.get("observedGeneration") or 0
    if generation is not None and observed < generation:
        return Progress(
            PHASE_REQUESTED,
            f"waiting for the cluster-version-operator to observe generation {generation} (at {observed})",
        )
    if cvm.condition_status(cv, cvm.COND_INVALID) == "True":
        text = cvm.condition_text(cv, cvm.COND_INVALID)
        return Progress(PHASE_REJECTED, f"the cluster-version-operator refused the request: {text}", [text], text)
    if not accepted(cv, target_image):
        release = cvm.conditions(cv).get(cvm.COND_RELEASE_ACCEPTED) or {}
        text = cvm.condition_text(cv, cvm.COND_RELEASE_ACCEPTED)
        if release.get("status") == "False" and f'image="{target_image}"' in (release.get("message") or ""):
            return Progress(
                PHASE_REJECTED, f"the cluster-version-operator did not accept the release: {text}", [text], text
            )
        return Progress(PHASE_REQUESTED, f"waiting for the release to be accepted: {text}")

    degraded = {name: v for name, v in pool_verdicts.items() if v.failed}
    if cvm.condition_status(cv, cvm.COND_FAILING) == "True":
        text = cvm.condition_text(cv, cvm.COND_FAILING)
        return Progress(PHASE_FAILED, f"the update is failing: {text}", [text], text)
    if degraded:
        reasons = [v.message for v in degraded.values()]
        return Progress(PHASE_FAILED, "a MachineConfigPool is degraded: " + "; ".join(reasons), reasons)

    entry = cvm.history(cv)[0]
    if entry.get("state") != "Completed" or cvm.condition_status(cv, cvm.COND_PROGRESSING) != "False":
        return Progress(PHASE_UPDATING, cvm.condition_text(cv, cvm.COND_PROGRESSING))
    if not wait_for_pools:
        return Progress(PHASE_DONE, f"cluster version {entry.get('version')} is Completed")
    pending = {name: v for name, v in pool_verdicts.items() if not v.done}
    if not pending:
        return Progress(PHASE_DONE, f"cluster version {entry.get('version')} is Completed and every pool is updated")
    paused = [v for v in pending.values() if v.state == STATE_PAUSED]
    if paused and len(paused) == len(pending):
        return Progress(
            PHASE_PAUSED,
            f"cluster version {entry.get('version')} is Completed; " + "; ".join(v.message for v in paused),
            [v.message for v in paused],
        )
    return Progress(
        PHASE_POOLS,
        f"cluster version {entry.get('version')} is Completed; pools rolling: "
        + "; ".join(v.message for v in pending.values() if v.state != STATE_PAUSED),
    )


class Timeline:
    """When the update was accepted, each ClusterOperator reached the new version, the
    ClusterVersion completed and each pool was done (the caller passes wall-clock times)."""

    def __init__(self, requested_at: float) -> None:
        self.events: dict[str, float | None] = {"requested": requested_at, "accepted": None, "completed": None}
        self.operators: dict[str, float] = {}
        self.pools: dict[str, dict[str, Any]] = {}

    def observe(
        self,
        cv: dict[str, Any],
        target_image: str,
        operators: list[dict[str, Any]],
        pool_verdicts: dict[str, Verdict],
        now: float,
    ) -> None:
        if not accepted(cv, target_image):
            return
        entry = cvm.history(cv)[0]
        if self.events["accepted"] is None:
            self.events["accepted"] = now
        version = entry.get("version")
        for co in operators:
            versions = {v.get("name"): v.get("version") for v in (co.get("status") or {}).get("versions") or []}
            name = (co.get("metadata") or {}).get("name")
            if name and version and versions.get("operator") == version and name not in self.operators:
                self.operators[name] = now
        if entry.get("state") == "Completed" and self.events["completed"] is None:
            self.events["completed"] = now
        for name, verdict in pool_verdicts.items():
            pool = self.pools.setdefault(
                name, {"pool": name, "target": None, "done_at": None, "degraded_at": None, "state": None, "message": ""}
            )
            if verdict.target_config != pool["target"]:
                pool.update(target=verdict.target_config, done_at=None, degraded_at=None)
            pool["state"], pool["message"] = verdict.state, verdict.message
            if verdict.done and pool["done_at"] is None:
                pool["done_at"] = now
            if verdict.failed and pool["degraded_at"] is None:
                pool["degraded_at"] = now

    def as_dict(self, nodes: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
        return {
            "requested_at": iso_time(self.events["requested"]),
            "accepted_at": iso_time(self.events["accepted"]),
            "completed_at": iso_time(self.events["completed"]),
            "operators": [
                {"name": name, "at": iso_time(at)} for name, at in sorted(self.operators.items(), key=lambda i: i[1])
            ],
            "pools": [
                dict(
                    pool,
                    done_at=iso_time(pool["done_at"]),
                    degraded_at=iso_time(pool["degraded_at"]),
                    nodes=(nodes or {}).get(name, []),
                )
                for name, pool in sorted(self.pools.items())
            ],
        }
