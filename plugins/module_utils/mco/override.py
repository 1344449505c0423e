# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""okd.machine_os.os_image_override: read, check, plan, apply, wait.

:func:`os_image_override` is the module's one action. The pure part (builder, name and merge
order, plans) is :mod:`.override_plan`; the resourceVersion-guarded writes are
:mod:`.override_apply`; the wait is :mod:`.waiter` judged by :func:`.rollout.evaluate`.
Every refusal and failure is raised as a :class:`~..errors.MachineOSError` whose context
carries the result so far (``changed``, ``name`` and, after a write, the rest).
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.readers import read_controller_config
from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import RBAC_DOC, MachineConfigReader
from ansible_collections.okd.machine_os.plugins.module_utils.mco.image_check import cluster_auth_store, verify_image
from ansible_collections.okd.machine_os.plugins.module_utils.mco.info import PoolNotFoundError
from ansible_collections.okd.machine_os.plugins.module_utils.mco.override_apply import OverrideApplier
from ansible_collections.okd.machine_os.plugins.module_utils.mco.override_plan import (
    ConcurrentChangeError,
    OverrideError,
    default_name,
    diff_view,
    effective_os_image,
    later_overrides,
    name_order_error,
    os_image_of,
    plan_absent,
    plan_present,
    pool_machine_configs,
    pool_role,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import selector_is_empty, selector_to_string
from ansible_collections.okd.machine_os.plugins.module_utils.mco.rollout import STATE_PAUSED
from ansible_collections.okd.machine_os.plugins.module_utils.mco.waiter import RolloutWaiter
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference

__all__ = ["RBAC_DOC", "RolloutError", "os_image_override"]


class RolloutError(OverrideError):
    """The override was applied, but the pool did not roll out: degraded, paused or timed out."""


class OverrideTask:
    """What os_image_override does, given a reader on the API client and the module's params."""

    def __init__(
        self,
        reader: MachineConfigReader,
        params: dict[str, Any],
        check_mode: bool = False,
        diff: bool = False,
        warn: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.reader = reader
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.warn = warn

    # reads
    def _pool(self, name: str) -> dict[str, Any]:
        pool = self.reader.get_pool(name)
        if pool is None:
            raise PoolNotFoundError(name, [p["metadata"]["name"] for p in self.reader.list_pools()])
        return pool

    def _pool_machine_configs(self, pool: dict[str, Any]) -> list[dict[str, Any]]:
        selector = (pool.get("spec") or {}).get("machineConfigSelector")
        if selector is None or selector_is_empty(selector):
            raise OverrideError(
                "MachineConfigPool {} has an empty or missing machineConfigSelector: the MCO does not "
                "render it, so no override can take effect".format(pool["metadata"]["name"])
            )
        return pool_machine_configs(pool, self.reader.list_machine_configs(selector_to_string(selector)))

    def _default_os_image(self) -> str | None:
        controller_config = read_controller_config(self.reader.api)
        return ((controller_config or {}).get("spec") or {}).get("baseOSContainerImage") or None

    def _architecture(self, pool: dict[str, Any]) -> str | None:
        """The pool's nodes' ``kubernetes.io/arch`` label, or None when no node says."""
        selector = (pool.get("spec") or {}).get("nodeSelector")
        if selector is None or selector_is_empty(selector):
            return None
        for node in self.reader.list_nodes(selector_to_string(selector)):
            arch = ((node.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/arch")
            if arch:
                return arch
        return None

    # checks
    def _check_image_reference(self, image: str) -> None:
        try:
            reference = Reference.parse(image)
        except RegistryError as e:
            raise OverrideError(f"image: {e}", image=image) from None
        if not reference.digest and not self.params["allow_tag"]:
            raise OverrideError(
                f"image {image} is a tag reference: every node pulls the OS image on its own, so a tag "
                "that moves during the rollout leaves nodes on different images. Use the digest "
                "pullspec (registry/repository@sha256:...), or set allow_tag: true",
                image=image,
            )

    def _verify(self, image: str, pool: dict[str, Any]) -> dict[str, Any]:
        auth = cluster_auth_store(self.reader.api)
        node_arch = self._architecture(pool)
        checked = verify_image(
            image,
            auth,
            ca_file=self.params.get("ca_file"),
            insecure_registries=self.params.get("insecure_registries") or (),
            architecture=node_arch or "amd64",
        )
        # the daemon refuses such an image on every node and the pool degrades
        # (machine-config-operator pkg/daemon/update.go checks the image's architecture)
        if node_arch and checked.get("architecture") and checked["architecture"] != node_arch:
            raise OverrideError(
                f"image {image} is built for {checked['architecture']}, but the nodes of pool "
                f"{pool['metadata']['name']} are {node_arch} (label kubernetes.io/arch): every node would fail "
                f"to rebase to it. Build the image for {node_arch} (or push a manifest list that has it)",
                image=image,
                image_architecture=checked["architecture"],
                node_architecture=node_arch,
            )
        if not checked["bootable"]:
            self.warn(
                f"image {image} has neither the ostree.bootable nor the containers.bootc label: the nodes "
                "will fail to rebase to it and the pool will degrade"
            )
        return checked

    def _check_wait_options(self) -> None:
        if self.params["wait_timeout"] < 0:
            raise OverrideError(
                f"wait_timeout must be 0 (report the pool's state once, without waiting) or more seconds, "
                f"not {self.params['wait_timeout']}"
            )
        if self.params["wait_sleep"] < 1:
            raise OverrideError(f"wait_sleep must be at least 1 second, not {self.params['wait_sleep']}")

    def run(self) -> dict[str, Any]:
        params = self.params
        pool_name = params["pool"]
        self._check_wait_options()
        present = params["state"] == "present"
        image = params.get("image")
        if present:
            self._check_image_reference(image)
        pool = self._pool(pool_name)
        role = pool_role(pool)
        name = params.get("name") or default_name(pool_name)
        mcs = self._pool_machine_configs(pool)
        existing = self.reader.get_machine_config(name)
        rendered_before = ((pool.get("spec") or {}).get("configuration") or {}).get("name")
        result: dict[str, Any] = {"name": name, "image": image if present else None}
        image_check = None

        if present:
            if (pool.get("spec") or {}).get("osImageStream", {}).get("name"):
                raise OverrideError(
                    f"MachineConfigPool {pool_name} sets spec.osImageStream.name: the MCO refuses to render an "
                    "osImageURL override together with it. Remove spec.osImageStream first"
                )
            order_error = name_order_error(name, role, mcs)
            if order_error:
                raise OverrideError(order_error, name=name)
            plan = plan_present(name, role, image, existing)
            later = later_overrides(name, role, image, mcs)
            if later:
                raise OverrideError(
                    f"MachineConfig {later[-1][0]} sets osImageURL {later[-1][1]} and comes after {name} in the render's merge "
                    "order, so the override would never take effect. Remove it or use a name that "
                    "sorts after it",
                    name=name,
                )
            if plan.changed and params["verify_image"]:
                image_check = self._verify(image, pool)
            expected_image = image
        else:
            plan = plan_absent(name, existing)
            expected_image, source = effective_os_image(mcs, self._default_os_image(), exclude=(name,))
            if source:
                self.warn(
                    f"MachineConfig {source} still overrides the OS image of pool {pool_name} with {expected_image}: the pool rolls "
                    "to that image, not to the release's default"
                )

        plan, after = OverrideApplier(self.reader.api).apply(plan)
        if after:
            after = copy.deepcopy(after)
            after.get("metadata", {}).pop("managedFields", None)
        result.update(
            changed=plan.changed,
            operation=plan.operation,
            machine_config=after if present else None,
            previous_image=plan.previous_image,
            expected_os_image=expected_image,
            rendered_config={"before": rendered_before, "after": None},
        )
        if image_check is not None:
            result["image_check"] = image_check
        if self.diff:
            result["diff"] = {"before": diff_view(plan.before), "after": diff_view(after if present else None)}

        if params["wait"] and not self.check_mode:
            try:
                self._wait(result, pool_name, name, present, expected_image)
            except MachineOSError as e:
                raise e.with_context(**result) from None
        return result

    def _wait(
        self, result: dict[str, Any], pool_name: str, name: str, present: bool, expected_image: str | None
    ) -> None:
        def check_rendered(rendered: dict[str, Any]) -> None:
            if not present or os_image_of(rendered) == expected_image:
                return
            current = self.reader.get_machine_config(name)
            if current is None or os_image_of(current) != expected_image:
                raise ConcurrentChangeError(
                    "MachineConfig {} was changed by another writer while waiting for the rollout ({}): "
                    "stopped waiting for {}. Check who else manages this pool's OS image".format(
                        name,
                        f"it now has osImageURL {os_image_of(current)}" if current else "it was deleted",
                        expected_image,
                    ),
                    name=name,
                )

        waiter = RolloutWaiter(
            self.reader,
            pool_name,
            expect_source=name if present else None,
            expect_absent_source=None if present else name,
            expected_os_image=expected_image,
            timeout=self.params["wait_timeout"],
            retry_sleep=self.params["wait_sleep"],
            check_rendered=check_rendered,
        )
        waited = waiter.wait()
        for warning in waiter.warnings:
            self.warn(warning)
        verdict = waited.verdict
        result.update(
            pool=verdict.as_dict(),
            timeline=waited.timeline,
            elapsed_seconds=waited.elapsed_seconds,
        )
        result["rendered_config"]["after"] = waited.rendered_after
        what = f"the override {expected_image}" if present else f"the rollback to {expected_image}"
        if verdict.failed:
            nodes = verdict.degraded_nodes
            if nodes:
                detail = "; ".join("node {} is {}: {}".format(n.name, n.state, n.reason or "no reason") for n in nodes)
            else:
                detail = verdict.message
            raise RolloutError(f"MachineConfigPool {pool_name} degraded while rolling out {what}: {detail}")
        if verdict.state == STATE_PAUSED:
            pending = (
                ", ".join(n.describe(verdict.target_config) for n in waited.nodes if n.name in verdict.pending_nodes)
                or "none"
            )
            raise RolloutError(
                f"MachineConfigPool {pool_name} is paused (spec.paused: true): it will not roll out {what}. Pending "
                f"nodes: {pending}. Set spec.paused to false and run again"
            )
        if waited.timed_out:
            pending = ", ".join(
                n.describe(verdict.target_config) for n in waited.nodes if n.name in verdict.pending_nodes
            )
            raise RolloutError(
                "Timed out after {}s waiting for MachineConfigPool {} to roll out {}: {}{}".format(
                    self.params["wait_timeout"],
                    pool_name,
                    what,
                    verdict.message,
                    f". Pending nodes: {pending}" if pending else "",
                )
            )


def os_image_override(ctx: Any) -> dict[str, Any]:
    """The module's action: ``ctx`` is a :class:`~..module_runner.ModuleContext`."""
    params = ctx.params
    task = OverrideTask(
        MachineConfigReader(ctx.client()), params, check_mode=ctx.check_mode, diff=ctx.diff, warn=ctx.warn
    )
    try:
        return task.run()
    except MachineOSError as e:
        raise e.with_context(changed=False, name=params.get("name") or default_name(params["pool"])) from None
