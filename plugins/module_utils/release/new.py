# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Build a release payload from another one, as ``oc adm release new --from-release`` does.

openshift/oc pkg/cli/admin/release/new.go (``ConfigurationCallback``, ``writePayload``): the base image is the component whose digest
equals the input's ``io.openshift.release.base-image-digest`` label (the
cluster-version-operator), then ONE gzip tar layer is appended holding
``release-manifests/`` (directory mode 0777), ``image-references`` (the ImageStream,
2-space indented JSON), ``release-metadata`` and the input's manifests (all mode 0444).
The config's labels are replaced by exactly ``io.openshift.release`` and
``io.openshift.release.base-image-digest``.

With nothing to change the input is rebuilt canonically (its creation time reused) and the
result must have the input's digest, as ``oc`` verifies.

The first half of this file is pure (``assemble_release`` and its helpers); the second
(``plan_release``, ``push_release``) talks to registries through the RegistryClient.
"""

import copy
import datetime
import gzip
import hashlib
import io
import json
import tarfile
import zlib
from dataclasses import dataclass, field

from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import (
    DOCKER_LAYER,
    OCI_LAYER,
    OCI_LAYER_GZIP,
    sha256_digest,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import (
    PayloadError,
    ReleaseError,
    UnknownTagError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import (
    ANNOTATION_COMMIT_ID,
    ANNOTATION_COMMIT_REF,
    ANNOTATION_DISPLAY_NAMES,
    ANNOTATION_FROM_RELEASE,
    ANNOTATION_OVERRIDE,
    ANNOTATION_SOURCE_LOCATION,
    ANNOTATION_VERSIONS,
    IMAGE_REFERENCES,
    LABEL_BASE_IMAGE_DIGEST,
    LABEL_RELEASE,
    METADATA_KIND,
    RELEASE_MANIFESTS,
    RELEASE_METADATA,
    check_version_match,
    close_names,
    parse_image_references,
    parse_release_metadata,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.semver import FORMAT as SEMVER_FORMAT
from ansible_collections.okd.machine_os.plugins.module_utils.release.semver import Version

GZIP_LEVEL = 6
DIR_MODE = 0o777
FILE_MODE = 0o444
HISTORY_COMMENT = "Release image for OpenShift"
MAX_RELEASE_LAYER = 512 * 1024 * 1024
# the component image labels oc copies into its image-references tag annotations
COPIED_LABELS = (
    ANNOTATION_COMMIT_ID,
    ANNOTATION_COMMIT_REF,
    ANNOTATION_SOURCE_LOCATION,
    ANNOTATION_VERSIONS,
    ANNOTATION_DISPLAY_NAMES,
)


class ReproductionError(ReleaseError):
    """The input could not be rebuilt to its own digest."""


# ------------------------------------------------------------------------- pure assembly


def utc_now():
    """Now, UTC, to the second, RFC 3339 (what oc writes in ``created``)."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(timestamp):
    """Seconds since the epoch of an RFC 3339 time (``Z`` or an offset)."""
    text = timestamp.replace("Z", "+00:00")
    return int(datetime.datetime.fromisoformat(text).timestamp())


def json_document(doc):
    """JSON as ``oc`` writes image-references and release-metadata: 2-space indent."""
    return json.dumps(doc, indent=2).encode("utf-8")


def member_order(names, input_order=None):
    """The order of the layer's files: the input layer's (so a rebuild keeps its layout),
    else oc's: image-references, release-metadata, then the manifests sorted. Names the
    input did not have go after the ones it had (release-metadata after image-references)."""
    names = list(names)
    if input_order:
        ordered = [n for n in input_order if n in names]
        for extra in (IMAGE_REFERENCES, RELEASE_METADATA):
            if extra in names and extra not in ordered:
                at = ordered.index(IMAGE_REFERENCES) + 1 if IMAGE_REFERENCES in ordered else 0
                ordered.insert(at, extra)
        return ordered + sorted(n for n in names if n not in ordered)
    head = [n for n in (IMAGE_REFERENCES, RELEASE_METADATA) if n in names]
    return head + sorted(n for n in names if n not in head)


