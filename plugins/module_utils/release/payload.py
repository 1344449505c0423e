# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release payload model: the files of ``release-manifests/`` and what they mean (pure).

A payload is the cluster-version-operator image plus one appended gzip tar layer holding
``release-manifests/`` (openshift/cluster-version-operator pkg/payload/payload.go,
openshift/oc pkg/cli/admin/release/new.go and image_mapper.go):

* ``image-references``: an ``image.openshift.io/v1`` ImageStream, one ``spec.tags[]`` entry
  per component (``name``, ``from: {kind: DockerImage, name: repo@sha256:...}``,
  ``annotations`` copied from the component's labels: ``io.openshift.build.commit.id``,
  ``...source-location``, ``...versions``, ``...version-display-names``);
* ``release-metadata``: Cincinnati metadata (``kind: cincinnati-metadata-v0``, ``version``,
  ``previous``, ``next``, ``metadata``);
* the operators' manifests (``.yaml``, ``.yml``, ``.json``).

The rules are those of ``oc adm release info`` (``pkg/cli/admin/release/info.go``,
``image_mapper.go``) and of the CVO (``pkg/payload/payload.go``), with oc's error texts
where oc has one. Nothing here does I/O.
"""

import difflib
import json
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import InvalidReferenceError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import (
    NotAReleaseError,
    PayloadError,
    UnknownTagError,
    VersionMismatchError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.semver import FORMAT as SEMVER_FORMAT
from ansible_collections.okd.machine_os.plugins.module_utils.release.semver import Version

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover - image-references is JSON in every real payload
    yaml = None
    HAS_YAML = False

RELEASE_MANIFESTS = "release-manifests"
IMAGE_REFERENCES = "image-references"
RELEASE_METADATA = "release-metadata"
MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")

IMAGE_STREAM_KIND = "ImageStream"
IMAGE_STREAM_API_VERSION = "image.openshift.io/v1"
METADATA_KIND = "cincinnati-metadata-v0"

ANNOTATION_COMMIT_ID = "io.openshift.build.commit.id"
ANNOTATION_COMMIT_REF = "io.openshift.build.commit.ref"
ANNOTATION_SOURCE_LOCATION = "io.openshift.build.source-location"
ANNOTATION_VERSIONS = "io.openshift.build.versions"
ANNOTATION_DISPLAY_NAMES = "io.openshift.build.version-display-names"
ANNOTATION_OVERRIDE = "io.openshift.release.override"
ANNOTATION_FROM_RELEASE = "release.openshift.io/from-release"
LABEL_RELEASE = "io.openshift.release"
LABEL_BASE_IMAGE_DIGEST = "io.openshift.release.base-image-digest"

METADATA_URL = "url"
METADATA_CHANNELS = "io.openshift.upgrades.graph.release.channels"
METADATA_ARCHITECTURE = "release.openshift.io/architecture"

# the OS image's tag name, newest naming first: the MCO's install/image-references per branch
# (rhel-coreos from 4.13, rhel-coreos-8 in 4.12, machine-os-content up to 4.11) and its
# Dockerfile's rewrites for OKD (centos-stream-coreos-9, fedora-coreos); OKD/SCOS payloads name it stream-coreos
OS_IMAGE_TAGS = (
    "rhel-coreos",
    "rhel-coreos-8",
    "machine-os-content",
    "stream-coreos",
    "centos-stream-coreos-9",
    "fedora-coreos",
)
# oc takes kubectl's version only from these tags
KUBECTL_TAGS = ("cli", "cli-artifacts")
# a payload may carry several OS images (RHEL 9 and 10 CoreOS), each with its machine-os version
MULTI_VALUE_KEYS = ("machine-os",)

_VERSION_KEY = re.compile(r"[a-z0-9]+[\-a-z0-9]*[a-z0-9]+")
# Go's RE2 \s is [\t\n\f\r ]; oc's current rule also admits "."
_DISPLAY_NAME = re.compile(r"[a-zA-Z0-9\-:\t\n\f\r ().]+")
_SCP_LIKE = re.compile(r"([a-zA-Z0-9\-_]+)@([^:]+):(.+)")


def _quote(text):
    """Go's %q for the plain strings of these messages."""
    return json.dumps(text, ensure_ascii=False)


