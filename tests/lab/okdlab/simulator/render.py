"""Pure render logic: ControllerConfig gating, MachineConfig merge, rendered name.

Rules (research/mco-layering.md §3):
* MCO@main pkg/apihelpers/apihelpers.go `IsControllerConfigCompleted`;
* MCO@main pkg/controller/render/render_controller.go `generateRenderedMachineConfig`
  (controller-version checks, os-image-url-overridden annotation, owner reference);
* MCO@main pkg/controller/common/helpers.go `MergeMachineConfigs` (worker-role MCs first, then
  the rest, each by name; last non-empty osImageURL wins over ControllerConfig
  spec.baseOSContainerImage, with MCO@4.12-4.20 semantics: template MCs are not skipped);
* pkg/controller/render/hash.go: `rendered-<pool>-<32 hex>` from the merged spec only.  The real
  hash is MD5 over a salt + Go YAML of the spec; here it is MD5 over canonical JSON (same shape,
  same properties: deterministic, spec-only, so a rollback returns to the old name).
"""

import copy
import hashlib
import json

from . import constants as c

OS_IMAGE_STREAM_CONFLICT = (
    "cannot override MachineConfig osImageURL and set MachineConfigPool spec.osImageStream.name simultaneously"
)


class RenderError(Exception):
    """A render failure; str() is the error text the MCO puts after
    "Failed to render configuration for pool <pool>: "."""


def _condition_true(conditions, ctype):
    return any(x.get("type") == ctype and x.get("status") == "True" for x in conditions or [])


def controller_config_not_completed(cc):
    """None if the ControllerConfig is completed, else the MCO's reason text
    (apihelpers.go IsControllerConfigCompleted)."""
    if cc is None:
        return f'controllerconfig.machineconfiguration.openshift.io "{c.CONTROLLER_CONFIG_NAME}" not found'
    generation = cc.get("metadata", {}).get("generation", 0)
    status = cc.get("status") or {}
    observed = status.get("observedGeneration", 0)
    if generation != observed:
        return (
            f"status for ControllerConfig {c.CONTROLLER_CONFIG_NAME} is being reported for "
            f"{observed}, expecting it for {generation}"
        )
    conds = status.get("conditions")
    completed = _condition_true(conds, c.TEMPLATE_CONTROLLER_COMPLETED)
    running = _condition_true(conds, c.TEMPLATE_CONTROLLER_RUNNING)
    failing = _condition_true(conds, c.TEMPLATE_CONTROLLER_FAILING)
    if completed and not running and not failing:
        return None
    return (
        f"ControllerConfig has not completed: completed({str(completed).lower()}) "
        f"running({str(running).lower()}) failing({str(failing).lower()})"
    )


def merge_order(mcs):
    """MCO@4.15+ MergeMachineConfigs order: role=worker MCs by name, then all others by name."""

    def is_worker(mc):
        return (mc.get("metadata", {}).get("labels") or {}).get(c.ROLE_LABEL) == c.WORKER_POOL

    by_name = sorted(mcs, key=lambda mc: mc["metadata"]["name"])
    return [mc for mc in by_name if is_worker(mc)] + [mc for mc in by_name if not is_worker(mc)]


def machine_config_refs(mcs):
    """spec.configuration.source: one reference per selected MC, by name
    (render_controller.go getMachineConfigRefs; the controller sorts the MCs by name first)."""
    return [
        {"apiVersion": c.MC_API_VERSION, "kind": c.MC_KIND, "name": mc["metadata"]["name"]}
        for mc in sorted(mcs, key=lambda mc: mc["metadata"]["name"])
    ]


def default_os_image(cc):
    """GetBaseImageContainer without OS image streams: ControllerConfig spec.baseOSContainerImage."""
    return (cc.get("spec") or {}).get("baseOSContainerImage", "")


def validate_machine_config(mc):
    """None or the error of ValidateMachineConfig (pkg/controller/common/helpers.go): kernelType
    and the Ignition version (3.0-3.5 or 2.2 accepted by IgnParseWrapper)."""
    spec = mc.get("spec") or {}
    kernel_type = spec.get("kernelType", "")
    if kernel_type not in ("", c.KERNEL_TYPE_DEFAULT, c.KERNEL_TYPE_REALTIME, c.KERNEL_TYPE_64K_PAGES):
        return f"kernelType={kernel_type} is invalid"
    config = spec.get("config")
    if config:
        version = str((config.get("ignition") or {}).get("version", ""))
        if ".".join(version.split(".")[:2]) not in c.SUPPORTED_IGNITION_VERSIONS:
            return "parsing Ignition config failed: unknown version. Supported spec versions: " + ", ".join(
                c.SUPPORTED_IGNITION_VERSIONS
            )
    return None


# Ignition list fields merged by key (ign3.Merge: an entry with the same key in a later config
# replaces the earlier one; here the whole entry is replaced rather than field by field).
_KEYED_LISTS = {
    "storage": {
        "files": "path",
        "directories": "path",
        "links": "path",
        "disks": "device",
        "filesystems": "device",
        "raid": "name",
        "luks": "name",
    },
    "systemd": {"units": "name"},
    "passwd": {"users": "name", "groups": "name"},
}


def _merge_keyed(base, other, key):
    out = list(base)
    index = {item.get(key): i for i, item in enumerate(out)}
    for item in other:
        if item.get(key) in index:
            out[index[item.get(key)]] = copy.deepcopy(item)
        else:
            index[item.get(key)] = len(out)
            out.append(copy.deepcopy(item))
    return out