class _TarInfo(tarfile.TarInfo):
    """A TarInfo that can write headers as Go's archive/tar (hence oc) does: directory
    names without the trailing slash Python adds, and devmajor/devminor as octal zeros
    where Python leaves them empty (``dir_slash = False``)."""

    dir_slash = True

    def get_info(self):
        info = super().get_info()
        if info["type"] == tarfile.DIRTYPE and not self.dir_slash:
            info["name"] = info["name"].rstrip("/")
        return info

    def tobuf(self, format=tarfile.DEFAULT_FORMAT, encoding=tarfile.ENCODING, errors="surrogateescape"):
        buf = super().tobuf(format, encoding, errors)
        if self.dir_slash or len(buf) != tarfile.BLOCKSIZE:
            return buf
        header = bytearray(buf)
        header[329:345] = b"0000000\x000000000\x00"
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\x00 " % sum(header)
        return bytes(header)


def tar_layout(tar):
    """(member order, record padding, directory slash) of an input release layer's tar, so a
    rebuild can write the same layout: Python's tarfile (the lab) pads to 10240-byte records
    and ends directory names with ``/``; Go's archive/tar (oc) does neither."""
    first_name = tar[:100].split(b"\0", 1)[0]
    return len(tar) % tarfile.RECORDSIZE == 0, first_name.endswith(b"/")


def build_tar(files, mtime, order=None, record_padding=False, dir_slash=False):
    """The release layer's tar: the ``release-manifests`` directory (0777) then every file
    (0444) in ``order`` (default: ``member_order``), one mtime, uid/gid 0 and no user
    names: deterministic bytes.

    Without ``record_padding`` the archive ends right after its two zero blocks, as Go's
    archive/tar (oc) writes it; with it, it is padded to 10240-byte records (Python's tarfile).
    ``dir_slash`` writes the directory as ``release-manifests/`` (Python's way).
    """
    order = list(order) if order is not None else member_order(files)
    buf = io.BytesIO()
    archive = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)  # noqa: SIM115  # pylint: disable=consider-using-with
    try:
        info = _TarInfo(RELEASE_MANIFESTS)
        info.dir_slash = dir_slash
        info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
        info.type, info.mode = tarfile.DIRTYPE, DIR_MODE
        archive.addfile(info)
        for name in order:
            data = files[name]
            info = _TarInfo(f"{RELEASE_MANIFESTS}/{name}")
            info.dir_slash = dir_slash
            info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
            info.mode, info.size = FILE_MODE, len(data)
            archive.addfile(info, io.BytesIO(data))
        end = archive.offset
    finally:
        archive.close()
    data = buf.getvalue()
    return data if record_padding else data[: end + 2 * tarfile.BLOCKSIZE]


def compress(tar):
    """gzip at a fixed level with mtime 0: the blob is as reproducible as the tar."""
    return gzip.compress(tar, compresslevel=GZIP_LEVEL, mtime=0)


def read_tar_files(blob):
    """{name: bytes} of the regular files under release-manifests/ of a (gzip) tar layer (in
    tar order), the newest mtime and the uncompressed tar; PayloadError if unreadable."""
    try:
        tar = zlib.decompress(blob, 16 + zlib.MAX_WBITS) if blob[:2] == b"\x1f\x8b" else blob
        files, mtime = {}, 0
        with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as archive:
            for member in archive:
                name = member.name
                while name.startswith("./"):
                    name = name[2:]
                name = name.lstrip("/")
                if not name.startswith(RELEASE_MANIFESTS + "/") or not member.isreg():
                    continue
                relative = name[len(RELEASE_MANIFESTS) + 1 :]
                if not relative or relative.rsplit("/", 1)[-1].startswith(".wh."):
                    continue
                handle = archive.extractfile(member)
                files[relative] = handle.read() if handle is not None else b""
                mtime = max(mtime, int(member.mtime))
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise PayloadError(f"the release layer is not a readable tar archive ({exc})") from None
    return files, mtime, tar


def _styles():
    """Ways a JSON document may have been serialized (the lab: sorted keys; oc: Go's order).

    Sorted keys come first: a sorted input also reproduces in insertion order, but the
    fields release_new adds must then be sorted too."""
    return (
        ("compact-sorted", lambda doc: json.dumps(doc, separators=(",", ":"), sort_keys=True).encode("utf-8")),
        ("compact", lambda doc: json.dumps(doc, separators=(",", ":")).encode("utf-8")),
        ("indent3", lambda doc: json.dumps(doc, indent=3).encode("utf-8")),
        ("indent2", lambda doc: json.dumps(doc, indent=2).encode("utf-8")),
    )


