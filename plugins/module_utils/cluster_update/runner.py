# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The actions of ``cluster_version_info`` and ``cluster_version_update``, and the wait.

The wait watches (no polling) the ClusterVersion, the ClusterOperators, the MachineConfigPools
and the Nodes with :class:`..k8s.watch.WatchSet`, judges every burst of events with
:func:`.progress.judge` (each pool with :func:`..mco.rollout.evaluate`) and records a
:class:`.progress.Timeline`; it ends as soon as the judgement is final (done, paused, rejected,
failed) or at the deadline, and then says what is pending.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import time
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update import api
from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update import cluster_version as cvm
from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update import progress as prog
from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.errors import (
    UpdateFailedError,
    UpdateRejectedError,
    UpdateTimeoutError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.plan import plan_request
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.watch import WatchSet, WatchSpec
from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import as_pool, nodes_of_pool, os_image_url_of
from ansible_collections.okd.machine_os.plugins.module_utils.mco.rollout import evaluate
from ansible_collections.okd.machine_os.plugins.module_utils.mco.timeline import Timeline as NodeTimeline

KIND_CV = "ClusterVersion"
KIND_CO = "ClusterOperator"
KIND_POOL = "MachineConfigPool"
KIND_NODE = "Node"
OVERRIDDEN = "machineconfiguration.openshift.io/os-image-url-overridden"
WATCHED = (
    (KIND_CV, "config.openshift.io/v1", "version"),
    (KIND_CO, "config.openshift.io/v1", None),
    (KIND_POOL, api.MCO_API_VERSION, None),
    (KIND_NODE, "v1", None),
)


class UpdateWaiter:
    """Watch until the update to ``target_image`` is final or ``timeout`` seconds passed."""

    def __init__(
        self,
        client: Client,
        target_image: str,
        generation: int | None,
        timeout: float,
        wait_for_pools: bool = True,
        retry_sleep: float = 5,
        clock=time.monotonic,
        wall_clock=time.time,
    ) -> None:
        self.client = client
        self.target_image = target_image
        self.generation = generation
        self.timeout = timeout
        self.wait_for_pools = wait_for_pools
        self.retry_sleep = retry_sleep
        self.clock = clock
        self.wall_clock = wall_clock
        self.timeline = prog.Timeline(wall_clock())
        self.node_timelines: dict[str, NodeTimeline] = {}
        self.objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind, _v, _n in WATCHED}
        self.rendered: dict[str, dict[str, Any] | None] = {}
        self.base_os_image: str | None = None
        self.warnings: list[str] = []
        self.verdicts: dict[str, Any] = {}

    # -- judging -------------------------------------------------------------------------
    def _expected_os_image(self) -> str | None:
        """The new release's OS image, once the machine-config operator has taken it
        (ControllerConfig spec.releaseImage is the target)."""
        if self.base_os_image is None:
            cc = api.controller_config(self.client) or {}
            spec = cc.get("spec") or {}
            if spec.get("releaseImage") == self.target_image:
                self.base_os_image = spec.get("baseOSContainerImage") or spec.get("osImageURL") or ""
        return self.base_os_image or None

    def _rendered(self, name: str | None) -> dict[str, Any] | None:
        if name and name not in self.rendered:
            self.rendered[name] = api.machine_config(self.client, name)
        return self.rendered.get(name) if name else None

    def _pool_verdicts(self, accepted: bool) -> dict[str, Any]:
        pools = list(self.objects[KIND_POOL].values())
        nodes = list(self.objects[KIND_NODE].values())
        expected = self._expected_os_image() if accepted else None
        verdicts = {}
        for obj in pools:
            pool = as_pool(obj)
            pool_nodes = nodes_of_pool(pool, nodes, pools)
            rendered = self._rendered(pool.target_config) if expected else None
            overridden = ((rendered or {}).get("metadata") or {}).get("annotations", {}).get(OVERRIDDEN) == "true"
            if rendered is not None and os_image_url_of(rendered) != expected and overridden:
                expected_here = None  # an os_image_override pool keeps its own image
            else:
                expected_here = expected
            verdict = evaluate(pool, pool_nodes, rendered_config=rendered, expected_os_image=expected_here)
            if verdict.render_done and accepted:
                self.node_timelines.setdefault(pool.name, NodeTimeline()).observe(
                    pool.target_config, pool_nodes, self.wall_clock()
                )
            verdicts[pool.name] = verdict
        return verdicts

    def judge(self) -> prog.Progress:
        cv = self.objects[KIND_CV].get("version") or {}
        accepted = prog.accepted(cv, self.target_image)
        self.verdicts = self._pool_verdicts(accepted)
        self.timeline.observe(
            cv, self.target_image, list(self.objects[KIND_CO].values()), self.verdicts, self.wall_clock()
        )
        return prog.judge(cv, self.target_image, self.generation, self.verdicts, self.wait_for_pools)

    # -- watching ------------------------------------------------------------------------
    def wait(self) -> tuple[prog.Progress, float]:
        start = self.clock()
        deadline = start + self.timeout
        result = prog.Progress(prog.PHASE_REQUESTED, "no event seen yet")
        specs = [WatchSpec(kind, version, name=name) for kind, version, name in WATCHED]
        with WatchSet(self.client, specs, self.retry_sleep, self.warnings) as watch:
            self.objects = watch.objects
            while True:
                now = self.clock()
                if now >= deadline and watch.all_synced:
                    break
                batch = watch.next_batch(max(0.05, deadline - now))
                if batch is None:
                    if not watch.all_synced:
                        break
                    continue
                watch.apply(batch)
                if not watch.all_synced:
                    continue
                result = self.judge()
                if result.final:
                    break
        return result, round(self.clock() - start, 3)

    def report(self) -> dict[str, Any]:
        nodes = {name: tl.as_list() for name, tl in self.node_timelines.items()}
        return self.timeline.as_dict(nodes)


