# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ImageSetConfiguration ``mirror.openshift.io/v2alpha1`` of oc-mirror v2, read strictly (pure).

Schema: openshift/oc-mirror ``internal/pkg/api/v2alpha1/type_config.go``, ``type_platform.go``
and ``type_config_include.go``. oc-mirror ignores keys it does not know and maps an unknown
channel ``type`` to ``ocp``; here every key is checked, and one that is unknown, or known to
oc-mirror but not implemented by this collection yet (``operators``, ``helm``, ...), is a
named error giving its path (``mirror.platform.channels[0].minVersio``), never ignored.

What is read: ``mirror.platform`` (``channels[]`` with ``name``, ``type`` ocp|okd,
``minVersion``, ``maxVersion``, ``shortestPath``, ``full``; ``architectures`` or
``platforms``; ``release``), ``mirror.additionalImages[]`` (``name``, ``targetRepo``,
``targetTag``) and ``mirror.blockedImages[]`` (``name``, a regular expression).
"""

import re
from dataclasses import dataclass, field

from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import (
    ImageSetConfigError,
    NotSupportedError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.semver import Version

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None
    HAS_YAML = False

API_VERSION = "mirror.openshift.io/v2alpha1"
KIND = "ImageSetConfiguration"
CHANNEL_TYPES = ("ocp", "okd")
# Cincinnati's ``arch`` values; oc-mirror's deprecated ``architectures`` take the same names
ARCHITECTURES = ("amd64", "arm64", "ppc64le", "s390x", "multi")
_ARCH_ALIASES = {"x86_64": "amd64", "aarch64": "arm64"}

# oc-mirror v2 keys this collection does not implement yet: a named error, not a silent skip
_LATER = {
    "archiveSize": "archives are not implemented yet",
    "delete": "DeleteImageSetConfiguration is not implemented yet",
    "mirror.operators": "operator catalogs are a separate feature, not implemented yet",
    "mirror.helm": "Helm charts are not implemented yet",
    "mirror.samples": "oc-mirror does not implement samples either",
    "mirror.platform.graph": "the graph-data image and UpdateService are not implemented yet",
    "mirror.platform.kubeVirtContainer": "the KubeVirt container image is not implemented yet",
    "mirror.additionalImages[].platforms": "per-image platform filters are not implemented yet: "
    "multi-architecture images are mirrored whole",
}
_TOP_KEYS = ("apiVersion", "kind", "mirror", "archiveSize", "delete")
_MIRROR_KEYS = ("platform", "additionalImages", "blockedImages", "operators", "helm", "samples")
_PLATFORM_KEYS = ("channels", "architectures", "platforms", "release", "graph", "kubeVirtContainer")
_CHANNEL_KEYS = ("name", "type", "minVersion", "maxVersion", "shortestPath", "full")
_ADDITIONAL_KEYS = ("name", "targetRepo", "targetTag", "platforms")
_BLOCKED_KEYS = ("name",)
_PLATFORM_ENTRY_KEYS = ("os", "architecture")


@dataclass(frozen=True)
class Channel:
    """One ``mirror.platform.channels[]`` entry."""

    name: str
    type: str = "ocp"
    min_version: str = None
    max_version: str = None
    shortest_path: bool = False
    full: bool = False


@dataclass(frozen=True)
class AdditionalImage:
    name: str  # the source pullspec, by tag or digest
    target_repo: str = None  # destination repository path below ``to``
    target_tag: str = None


@dataclass(frozen=True)
class BlockedImage:
    name: str  # the regular expression as written
    pattern: re.Pattern = field(compare=False, repr=False)

    def matches(self, pullspec):
        return self.pattern.search(pullspec) is not None


@dataclass(frozen=True)
class ImageSet:
    channels: tuple = ()
    architectures: tuple = ("amd64",)
    release: str = None
    additional_images: tuple = ()
    blocked_images: tuple = ()

    def blocked_by(self, pullspec):
        """The BlockedImage that matches ``pullspec``, or None."""
        return next((blocked for blocked in self.blocked_images if blocked.matches(pullspec)), None)


def _fail(path, why, what_to_do="", error=ImageSetConfigError):
    message = f"image set: {path}: {why}"
    if what_to_do:
        message += f"; {what_to_do}"
    return error(message, key=path)


def _mapping(value, path):
    if not isinstance(value, dict):
        raise _fail(path, f"must be a mapping, not {type(value).__name__}")
    return value


def _list(value, path):
    if not isinstance(value, list):
        raise _fail(path, f"must be a list, not {type(value).__name__}")
    return value


def _string(value, path):
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, "must be a non-empty string")
    return value.strip()


def _bool(value, path):
    if not isinstance(value, bool):
        raise _fail(path, f"must be true or false, not {value!r}")
    return value


def _generic(path):
    """``mirror.additionalImages[3].platforms`` -> ``mirror.additionalImages[].platforms``."""
    return re.sub(r"\[\d+\]", "[]", path)


def _check_keys(mapping, allowed, path):
    for key in mapping:
        key_path = f"{path}.{key}" if path else str(key)
        if key not in allowed:
            raise _fail(
                key_path,
                "unknown key",
                f"the keys allowed here are {', '.join(allowed)} (ImageSetConfiguration {API_VERSION})",
            )
        reason = _LATER.get(_generic(key_path))
        if reason is not None and mapping[key] not in (None, False, [], {}):
            raise _fail(key_path, f"not supported yet: {reason}", "remove it from the image set", NotSupportedError)


def _version(value, path):
    text = _string(str(value) if isinstance(value, (int, float)) else value, path)
    try:
        Version.parse(text)
    except ValueError as exc:
        raise _fail(path, str(exc)) from None
    return text


def _channel(entry, path):
    entry = _mapping(entry, path)
    _check_keys(entry, _CHANNEL_KEYS, path)
    if "name" not in entry:
        raise _fail(f"{path}.name", "is required", "name the channel, like stable-4.19")
    channel_type = entry.get("type", "ocp")
    if channel_type not in CHANNEL_TYPES:
        raise _fail(f"{path}.type", f"must be one of {', '.join(CHANNEL_TYPES)}, not {channel_type!r}")
    min_version = _version(entry["minVersion"], f"{path}.minVersion") if entry.get("minVersion") else None
    max_version = _version(entry["maxVersion"], f"{path}.maxVersion") if entry.get("maxVersion") else None
    if min_version and max_version and Version.parse(min_version).sort_key() > Version.parse(max_version).sort_key():
        raise _fail(
            f"{path}.minVersion",
            f"{min_version} is above maxVersion {max_version}",
            "swap them or widen the range",
            ImageSetConfigError,
        )
    return Channel(
        name=_string(entry["name"], f"{path}.name"),
        type=channel_type,
        min_version=min_version,
        max_version=max_version,
        shortest_path=_bool(entry.get("shortestPath", False), f"{path}.shortestPath"),
        full=_bool(entry.get("full", False), f"{path}.full"),
    )


def _architecture(value, path):
    text = _string(value, path).lower()
    text = _ARCH_ALIASES.get(text, text)
    if text not in ARCHITECTURES:
        raise _fail(path, f"unknown architecture {value!r}", f"use one of {', '.join(ARCHITECTURES)}")
    return text


def _architectures(platform, path):
    arches = []
    for index, value in enumerate(_list(platform.get("architectures") or [], f"{path}.architectures")):
        arches.append(_architecture(value, f"{path}.architectures[{index}]"))
    for index, entry in enumerate(_list(platform.get("platforms") or [], f"{path}.platforms")):
        entry_path = f"{path}.platforms[{index}]"
        entry = _mapping(entry, entry_path)
        _check_keys(entry, _PLATFORM_ENTRY_KEYS, entry_path)
        if entry.get("os", "linux") != "linux":
            raise _fail(f"{entry_path}.os", f"releases exist for linux only, not {entry['os']!r}")
        arches.append(_architecture(entry.get("architecture"), f"{entry_path}.architecture"))
    unique = []
    for arch in arches:
        if arch not in unique:
            unique.append(arch)
    return tuple(unique) or ("amd64",)


def _additional(entry, path):
    entry = _mapping(entry, path)
    _check_keys(entry, _ADDITIONAL_KEYS, path)
    if "name" not in entry:
        raise _fail(f"{path}.name", "is required", "give the image's pullspec")
    return AdditionalImage(
        name=_string(entry["name"], f"{path}.name"),
        target_repo=_string(entry["targetRepo"], f"{path}.targetRepo").strip("/") if entry.get("targetRepo") else None,
        target_tag=_string(entry["targetTag"], f"{path}.targetTag") if entry.get("targetTag") else None,
    )


def _blocked(entry, path):
    entry = _mapping(entry, path)
    _check_keys(entry, _BLOCKED_KEYS, path)
    name = _string(entry.get("name"), f"{path}.name")
    try:
        pattern = re.compile(name)
    except re.error as exc:
        raise _fail(f"{path}.name", f"{name!r} is not a regular expression ({exc})") from None
    return BlockedImage(name, pattern)


def parse_image_set(document):
    """The ImageSet ``document`` (a dict, as loaded from YAML) describes; ImageSetConfigError
    (or NotSupportedError) naming the key path at fault."""
    document = _mapping(document, "(top level)")
    _check_keys(document, _TOP_KEYS, "")
    if document.get("apiVersion") != API_VERSION:
        raise _fail(
            "apiVersion",
            f"{document.get('apiVersion')!r} is not supported",
            f"this module reads apiVersion {API_VERSION}",
        )
    if document.get("kind") != KIND:
        raise _fail("kind", f"{document.get('kind')!r} is not supported", f"this module reads kind {KIND}")
    mirror = _mapping(document.get("mirror") or {}, "mirror")
    _check_keys(mirror, _MIRROR_KEYS, "mirror")
    platform = _mapping(mirror.get("platform") or {}, "mirror.platform")
    _check_keys(platform, _PLATFORM_KEYS, "mirror.platform")
    channels = tuple(
        _channel(entry, f"mirror.platform.channels[{index}]")
        for index, entry in enumerate(_list(platform.get("channels") or [], "mirror.platform.channels"))
    )
    names = [(c.name, c.type) for c in channels]
    for index, key in enumerate(names):
        if key in names[:index]:
            raise _fail(f"mirror.platform.channels[{index}].name", f"channel {key[0]} is listed twice")
    image_set = ImageSet(
        channels=channels,
        architectures=_architectures(platform, "mirror.platform"),
        release=_string(platform["release"], "mirror.platform.release") if platform.get("release") else None,
        additional_images=tuple(
            _additional(entry, f"mirror.additionalImages[{index}]")
            for index, entry in enumerate(_list(mirror.get("additionalImages") or [], "mirror.additionalImages"))
        ),
        blocked_images=tuple(
            _blocked(entry, f"mirror.blockedImages[{index}]")
            for index, entry in enumerate(_list(mirror.get("blockedImages") or [], "mirror.blockedImages"))
        ),
    )
    if not (image_set.channels or image_set.release or image_set.additional_images):
        raise _fail(
            "mirror",
            "selects nothing to mirror",
            "add mirror.platform.channels, mirror.platform.release or mirror.additionalImages",
        )
    return image_set


def load_image_set(path=None, inline=None):
    """Parse the ImageSetConfiguration in file ``path`` (YAML) or the ``inline`` dict."""
    if inline is not None:
        return parse_image_set(inline)
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except OSError as exc:
        raise ImageSetConfigError(
            f"image set: cannot read {path}: {exc.strerror or exc}", image_set_file=path
        ) from None
    except yaml.YAMLError as exc:
        raise ImageSetConfigError(f"image set: {path} is not valid YAML: {exc}", image_set_file=path) from None
    try:
        return parse_image_set(document)
    except ImageSetConfigError as exc:
        exc.context["image_set_file"] = path
        raise