def is_manifest_name(name):
    """Whether ``oc`` counts ``name`` as a manifest (``path.Ext`` is .yaml, .yml or .json)."""
    return posixpath.splitext(name)[1] in MANIFEST_EXTENSIONS and not name.startswith(".")


def _load_document(data, what):
    """JSON (every payload) or YAML (oc reads image-references with a YAML decoder too)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError(f"unable to load release {what}: it is not UTF-8 text") from None
    try:
        return json.loads(data)
    except ValueError as json_error:
        if not HAS_YAML:
            raise PayloadError(f"unable to load release {what}: {json_error}") from None
        try:
            return yaml.safe_load(data)
        except yaml.YAMLError as yaml_error:
            raise PayloadError(f"unable to load release {what}: {str(yaml_error).splitlines()[0]}") from None


# ------------------------------------------------------------------------- image-references


@dataclass(frozen=True)
class TagReference:
    """One ``spec.tags[]`` entry of image-references."""

    name: str
    from_kind: str = None
    from_name: str = None
    annotations: dict = field(default_factory=dict)

    @property
    def is_image(self):
        """oc only considers tags whose ``from`` is a DockerImage with a name."""
        return self.from_kind == "DockerImage" and bool(self.from_name)


@dataclass(frozen=True)
class ImageReferences:
    """The parsed ImageStream; ``raw`` is the document as read."""

    name: str
    created: str
    annotations: dict
    tags: tuple
    raw: dict = field(repr=False)

    def tag(self, name):
        for tag in self.tags:
            if tag.name == name:
                return tag
        return None

    def tag_names(self):
        return [t.name for t in self.tags]

    def images(self):
        """{tag name: pullspec} for every DockerImage tag, in image-references order."""
        images = {}
        for tag in self.tags:
            if tag.is_image and tag.name not in images:
                images[tag.name] = tag.from_name
        return images


def parse_image_references(data, require_digests=True):
    """Parse and validate ``release-manifests/image-references``.

    Checks, with oc's messages where it has one: an ImageStream of image.openshift.io/v1
    (``unrecognized image-references in release payload``); each tag named; each
    DockerImage ``from.name`` a valid reference and, with ``require_digests``, by digest
    (``oc adm release mirror`` refuses anything else).
    """
    doc = _load_document(data, "image-references")
    if not isinstance(doc, dict):
        raise PayloadError("unable to load release image-references: it is not an object")
    kind, api_version = doc.get("kind"), doc.get("apiVersion")
    if kind != IMAGE_STREAM_KIND or api_version != IMAGE_STREAM_API_VERSION:
        raise PayloadError(
            f"unrecognized image-references in release payload: kind {kind!r}, apiVersion "
            f"{api_version!r}, expected an {IMAGE_STREAM_KIND} of {IMAGE_STREAM_API_VERSION}: the image "
            f"is not an OpenShift/OKD release payload, or it was written by a broken tool",
            kind=kind,
            api_version=api_version,
        )
    metadata = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    if not isinstance(metadata, dict) or not isinstance(spec, dict):
        raise PayloadError("unable to load release image-references: metadata and spec must be objects")
    raw_tags = spec.get("tags") or []
    if not isinstance(raw_tags, list):
        raise PayloadError("unable to load release image-references: spec.tags is not a list")
    tags = []
    for index, entry in enumerate(raw_tags):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry.get("name"):
            raise PayloadError(f"unable to load release image-references: spec.tags[{index}] has no name")
        source = entry.get("from") or {}
        if not isinstance(source, dict):
            raise PayloadError(f"unable to load release image-references: tag {entry['name']} has an invalid from")
        annotations = entry.get("annotations") or {}
        if not isinstance(annotations, dict):
            annotations = {}
        tag = TagReference(
            name=entry["name"],
            from_kind=source.get("kind"),
            from_name=source.get("name"),
            annotations={str(k): str(v) for k, v in annotations.items()},
        )
        if tag.from_kind == "DockerImage":
            _check_pullspec(tag, require_digests)
        tags.append(tag)
    annotations = metadata.get("annotations") or {}
    return ImageReferences(
        name=metadata.get("name") or "",
        created=metadata.get("creationTimestamp"),
        annotations=dict(annotations) if isinstance(annotations, dict) else {},
        tags=tuple(tags),
        raw=doc,
    )


def _check_pullspec(tag, require_digests):
    if not tag.from_name:
        raise PayloadError(f"image-references: no from.name for the tag {tag.name}", tag=tag.name)
    try:
        ref = Reference.parse(tag.from_name)
    except InvalidReferenceError as exc:
        raise PayloadError(
            f"image-references: the tag {tag.name} points at an invalid image reference: {exc}", tag=tag.name
        ) from None
    if require_digests and not ref.digest:
        raise PayloadError(
            f"image-references should only contain pointers to images by digest: the tag {tag.name} points "
            f"at {tag.from_name}: rebuild the release with oc adm release new (or release_new), which "
            f"resolves every component to its digest",
            tag=tag.name,
            pullspec=tag.from_name,
        )


# ------------------------------------------------------------------------- release-metadata


@dataclass(frozen=True)
class ReleaseMetadata:
    """Cincinnati metadata; ``next`` and ``metadata`` are None when absent (omitempty)."""

    kind: str
    version: str
    previous: tuple
    next: tuple = None
    metadata: dict = None
    raw: dict = field(default=None, repr=False)

    def as_dict(self):
        """The document as ``oc -o json`` prints it (CincinnatiMetadata)."""
        result = {"kind": self.kind, "version": self.version, "previous": list(self.previous)}
        if self.next:
            result["next"] = list(self.next)
        if self.metadata:
            result["metadata"] = dict(self.metadata)
        return result


def _version_list(doc, key):
    value = doc.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PayloadError(f"invalid release metadata: {key} must be a list of versions")
    return tuple(value)


def parse_release_metadata(data):
    """Parse and validate ``release-manifests/release-metadata`` as the CVO does: kind
    ``cincinnati-metadata-v0`` and a semantic ``version``."""
    doc = _load_document(data, "metadata")
    if not isinstance(doc, dict):
        raise PayloadError("invalid release metadata: it is not an object")
    if doc.get("kind") != METADATA_KIND:
        raise PayloadError(
            f"invalid release metadata: kind {doc.get('kind')!r}, expected {METADATA_KIND}: "
            f"the cluster-version-operator refuses this payload",
            kind=doc.get("kind"),
        )
    version = doc.get("version")
    try:
        Version.parse(version)
    except ValueError:
        raise PayloadError(
            f"invalid release metadata: version {version!r} is not a semantic version "
            f"({SEMVER_FORMAT}): the cluster-version-operator refuses this payload",
            version=version,
        ) from None
    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise PayloadError("invalid release metadata: metadata must be an object")
    next_versions = _version_list(doc, "next") if doc.get("next") is not None else None
    return ReleaseMetadata(
        kind=doc["kind"],
        version=version,
        previous=_version_list(doc, "previous"),
        next=next_versions,
        metadata=metadata,
        raw=doc,
    )


def check_version_match(references, metadata):
    """The CVO's rule: image-references ``metadata.name`` equals release-metadata ``version``."""
    if metadata is None or references.name == metadata.version:
        return
    raise VersionMismatchError(
        f"the payload's image-references name {references.name!r} differs from its release-metadata "
        f"version {metadata.version!r}; the cluster-version-operator refuses such a payload: rebuild it "
        f"with one name (oc adm release new --name, or release_new name)",
        image_references_name=references.name,
        release_metadata_version=metadata.version,
    )


