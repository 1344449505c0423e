# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The OS image override MachineConfig of one pool: build it, plan and apply it, delete it.

Facts it honours (design.md §4, research/mco-layering.md §1, §3, §10):

* the override carries the pool's role label, our managed-by label and only
  ``spec.osImageURL`` (no ``config``); never ``generated-by-controller-version``;
* the render merges the MCs of a pool in order (MCO@4.15+: role ``worker`` first, sorted by
  name, then the others sorted by name) and the last non-empty ``osImageURL`` wins; on
  MCO@4.12-4.20 the template MCs (``00-<role>``, ``01-<role>-*``) carry the default image, so
  an override must sort after them;
* only MachineConfigs carrying our managed-by label are updated or deleted.

The pure part (builder, name order, merge order, plan) has no I/O; :class:`OverrideApplier`
does the writes with a resourceVersion precondition, so a concurrent writer is detected
rather than overwritten.
"""

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import (
    KIND_MACHINE_CONFIG,
    KIND_NODE,
    KIND_POOL,
    MCO_API_VERSION,
    MachineConfigApiError,
    api_error_text,
    forbidden_error,
    get_controller_config,
    get_object,
    list_objects,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.image_check import (
    ImageCheckError,
    cluster_auth_store,
    verify_image,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.info import PoolNotFoundError
from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import (
    MCO_PREFIX,
    ROLE_LABEL,
    WORKER_POOL,
    selector_is_empty,
    selector_matches,
    selector_to_string,
    to_dict,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mco.rollout import STATE_PAUSED
from ansible_collections.okd.machine_os.plugins.module_utils.mco.waiter import RolloutWaiter
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference

try:
    from kubernetes.dynamic.exceptions import ConflictError, DynamicApiError, NotFoundError
except ImportError:

    class DynamicApiError(Exception):  # type: ignore[no-redef]
        pass

    class ConflictError(DynamicApiError):  # type: ignore[no-redef]
        pass

    class NotFoundError(DynamicApiError):  # type: ignore[no-redef]
        pass


MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "okd.machine_os"
GENERATED_BY_ANNOTATION = MCO_PREFIX + "generated-by-controller-version"
NAME_TEMPLATE = "99-%s-os-image-override"

OP_CREATE = "create"
OP_UPDATE = "update"
OP_DELETE = "delete"
OP_NONE = "none"


class OverrideError(MachineOSError):
    """A refusal or failure the user can act on; the message says what and why."""


class ConcurrentChangeError(OverrideError):
    """Another writer changed (or created) the MachineConfig between our read and write."""


# --- pure helpers -----------------------------------------------------------------------


def default_name(pool_name: str) -> str:
    return NAME_TEMPLATE % pool_name


def pool_role(pool_object: Any) -> str:
    """The role an MC must carry to be selected by the pool: the pool's
    ``machineConfigSelector.matchLabels[role]``, else the pool name."""
    pool_object = to_dict(pool_object)
    selector = (pool_object.get("spec") or {}).get("machineConfigSelector") or {}
    role = (selector.get("matchLabels") or {}).get(ROLE_LABEL)
    return role or (pool_object.get("metadata") or {}).get("name", "")


def build_machine_config(name: str, role: str, image: str) -> dict[str, Any]:
    """The override MachineConfig: role + managed-by labels and ``spec.osImageURL`` only."""
    return {
        "apiVersion": MCO_API_VERSION,
        "kind": "MachineConfig",
        "metadata": {
            "name": name,
            "labels": {ROLE_LABEL: role, MANAGED_BY_LABEL: MANAGED_BY_VALUE},
        },
        "spec": {"osImageURL": image},
    }


def is_managed(machine_config: Any) -> bool:
    labels = (to_dict(machine_config).get("metadata") or {}).get("labels") or {}
    return labels.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE


def is_controller_generated(machine_config: Any) -> bool:
    annotations = (to_dict(machine_config).get("metadata") or {}).get("annotations") or {}
    return bool(annotations.get(GENERATED_BY_ANNOTATION))


def _name(machine_config: Any) -> str:
    return (to_dict(machine_config).get("metadata") or {}).get("name", "")


def _os_image(machine_config: Any) -> str | None:
    return (to_dict(machine_config).get("spec") or {}).get("osImageURL") or None


def _role_of(machine_config: Any) -> str | None:
    return ((to_dict(machine_config).get("metadata") or {}).get("labels") or {}).get(ROLE_LABEL)


def pool_machine_configs(pool_object: Any, machine_configs: Iterable[Any]) -> list[dict[str, Any]]:
    """The MachineConfigs the pool's ``machineConfigSelector`` selects."""
    selector = (to_dict(pool_object).get("spec") or {}).get("machineConfigSelector")
    selected = []
    for mc in machine_configs:
        mc = to_dict(mc)
        labels = (mc.get("metadata") or {}).get("labels") or {}
        if selector_matches(selector, labels):
            selected.append(mc)
    return selected


