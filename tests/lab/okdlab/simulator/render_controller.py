"""Render controller: per pool, render the selected MachineConfigs and point spec.configuration
at the result; RenderDegraded on failure.

Follows MCO@main pkg/controller/render/render_controller.go `syncMachineConfigPool`,
`syncGeneratedMachineConfig`, `syncAvailableStatus`, `syncFailingStatus` (research §3):
* empty machineConfigSelector -> SelectingAll, nothing else;
* ControllerConfig not completed -> requeue without touching the pool;
* zero MCs -> RenderDegraded "no MachineConfigs found matching selector <selector>";
* the rendered MC is created if absent and never deleted (garbageCollectRenderedConfigs is a no-op);
  an existing one (same spec hash) gets the generated annotations merged in, as
  resourceapply.ApplyMachineConfig / resourcemerge.EnsureObjectMeta do (extra keys stay);
* spec.configuration {name, source} is written with a normal Update (409 -> re-read, retry);
* `paused` does not stop rendering;
* changes take effect `render_delay` after they are first seen (enqueueDefault, renderDelay 5 s:
  the workqueue keeps the earliest due time, so later changes do not push it back).
"""

import collections
import logging
import time

from . import constants as c
from . import kubeapi, render, selectors
from . import status as pool_status

log = logging.getLogger("okdlab.simulator.render")
UPDATE_RETRIES = 5

# What rendering a pool comes to: an error text, or the rendered MC and spec.configuration.source.
Outcome = collections.namedtuple("Outcome", "error rendered source", defaults=(None, None))


def render_outcome(pool, mcs, cc, versions=c.VERSIONS):
    """The Outcome of rendering `pool` given all MCs."""
    selector = pool["spec"]["machineConfigSelector"]
    try:
        selected = [mc for mc in mcs if selectors.matches(selector, mc["metadata"].get("labels"))]
    except selectors.SelectorError as e:
        return Outcome(str(e))
    if not selected:
        return Outcome(f"no MachineConfigs found matching selector {selectors.to_string(selector)}")
    try:
        rendered = render.generate_rendered(pool, selected, cc, versions)
    except render.RenderError as e:
        return Outcome(str(e))
    return Outcome(None, rendered, render.machine_config_refs(selected))


def degraded_message(pool, error):
    return f"Failed to render configuration for pool {pool['metadata']['name']}: {error}"


def missing_annotations(rendered, existing):
    """Generated annotations an existing rendered MC lacks or has with another value."""
    have = (existing or {}).get("metadata", {}).get("annotations") or {}
    return {k: v for k, v in rendered["metadata"]["annotations"].items() if have.get(k) != v}


def is_satisfied(pool, outcome, existing_mcs):
    """Whether the pool already reflects `outcome` (nothing to write); existing_mcs: name -> MC."""
    conditions = (pool.get("status") or {}).get("conditions")
    cond = pool_status.get_condition(conditions, c.COND_RENDER_DEGRADED)
    if outcome.error is not None:
        return (
            cond is not None
            and cond.get("status") == "True"
            and cond.get("message") == degraded_message(pool, outcome.error)
        )
    conf = pool["spec"].get("configuration") or {}
    name = outcome.rendered["metadata"]["name"]
    return (
        conf.get("name") == name
        and conf.get("source") == outcome.source
        and name in existing_mcs
        and not missing_annotations(outcome.rendered, existing_mcs[name])
        and cond is not None
        and cond.get("status") == "False"
    )


class RenderController:
    def __init__(self, kube, render_delay=c.MCO_RENDER_DELAY_SECONDS, clock=time.monotonic, versions=c.VERSIONS):
        self.kube = kube
        self.versions = versions
        self.render_delay = render_delay
        self.clock = clock
        self._due = {}  # pool name -> when the pending render may run
        self._waiting_logged = None

    def sync(self, pool, mcs, cc):
        """Reconcile one pool; returns the pool object as it now is on the server."""
        name = pool["metadata"]["name"]
        if selectors.is_empty(pool["spec"].get("machineConfigSelector")):
            self._due.pop(name, None)
            return pool  # SelectingAll
        not_completed = render.controller_config_not_completed(cc)
        if not_completed:
            if self._waiting_logged != not_completed:
                log.info("not rendering: %s", not_completed)
                self._waiting_logged = not_completed
            return pool
        self._waiting_logged = None
        outcome = render_outcome(pool, mcs, cc, self.versions)
        existing = {mc["metadata"]["name"]: mc for mc in mcs}
        if is_satisfied(pool, outcome, existing):
            self._due.pop(name, None)
            return pool
        due = self._due.setdefault(name, self.clock() + self.render_delay)
        if self.clock() < due:
            return pool
        self._due.pop(name, None)
        if outcome.error is not None:
            log.warning("pool %s: %s", name, degraded_message(pool, outcome.error))
            return self._set_render_degraded(pool, "True", degraded_message(pool, outcome.error))
        return self._apply(pool, outcome.rendered, outcome.source, existing.get(outcome.rendered["metadata"]["name"]))

    def _apply(self, pool, rendered, source, existing):
        name = pool["metadata"]["name"]
        rendered_name = rendered["metadata"]["name"]
        if existing is not None:
            missing = missing_annotations(rendered, existing)
            if missing:
                self.kube.patch_machine_config(rendered_name, {"metadata": {"annotations": missing}})
        elif self.kube.create_machine_config(rendered) is not None:
            overridden = rendered["metadata"]["annotations"].get(c.OS_IMAGE_URL_OVERRIDDEN) == "true"
            log.info(
                "pool %s: %s successfully generated (release version: %s, controller version: %s)%s",
                name,
                rendered_name,
                rendered["metadata"]["annotations"][c.RELEASE_IMAGE_VERSION],
                self.versions.hash,
                f"; OSImageURL overridden: {rendered['spec']['osImageURL']}" if overridden else "",
            )
        for _attempt in range(UPDATE_RETRIES):
            conf = pool["spec"].get("configuration") or {}
            if conf.get("name") == rendered_name and conf.get("source") == source:
                break
            new_conf = dict(conf, name=rendered_name, source=source)
            body = dict(pool, spec=dict(pool["spec"], configuration=new_conf))
            try:
                pool = self.kube.replace_pool(body)
            except kubeapi.Conflict:
                pool = self.kube.get_pool(name)
                if pool is None:
                    return body
                continue
            if conf.get("name") != rendered_name:
                log.info("pool %s: now targeting: %s", name, rendered_name)
            break
        return self._set_render_degraded(pool, "False", "")

    def _set_render_degraded(self, pool, status, message):
        """syncFailingStatus / syncAvailableStatus: only the RenderDegraded condition changes."""
        conditions = (pool.get("status") or {}).get("conditions") or []
        cond = pool_status.get_condition(conditions, c.COND_RENDER_DEGRADED)
        if status == "False" and cond is not None and cond.get("status") == "False":
            return pool
        new_conditions = pool_status.set_condition(
            conditions, c.COND_RENDER_DEGRADED, status, "", message, pool_status.now_rfc3339()
        )
        if new_conditions == conditions:
            return pool
        body = dict(pool, status=dict(pool.get("status") or {}, conditions=new_conditions))
        written = self.kube.replace_pool_status(body)
        return written if written is not None else pool