# -- the actions ---------------------------------------------------------------------------
def cluster_version_info(ctx: Any) -> dict[str, Any]:
    client = ctx.client("cluster_version_info")
    return {"changed": False, "cluster_version": cvm.describe(api.cluster_version(client))}


def cluster_version_update(ctx: Any) -> dict[str, Any]:
    params = ctx.params
    client = ctx.client("cluster_version_update")
    before = api.cluster_version(client)
    plan = plan_request(before, params)
    for warning in plan.warnings:
        ctx.warn(warning)
    result: dict[str, Any] = {
        "changed": plan.patch is not None,
        "request": plan.as_dict(),
        "before": {"version": cvm.current(before).get("version"), "image": cvm.current(before).get("image")},
    }
    if ctx.check_mode:
        result["cluster_version"] = cvm.describe(before)
        return result
    generation = (before.get("metadata") or {}).get("generation")
    if plan.patch is not None:
        after = api.patch_cluster_version(client, plan.patch)
        generation = (after.get("metadata") or {}).get("generation")
    target = plan.target_image
    if not target or not params.get("wait"):
        result["cluster_version"] = cvm.describe(api.cluster_version(client))
        return result
    waiter = UpdateWaiter(client, target, generation, params["wait_timeout"], params["wait_for_pools"])
    progress, elapsed = waiter.wait()
    for warning in waiter.warnings:
        ctx.warn(warning)
    final_cv = waiter.objects[KIND_CV].get("version") or api.cluster_version(client)
    result.update(
        cluster_version=cvm.describe(final_cv),
        timeline=waiter.report(),
        elapsed_seconds=elapsed,
        progress={"phase": progress.phase, "message": progress.message},
        pools={name: v.as_dict() for name, v in sorted(waiter.verdicts.items())},
    )
    context = {k: v for k, v in result.items() if k != "changed"}
    target_text = plan.target_version or target
    if progress.phase == prog.PHASE_REJECTED:
        raise UpdateRejectedError(
            f"the update to {target_text} was not accepted: {progress.message}. Fix the cause (a release "
            "signature, a precondition, the request) or, for a release you trust, set force=true",
            condition=progress.condition,
            changed=result["changed"],
            **context,
        )
    if progress.phase == prog.PHASE_FAILED:
        raise UpdateFailedError(
            f"the update to {target_text} fails: {progress.message}", changed=result["changed"], **context
        )
    if progress.phase == prog.PHASE_PAUSED:
        ctx.warn(f"{progress.message}. The update is complete, but paused pools roll out only once unpaused")
    elif progress.phase != prog.PHASE_DONE:
        raise UpdateTimeoutError(
            f"the update to {target_text} did not finish within wait_timeout={params['wait_timeout']}s: "
            f"{progress.message}. It goes on in the cluster; run the task again to keep waiting",
            changed=result["changed"],
            **context,
        )
    return result
