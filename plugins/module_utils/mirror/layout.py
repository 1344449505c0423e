# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A mirrored release in a directory: an OCI image layout plus ``mirror-index.json``.

The directory is a standard OCI image layout (image-layout spec: ``oci-layout``,
``index.json``, ``blobs/sha256/<hex>``), so skopeo (``oci:DIR:NAME``), podman and
release_info's ``from_dir`` read it. ``index.json`` names each image with
``org.opencontainers.image.ref.name``: ``<version>-<arch>-<component>`` for components,
``<version>-<arch>`` for the release, ``sha256-<hex>.sig`` for a sigstore signature.

Every manifest is stored with its exact bytes, so digests are those of the source. Tools built
on containers/image only read index.json entries of OCI media types, and payload images are
usually Docker schema2: for those, index.json names an OCI rewrite (registry/convert.py: same
config and layer blobs, a new manifest) and points at the original with the
``io.okd.machine-os.original.digest`` annotation. release_mirror (``from_dir``) and
release_info push and read the originals, so the digests clusters use stay valid; a tool that
copies ``oci:DIR:NAME`` itself copies the rewrite, under another digest.

Writes are resumable: a blob is written to ``<file>.partial`` and renamed only once its
digest matched; ``index.json`` is rewritten atomically after each image, and the release
entry goes in last. ``mirror-index.json`` (written at the very end) records what the
directory holds (release version, digests, the original pullspecs) so that a later run
with ``from_dir`` can push it to a registry and write the mirror configuration.
"""

import json
import os
import threading

from ansible_collections.okd.machine_os.plugins.module_utils.mirror.plan import (
    MISSING,
    PRESENT,
    UNTAGGED,
    ManifestDoc,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.convert import (
    convert_list,
    convert_manifest,
    needs_conversion,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import DOCKER_MANIFEST, OCI_INDEX
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import LayoutError
from ansible_collections.okd.machine_os.plugins.module_utils.release.oci_layout import (
    OCI_INDEX_FILE,
    OCI_LAYOUT_FILE,
    ORIGINAL_DIGEST_ANNOTATION,
    ORIGINAL_MEDIA_TYPE_ANNOTATION,
    REF_NAME_ANNOTATION,
    OCILayout,
    atomic_write,
    blob_path,
    original_digest,
)

MIRROR_INDEX_FILE = "mirror-index.json"
MIRROR_INDEX_KIND = "okd.machine_os/release-mirror-index"
MIRROR_INDEX_VERSION = 1


REMEDY = "write it again with release_mirror (to_dir)"


def manifest_doc(manifest, fetch_child):
    """A plan.ManifestDoc of a parsed manifest; ``fetch_child(descriptor)`` reads an index's entries."""
    if manifest.is_index:
        children = tuple(manifest_doc(fetch_child(entry), fetch_child) for entry in manifest.manifests)
        return ManifestDoc(manifest.digest, manifest.media_type, manifest.raw, (), children)
    return ManifestDoc(manifest.digest, manifest.media_type, manifest.raw, tuple(manifest.blobs()), ())


def read_mirror_index(root):
    """The ``mirror-index.json`` of a directory written by release_mirror, or LayoutError."""
    path = os.path.join(root, MIRROR_INDEX_FILE)
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
    except FileNotFoundError:
        raise LayoutError(
            f"from_dir {root} has no {MIRROR_INDEX_FILE}: it is not a complete release mirror "
            f"written by release_mirror (to_dir); run release_mirror with to_dir again to finish "
            f"it",
            from_dir=root,
        ) from None
    except (OSError, ValueError):
        raise LayoutError(
            f"{path} is not readable JSON: write the directory again with release_mirror (to_dir)", from_dir=root
        ) from None
    if not isinstance(data, dict) or data.get("kind") != MIRROR_INDEX_KIND or not isinstance(data.get("release"), dict):
        raise LayoutError(f"{path} is not a release_mirror index (kind {MIRROR_INDEX_KIND})", from_dir=root)
    return data


class LayoutSource:
    """Images of an OCI layout written by release_mirror, read by digest and digest-checked."""

    kind = "oci-layout"

    def __init__(self, root):
        self.layout = OCILayout(root, "from_dir", REMEDY)
        self.root = self.layout.root

    def blob_path(self, digest):
        return self.layout.blob_path(digest)

    def manifest_doc(self, ref):
        def fetch(descriptor):
            return self.layout.manifest(descriptor.digest, descriptor.media_type)

        return manifest_doc(self.layout.manifest(ref.digest), fetch)

    def verify_blob(self, digest, size):
        """Hash the blob file; LayoutError if it is missing or does not match ``digest``/``size``."""
        return self.layout.verify_blob(digest, size)

    def signature(self, ref, digest, tag):
        """(Reference of the signature by digest, its digest) if index.json names ``tag``, else None."""
        for entry in self.layout.index_entries():
            if (entry.get("annotations") or {}).get(REF_NAME_ANNOTATION) == tag:
                digest = original_digest(entry)
                return ref.with_tag(tag).by_digest(digest), digest
        return None