def merge_ignition(configs):
    """Shallow ign3.Merge of the MCs' configs in merge order, at the internal version."""
    out = {"ignition": {"version": c.INTERNAL_IGNITION_VERSION}}
    for config in configs:
        for section, value in (config or {}).items():
            if section == "ignition":
                continue
            if section in _KEYED_LISTS and isinstance(value, dict):
                merged = out.setdefault(section, {})
                for field, field_value in value.items():
                    key = _KEYED_LISTS[section].get(field)
                    if key and isinstance(field_value, list):
                        merged[field] = _merge_keyed(merged.get(field, []), field_value, key)
                    else:
                        merged[field] = copy.deepcopy(field_value)
            else:
                out[section] = copy.deepcopy(value)
    # files without `overwrite` get `overwrite: true` (MergeMachineConfigs)
    for item in out.get("storage", {}).get("files", []):
        item.setdefault("overwrite", True)
    return out


def merge_machine_configs(mcs, cc):
    """The merged MachineConfigSpec (helpers.go MergeMachineConfigs, MCO@4.12-4.20 osImageURL rule)."""
    ordered = merge_order(mcs)
    cc_spec = cc.get("spec") or {}
    os_image_url = default_os_image(cc)
    extensions_image = cc_spec.get("baseOSExtensionsContainerImage", "")
    kargs, extensions = [], []
    fips = False
    kernel_type = c.KERNEL_TYPE_DEFAULT
    for mc in ordered:
        spec = mc.get("spec") or {}
        if spec.get("osImageURL"):
            os_image_url = spec["osImageURL"]
        if spec.get("baseOSExtensionsContainerImage"):
            extensions_image = spec["baseOSExtensionsContainerImage"]
        kargs.extend(spec.get("kernelArguments") or [])
        extensions.extend(spec.get("extensions") or [])
        fips = fips or bool(spec.get("fips"))
        if spec.get("kernelType") in (c.KERNEL_TYPE_REALTIME, c.KERNEL_TYPE_64K_PAGES):
            kernel_type = spec["kernelType"]
    return {
        "osImageURL": os_image_url,
        "baseOSExtensionsContainerImage": extensions_image,
        "config": merge_ignition([(mc.get("spec") or {}).get("config") for mc in ordered]),
        "kernelArguments": kargs,
        "extensions": extensions,
        "fips": fips,
        "kernelType": kernel_type,
    }


def spec_hash(spec):
    """32 lowercase hex chars from the merged spec only."""
    data = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.md5(data.encode("utf-8")).hexdigest()  # nosec - a name, not a security hash


def rendered_name(pool_name, spec):
    return f"{c.RENDERED_PREFIX}{pool_name}-{spec_hash(spec)}"


def generate_rendered(pool, mcs, cc):
    """The rendered MachineConfig object for `pool` from its selected `mcs`, or RenderError.

    The error texts are those of generateRenderedMachineConfig, wrapped as syncGeneratedMachineConfig
    does ("could not generate rendered MachineConfig: ...")."""
    try:
        return _generate(pool, mcs, cc)
    except RenderError as e:
        raise RenderError(f"could not generate rendered MachineConfig: {e}") from None


def _generate(pool, mcs, cc):
    annotations = (cc.get("metadata") or {}).get("annotations") or {}
    if c.CC_GENERATED_BY_VERSION not in annotations:
        raise RenderError(
            f"Ignoring controller config generated without {c.CC_GENERATED_BY_VERSION} "
            f"annotation (my version: {c.CONTROLLER_VERSION})"
        )
    if annotations[c.CC_GENERATED_BY_VERSION] != c.CONTROLLER_VERSION:
        raise RenderError(
            f"Ignoring controller config generated from {annotations[c.CC_GENERATED_BY_VERSION]} "
            f"(my version: {c.CONTROLLER_VERSION})"
        )
    for mc in sorted(mcs, key=lambda m: m["metadata"]["name"]):
        generated_by = (mc["metadata"].get("annotations") or {}).get(c.GENERATED_BY_CONTROLLER, "")
        if generated_by and generated_by != c.CONTROLLER_VERSION:
            raise RenderError(
                f"Ignoring MC {mc['metadata']['name']} generated by older version "
                f"{generated_by} (my version: {c.CONTROLLER_VERSION})"
            )
    for mc in sorted(mcs, key=lambda m: m["metadata"]["name"]):
        error = validate_machine_config(mc)
        if error:
            raise RenderError(error)
    spec = merge_machine_configs(mcs, cc)
    overridden = spec["osImageURL"] != default_os_image(cc)
    # MCO@4.22+/main: an osImageURL override and an OS image stream on the pool exclude each other
    if overridden and ((pool.get("spec") or {}).get("osImageStream") or {}).get("name"):
        raise RenderError(OS_IMAGE_STREAM_CONFLICT)
    mc_annotations = {
        c.GENERATED_BY_CONTROLLER: c.CONTROLLER_VERSION,
        c.RELEASE_IMAGE_VERSION: annotations.get(c.RELEASE_IMAGE_VERSION, ""),
    }
    if overridden:
        mc_annotations[c.OS_IMAGE_URL_OVERRIDDEN] = "true"
    meta = pool["metadata"]
    return {
        "apiVersion": c.MC_API_VERSION,
        "kind": c.MC_KIND,
        "metadata": {
            "name": rendered_name(meta["name"], spec),
            "annotations": mc_annotations,
            "ownerReferences": [
                {
                    "apiVersion": c.MC_API_VERSION,
                    "kind": c.MCP_KIND,
                    "name": meta["name"],
                    "uid": meta.get("uid", ""),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": spec,
    }