def json_style(raw):
    """The serializer that reproduces ``raw`` from its own parse (compact, sorted if none
    does); a trailing newline is kept."""
    body = raw.rstrip()
    suffix = raw[len(body) :]
    try:
        doc = json.loads(body)
    except ValueError:
        return _styles()[0][1]
    for _name, dump in _styles():
        if dump(doc) == body:
            return lambda value, dump=dump: dump(value) + suffix
    return _styles()[0][1]


def _like(template, descriptor):
    """``descriptor`` with its keys in ``template``'s order (then its own others)."""
    ordered = {k: descriptor[k] for k in template if k in descriptor}
    ordered.update({k: v for k, v in descriptor.items() if k not in ordered})
    return ordered


def release_metadata_document(version, previous, next_versions, metadata):
    """Cincinnati metadata in oc's field order; ``next`` and ``metadata`` omitted when empty."""
    doc = {"kind": METADATA_KIND, "version": version, "previous": list(previous or [])}
    if next_versions:
        doc["next"] = list(next_versions)
    if metadata:
        doc["metadata"] = dict(metadata)
    return doc


def override_annotations(labels):
    """A replaced tag's annotations, as oc writes them: reset, then the new image's
    ``io.openshift.build.*`` labels, plus ``io.openshift.release.override: "true"``
    (sorted, as Go marshals a map)."""
    annotations = {k: str(v) for k, v in (labels or {}).items() if k in COPIED_LABELS and v}
    annotations[ANNOTATION_OVERRIDE] = "true"
    return dict(sorted(annotations.items()))


def image_references_document(
    source_doc, name, created, *, replacements=None, exclude=(), from_release=None, replacement_labels=None
):
    """The output ImageStream: the input's, renamed, excluded tags dropped, replaced tags
    pointing at their new pullspec with ``override_annotations`` of their image's labels.

    ``replacements``: {tag: pullspec by digest}; ``replacement_labels``: {tag: the new
    image's config labels}. ``from_release`` adds the
    ``release.openshift.io/from-release`` annotation (oc does so when images are overridden).
    """
    doc = copy.deepcopy(source_doc)
    replacements = replacements or {}
    metadata = doc.setdefault("metadata", {})
    metadata["name"] = name
    metadata["creationTimestamp"] = created
    if from_release:
        annotations = dict(metadata.get("annotations") or {})
        annotations[ANNOTATION_FROM_RELEASE] = from_release
        metadata["annotations"] = annotations
    spec = doc.setdefault("spec", {})
    tags = []
    for tag in spec.get("tags") or []:
        if tag.get("name") in exclude:
            continue
        if tag.get("name") in replacements:
            tag["annotations"] = override_annotations((replacement_labels or {}).get(tag["name"]))
            source = dict(tag.get("from") or {})
            source["kind"] = "DockerImage"
            source["name"] = replacements[tag["name"]]
            tag["from"] = source
        tags.append(tag)
    spec["tags"] = tags
    return doc


@dataclass
class Assembled:
    """The new release's blobs and documents (nothing pushed)."""

    layer_blob: bytes = field(repr=False)
    layer_digest: str
    layer_diff_id: str
    layer_media_type: str
    tar: bytes = field(repr=False)
    config: bytes = field(repr=False)
    config_digest: str
    manifest: bytes = field(repr=False)
    manifest_digest: str
    manifest_media_type: str
    image_references: dict
    release_metadata: dict
    files: dict = field(repr=False)


