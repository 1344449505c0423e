# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wait for a MachineConfigPool rollout by watching the API server.

Two watch threads (the pool by name, the pool's nodes by label selector) list once, then
watch from the list's resourceVersion and resume from the last event's resourceVersion when
the server closes the stream; a 410 Gone or a broken stream makes them re-list (after
``retry_sleep`` seconds for errors). The main thread consumes their events, re-reads the
target rendered MachineConfig when ``spec.configuration.name`` changes, and judges every
new snapshot with the collection's one rollout predicate (:func:`rollout.evaluate`). It
also re-lists everything itself every ``relist_interval`` seconds without events, in case
a watch silently stalls. A node going Degraded is thus seen as soon as the API server
sends the event, not at the next poll.

:class:`timeline.Timeline` (pure) records per node when it was targeted, done or degraded.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import ForbiddenError, KubernetesError
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


class _Watcher(threading.Thread):
    """List + watch one resource; push ("sync", kind, items) and ("event", kind, type, obj)
    and ("error", kind, exception) into ``events``."""

    def __init__(
        self,
        reader: MachineConfigReader,
        kind: str,
        api_version: str,
        events: queue.Queue,
        stop: threading.Event,
        retry_sleep: float,
        name: str | None = None,
        label_selector: str | None = None,
        watch_timeout: int = 60,
    ) -> None:
        super().__init__(daemon=True, name=f"watch-{kind}")
        self.reader = reader
        self.kind = kind
        self.api_version = api_version
        self.events = events
        self.stop_event = stop
        self.retry_sleep = retry_sleep
        self.object_name = name
        self.label_selector = label_selector
        self.watch_timeout = watch_timeout

    def _list(self) -> str | None:
        api = self.reader.api
        if self.object_name:
            obj = api.get(self.kind, self.api_version, self.object_name)
            items = [obj] if obj else []
            version = (obj or {}).get("metadata", {}).get("resourceVersion")
        else:
            items, version = api.list_with_version(self.kind, self.api_version, self.label_selector)
        self.events.put(("sync", self.kind, items))
        return version

    def run(self) -> None:
        version = None
        while not self.stop_event.is_set():
            try:
                if version is None:
                    version = self._list()
                relist = False
                for event in self.reader.api.watch(
                    self.kind,
                    self.api_version,
                    name=self.object_name,
                    label_selector=self.label_selector,
                    resource_version=version,
                    timeout=self.watch_timeout,
                ):
                    if self.stop_event.is_set():
                        return
                    raw = event.get("raw_object") or {}
                    if event.get("type") == "ERROR":
                        # 410 Gone: our resourceVersion is too old; anything else: start over too
                        relist = True
                        break
                    metadata = raw.get("metadata") or {}
                    version = metadata.get("resourceVersion") or version
                    if event.get("type") == "BOOKMARK":
                        continue
                    self.events.put(("event", self.kind, event.get("type"), raw))
                if relist:
                    version = None
            except ForbiddenError as e:
                self.events.put(("error", self.kind, e))
                return
            except (KubernetesError, ValueError) as e:
                self.events.put(("warning", self.kind, e))
                version = None
                self.stop_event.wait(self.retry_sleep)


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

        events: queue.Queue = queue.Queue()
        stop = threading.Event()
        watchers = [
            _Watcher(
                self.reader,
                KIND_POOL,
                MCO_API_VERSION,
                events,
                stop,
                self.retry_sleep,
                name=self.pool_name,
            ),
            _Watcher(self.reader, KIND_NODE, "v1", events, stop, self.retry_sleep, label_selector=label_selector),
        ]
        # resolve the resources here: the discovery cache is not meant for threads
        for watcher in watchers:
            self.reader.api.resource(watcher.kind, watcher.api_version)
        for watcher in watchers:
            watcher.start()

        node_objs: dict[str, dict[str, Any]] = {}
        synced = set()
        last_read = self.clock()
        try:
            while True:
                now = self.clock()
                if now >= deadline:
                    break
                try:
                    item = events.get(timeout=max(0.0, min(deadline - now, self.relist_interval)))
                except queue.Empty:
                    if self.clock() - last_read >= self.relist_interval and synced == {KIND_POOL, KIND_NODE}:
                        # fallback: a full re-read in case a watch silently stalled
                        fresh = self.reader.get_pool(self.pool_name)
                        if fresh is None:
                            raise self._gone() from None
                        pool_obj = fresh
                        items = self.reader.list_nodes(label_selector)
                        node_objs = {n["metadata"]["name"]: n for n in items}
                        last_read = self.clock()
                        verdict, nodes = self._judge(pool_obj, node_objs, all_pools)
                        if verdict.final:
                            break
                    continue
                batch = [item]
                while True:  # judge once per burst of events
                    try:
                        batch.append(events.get_nowait())
                    except queue.Empty:
                        break
                for entry in batch:
                    kind = entry[1]
                    if entry[0] == "error":
                        raise entry[2]
                    if entry[0] == "warning":
                        text = f"watching {kind}s failed, re-listing in {self.retry_sleep}s: {entry[2]}"
                        if text not in self.warnings:
                            self.warnings.append(text)
                        continue
                    if entry[0] == "sync":
                        synced.add(kind)
                        if kind == KIND_POOL:
                            if not entry[2]:
                                raise self._gone()
                            pool_obj = entry[2][0]
                        else:
                            node_objs = {n["metadata"]["name"]: n for n in entry[2]}
                        continue
                    event_type, obj = entry[2], entry[3]
                    if kind == KIND_POOL:
                        if event_type == "DELETED":
                            raise self._gone()
                        pool_obj = obj
                    else:
                        name = obj["metadata"]["name"]
                        if event_type == "DELETED":
                            node_objs.pop(name, None)
                        else:
                            node_objs[name] = obj
                last_read = self.clock()
                if synced != {KIND_POOL, KIND_NODE}:
                    continue
                verdict, nodes = self._judge(pool_obj, node_objs, all_pools)
                if verdict.final:
                    break
        finally:
            stop.set()
        timed_out = not verdict.final
        return WaitResult(
            verdict, self.timeline.as_list(), self.clock() - start, timed_out, nodes, as_pool(pool_obj).target_config
        )