def merge_order(machine_configs: Iterable[Any]) -> list[dict[str, Any]]:
    """The render controller's merge order (MCO@4.15+ ``MergeMachineConfigs``): MCs with role
    ``worker`` first, sorted by name, then every other MC sorted by name."""
    mcs = [to_dict(mc) for mc in machine_configs]
    return sorted(mcs, key=lambda mc: (_role_of(mc) != WORKER_POOL, _name(mc)))


def template_names(machine_configs: Iterable[Any], role: str) -> list[str]:
    """Names of the controller-generated MCs of ``role`` (``00-<role>``, ``01-<role>-*``)."""
    return sorted(_name(mc) for mc in machine_configs if _role_of(mc) == role and is_controller_generated(mc))


def name_order_error(name: str, role: str, machine_configs: Iterable[Any]) -> str | None:
    """Why ``name`` would lose the merge to the pool's template MCs, or None.

    Template MCs of MCO@4.12-4.20 carry the default osImageURL, and the last one in merge
    order wins: an override must sort after ``01-<role>-*`` and every other template.
    """
    templates = set(template_names(machine_configs, role))
    templates.update((f"00-{role}", f"01-{role}-container-runtime", f"01-{role}-kubelet"))
    last = max(templates)
    if name <= last:
        return (
            f"name {name} sorts before the template MachineConfig {last} of role {role}: the render merges "
            "MachineConfigs by name and the last osImageURL wins, so the override would be "
            f"silently ignored. Use a name that sorts after {last}, like {NAME_TEMPLATE % role}"
        )
    return None


def effective_os_image(
    machine_configs: Iterable[Any], default_image: str | None, exclude: tuple[str, ...] = ()
) -> tuple[str | None, str | None]:
    """(osImageURL, MC name) the render would pick from these MCs (not controller-generated,
    minus ``exclude``); (default_image, None) when none of them overrides."""
    image, source = default_image, None
    for mc in merge_order(machine_configs):
        if _name(mc) in exclude or is_controller_generated(mc):
            continue
        if _os_image(mc):
            image, source = _os_image(mc), _name(mc)
    return image, source


def later_overrides(name: str, role: str, image: str, machine_configs: Iterable[Any]) -> list[tuple[str, str]]:
    """Other user MCs that come after ``name`` in merge order and set another osImageURL:
    with them in place the override would never reach the rendered config."""
    others = [to_dict(mc) for mc in machine_configs if _name(mc) != name]
    ordered = merge_order([*others, build_machine_config(name, role, image)])
    position = [_name(mc) for mc in ordered].index(name)
    return [
        (_name(mc), _os_image(mc))
        for mc in ordered[position + 1 :]
        if not is_controller_generated(mc) and _os_image(mc) and _os_image(mc) != image
    ]


def diff_view(machine_config: Any | None) -> dict[str, Any]:
    """The part of an MC worth showing in ``--diff``: apiVersion, kind, name, labels,
    annotations, spec (no managed fields, uid or resourceVersion)."""
    if not machine_config:
        return {}
    mc = to_dict(machine_config)
    metadata = mc.get("metadata") or {}
    view = {
        "apiVersion": mc.get("apiVersion", MCO_API_VERSION),
        "kind": mc.get("kind", "MachineConfig"),
        "metadata": {"name": metadata.get("name")},
        "spec": copy.deepcopy(mc.get("spec") or {}),
    }
    if metadata.get("labels"):
        view["metadata"]["labels"] = dict(metadata["labels"])
    if metadata.get("annotations"):
        view["metadata"]["annotations"] = dict(metadata["annotations"])
    return view