def assemble_release(
    *,
    references_doc,
    metadata_doc,
    manifests,
    created,
    mtime,
    name,
    base_config,
    base_layers,
    config_template,
    manifest_template,
    manifest_media_type,
    layer_media_type=DOCKER_LAYER,
    reuse_layer=None,
    input_order=None,
    record_padding=False,
    dir_slash=False,
):
    """Assemble the release image from its parts (pure).

    ``manifests``: {file name: bytes} of the operators' manifests; ``base_config`` the CVO
    image's config (its ``rootfs.diff_ids`` start the new one); ``base_layers`` its layer
    descriptors (dicts, as in its manifest); ``config_template`` / ``manifest_template``:
    (document, serializer) the new ones are derived from (the input's, to keep its field
    order and spacing); ``reuse_layer``: (blob, diff_id) of the input's release layer, used
    when the rebuilt tar has that same diff_id (so its compression does not matter);
    ``input_order`` / ``record_padding`` / ``dir_slash``: the input layer's layout (``build_tar``).
    """
    files = dict(manifests)
    files[IMAGE_REFERENCES] = json_document(references_doc)
    files[RELEASE_METADATA] = json_document(metadata_doc)
    tar = build_tar(files, mtime, member_order(files, input_order), record_padding, dir_slash)
    diff_id = sha256_digest(tar)
    blob = reuse_layer[0] if reuse_layer is not None and reuse_layer[1] == diff_id else compress(tar)
    layer_digest = sha256_digest(blob)
    if layer_media_type not in (DOCKER_LAYER, OCI_LAYER_GZIP):
        layer_media_type = OCI_LAYER_GZIP if layer_media_type == OCI_LAYER else DOCKER_LAYER

    config_doc, dump_config = config_template
    config = copy.deepcopy(config_doc)
    inner = config.get("config")
    if not isinstance(inner, dict):
        inner = {}
        config["config"] = inner
    inner["Labels"] = {LABEL_RELEASE: name, LABEL_BASE_IMAGE_DIGEST: base_config["digest"]}
    config["os"] = config.get("os") or "linux"
    config["architecture"] = config.get("architecture") or "amd64"
    for key in ("container", "parent"):
        config.pop(key, None)
    if "container_config" in config:
        config["container_config"] = {}  # oc clears it to an empty struct, marshalled as {}
    config["created"] = created
    # oc's history: the release entry, then one bare entry per other entry it had (same length)
    history = config.get("history") if isinstance(config.get("history"), list) else []
    config["history"] = [{"created": created, "comment": HISTORY_COMMENT}] + [
        {"created": created} for _unused in history[1:]
    ]
    rootfs = config.get("rootfs") if isinstance(config.get("rootfs"), dict) else {"type": "layers"}
    rootfs["diff_ids"] = [*list((base_config["doc"].get("rootfs") or {}).get("diff_ids") or []), diff_id]
    config["rootfs"] = rootfs
    if "size" in config:
        # oc's config carries the total of its layers' compressed sizes
        config["size"] = sum(int(d.get("size") or 0) for d in base_layers) + len(blob)
    config_bytes = dump_config(config)
    config_digest = sha256_digest(config_bytes)

    manifest_doc, dump_manifest = manifest_template
    manifest = copy.deepcopy(manifest_doc)
    config_descriptor = dict(manifest.get("config") or {})
    config_descriptor["digest"], config_descriptor["size"] = config_digest, len(config_bytes)
    manifest["config"] = config_descriptor
    old_layers = manifest.get("layers") or []
    new_layer = dict(old_layers[-1]) if old_layers else {"mediaType": layer_media_type}
    new_layer["mediaType"] = layer_media_type
    new_layer["size"], new_layer["digest"] = len(blob), layer_digest
    manifest["layers"] = [_like(new_layer, copy.deepcopy(d)) for d in base_layers] + [new_layer]
    manifest_bytes = dump_manifest(manifest)
    return Assembled(
        layer_blob=blob,
        layer_digest=layer_digest,
        layer_diff_id=diff_id,
        layer_media_type=layer_media_type,
        tar=tar,
        config=config_bytes,
        config_digest=config_digest,
        manifest=manifest_bytes,
        manifest_digest=sha256_digest(manifest_bytes),
        manifest_media_type=manifest_media_type,
        image_references=references_doc,
        release_metadata=metadata_doc,
        files=files,
    )


def explain_difference(assembled, input_files, input_diff_id, input_config, input_manifest_digest):
    """Why the rebuilt release's digest differs from the input's (for the error message)."""
    reasons = []
    ours = set(assembled.files)
    theirs = set(input_files)
    if ours != theirs:
        reasons.append(
            f"the file sets differ (only in the rebuild: {sorted(ours - theirs)[:5]}, only in the "
            f"input: {sorted(theirs - ours)[:5]})"
        )
    else:
        changed = sorted(n for n in ours if assembled.files[n] != input_files[n])
        if changed:
            reasons.append(
                f"these files are written differently: {', '.join(changed[:5])} (the input's JSON "
                f"formatting is not the canonical 2-space indent)"
            )
    if not reasons and assembled.layer_diff_id != input_diff_id:
        reasons.append(
            f"the same files and bytes, but the tar encoding differs (diff_id {assembled.layer_diff_id} "
            f"rather than {input_diff_id}): the input was written by another tool (oc's Go tar writer "
            f"orders and encodes entries its own way)"
        )
    if not reasons and assembled.config != input_config:
        reasons.append("the image config is serialized differently (field order or content)")
    if not reasons:
        reasons.append("the manifest is serialized differently")
    return (
        f"the release could not be reproduced from its inputs: the rebuild has digest "
        f"{assembled.manifest_digest}, the input {input_manifest_digest}: " + "; ".join(reasons)
    )


