"""``spec.desiredUpdate`` checks the CVO makes before it acts (CVO lib/validation/validation.go
ValidateClusterVersion); a failure is reported as ``Invalid=True`` / ``InvalidClusterVersion``
and the request is ignored (pkg/cvo/status.go), never as an API error."""

from . import versions

INVALID = "Invalid"
REASON_INVALID = "InvalidClusterVersion"


def validate(cluster_version):
    """A list of field errors (strings) for the ClusterVersion's spec; empty when valid."""
    spec = cluster_version.get("spec") or {}
    status = cluster_version.get("status") or {}
    update = spec.get("desiredUpdate")
    errors = []
    if not update:
        return errors
    version, image, arch = update.get("version") or "", update.get("image") or "", update.get("architecture") or ""
    if not (version or image or arch):
        errors.append("spec.desiredUpdate: Required value: must specify architecture, version, or image")
        return errors
    if version and not versions.valid(version):
        errors.append(f'spec.desiredUpdate.version: Invalid value: "{version}": must be a semantic version')
    if not image and version and versions.valid(version):
        known = {u.get("version") for u in status.get("availableUpdates") or []}
        known |= {h.get("version") for h in status.get("history") or []}
        if version not in known:
            errors.append(
                f'spec.desiredUpdate.version: Invalid value: "{version}": when image is empty the update must be '
                "a previous version or an available update"
            )
    return errors


def message(errors):
    return "The cluster version is invalid: " + "; ".join(errors)
