# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Manifest calls: read (GET/HEAD) and write (PUT) manifests and indexes, resolve tags, list tags.

``manifest.py`` is the model (parse, digest, select a platform); this file talks to the
registry (distribution-spec ``spec.md``, "Pulling manifests", "Pushing Manifests",
"Listing Tags"). Every byte read is checked against the digest it was asked by, or the
``Docker-Content-Digest`` the registry announced; a write must be stored under the digest
of the bytes sent.
"""

from urllib.parse import urljoin

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    DigestMismatchError,
    ManifestError,
    ManifestUnknownError,
    NotFoundError,
    RegistryError,
    RegistryResponseError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.http_errors import check_stored_digest
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import (
    MANIFEST_ACCEPT,
    MAX_MANIFEST_SIZE,
    Descriptor,
    Platform,
    parse_manifest,
    select_platform,
    sha256_digest,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import as_reference, validate_digest
from ansible_collections.okd.machine_os.plugins.module_utils.registry.transport import Transport


class ManifestClient(Transport):
    """The manifest calls of ``RegistryClient``."""

    def ping(self, registry):
        """GET /v2/ with authentication: proves the registry answers and accepts our credentials."""
        response = self._request("GET", registry, "/v2/", what=f"the API root of {registry}")
        response.close()
        return True

    def _manifest_request(self, method, ref, accept, **kwargs):
        return self._repository_request(
            method,
            ref,
            f"/v2/{ref.repository}/manifests/{ref.ref}",
            headers={"Accept": accept},
            what=f"manifest {ref}",
            not_found=ManifestUnknownError,
            **kwargs,
        )

    def get_manifest(self, ref, accept=MANIFEST_ACCEPT):
        """The manifest (ImageManifest or ImageIndex) of ``ref``, its bytes digest-checked.

        By digest: the bytes must hash to it. By tag: they must hash to the
        ``Docker-Content-Digest`` the registry announced, when it did.
        """
        ref = as_reference(ref)
        response = self._manifest_request("GET", ref, accept, stream=True)
        try:
            length = int(response.headers.get("Content-Length") or 0)
            if length > MAX_MANIFEST_SIZE:
                raise ManifestError(
                    f"manifest {ref} is {length} bytes, more than the {MAX_MANIFEST_SIZE} a manifest may have",
                    registry=ref.registry,
                    reference=ref,
                )
            raw = response.raw.read(MAX_MANIFEST_SIZE + 1, decode_content=True)
        finally:
            response.close()
        if len(raw) > MAX_MANIFEST_SIZE:
            raise ManifestError(
                f"manifest {ref} is larger than {MAX_MANIFEST_SIZE} bytes", registry=ref.registry, reference=ref
            )
        expected = ref.digest
        announced = response.headers.get("Docker-Content-Digest")
        if expected is None and announced and announced.startswith("sha256:"):
            expected = announced
        try:
            return parse_manifest(raw, response.headers.get("Content-Type"), expected, where=f"manifest {ref}")
        except RegistryError as exc:
            exc.registry, exc.reference = ref.registry, ref
            raise

    def head_manifest(self, ref, accept=MANIFEST_ACCEPT):
        """The Descriptor of ``ref`` (media type, digest, size) or None if it does not exist."""
        ref = as_reference(ref)
        try:
            response = self._manifest_request("HEAD", ref, accept)
        except NotFoundError:
            return None
        response.close()
        digest = response.headers.get("Docker-Content-Digest")
        media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip() or None
        size = response.headers.get("Content-Length")
        if not digest or not digest.startswith("sha256:") or size is None:
            manifest = self.get_manifest(ref, accept)
            return manifest.descriptor
        if ref.digest and digest != ref.digest:
            raise DigestMismatchError(
                f"manifest {ref}: the registry announced digest {digest}",
                expected=ref.digest,
                actual=digest,
                registry=ref.registry,
                reference=ref,
            )
        return Descriptor(media_type=media_type, digest=validate_digest(digest), size=int(size))

    def resolve(self, ref):
        """The digest ``ref`` points at (a tag resolved; a digest checked to exist)."""
        ref = as_reference(ref)
        descriptor = self.head_manifest(ref)
        if descriptor is None:
            raise ManifestUnknownError(
                f"manifest {ref}: not found on {ref.registry} (HTTP 404): check the repository and the tag or digest",
                registry=ref.registry,
                reference=ref,
                status=404,
            )
        return descriptor.digest

    def get_image_manifest(self, ref, platform=None):
        """(ImageManifest, ImageIndex or None): an index resolved to ``platform`` (default linux/amd64)."""
        ref = as_reference(ref)
        manifest = self.get_manifest(ref)
        if not manifest.is_index:
            return manifest, None
        entry = select_platform(manifest, platform or Platform())
        return self.get_manifest(ref.by_digest(entry.digest)), manifest

    def put_manifest(self, ref, manifest, media_type=None):
        """Push manifest bytes (or an ImageManifest/ImageIndex) to ``ref``'s tag or digest.

        Returns the digest; the one the registry announces must be the bytes' own.
        """
        ref = as_reference(ref)
        raw = manifest.raw if hasattr(manifest, "raw") else manifest
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        media_type = media_type or getattr(manifest, "media_type", None)
        if not media_type:
            media_type = parse_manifest(raw).media_type
        digest = sha256_digest(raw)
        if ref.digest and ref.digest != digest:
            raise DigestMismatchError(
                f"manifest for {ref} hashes to {digest}, not to the digest it is pushed by",
                expected=ref.digest,
                actual=digest,
                registry=ref.registry,
                reference=ref,
            )
        target = ref.digest or ref.tag or digest
        response = self._repository_request(
            "PUT",
            ref,
            f"/v2/{ref.repository}/manifests/{target}",
            push=True,
            headers={"Content-Type": media_type},
            body=raw,
            ok=(200, 201, 202),
            what=f"pushing manifest {ref}",
            not_found=ManifestUnknownError,
        )
        response.close()
        check_stored_digest(response, digest, ref, f"pushing manifest {ref}")
        return digest

    def list_tags(self, ref, page_size=1000):
        """Every tag of ``ref``'s repository (following ``Link`` pagination)."""
        ref = as_reference(ref)
        tags = []
        url = f"/v2/{ref.repository}/tags/list"
        params = {"n": page_size}
        while url:
            response = self._repository_request(
                "GET",
                ref,
                url,
                params=params,
                what=f"listing the tags of {ref.name}",
                not_found=ManifestUnknownError,
            )
            try:
                data = response.json()
            except ValueError:
                raise RegistryResponseError(
                    f"listing the tags of {ref.name}: the answer is not JSON", registry=ref.registry, reference=ref
                ) from None
            finally:
                response.close()
            tags.extend(data.get("tags") or [])
            link = response.links.get("next", {}).get("url")
            url, params = (urljoin(response.url, link), None) if link else (None, None)
        return tags