# ------------------------------------------------------------------------- inputs and checks


def check_version(value, what):
    try:
        Version.parse(value)
    except ValueError:
        raise ReleaseError(f"{what} {value!r} is not a semantic version ({SEMVER_FORMAT})", **{what: value}) from None
    return value


def check_tags(names, references, what):
    """UnknownTagError naming every name of ``names`` the release does not have."""
    known = references.tag_names()
    unknown = [n for n in names if n not in known]
    if unknown:
        hints = "; ".join(
            f"{n}: did you mean {', '.join(close_names(n, known))}?"
            if close_names(n, known)
            else f"{n}: no similar tag"
            for n in unknown
        )
        raise UnknownTagError(
            f"{what}: no image tag {', '.join(repr(n) for n in unknown)} exists in the "
            f"release ({hints}): use tag names from release_info's images",
            unknown_tags=unknown,
        )


def target_reference(to_image, name):
    """The Reference to push to: ``repo[:tag]``, the tag defaulting to the release name."""
    ref = Reference.parse(to_image)
    if ref.digest:
        raise ReleaseError(
            f"to_image {to_image} must not have a digest: the digest is the result; give repo or repo:tag",
            to_image=to_image,
        )
    return ref if ref.tag else ref.with_tag(name)


@dataclass
class Plan:
    """What release_new computed: the new image, where it goes, and how it relates to the input."""

    assembled: Assembled
    target: Reference
    source: Reference
    base: Reference
    base_layers: list
    reproduce: bool
    input_digest: str
    name: str
    created: str


