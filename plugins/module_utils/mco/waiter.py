# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wait for a MachineConfigPool rollout by watching the API server.

The pool (by name) and its nodes (by label selector) are watched with :class:`..k8s.watch.WatchSet`
(list, then watch; re-list after a 410 Gone or a broken stream). The main thread re-reads the
target rendered MachineConfig when ``spec.configuration.name`` changes, and judges every
new snapshot with the collection's one rollout predicate (:func:`rollout.evaluate`). It
also re-lists everything itself every ``relist_interval`` seconds without events, in case
a watch silently stalls. A node going Degraded is thus seen as soon as the API server
sends the event, not at the next poll.

:class:`timeline.Timeline` (pure) records per node when it was targeted, done or degraded.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.watch import WatchSet, WatchSpec
from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import (
    KIND_NODE,
    KIND_POOL,
    MCO_API_VERSION,
    MachineConfigReader,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import (
    Node,
    as_pool,
    nodes_of_pool,
    selector_is_empty,
    selector_to_string,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.rollout import Verdict, evaluate
from ansible_collections.okd.machine_os.plugins.module_utils.mco.timeline import Timeline


class PoolGoneError(MachineOSError):
    """The pool being waited for was deleted."""


class WaitResult:
    def __init__(
        self,
        verdict: Verdict,
        timeline: list[dict[str, Any]],
        elapsed: float,
        timed_out: bool,
        nodes: list[Node],
        rendered_after: str | None,
    ) -> None:
        self.verdict = verdict
        self.timeline = timeline
        self.elapsed_seconds = round(elapsed, 3)
        self.timed_out = timed_out
        self.nodes = nodes
        self.rendered_after = rendered_after


class RolloutWaiter:
    """Watches one pool and its nodes until ``evaluate`` says final, or the timeout."""

    def __init__(
        self,
        reader: MachineConfigReader,
        pool_name: str,
        *,
        expect_source: str | None = None,
        expect_absent_source: str | None = None,
        expected_os_image: str | None = None,
        timeout: float = 1800,
        retry_sleep: float = 5,
        relist_interval: float = 30,
        check_rendered: Callable[[dict[str, Any]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.reader = reader
        self.pool_name = pool_name
        self.expect_source = expect_source
        self.expect_absent_source = expect_absent_source
        self.expected_os_image = expected_os_image
        self.timeout = timeout
        self.retry_sleep = retry_sleep
        self.relist_interval = relist_interval
        self.check_rendered = check_rendered
        self.clock = clock
        self.wall_clock = wall_clock
        self.timeline = Timeline()
        self.warnings: list[str] = []
        self._rendered: dict[str, Any] | None = None

    def _gone(self) -> PoolGoneError:
        return PoolGoneError(f"MachineConfigPool {self.pool_name} was deleted while waiting", pool=self.pool_name)

    def _rendered_config(self, name: str | None) -> dict[str, Any] | None:
        if not name:
            return None
        if not self._rendered or self._rendered.get("metadata", {}).get("name") != name:
            self._rendered = self.reader.get_machine_config(name)
            if self._rendered is not None and self.check_rendered is not None:
                self.check_rendered(self._rendered)
        return self._rendered

    def _judge(
        self, pool_obj: dict[str, Any], node_objs: dict[str, dict[str, Any]], all_pools: list[dict[str, Any]]
    ) -> tuple:
        pool = as_pool(pool_obj)
        nodes = nodes_of_pool(pool, node_objs.values(), all_pools or [pool_obj])
        rendered = self._rendered_config(pool.target_config) if self.expected_os_image is not None else None
        verdict = evaluate(
            pool,
            nodes,
            expect_source=self.expect_source,
            expect_absent_source=self.expect_absent_source,
            rendered_config=rendered,
            expected_os_image=self.expected_os_image,
        )
        if verdict.render_done:
            self.timeline.observe(pool.target_config, nodes, self.wall_clock())
        return verdict, nodes

    def wait(self) -> WaitResult:
        start = self.clock()
        deadline = start + self.timeout
        all_pools = self.reader.list_pools()
        pool_obj = next((p for p in all_pools if p.get("metadata", {}).get("name") == self.pool_name), None)
        if pool_obj is None:
            raise PoolGoneError(f"MachineConfigPool {self.pool_name} disappeared while waiting", pool=self.pool_name)
        node_selector = as_pool(pool_obj).node_selector
        label_selector = None
        if node_selector is not None and not selector_is_empty(node_selector):
            label_selector = selector_to_string(node_selector)

        # read and judge once before looking at the clock: a pool that is already rolled
        # out is reported as such even with a timeout of 0 (which means "do not wait")
        items = self.reader.list_nodes(label_selector)
        verdict, nodes = self._judge(pool_obj, {n["metadata"]["name"]: n for n in items}, all_pools)
        if verdict.final or self.clock() >= deadline:
            return WaitResult(
                verdict,
                self.timeline.as_list(),
                self.clock() - start,
                not verdict.final,
                nodes,
                as_pool(pool_obj).target_config,
            )

        specs = [
            WatchSpec(KIND_POOL, MCO_API_VERSION, name=self.pool_name),
            WatchSpec(KIND_NODE, "v1", label_selector=label_selector),
        ]
        last_read = self.clock()
        with WatchSet(self.reader.api, specs, self.retry_sleep, self.warnings) as watch:
            while True:
                now = self.clock()
                if now >= deadline:
                    break
                batch = watch.next_batch(min(deadline - now, self.relist_interval))
                if batch is None:
                    if self.clock() - last_read < self.relist_interval or not watch.all_synced:
                        continue
                    # fallback: a full re-read in case a watch silently stalled
                    fresh = self.reader.get_pool(self.pool_name)
                    watch.objects[KIND_POOL] = {self.pool_name: fresh} if fresh else {}
                    watch.objects[KIND_NODE] = {
                        n["metadata"]["name"]: n for n in self.reader.list_nodes(label_selector)
                    }
                else:
                    watch.apply(batch)
                last_read = self.clock()
                if not watch.all_synced:
                    continue
                pool_obj = watch.objects[KIND_POOL].get(self.pool_name)
                if pool_obj is None:
                    raise self._gone()
                verdict, nodes = self._judge(pool_obj, watch.objects[KIND_NODE], all_pools)
                if verdict.final:
                    break
        timed_out = not verdict.final
        return WaitResult(
            verdict, self.timeline.as_list(), self.clock() - start, timed_out, nodes, as_pool(pool_obj).target_config
        )
