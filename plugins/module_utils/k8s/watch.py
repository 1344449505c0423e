# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Watch several resources at once and keep their objects current: the one watch loop.

One thread per resource lists it once, then watches from the list's resourceVersion and
resumes from the last event's resourceVersion when the server closes the stream; a 410 Gone
(an ERROR event) or a broken stream makes it re-list, after ``retry_sleep`` seconds for
errors (client-go's reflector does the same: k8s.io/client-go tools/cache/reflector.go).
The caller's thread takes the events in bursts (:meth:`WatchSet.next_batch`) and folds them
into ``objects`` (:meth:`WatchSet.apply`), so it judges once per burst, not once per event.
A 403 ends the wait with the ForbiddenError; other API errors become warnings and a re-list.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import ForbiddenError, KubernetesError


@dataclass(frozen=True)
class WatchSpec:
    """One resource to watch: its kind and apiVersion, one object by ``name`` or a ``label_selector``."""

    kind: str
    api_version: str
    name: str | None = None
    label_selector: str | None = None


class _Watcher(threading.Thread):
    """List + watch one resource; puts ("sync", kind, items), ("event", kind, type, obj),
    ("warning", kind, exception) and ("error", kind, exception) into ``events``."""

    def __init__(self, client: Any, spec: WatchSpec, events: queue.Queue, stop: threading.Event, retry_sleep: float):
        super().__init__(daemon=True, name=f"watch-{spec.kind}")
        self.client = client
        self.spec = spec
        self.events = events
        self.stop_event = stop
        self.retry_sleep = retry_sleep

    def _list(self) -> str | None:
        spec = self.spec
        if spec.name:
            obj = self.client.get(spec.kind, spec.api_version, spec.name)
            items = [obj] if obj else []
            version = (obj or {}).get("metadata", {}).get("resourceVersion")
        else:
            items, version = self.client.list_with_version(spec.kind, spec.api_version, spec.label_selector)
        self.events.put(("sync", spec.kind, items))
        return version

    def run(self) -> None:
        spec = self.spec
        version = None
        while not self.stop_event.is_set():
            try:
                if version is None:
                    version = self._list()
                relist = False
                for event in self.client.watch(
                    spec.kind,
                    spec.api_version,
                    name=spec.name,
                    label_selector=spec.label_selector,
                    resource_version=version,
                    timeout=60,
                ):
                    if self.stop_event.is_set():
                        return
                    raw = event.get("raw_object") or {}
                    if event.get("type") == "ERROR":
                        # 410 Gone: our resourceVersion is too old; anything else: start over too
                        relist = True
                        break
                    version = (raw.get("metadata") or {}).get("resourceVersion") or version
                    if event.get("type") == "BOOKMARK":
                        continue
                    self.events.put(("event", spec.kind, event.get("type"), raw))
                if relist:
                    version = None
            except ForbiddenError as e:
                self.events.put(("error", spec.kind, e))
                return
            except (KubernetesError, ValueError) as e:
                self.events.put(("warning", spec.kind, e))
                version = None
                self.stop_event.wait(self.retry_sleep)


class WatchSet:
    """Watch ``specs`` (one per kind) with ``client`` (k8s.client.Client) as a context manager;
    ``objects[kind]`` maps name -> object once that kind is listed (``synced``)."""

    def __init__(self, client: Any, specs: list[WatchSpec], retry_sleep: float, warnings: list[str]) -> None:
        self.client = client
        self.specs = list(specs)
        self.retry_sleep = retry_sleep
        self.warnings = warnings
        self.objects: dict[str, dict[str, dict[str, Any]]] = {spec.kind: {} for spec in self.specs}
        self.synced: set[str] = set()
        self._events: queue.Queue = queue.Queue()
        self._stop = threading.Event()

    @property
    def all_synced(self) -> bool:
        return self.synced == set(self.objects)

    def __enter__(self) -> WatchSet:
        for spec in self.specs:  # resolve here: the discovery cache is not meant for threads
            self.client.resource(spec.kind, spec.api_version)
        for spec in self.specs:
            _Watcher(self.client, spec, self._events, self._stop, self.retry_sleep).start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()

    def next_batch(self, timeout: float) -> list[tuple] | None:
        """The entries that arrived within ``timeout`` seconds (a burst, drained at once), or None."""
        try:
            batch = [self._events.get(timeout=max(0.0, timeout))]
        except queue.Empty:
            return None
        while True:
            try:
                batch.append(self._events.get_nowait())
            except queue.Empty:
                return batch

    def apply(self, batch: list[tuple]) -> None:
        """Fold ``batch`` into ``objects``; raise a watcher's error, record its warnings once."""
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
                self.synced.add(kind)
                self.objects[kind] = {o["metadata"]["name"]: o for o in entry[2]}
                continue
            event_type, obj = entry[2], entry[3]
            if event_type == "DELETED":
                self.objects[kind].pop(obj["metadata"]["name"], None)
            else:
                self.objects[kind][obj["metadata"]["name"]] = obj