# ------------------------------------------------------------------------- component versions


def parse_component_versions_label(label, display_names=""):
    """{key: (version, display name)} from the ``io.openshift.build.versions`` and
    ``...version-display-names`` annotations; ValueError with oc's message if invalid.

    Versions lose their build metadata (``+...``); pre-releases are kept.
    """
    label = (label or "").strip()
    if not label:
        return {}
    names = {}
    if display_names:
        for pair in display_names.split(","):
            pair = pair.strip()
            key, eq, value = pair.partition("=")
            if not eq:
                raise ValueError(f"the display name pair {_quote(pair)} must be NAME=DISPLAYNAME")
            if len(key) < 2:
                raise ValueError(f"the version name {_quote(key)} must be at least 2 characters")
            if not _VERSION_KEY.fullmatch(key):
                raise ValueError(
                    f"the version name {_quote(key)} must only be ASCII alphanumerics and internal hyphens"
                )
            if not _DISPLAY_NAME.fullmatch(value):
                raise ValueError(
                    f"the display name {_quote(value)} must only be alphanumerics, spaces, and symbols in [():.-]"
                )
            names[key] = value
    result = {}
    for pair in label.split(","):
        pair = pair.strip()
        key, eq, value = pair.partition("=")
        if not eq:
            raise ValueError(f"the version pair {_quote(pair)} must be NAME=VERSION")
        if len(key) < 2:
            raise ValueError(f"the version name {_quote(key)} must be at least 2 characters")
        if not _VERSION_KEY.fullmatch(key):
            raise ValueError(f"the version name {_quote(key)} must only be ASCII alphanumerics and internal hyphens")
        try:
            version = Version.parse(value)
        except ValueError as exc:
            raise ValueError(f"the version pair {_quote(pair)} must have a valid semantic version: {exc}") from None
        result[key] = (str(version.without_build()), names.get(key, ""))
    return result


