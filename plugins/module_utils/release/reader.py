# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read a release payload from a source (registry or OCI layout) into a ReleasePayload.

As ``oc adm release info`` does: resolve the image (one platform of a manifest list),
read its config, stream its **last layer** and take ``release-manifests/`` from it;
``image-references`` is required, ``release-metadata`` expected. Only the last layer is
downloaded (the release layer ``oc adm release new`` appends), never the CVO image's.
"""

from dataclasses import dataclass, field

from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import NotAReleaseError, ReleaseError
from ansible_collections.okd.machine_os.plugins.module_utils.release.layer import read_layer_files
from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import (
    IMAGE_REFERENCES,
    RELEASE_METADATA,
    check_version_match,
    parse_image_references,
    parse_release_metadata,
    require_release_files,
)


@dataclass
class ReleasePayload:
    """What was read: image identity, config, the release-manifests/ files and their meaning."""

    image: str
    source_kind: str
    digest: str
    list_digest: str
    media_type: str
    config: dict
    layer_digest: str
    file_names: list
    contents: dict = field(repr=False)
    references: object = None
    metadata: object = None
    pull_from: str = None
    warnings: list = field(default_factory=list)

    @property
    def name(self):
        """oc's PreferredName: release-metadata's version, else image-references' name."""
        return self.metadata.version if self.metadata is not None else self.references.name

    @property
    def release_digest(self):
        """The digest oc shows as ``Digest:``: the manifest list's for a multi-arch release."""
        return self.list_digest or self.digest


def _with_image(exc, image):
    if image not in exc.message:
        exc.message = f"release image {image}: {exc.message}"
        exc.args = (exc.message,)
    exc.context.setdefault("image", image)
    return exc


def read_release(source, keep=None, require_digests=True):
    """Read the payload ``source`` points at.

    ``keep(name) -> bool`` selects which release-manifests/ files to hold in memory
    besides image-references and release-metadata (release_info needs none; extract
    keeps what it writes). Raises ReleaseError (payload problems, naming the image) and
    the registry client's RegistryError (auth, TLS, not found, digest mismatch).
    """
    try:
        manifest, index = source.resolve()
        if not manifest.layers:
            raise NotAReleaseError(
                f"{source.image} is not a release payload: its image has no layers", image=source.image
            )
        config = source.read_config(manifest.config)
        last = manifest.layers[-1]

        def keep_file(name):
            return name in (IMAGE_REFERENCES, RELEASE_METADATA) or (keep is not None and keep(name))

        files = read_layer_files(
            source.blob_chunks(last), keep_file, what=f"the last layer ({last.digest}) of {source.image}"
        )
        require_release_files(files.names, source.image)
        references = parse_image_references(files.contents[IMAGE_REFERENCES], require_digests)
        metadata = None
        warnings = []
        if RELEASE_METADATA in files.contents:
            metadata = parse_release_metadata(files.contents[RELEASE_METADATA])
            check_version_match(references, metadata)
        else:
            warnings.append(
                f"the payload has no release-manifests/{RELEASE_METADATA}: the "
                f"cluster-version-operator refuses such a payload"
            )
    except ReleaseError as exc:
        raise _with_image(exc, source.image) from None
    list_digest = index.digest if index is not None else None
    return ReleasePayload(
        image=source.image,
        source_kind=source.kind,
        digest=manifest.digest,
        list_digest=list_digest,
        media_type=manifest.media_type,
        config=config if isinstance(config, dict) else {},
        layer_digest=last.digest,
        file_names=list(files.names),
        contents=files.contents,
        references=references,
        metadata=metadata,
        pull_from=source.pull_from(list_digest or manifest.digest),
        warnings=warnings,
    )
