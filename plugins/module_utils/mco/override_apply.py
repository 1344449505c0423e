# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Executes an override :class:`~.override_plan.Plan` on the collection's one API client.

Every write is conditional on the resourceVersion that was read (a replace carries it, a
delete sends it as a precondition), so a concurrent writer is detected (409) rather than
overwritten; what is there after a 409 decides between "someone did it already" and
"someone did something else". In check mode the client's writes are server-side dry runs.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import copy
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import ConflictError, NotFoundError
from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import KIND_MACHINE_CONFIG, MCO_API_VERSION
from ansible_collections.okd.machine_os.plugins.module_utils.mco.override_plan import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    OP_CREATE,
    OP_DELETE,
    OP_NONE,
    OP_UPDATE,
    ConcurrentChangeError,
    Plan,
    is_managed,
    os_image_of,
)


class OverrideApplier:
    """Applies plans to MachineConfigs through ``api``."""

    def __init__(self, api: Client) -> None:
        self.api = api

    def _concurrent(self, plan: Plan, verb: str) -> Plan:
        """After a 409: what is there now decides between 'someone did it already' and
        'someone did something else'."""
        current = self.api.get(KIND_MACHINE_CONFIG, MCO_API_VERSION, plan.name)
        wanted_image = os_image_of(plan.after) if plan.after else None
        if plan.operation == OP_DELETE:
            if current is None:
                return Plan(OP_NONE, plan.name, before=plan.before)
        elif current is not None and is_managed(current) and os_image_of(current) == wanted_image:
            return Plan(OP_NONE, plan.name, before=current, after=current, previous_image=os_image_of(current))
        now = ("it now has osImageURL %s" % (os_image_of(current) or "(none)")) if current else "it was deleted"
        if current is not None and not is_managed(current):
            now += f" and is no longer labelled {MANAGED_BY_LABEL}={MANAGED_BY_VALUE}"
        raise ConcurrentChangeError(
            f"MachineConfig {plan.name} was changed by another writer while this task tried to {verb} it ({now}): "
            "not overwriting it. Check who else manages this pool's OS image, then run again",
            name=plan.name,
            current_image=os_image_of(current) if current else None,
        )

    def apply(self, plan: Plan) -> tuple[Plan, dict[str, Any] | None]:
        """(the plan as executed, the MC after the write or None)."""
        try:
            if plan.operation == OP_CREATE:
                return plan, self.api.create(plan.after)
            if plan.operation == OP_UPDATE:
                body = copy.deepcopy(plan.after)
                body["metadata"]["resourceVersion"] = plan.before["metadata"]["resourceVersion"]
                return plan, self.api.replace(body)
            if plan.operation == OP_DELETE:
                self.api.delete(
                    KIND_MACHINE_CONFIG,
                    MCO_API_VERSION,
                    plan.name,
                    preconditions={
                        "resourceVersion": plan.before["metadata"]["resourceVersion"],
                        "uid": plan.before["metadata"].get("uid"),
                    },
                )
                return plan, None
        except ConflictError:
            executed = self._concurrent(plan, plan.operation)
            return executed, executed.after
        except NotFoundError:
            if plan.operation == OP_DELETE:
                return Plan(OP_NONE, plan.name, before=plan.before), None
            return self._concurrent(plan, plan.operation), None
        return plan, plan.after