@dataclass
class ComponentVersions:
    """What ``oc``'s readComponentVersions computes, plus which tags reported each key.

    ``versions``: {key: {"version", "display_name", "versions", "tags"}}; ``warnings``: the
    lines oc puts in the release's ``warnings``; ``notices``: what oc only prints to stderr.
    """

    versions: dict
    warnings: list
    notices: list

    def display_versions(self):
        """oc's ``displayVersions`` (Go struct without JSON tags: capitalised keys)."""
        return {
            k: {"Version": v["version"], "DisplayName": v["display_name"]} for k, v in sorted(self.versions.items())
        }

    def versions_tags(self):
        return {k: list(v["tags"]) for k, v in sorted(self.versions.items())}


def _primary_entry(entries):
    """For a multi-value key: the (tag, version, display name) of the default OS image, the
    first of OS_IMAGE_TAGS (``rhel-coreos`` before ``rhel-coreos-10``), else the first seen."""
    rank = {tag: index for index, tag in enumerate(OS_IMAGE_TAGS)}
    return min(entries, key=lambda e: rank.get(e[0], len(rank)))


def read_component_versions(references):
    """oc's readComponentVersions over image-references' tag annotations.

    * ``kubectl`` counts only from the ``cli``/``cli-artifacts`` tags;
    * any key with several versions or display names is reported once in a
      ``multiple versions or display names reported ...`` warning, and the value reported
      is the lexically first, as oc's sorted sets give;
    * except ``machine-os``, which may legitimately have several values (one per OS image):
      no warning, and the version and display name reported are the default OS image's.
    """
    warnings = []
    entries = {}
    kubectl = {}
    for tag in references.tags:
        label = tag.annotations.get(ANNOTATION_VERSIONS)
        if label is None:
            continue
        try:
            parsed = parse_component_versions_label(label, tag.annotations.get(ANNOTATION_DISPLAY_NAMES, ""))
        except ValueError as exc:
            warnings.append(f"the referenced image {tag.name} had an invalid version annotation: {exc}")
            continue
        for key, (version, display_name) in parsed.items():
            if key == "kubectl":
                kubectl.setdefault(version, set()).add(tag.name)
                if tag.name not in KUBECTL_TAGS:
                    continue
            entries.setdefault(key, []).append((tag.name, version, display_name))
    notices = []
    if len(kubectl) > 2:
        notices.append(
            "multiple versions reported for the kubectl: "
            + ", ".join(f"{v} ({', '.join(sorted(tags))})" for v, tags in sorted(kubectl.items()))
        )
    multiples = set()
    out = {}
    for key in sorted(entries):
        versions = sorted({e[1] for e in entries[key]})
        display_names = sorted({e[2] for e in entries[key]})
        if key in MULTI_VALUE_KEYS:
            version, display_name = _primary_entry(entries[key])[1:]
        else:
            if len(versions) > 1 or len(display_names) > 1:
                multiples.add(key)
            version, display_name = versions[0], display_names[0]
        out[key] = {
            "version": version,
            "display_name": display_name,
            "versions": versions,
            "tags": sorted({e[0] for e in entries[key]}),
        }
    if multiples:
        warnings.append(
            "multiple versions or display names reported for the following component(s): "
            + ",  ".join(sorted(multiples))
        )
    return ComponentVersions(versions=out, warnings=warnings, notices=notices)


