# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report of okd.machine_os.machine_config_pool_info: pools, their nodes and the
rollout verdict. :func:`pool_report` is pure; :func:`gather_pool_reports` does the reads."""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import difflib
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import (
    MachineConfigReader,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import (
    Node,
    as_pool,
    nodes_of_pool,
    os_image_url_of,
    selector_is_empty,
    selector_to_string,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.rollout import evaluate


class PoolNotFoundError(MachineOSError):
    """No MachineConfigPool of that name; the message names the nearest existing ones."""

    def __init__(self, name: str, existing: list[str]) -> None:
        self.name = name
        self.existing = sorted(existing)
        nearest = difflib.get_close_matches(name, self.existing, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(nearest)}?" if nearest else ""
        listed = ", ".join(self.existing) if self.existing else "none"
        super().__init__(
            f"MachineConfigPool {name} not found.{hint} Existing pools: {listed}",
            existing_pools=self.existing,
            suggestions=nearest or None,
        )


def pool_report(
    pool_object: Any,
    nodes: list[Node] | None = None,
    rendered_config: Any = None,
) -> dict[str, Any]:
    """One entry of the module's ``pools`` list. ``nodes`` None leaves ``nodes`` out and
    judges the rollout on the pool's status alone."""
    pool = as_pool(pool_object)
    verdict = evaluate(pool, nodes)
    report = {
        "name": pool.name,
        "paused": pool.paused,
        "machine_config_selector": pool.machine_config_selector,
        "node_selector": pool.node_selector,
        "max_unavailable": pool.max_unavailable,
        "target_config": pool.target_config,
        "current_config": pool.current_config,
        "source": list(pool.source),
        "os_image_url": os_image_url_of(rendered_config),
        "generation": pool.generation,
        "observed_generation": pool.observed_generation,
        "counts": pool.counts.as_dict(),
        "conditions": {t: c.as_dict() for t, c in sorted(pool.conditions.items())},
        "verdict": verdict.as_dict(),
    }
    if nodes is not None:
        report["nodes"] = [n.as_dict() for n in nodes]
    return report


def gather_pool_reports(
    reader: MachineConfigReader, name: str | None = None, include_nodes: bool = True
) -> list[dict[str, Any]]:
    """Read the pools (one, or all), their nodes and target rendered configs."""
    pool_objects = reader.list_pools()
    if name is not None:
        selected = [p for p in pool_objects if p.get("metadata", {}).get("name") == name]
        if not selected:
            raise PoolNotFoundError(name, [p["metadata"]["name"] for p in pool_objects])
    else:
        selected = pool_objects

    node_objects: list[dict[str, Any]] = []
    if include_nodes:
        if name is not None:
            node_selector = as_pool(selected[0]).node_selector
            if node_selector is not None and not selector_is_empty(node_selector):
                node_objects = reader.list_nodes(selector_to_string(node_selector))
        else:
            node_objects = reader.list_nodes()

    reports = []
    for pool_object in selected:
        pool = as_pool(pool_object)
        rendered = reader.get_machine_config(pool.target_config) if pool.target_config else None
        nodes = nodes_of_pool(pool, node_objects, pool_objects) if include_nodes else None
        reports.append(pool_report(pool, nodes, rendered))
    return reports


def machine_config_pool_info(ctx: Any) -> dict[str, Any]:
    """The module's action: ``ctx`` is a :class:`~..module_runner.ModuleContext`."""
    reader = MachineConfigReader(ctx.client())
    pools = gather_pool_reports(reader, name=ctx.params["name"], include_nodes=ctx.params["include_nodes"])
    return {"changed": False, "pools": pools}
