# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Blob reads: HEAD for existence, and GET streamed and verified on the fly.

A stream cut short (dropped connection, chunked-encoding error, read timeout) is resumed
with ``Range: bytes=<offset>-`` (distribution-spec ``spec.md``, "Pulling blobs"); a
registry that ignores Range resends from the start and the bytes already received are
dropped. ``blobs.py`` checks the digest as the bytes pass, so no consumer gets the whole of
a bad blob.
"""

import json
import re

from ansible_collections.okd.machine_os.plugins.module_utils.registry.blobs import (
    CHUNK_SIZE,
    drop_first_bytes,
    verified_chunks,
    write_verified_file,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    BlobUnknownError,
    ManifestError,
    NotFoundError,
    RegistryResponseError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.http_errors import transport_error
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import MAX_MANIFEST_SIZE
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import as_reference, validate_digest
from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import requests
from ansible_collections.okd.machine_os.plugins.module_utils.registry.transport import Transport

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def resent_bytes(status, content_range, offset):
    """How many bytes of a resumed answer were already received: 0 when the registry resumed
    at ``offset`` (206 with a matching Content-Range), ``offset`` when it ignored Range (200),
    None when it resumed elsewhere."""
    if not offset:
        return 0
    match = _CONTENT_RANGE.match(content_range or "")
    if status == 206 and match and int(match.group(1)) == offset:
        return 0
    if status == 200:
        return offset
    return None


class BlobClient(Transport):
    """The blob read calls of ``RegistryClient``; ``chunk_size`` is the stream's chunk size."""

    chunk_size = CHUNK_SIZE

    def blob_exists(self, ref, digest):
        """The blob's size if ``digest`` exists in ``ref``'s repository, else None."""
        ref = as_reference(ref)
        validate_digest(digest)
        try:
            response = self._repository_request(
                "HEAD",
                ref,
                f"/v2/{ref.repository}/blobs/{digest}",
                what=f"blob {digest} in {ref.name}",
                not_found=BlobUnknownError,
            )
        except NotFoundError:
            return None
        response.close()
        length = response.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else 0

    def _raw_blob_stream(self, ref, digest):
        """The blob's bytes in chunks, resuming with Range after a dropped connection."""
        offset = 0
        attempt = 0
        while True:
            headers = {"Accept-Encoding": "identity"}
            if offset:
                headers["Range"] = f"bytes={offset}-"
            response = self._repository_request(
                "GET",
                ref,
                f"/v2/{ref.repository}/blobs/{digest}",
                headers=headers,
                ok=(200, 206),
                stream=True,
                what=f"blob {digest} in {ref.name}",
                not_found=BlobUnknownError,
            )
            try:
                skip = resent_bytes(response.status_code, response.headers.get("Content-Range"), offset)
                if skip is None:
                    raise RegistryResponseError(
                        f"blob {digest} in {ref.name}: the registry resumed at the wrong offset",
                        registry=ref.registry,
                        reference=ref,
                    )
                for chunk in drop_first_bytes(response.iter_content(self.chunk_size), skip):
                    offset += len(chunk)
                    yield chunk
                return
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
            ) as exc:
                if not self.retry.should_retry_error(attempt):
                    raise transport_error(exc, self.endpoints(ref.registry)) from None
                delay = self.retry.delay(attempt)
                self._debug(
                    f"blob {digest}: stream broke at {offset} bytes ({type(exc).__name__}), resuming in {delay:.1f}s"
                )
                self._sleep(delay)
                attempt += 1
            finally:
                response.close()

    def iter_blob(self, ref, digest, size=None):
        """The blob's bytes as a generator of chunks, verified on the fly.

        DigestMismatchError is raised before the last chunk when the bytes don't match
        ``digest`` (or ``size``): a consumer never gets the whole of a bad blob.
        """
        ref = as_reference(ref)
        validate_digest(digest)
        return verified_chunks(self._raw_blob_stream(ref, digest), digest, size, what=f"blob {digest} from {ref.name}")

    def get_blob(self, ref, digest, max_size=MAX_MANIFEST_SIZE):
        """A small blob (a config) in memory, verified; larger than ``max_size`` is an error."""
        ref = as_reference(ref)
        chunks = []
        total = 0
        for chunk in self.iter_blob(ref, digest):
            total += len(chunk)
            if total > max_size:
                raise RegistryResponseError(
                    f"blob {digest} in {ref.name} is larger than {max_size} bytes: stream it instead",
                    registry=ref.registry,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def get_json_blob(self, ref, digest, max_size=MAX_MANIFEST_SIZE):
        """A JSON blob (an image config) parsed."""
        ref = as_reference(ref)
        raw = self.get_blob(ref, digest, max_size)
        try:
            return json.loads(raw)
        except ValueError:
            raise ManifestError(f"blob {digest} in {ref.name} is not valid JSON", registry=ref.registry) from None

    def download_blob(self, ref, digest, path, size=None):
        """Write the blob to ``path`` (only once verified); return its size."""
        ref = as_reference(ref)
        validate_digest(digest)
        return write_verified_file(
            self._raw_blob_stream(ref, digest), path, digest, size, what=f"blob {digest} from {ref.name}"
        )