# ------------------------------------------------------------------------- commits, tags


def commit_url(source_location, commit_id):
    """``oc adm release info --commit-urls``: ``https://github.com<path>/commit/<id>`` for
    GitHub sources, else ``<location> <id>``; None when the tag names neither."""
    location, commit = source_location or "", commit_id or ""
    if not location and not commit:
        return None
    match = _SCP_LIKE.fullmatch(location)
    if match:
        host, path = match.group(2), match.group(3)
    else:
        try:
            parts = urlsplit(location)
        except ValueError:
            return f"{location} {commit}"
        host, path = parts.netloc.rpartition("@")[2], parts.path
    if host == "github.com":
        if not path.startswith("/"):
            path = "/" + path
        return f"https://github.com{path}/commit/{commit}"
    return f"{location} {commit}"


def commit_urls(references):
    """{tag name: commit URL (or None)} for every DockerImage tag."""
    return {
        t.name: commit_url(t.annotations.get(ANNOTATION_SOURCE_LOCATION), t.annotations.get(ANNOTATION_COMMIT_ID))
        for t in references.tags
        if t.is_image
    }


def close_names(name, candidates, limit=5):
    """Names like ``name`` among ``candidates``: difflib's close matches, then substrings."""
    close = difflib.get_close_matches(name, candidates, n=limit, cutoff=0.6)
    for candidate in candidates:
        if len(close) >= limit:
            break
        if candidate not in close and (name in candidate or candidate in name):
            close.append(candidate)
    return close


def images_for(references, names, image=None):
    """{name: pullspec} for the tags ``names``; UnknownTagError naming every unknown one."""
    images = references.images()
    unknown = [n for n in names if n not in images]
    if unknown:
        where = f" {image}" if image else ""
        suggestions = {n: close_names(n, list(images)) for n in unknown}
        hints = "; ".join(
            f"{n}: did you mean {', '.join(s)}?" if s else f"{n}: no similar tag" for n, s in suggestions.items()
        )
        quoted = ", ".join(_quote(n) for n in unknown)
        raise UnknownTagError(
            f"no image tag {quoted} exists in the release image{where} ({hints}): use one of the "
            f"release's {len(images)} tags, listed in the images key of release_info",
            unknown_tags=unknown,
            close_names=suggestions,
        )
    return {n: images[n] for n in names}


def os_image(references):
    """{tag, pullspec} of the payload's bootable OS image, or None (tag names: ``OS_IMAGE_TAGS``)."""
    images = references.images()
    for tag in OS_IMAGE_TAGS:
        if tag in images:
            return {"tag": tag, "pullspec": images[tag]}
    return None


def require_release_files(files, image):
    """NotAReleaseError unless the last layer's release-manifests/ had image-references."""
    if IMAGE_REFERENCES in files:
        return
    if not files:
        why = "its last layer has no release-manifests/ directory"
    else:
        why = f"its last layer's release-manifests/ has no {IMAGE_REFERENCES} file"
    raise NotAReleaseError(
        f"{image} is not a release payload: {why} (release image did not contain an image-references "
        f"file): point it at a release image (like quay.io/openshift-release-dev/ocp-release:<version>-"
        f"x86_64 or quay.io/okd/scos-release:<version>), not at one of its component images",
        image=image,
    )