class LayoutDestination:
    """An OCI image layout being written: one blob store, images named in index.json."""

    kind = "oci-layout"
    registry = None

    def __init__(self, root):
        self.layout = OCILayout(root, "to_dir", "remove the directory and write it again")
        self.root = self.layout.root
        self.repo = f"oci:{self.root}"
        self._lock = threading.Lock()
        self.entries = None

    def prepare(self, check_mode):
        """Load index.json; unless ``check_mode``, create the layout's skeleton."""
        if os.path.exists(self.root) and not os.path.isdir(self.root):
            raise LayoutError(f"to_dir {self.root} exists and is not a directory", to_dir=self.root)
        self.entries = self.layout.index_entries() if os.path.isdir(self.root) else []
        if check_mode:
            return
        os.makedirs(os.path.join(self.root, "blobs", "sha256"), exist_ok=True)
        layout = os.path.join(self.root, OCI_LAYOUT_FILE)
        if not os.path.exists(layout):
            atomic_write(layout, json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        if not os.path.exists(os.path.join(self.root, OCI_INDEX_FILE)):
            self._write_index()

    def _write_index(self):
        document = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.entries}
        atomic_write(os.path.join(self.root, OCI_INDEX_FILE), json.dumps(document, indent=1).encode())

    def image_state(self, image):
        """PRESENT when index.json names ``image.tag`` for the image's digest in a form tools read
        (an entry left as Docker schema2 by an earlier version is rewritten: UNTAGGED)."""
        path = blob_path(self.root, image.digest)
        if not os.path.isfile(path):
            return MISSING
        for entry in self.entries:
            if (entry.get("annotations") or {}).get(REF_NAME_ANNOTATION) == image.tag:
                named = entry.get("digest")
                if (
                    original_digest(entry) == image.digest
                    and not needs_conversion(entry.get("mediaType"))
                    and isinstance(named, str)
                    and os.path.isfile(blob_path(self.root, named))
                ):
                    return PRESENT
                return UNTAGGED
        return UNTAGGED

    def has_blob(self, repo, digest):
        return os.path.isfile(blob_path(self.root, digest))

    def upload(self, move, source):
        """Download the blob from the source registry into blobs/ (verified, then renamed)."""
        path = blob_path(self.root, move.digest)
        if os.path.isfile(path):
            return "exists", 0
        size = source.client.download_blob(move.source, move.digest, path, move.size)
        return "uploaded", size

    def mount(self, move, source):
        return self.upload(move, source)

    def _store(self, digest, raw):
        path = blob_path(self.root, digest)
        if not os.path.isfile(path):
            atomic_write(path, raw)

    def _oci_rewrite(self, doc):
        """Store the OCI rewrite of a Docker ``doc`` (children of a list first); return it."""
        if doc.media_type == DOCKER_MANIFEST:
            rewrite = convert_manifest(doc.raw, doc.media_type)
        else:
            children = {
                child.digest: self._oci_rewrite(child) for child in doc.children if needs_conversion(child.media_type)
            }
            rewrite = convert_list(doc.raw, doc.media_type, children)
        self._store(rewrite.digest, rewrite.raw)
        return rewrite

    def put_manifest(self, image, doc, tag):
        self._store(doc.digest, doc.raw)
        if not tag:
            return
        annotations = {REF_NAME_ANNOTATION: image.tag}
        if needs_conversion(doc.media_type):
            rewrite = self._oci_rewrite(doc)
            annotations[ORIGINAL_DIGEST_ANNOTATION] = doc.digest
            annotations[ORIGINAL_MEDIA_TYPE_ANNOTATION] = doc.media_type
            entry = {
                "mediaType": rewrite.media_type,
                "digest": rewrite.digest,
                "size": rewrite.size,
                "annotations": annotations,
            }
        else:
            entry = {
                "mediaType": doc.media_type,
                "digest": doc.digest,
                "size": len(doc.raw),
                "annotations": annotations,
            }
        with self._lock:
            self.entries = [
                e for e in self.entries if (e.get("annotations") or {}).get(REF_NAME_ANNOTATION) != image.tag
            ]
            self.entries.append(entry)
            self._write_index()

    def write_mirror_index(self, document):
        """Write mirror-index.json (if it changed); True when written."""
        data = (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()
        path = os.path.join(self.root, MIRROR_INDEX_FILE)
        try:
            with open(path, "rb") as handle:
                if handle.read() == data:
                    return False
        except OSError:
            pass
        atomic_write(path, data)
        return True
