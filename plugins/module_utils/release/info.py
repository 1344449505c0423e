# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report of okd.machine_os.release_info, from a ReleasePayload (pure).

``info`` has the fields of ``oc adm release info -o json`` (``ReleaseInfo`` in oc's
``pkg/cli/admin/release/info.go``); the other keys are what oc's human output shows
(``Name:``, ``Digest:``, ``Created:``, ``OS/Arch:``, ``Manifests:``, ``Pull From:``,
release metadata, component versions, images, ``--commit-urls``, ``--image-for``) as data.
"""

import re
from datetime import UTC, datetime, timedelta

from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import (
    IMAGE_REFERENCES,
    METADATA_ARCHITECTURE,
    METADATA_CHANNELS,
    METADATA_URL,
    RELEASE_METADATA,
    commit_urls,
    images_for,
    is_manifest_name,
    os_image,
    read_component_versions,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.semver import sort_versions

_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|z|[+-]\d\d:?\d\d)?")


def format_created(value):
    """An image config's ``created`` in UTC, truncated to the second, RFC 3339 (oc's ``Created:``)."""
    match = _TIMESTAMP.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    stamp = datetime(*(int(match.group(i)) for i in range(1, 7)), tzinfo=UTC)
    offset = match.group(7)
    if offset and offset not in ("Z", "z"):
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        stamp -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def os_arch(config, multi):
    """oc's ``OS/Arch:``: ``linux/amd64``, or ``multi (linux/amd64)`` when picked from a list."""
    text = f"{config.get('os') or 'unknown'}/{config.get('architecture') or 'unknown'}"
    return f"multi ({text})" if multi else text


def metadata_report(metadata):
    """release-metadata with the keys the CVO reads pulled out; None without release-metadata."""
    if metadata is None:
        return None
    extra = metadata.metadata or {}
    channels = extra.get(METADATA_CHANNELS)
    return {
        "version": metadata.version,
        "previous": sort_versions(metadata.previous),
        "next": sort_versions(metadata.next or ()),
        "url": extra.get(METADATA_URL),
        "channels": [c.strip() for c in channels.split(",") if c.strip()] if isinstance(channels, str) else [],
        "architecture": extra.get(METADATA_ARCHITECTURE),
        "metadata": dict(extra),
    }


def oc_info(payload, component_versions, warnings):
    """The document ``oc adm release info -o json`` prints (without ``--include-images``)."""
    return {
        "image": payload.image,
        "digest": payload.digest,
        "contentDigest": payload.digest,
        "listDigest": payload.list_digest or "",
        "config": payload.config,
        "metadata": payload.metadata.as_dict() if payload.metadata is not None else None,
        "references": payload.references.raw,
        "versions": None,
        "displayVersions": component_versions.display_versions() or None,
        "versionsTags": component_versions.versions_tags() or None,
        "images": None,
        "warnings": sorted(warnings) or None,
    }


def release_report(payload, image_for=None):
    """The keys release_info returns (``changed`` aside).

    ``image_for`` (a list of tag names) adds ``image_for`` {name: pullspec}; an unknown
    name raises UnknownTagError. ``notices`` are oc's stderr-only warnings.
    """
    component_versions = read_component_versions(payload.references)
    warnings = sorted(component_versions.warnings + list(payload.warnings))
    manifests = [n for n in payload.file_names if n not in (IMAGE_REFERENCES, RELEASE_METADATA) and is_manifest_name(n)]
    unknown = [
        n for n in payload.file_names if n not in (IMAGE_REFERENCES, RELEASE_METADATA) and not is_manifest_name(n)
    ]
    report = {
        "name": payload.name,
        "digest": payload.release_digest,
        "manifest_digest": payload.digest,
        "list_digest": payload.list_digest,
        "created": format_created(payload.config.get("created")),
        "os_arch": os_arch(payload.config, payload.list_digest is not None),
        "manifests": len(manifests),
        "metadata_files": unknown,
        "pull_from": payload.pull_from,
        "metadata": metadata_report(payload.metadata),
        "component_versions": {k: dict(v) for k, v in component_versions.versions.items()},
        "images": payload.references.images(),
        "commit_urls": commit_urls(payload.references),
        "os_image": os_image(payload.references),
        "release_warnings": warnings,
        "notices": list(component_versions.notices),
        "info": oc_info(payload, component_versions, warnings),
    }
    if image_for is not None:
        report["image_for"] = images_for(payload.references, image_for, payload.image)
    return report