def _blob(client, ref, descriptor):
    chunks, total = [], 0
    for chunk in client.iter_blob(ref, descriptor.digest, descriptor.size):
        total += len(chunk)
        if total > MAX_RELEASE_LAYER:
            raise PayloadError(
                f"the last layer of {ref} is larger than {MAX_RELEASE_LAYER} bytes: it is not a release layer"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def plan_release(client, params, now=None):
    """Read the input release, resolve replacements and assemble the new release (no push).

    ``params``: the module's options. Raises ReleaseError / RegistryError.
    """
    from_release = params["from_release"]
    source = Reference.parse(from_release)
    target_reference(params["to_image"], "latest")  # a bad to_image fails before any download
    manifest, index = client.get_image_manifest(source)
    if index is not None:
        raise ReleaseError(
            f"from_release {from_release} is a manifest list: release_new builds single-"
            f"architecture releases; pass one architecture's release by digest",
            from_release=from_release,
        )
    if not manifest.layers:
        raise PayloadError(f"{from_release} is not a release payload: its image has no layers")
    config_raw = client.get_blob(source, manifest.config.digest)
    input_config = json.loads(config_raw)
    last = manifest.layers[-1]
    layer_blob = _blob(client, source, last)
    files, input_mtime, input_tar = read_tar_files(layer_blob)
    if IMAGE_REFERENCES not in files:
        raise PayloadError(
            f"{from_release} is not a release payload: its last layer has no release-manifests/{IMAGE_REFERENCES}"
        )
    references = parse_image_references(files[IMAGE_REFERENCES])
    metadata = parse_release_metadata(files[RELEASE_METADATA]) if RELEASE_METADATA in files else None
    check_version_match(references, metadata)

    replacements_in = params.get("replacements") or {}
    exclude = list(params.get("exclude") or [])
    check_tags(list(replacements_in), references, "replacements")
    check_tags(exclude, references, "exclude")
    clash = sorted(set(exclude) & set(replacements_in))
    if clash:
        raise ReleaseError(f"the tags {', '.join(clash)} are both replaced and excluded: pick one", tags=clash)
    replacements, replacement_labels = {}, {}
    for tag, pullspec in sorted(replacements_in.items()):
        try:
            ref = Reference.parse(str(pullspec))
        except ValueError as exc:
            raise ReleaseError(f"replacements[{tag}]: {exc}", tag=tag) from None
        pinned = ref.by_digest(client.resolve(ref))
        replacements[tag] = str(pinned)
        image_manifest, _unused = client.get_image_manifest(pinned)
        image_config = client.get_json_blob(pinned, image_manifest.config.digest)
        replacement_labels[tag] = ((image_config or {}).get("config") or {}).get("Labels") or {}

    old_name = metadata.version if metadata is not None else references.name
    name = check_version(params.get("name") or old_name, "name")
    old_previous = list(metadata.previous) if metadata is not None else []
    old_next = list(metadata.next or []) if metadata is not None else []
    old_meta = dict(metadata.metadata or {}) if metadata is not None else {}
    # oc checks each is semver, then sorts them as strings (oc itself re-sorts 4.18.3, 4.18.10)
    previous = (
        old_previous
        if params.get("previous") is None
        else sorted(check_version(v, "previous") for v in params["previous"])
    )
    next_versions = old_next if params.get("next") is None else sorted(check_version(v, "next") for v in params["next"])
    meta = old_meta if params.get("metadata") is None else dict(params["metadata"])

    reproduce = not (
        replacements
        or exclude
        or name != old_name
        or previous != old_previous
        or next_versions != old_next
        or meta != old_meta
    )

    labels = (input_config.get("config") or {}).get("Labels") or {}
    base_digest = labels.get(LABEL_BASE_IMAGE_DIGEST)
    base_tag = None
    for tag in references.tags:
        if tag.is_image and Reference.parse(tag.from_name).digest == base_digest:
            base_tag = tag.name
            break
    if not base_digest or base_tag is None:
        raise PayloadError(
            f"{from_release}: no component's digest equals its {LABEL_BASE_IMAGE_DIGEST} label "
            f"({base_digest!r}), so the base (cluster-version-operator) image is unknown"
        )
    base_pullspec = replacements.get(base_tag) or references.tag(base_tag).from_name
    base = Reference.parse(base_pullspec)
    base_manifest, _unused = client.get_image_manifest(base)
    base_config_doc = client.get_json_blob(base, base_manifest.config.digest)
    base_doc = json.loads(base_manifest.raw)

    created = now or utc_now()
    config_created = input_config.get("created") if reproduce else created
    record_padding, dir_slash = tar_layout(input_tar)
    # oc stamps every entry with the newest input file's mtime
    mtime = input_mtime
    refs_doc = image_references_document(
        references.raw,
        name,
        references.created if reproduce else created,
        replacements=replacements,
        exclude=exclude,
        from_release=from_release if replacements else None,
        replacement_labels=replacement_labels,
    )
    metadata_doc = release_metadata_document(name, previous, next_versions, meta)
    manifests = {n: d for n, d in files.items() if n not in (IMAGE_REFERENCES, RELEASE_METADATA)}
    base_label_digest = base_manifest.digest
    assembled = assemble_release(
        references_doc=refs_doc,
        metadata_doc=metadata_doc,
        manifests=manifests,
        created=config_created,
        mtime=mtime,
        name=name,
        base_config={"doc": base_config_doc, "digest": base_label_digest},
        base_layers=base_doc.get("layers") or [],
        config_template=(input_config, json_style(config_raw)),
        manifest_template=(json.loads(manifest.raw), json_style(manifest.raw)),
        manifest_media_type=manifest.media_type,
        layer_media_type=last.media_type,
        reuse_layer=(layer_blob, "sha256:" + hashlib.sha256(input_tar).hexdigest()),
        input_order=list(files),
        record_padding=record_padding,
        dir_slash=dir_slash,
    )
    if reproduce and assembled.manifest_digest != manifest.digest:
        raise ReproductionError(
            explain_difference(
                assembled, files, "sha256:" + hashlib.sha256(input_tar).hexdigest(), config_raw, manifest.digest
            ),
            from_release=from_release,
            digest=assembled.manifest_digest,
            input_digest=manifest.digest,
        )
    target = target_reference(params["to_image"], name)
    return Plan(
        assembled=assembled,
        target=target,
        source=source,
        base=base,
        base_layers=list(base_manifest.layers),
        reproduce=reproduce,
        input_digest=manifest.digest,
        name=name,
        created=config_created,
    )


def target_digest(client, plan):
    """The digest the target tag holds now, or None."""
    descriptor = client.head_manifest(plan.target)
    return descriptor.digest if descriptor is not None else None


def push_release(client, plan):
    """Push the base layers (mounted or copied), the release layer, the config, then the
    manifest by tag. Returns the manifest digest."""
    target = plan.target
    for layer in plan.base_layers:
        client.copy_blob(plan.base, target, layer.digest, layer.size)
    assembled = plan.assembled
    client.upload_blob(target, assembled.layer_blob, assembled.layer_digest)
    client.upload_blob(target, assembled.config, assembled.config_digest)
    return client.put_manifest(target, assembled.manifest, assembled.manifest_media_type)
