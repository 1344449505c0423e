# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An OCI image layout on disk: its files, its ``index.json`` and its blobs, read digest-checked.

The layout is the one of the OCI image-layout spec (opencontainers/image-spec
``image-layout.md``: ``oci-layout``, ``index.json``, ``blobs/<alg>/<hex>``), as skopeo
``oci:``, oc-mirror and release_mirror write it. This is the one reader of it: release
sources (``release_info from_dir``) and the mirror (``release_mirror from_dir``/``to_dir``)
both build on it, each adding the hint that fits its user in ``remedy``.
"""

import hashlib
import json
import os

from ansible_collections.okd.machine_os.plugins.module_utils.registry.blobs import (
    file_chunks,
    file_digest,
    verified_chunks,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import Descriptor, parse_manifest
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import LayoutError

OCI_LAYOUT_FILE = "oci-layout"
OCI_INDEX_FILE = "index.json"
REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name"
# containerd / nerdctl / buildkit write the full image name here
IMAGE_NAME_ANNOTATION = "io.containerd.image.name"
# release_mirror names an OCI rewrite of a Docker manifest in index.json (so skopeo/podman read
# it) and points here at the original, whose digest is the one clusters and mirror sets use
ORIGINAL_DIGEST_ANNOTATION = "io.okd.machine-os.original.digest"
ORIGINAL_MEDIA_TYPE_ANNOTATION = "io.okd.machine-os.original.media-type"
MAX_SMALL_BLOB = 4 * 1024 * 1024


def blob_path(root, digest):
    """``<root>/blobs/<algorithm>/<hex>``."""
    algorithm, _colon, hexdigest = digest.partition(":")
    return os.path.join(root, "blobs", algorithm, hexdigest)


def atomic_write(path, data):
    """Write ``data`` to ``path`` through ``<path>.partial`` and a rename: never half a file."""
    tmp = path + ".partial"
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def original_digest(entry):
    """The digest of the manifest an index.json entry (a dict) stands for: its own, or the
    original an OCI rewrite written by release_mirror names."""
    return (entry.get("annotations") or {}).get(ORIGINAL_DIGEST_ANNOTATION) or entry.get("digest")


def original_descriptor(descriptor):
    """The Descriptor of the original manifest an index.json entry stands for: the entry itself,
    or, for an OCI rewrite written by release_mirror, the original it names."""
    annotations = descriptor.annotations or {}
    digest = annotations.get(ORIGINAL_DIGEST_ANNOTATION)
    if not digest:
        return descriptor
    return Descriptor(
        annotations.get(ORIGINAL_MEDIA_TYPE_ANNOTATION) or None, digest, None, annotations=descriptor.annotations
    )


class OCILayout:
    """One layout directory. ``role`` names the option it came from (``from_dir``/``to_dir``) in
    errors; ``remedy`` says how to write it again."""

    def __init__(self, root, role="from_dir", remedy="write it again"):
        self.root = os.path.abspath(os.path.expanduser(root))
        self.role = role
        self.remedy = remedy

    def _error(self, message, **context):
        return LayoutError(message, **{self.role: self.root}, **context)

    def blob_path(self, digest):
        return blob_path(self.root, digest)

    def missing(self, digest, what):
        return self._error(
            f"{what} {digest} is missing from the OCI layout {self.root} (no blobs/{digest.replace(':', '/')}): "
            f"the directory is incomplete; {self.remedy}",
            digest=digest,
        )

    def read_blob(self, digest, what, limit=MAX_SMALL_BLOB):
        """The bytes of a small blob (manifest, config), refused above ``limit`` or if they do not
        hash to ``digest``."""
        path = self.blob_path(digest)
        try:
            size = os.path.getsize(path)
            if limit is not None and size > limit:
                raise self._error(f"{what} {digest} in {self.root} is {size} bytes, more than a {what} may have")
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            raise self.missing(digest, what) from None
        except OSError as exc:
            raise self._error(f"cannot read {what} {digest} in {self.root}: {exc.strerror}") from None
        actual = "sha256:" + hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise self._error(
                f"{what} {digest} in {self.root} does not match its digest (its content hashes to {actual}): "
                f"the directory is damaged; {self.remedy}",
                digest=digest,
                actual=actual,
            )
        return data

    def manifest(self, digest, media_type=None):
        """The parsed manifest ``digest`` (registry.manifest types), digest-checked."""
        raw = self.read_blob(digest, "manifest")
        try:
            return parse_manifest(raw, media_type, digest, where=f"manifest {digest} in {self.root}")
        except LayoutError:
            raise
        except Exception as exc:  # pylint: disable=broad-except  # ManifestError and its kin
            raise self._error(
                f"{getattr(exc, 'message', exc)}: the directory is damaged; {self.remedy}", digest=digest
            ) from None

    def blob_chunks(self, digest, size):
        """A layer as chunks, digest-checked as they are read."""
        path = self.blob_path(digest)
        if not os.path.isfile(path):
            raise self.missing(digest, "layer")
        return verified_chunks(file_chunks(path), digest, size, what=f"layer {digest} in {self.root}")

    def verify_blob(self, digest, size):
        """Hash a blob file whole; its size, or LayoutError if it is missing or does not match."""
        path = self.blob_path(digest)
        if not os.path.isfile(path):
            raise self.missing(digest, "blob")
        actual, actual_size = file_digest(path)
        if actual != digest or (size is not None and actual_size != size):
            raise self._error(
                f"blob {digest} in {self.root} does not match its digest (its {actual_size} bytes hash to "
                f"{actual}): refused, nothing of this release was pushed; the directory is damaged: {self.remedy}",
                digest=digest,
                actual=actual,
            )
        return actual_size

    def check_layout_file(self):
        """LayoutError unless the directory holds an ``oci-layout`` file declaring version 1.x."""
        if not os.path.isdir(self.root):
            raise self._error(
                f"{self.role} {self.root} is not a directory: pass the directory of an OCI image layout "
                f"(with oci-layout, index.json and blobs/)"
            )
        layout_file = os.path.join(self.root, OCI_LAYOUT_FILE)
        try:
            with open(layout_file, "rb") as handle:
                layout = json.loads(handle.read())
        except FileNotFoundError:
            raise self._error(
                f"{self.root} is not an OCI image layout: it has no {OCI_LAYOUT_FILE} file; pass a directory "
                f"written by release_mirror, skopeo copy ... oci:DIR or oc-mirror"
            ) from None
        except (OSError, ValueError):
            raise self._error(
                f"{layout_file} is not readable JSON: the directory is not a usable OCI image layout"
            ) from None
        if not isinstance(layout, dict) or not str(layout.get("imageLayoutVersion", "")).startswith("1."):
            raise self._error(f"{layout_file} does not declare imageLayoutVersion 1.x")

    def index(self):
        """``index.json`` parsed as an image index (registry.manifest.ImageIndex)."""
        index_file = os.path.join(self.root, OCI_INDEX_FILE)
        try:
            with open(index_file, "rb") as handle:
                raw = handle.read()
        except OSError:
            raise self._error(f"{self.root} is not an OCI image layout: it has no readable {OCI_INDEX_FILE}") from None
        index = parse_manifest(raw, where=index_file)
        if not index.is_index:
            raise self._error(f"{index_file} is not an image index")
        return index

    def index_entries(self):
        """``index.json``'s ``manifests`` as plain dicts; [] when there is no index.json yet."""
        path = os.path.join(self.root, OCI_INDEX_FILE)
        try:
            with open(path, "rb") as handle:
                data = json.loads(handle.read())
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            raise self._error(f"{path} is not readable JSON: the directory is damaged; {self.remedy}") from None
        entries = data.get("manifests") if isinstance(data, dict) else None
        return [e for e in entries or [] if isinstance(e, dict)]