@dataclass
class Plan:
    """What applying the override would do."""

    operation: str
    name: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    previous_image: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.operation != OP_NONE


def desired_machine_config(existing: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """``existing`` updated to ``wanted``: our labels and osImageURL set, anything else another
    tool added (labels, annotations) kept; resourceVersion kept for the precondition."""
    desired = copy.deepcopy(existing)
    metadata = desired.setdefault("metadata", {})
    metadata.setdefault("labels", {}).update(wanted["metadata"]["labels"])
    desired["spec"] = dict(wanted["spec"])
    for key in ("managedFields", "creationTimestamp", "generation", "uid"):
        metadata.pop(key, None)
    return desired


def plan_present(name: str, role: str, image: str, existing: Any | None) -> Plan:
    wanted = build_machine_config(name, role, image)
    if not existing:
        return Plan(OP_CREATE, name, before=None, after=wanted)
    existing = to_dict(existing)
    if not is_managed(existing):
        raise OverrideError(
            f"MachineConfig {name} exists and is not managed by okd.machine_os (no label {MANAGED_BY_LABEL}={MANAGED_BY_VALUE}): "
            "refusing to change it. Delete it, or choose another name",
            name=name,
        )
    if is_controller_generated(existing):
        raise OverrideError(
            f"MachineConfig {name} carries the annotation {GENERATED_BY_ANNOTATION}: the MCO ignores or refuses such "
            "MachineConfigs. Delete it, or choose another name",
            name=name,
        )
    labels = (existing.get("metadata") or {}).get("labels") or {}
    spec = existing.get("spec") or {}
    if spec == wanted["spec"] and labels.get(ROLE_LABEL) == role:
        return Plan(OP_NONE, name, before=existing, after=existing, previous_image=_os_image(existing))
    return Plan(
        OP_UPDATE,
        name,
        before=existing,
        after=desired_machine_config(existing, wanted),
        previous_image=_os_image(existing),
    )


def plan_absent(name: str, existing: Any | None) -> Plan:
    if not existing:
        return Plan(OP_NONE, name)
    existing = to_dict(existing)
    if not is_managed(existing):
        raise OverrideError(
            f"MachineConfig {name} is not managed by okd.machine_os (no label {MANAGED_BY_LABEL}={MANAGED_BY_VALUE}): refusing to "
            "delete it. Delete it yourself if it is meant to go",
            name=name,
        )
    return Plan(OP_DELETE, name, before=existing, after=None, previous_image=_os_image(existing))


# --- writes -------------------------------------------------------------------------------


class OverrideApplier:
    """Executes a :class:`Plan` through kubernetes.core's client (``K8SClient``: in check
    mode its writes are server-side dry runs). Every write is conditional on the
    resourceVersion that was read, so a concurrent change is reported, never overwritten."""

    def __init__(self, k8s_client: Any, resource: Any) -> None:
        self.client = k8s_client
        self.resource = resource

    def _read(self, name: str) -> dict[str, Any] | None:
        try:
            return to_dict(self.client.get(self.resource, name=name))
        except NotFoundError:
            return None
        except DynamicApiError as e:
            raise _api_error("get", name, e) from None

    def _concurrent(self, plan: Plan, verb: str) -> Plan:
        """After a 409: what is there now decides between 'someone did it already' and
        'someone did something else'."""
        current = self._read(plan.name)
        wanted_image = _os_image(plan.after) if plan.after else None
        if plan.operation == OP_DELETE:
            if current is None:
                return Plan(OP_NONE, plan.name, before=plan.before)
        elif current is not None and is_managed(current) and _os_image(current) == wanted_image:
            return Plan(OP_NONE, plan.name, before=current, after=current, previous_image=_os_image(current))
        now = ("it now has osImageURL %s" % (_os_image(current) or "(none)")) if current else "it was deleted"
        if current is not None and not is_managed(current):
            now += f" and is no longer labelled {MANAGED_BY_LABEL}={MANAGED_BY_VALUE}"
        raise ConcurrentChangeError(
            f"MachineConfig {plan.name} was changed by another writer while this task tried to {verb} it ({now}): "
            "not overwriting it. Check who else manages this pool's OS image, then run again",
            name=plan.name,
            current_image=_os_image(current) if current else None,
        )

    def apply(self, plan: Plan) -> tuple[Plan, dict[str, Any] | None]:
        """(the plan as executed, the MC after the write or None)."""
        try:
            if plan.operation == OP_CREATE:
                created = self.client.create(self.resource, plan.after)
                return plan, to_dict(created)
            if plan.operation == OP_UPDATE:
                body = copy.deepcopy(plan.after)
                body["metadata"]["resourceVersion"] = plan.before["metadata"]["resourceVersion"]
                replaced = self.client.replace(self.resource, body, name=plan.name)
                return plan, to_dict(replaced)
            if plan.operation == OP_DELETE:
                self.client.delete(
                    self.resource,
                    name=plan.name,
                    body={
                        "preconditions": {
                            "resourceVersion": plan.before["metadata"]["resourceVersion"],
                            "uid": plan.before["metadata"].get("uid"),
                        }
                    },
                )
                return plan, None
        except ConflictError:
            verb = {OP_CREATE: "create", OP_UPDATE: "update", OP_DELETE: "delete"}[plan.operation]
            executed = self._concurrent(plan, verb)
            return executed, executed.after
        except NotFoundError:
            if plan.operation == OP_DELETE:
                return Plan(OP_NONE, plan.name, before=plan.before), None
            return self._concurrent(plan, plan.operation), None
        except DynamicApiError as e:
            raise _api_error(plan.operation, plan.name, e) from None
        return plan, plan.after


def _api_error(verb: str, name: str, exc: Exception) -> Exception:
    if getattr(exc, "status", None) == 403:
        return forbidden_error(verb, "machineconfigs", name, exc)
    return MachineConfigApiError(f"cannot {verb} MachineConfig {name}: {api_error_text(exc)}")


# --- the task: read, check, plan, apply, wait ------------------------------------------------


class OverrideTask:
    """What os_image_override does, given a reader (kubernetes.core's client) and params."""

    def __init__(self, reader: Any, params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> None:
        self.reader = reader
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.warnings: list[str] = []

    # reads
    def _pool(self, name: str) -> dict[str, Any]:
        pool = get_object(self.reader, KIND_POOL, MCO_API_VERSION, "machineconfigpools", name)
        if pool is None:
            pools, _version = list_objects(self.reader, KIND_POOL, MCO_API_VERSION, "machineconfigpools")
            raise PoolNotFoundError(name, [p["metadata"]["name"] for p in pools])
        return pool

    def _pool_machine_configs(self, pool: dict[str, Any]) -> list[dict[str, Any]]:
        selector = (pool.get("spec") or {}).get("machineConfigSelector")
        if selector is None or selector_is_empty(selector):
            raise OverrideError(
                "MachineConfigPool {} has an empty or missing machineConfigSelector: the MCO does not "
                "render it, so no override can take effect".format(pool["metadata"]["name"])
            )
        items, _version = list_objects(
            self.reader, KIND_MACHINE_CONFIG, MCO_API_VERSION, "machineconfigs", selector_to_string(selector)
        )
        return pool_machine_configs(pool, items)

    def _default_os_image(self) -> str | None:
        controller_config = get_controller_config(self.reader)
        return ((controller_config or {}).get("spec") or {}).get("baseOSContainerImage") or None

    def _architecture(self, pool: dict[str, Any]) -> str | None:
        """The pool's nodes' ``kubernetes.io/arch`` label, or None when no node says."""
        selector = (pool.get("spec") or {}).get("nodeSelector")
        if selector is None or selector_is_empty(selector):
            return None
        nodes, _version = list_objects(self.reader, KIND_NODE, "v1", "nodes", selector_to_string(selector))
        for node in nodes:
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
        if not reference.digest and not self.params.get("allow_tag"):
            raise OverrideError(
                f"image {image} is a tag reference: every node pulls the OS image on its own, so a tag "
                "that moves during the rollout leaves nodes on different images. Use the digest "
                "pullspec (registry/repository@sha256:...), or set allow_tag: true",
                image=image,
            )

    def _verify(self, image: str, pool: dict[str, Any]) -> dict[str, Any]:
        auth = cluster_auth_store(self.reader)
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
            self.warnings.append(
                f"image {image} has neither the ostree.bootable nor the containers.bootc label: the nodes "
                "will fail to rebase to it and the pool will degrade"
            )
        return checked

    def run(self) -> tuple[dict[str, Any], str | None]:
        params = self.params
        pool_name = params["pool"]
        if params.get("wait_timeout", 1800) < 0:
            raise OverrideError(
                f"wait_timeout must be 0 (report the pool's state once, without waiting) or more seconds, "
                f"not {params['wait_timeout']}"
            )
        if params.get("wait_sleep", 5) < 1:
            raise OverrideError(f"wait_sleep must be at least 1 second, not {params['wait_sleep']}")
        present = params.get("state", "present") == "present"
        image = params.get("image")
        if present:
            self._check_image_reference(image)
        pool = self._pool(pool_name)
        role = pool_role(pool)
        name = params.get("name") or default_name(pool_name)
        mcs = self._pool_machine_configs(pool)
        existing = get_object(self.reader, KIND_MACHINE_CONFIG, MCO_API_VERSION, "machineconfigs", name)
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
            if plan.changed and params.get("verify_image", True):
                image_check = self._verify(image, pool)
            expected_image = image
        else:
            plan = plan_absent(name, existing)
            expected_image, source = effective_os_image(mcs, self._default_os_image(), exclude=(name,))
            if source:
                self.warnings.append(
                    f"MachineConfig {source} still overrides the OS image of pool {pool_name} with {expected_image}: the pool rolls "
                    "to that image, not to the release's default"
                )

        applier = OverrideApplier(self.reader.client, self.reader.resource(KIND_MACHINE_CONFIG, MCO_API_VERSION))
        plan, after = applier.apply(plan)
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

        failure = None
        if params.get("wait", True) and not self.check_mode:
            failure = self._wait(result, pool_name, name, present, expected_image)
        result["warnings"] = self.warnings
        return result, failure

    def _wait(
        self, result: dict[str, Any], pool_name: str, name: str, present: bool, expected_image: str | None
    ) -> str | None:
        def check_rendered(rendered: dict[str, Any]) -> None:
            if not present or _os_image(rendered) == expected_image:
                return
            current = get_object(self.reader, KIND_MACHINE_CONFIG, MCO_API_VERSION, "machineconfigs", name)
            if current is None or _os_image(current) != expected_image:
                raise ConcurrentChangeError(
                    "MachineConfig {} was changed by another writer while waiting for the rollout ({}): "
                    "stopped waiting for {}. Check who else manages this pool's OS image".format(
                        name,
                        f"it now has osImageURL {_os_image(current)}" if current else "it was deleted",
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
            timeout=self.params.get("wait_timeout", 1800),
            retry_sleep=self.params.get("wait_sleep", 5),
            check_rendered=check_rendered,
        )
        waited = waiter.wait()
        self.warnings.extend(waiter.warnings)
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
            return f"MachineConfigPool {pool_name} degraded while rolling out {what}: {detail}"
        if verdict.state == STATE_PAUSED:
            pending = (
                ", ".join(n.describe(verdict.target_config) for n in waited.nodes if n.name in verdict.pending_nodes)
                or "none"
            )
            return (
                f"MachineConfigPool {pool_name} is paused (spec.paused: true): it will not roll out {what}. Pending "
                f"nodes: {pending}. Set spec.paused to false and run again"
            )
        if waited.timed_out:
            pending = ", ".join(
                n.describe(verdict.target_config) for n in waited.nodes if n.name in verdict.pending_nodes
            )
            return "Timed out after {}s waiting for MachineConfigPool {} to roll out {}: {}{}".format(
                self.params.get("wait_timeout", 1800),
                pool_name,
                what,
                verdict.message,
                f". Pending nodes: {pending}" if pending else "",
            )
        return None


def run_override(
    reader: Any, params: dict[str, Any], check_mode: bool = False, diff: bool = False
) -> tuple[dict[str, Any], str | None]:
    """(result, failure message or None). Refusals the user can fix and concurrent changes
    come back as failures too, with the result so far."""
    task = OverrideTask(reader, params, check_mode=check_mode, diff=diff)
    try:
        return task.run()
    except (MachineOSError, ImageCheckError) as e:
        result = {"changed": False, "name": params.get("name") or default_name(params["pool"])}
        result.update(e.context)
        result["error"] = type(e).__name__
        result["warnings"] = task.warnings
        return result, str(e)
