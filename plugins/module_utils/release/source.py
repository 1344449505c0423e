# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a release payload is read from: a registry, or an OCI image layout on disk.

Both sources answer the same three questions, so the payload parsing is shared:

* ``resolve()``: the image manifest (a manifest list / image index resolved to one
  platform, linux/amd64 unless told otherwise) and the list it came from, if any;
* ``read_config(descriptor)``: the image config, digest-checked;
* ``blob_chunks(descriptor)``: a blob as chunks, digest-checked on the fly.

The OCI layout is the one of the OCI image-layout spec (``oci-layout``, ``index.json``,
``blobs/sha256/<hex>``), as skopeo ``oci:`` and oc-mirror write it, and as
``release_mirror`` will.
"""

import json
import os

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    ManifestError,
    PlatformNotFoundError,
    RegistryError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import (
    Platform,
    select_platform,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import LayoutError
from ansible_collections.okd.machine_os.plugins.module_utils.release.oci_layout import (
    IMAGE_NAME_ANNOTATION,
    MAX_SMALL_BLOB,
    REF_NAME_ANNOTATION,
    OCILayout,
    original_descriptor,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import LABEL_RELEASE

MAX_CONFIG_SIZE = MAX_SMALL_BLOB


def _platform(platform):
    return Platform.parse(platform) if platform else Platform()


def _image_manifest(manifest, where):
    if manifest.is_index:
        raise ManifestError(
            f"{where} is a manifest list inside a manifest list, which a release image "
            f"never is: point at the release image itself"
        )
    return manifest


class RegistrySource:
    """A release image in a registry, read through the collection's RegistryClient."""

    kind = "registry"

    def __init__(self, client, image, platform=None):
        self.client = client
        self.image = image
        self.reference = Reference.parse(image)
        self.platform = _platform(platform)

    def resolve(self):
        """(ImageManifest, ImageIndex or None)."""
        manifest, index = self.client.get_image_manifest(self.reference, self.platform)
        return _image_manifest(manifest, f"the image for {self.platform} in {self.image}"), index

    def read_config(self, descriptor):
        return self.client.get_json_blob(self.reference, descriptor.digest, MAX_CONFIG_SIZE)

    def blob_chunks(self, descriptor):
        return self.client.iter_blob(self.reference, descriptor.digest, descriptor.size)

    def pull_from(self, digest):
        """``<registry>/<repository>@<digest>``, as oc's ``Pull From:``."""
        return str(self.reference.by_digest(digest))


def split_layout_argument(text):
    """(directory, reference name or None) from ``DIR`` or ``DIR:REF`` (skopeo's ``oci:`` form).

    ``DIR:REF`` is only split when ``DIR:REF`` itself is not a directory and ``DIR`` is.
    """
    path = os.path.expanduser(text)
    if os.path.isdir(path):
        return path, None
    head, colon, ref_name = path.rpartition(":")
    if colon and head and ref_name and "/" not in ref_name and os.path.isdir(head):
        return head, ref_name
    return path, None


class OCILayoutSource:
    """A release image in an OCI image layout directory.

    ``ref_name`` picks the ``index.json`` entry with that ``org.opencontainers.image.ref.name``
    (or ``io.containerd.image.name``). Without it the only entry is used; when there are
    several, the one image whose config carries the ``io.openshift.release`` label.
    """

    kind = "oci-layout"

    def __init__(self, path, platform=None, ref_name=None):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.ref_name = ref_name
        self.platform = _platform(platform)
        self.image = f"oci:{self.path}" + (f":{ref_name}" if ref_name else "")
        self.layout = OCILayout(self.path, "from_dir", "write it again (release_mirror, skopeo copy ... oci:DIR)")

    def _manifest(self, descriptor):
        return self.layout.manifest(descriptor.digest, descriptor.media_type)

    def read_config(self, descriptor):
        raw = self.layout.read_blob(descriptor.digest, "image config", MAX_CONFIG_SIZE)
        try:
            return json.loads(raw)
        except ValueError:
            raise LayoutError(
                f"image config {descriptor.digest} in {self.path} is not valid JSON", from_dir=self.path
            ) from None

    def blob_chunks(self, descriptor):
        return self.layout.blob_chunks(descriptor.digest, descriptor.size)

    def pull_from(self, digest):
        return None

    def _index(self):
        self.layout.check_layout_file()
        return self.layout.index()

    @staticmethod
    def _names(descriptor):
        return [
            n
            for n in (
                descriptor.annotations.get(REF_NAME_ANNOTATION),
                descriptor.annotations.get(IMAGE_NAME_ANNOTATION),
            )
            if n
        ]

    def _resolve_entry(self, descriptor):
        """(ImageManifest, ImageIndex or None) for one index.json entry (its original, if it
        names one: the digests of a mirrored release are those of its source)."""
        manifest = self._manifest(original_descriptor(descriptor))
        if not manifest.is_index:
            return manifest, None
        entry = select_platform(manifest, self.platform)
        return _image_manifest(self._manifest(entry), f"the image for {self.platform} in {self.image}"), manifest

    def _is_release(self, descriptor):
        try:
            manifest, _unused = self._resolve_entry(descriptor)
            config = self.read_config(manifest.config)
        except (RegistryError, LayoutError):
            return False
        labels = (config.get("config") or {}).get("Labels") or {}
        return bool(labels.get(LABEL_RELEASE))

    def resolve(self):
        index = self._index()
        entries = list(index.manifests)
        names = [", ".join(self._names(d)) or d.digest for d in entries]
        if self.ref_name:
            chosen = [d for d in entries if self.ref_name in self._names(d)]
            if not chosen:
                raise LayoutError(
                    f"the OCI layout {self.path} has no image named {self.ref_name!r}; it has: "
                    f"{'; '.join(names) or 'no image at all'}",
                    from_dir=self.path,
                    images=names,
                )
        elif len(entries) == 1:
            chosen = entries
        else:
            chosen = [d for d in entries if self._is_release(d)]
            if len(chosen) != 1:
                found = "no release image" if not chosen else f"{len(chosen)} release images"
                raise LayoutError(
                    f"the OCI layout {self.path} holds {len(entries)} images and {found}: name the one to read "
                    f"as from_dir={self.path}:<name>, one of: {'; '.join(names) or 'none'}",
                    from_dir=self.path,
                    images=names,
                )
        try:
            return self._resolve_entry(chosen[0])
        except PlatformNotFoundError as exc:
            raise LayoutError(f"{self.image}: {exc}", from_dir=self.path, available_platforms=exc.available) from None
