# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Per node progress of a rollout, as a wait reports it (``timeline``). Pure: the caller
passes the time; the judging itself is :func:`rollout.evaluate`."""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import Node


def iso_time(timestamp: float | None) -> str | None:
    """``2026-11-22T10:12:03.123456Z`` for a time.time() value."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Timeline:
    """Per node progress toward one target rendered config. Pure: the caller passes the time.

    An entry per node: ``targeted_at`` (first seen with desiredConfig == target, or already
    Done on it), ``done_at`` (Done with current == desired == target), ``degraded_at``
    (Degraded/Unreconcilable toward the target) and ``reason`` (the daemon's). When the
    target changes (a new render) the entries start over for the new target.
    """

    def __init__(self) -> None:
        self.target: str | None = None
        self.entries: dict[str, dict[str, Any]] = {}

    def observe(self, target: str | None, nodes: list[Node], now: float) -> None:
        if not target:
            return
        if target != self.target:
            self.target = target
            self.entries = {}
        for node in nodes:
            entry = self.entries.setdefault(
                node.name,
                {
                    "name": node.name,
                    "target": target,
                    "targeted_at": None,
                    "done_at": None,
                    "degraded_at": None,
                    "reason": "",
                },
            )
            targeted = node.desired_config == target
            if targeted and entry["targeted_at"] is None:
                entry["targeted_at"] = now
            if node.is_updated_to(target):
                if entry["done_at"] is None:
                    entry["done_at"] = now
                entry["reason"] = ""
            elif node.failed and targeted and node.current_config != target:
                if entry["degraded_at"] is None:
                    entry["degraded_at"] = now
                entry["reason"] = node.reason

    def as_list(self) -> list[dict[str, Any]]:
        """Entries in the order the nodes were targeted (untargeted last, by name)."""
        ordered = sorted(
            self.entries.values(), key=lambda e: (e["targeted_at"] is None, e["targeted_at"] or 0.0, e["name"])
        )
        result = []
        for entry in ordered:
            item = dict(entry)
            for key in ("targeted_at", "done_at", "degraded_at"):
                item[key] = iso_time(entry[key])
            state = (
                "done"
                if entry["done_at"]
                else "degraded"
                if entry["degraded_at"]
                else ("updating" if entry["targeted_at"] else "pending")
            )
            item["state"] = state
            result.append(item)
        return result
