# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Blob writes: cross-repository mount, monolithic and chunked uploads, registry-to-registry copy.

distribution-spec ``spec.md``, "Pushing blobs": a POST opens an upload session (or, with
``?mount=<digest>&from=<repository>``, links a blob the registry already holds: 201), then

* monolithic: one PUT ``?digest=`` carrying the whole stream; a failed transfer restarts
  with a new session, up to the retry policy's count;
* chunked (only when a caller asks for ``chunk_size``): a PATCH with ``Content-Range`` per
  chunk, resumed after a failure from the offset the session reports (its ``Range``), then
  an empty PUT ``?digest=``.

Bytes are checked against the digest as they are sent (``blobs.verified_chunks`` holds back
the last chunk), so a bad blob is never committed; a session that fails is cancelled.
"""

import functools
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from ansible_collections.okd.machine_os.plugins.module_utils.registry.blobs import (
    BlobSource,
    ChunkReader,
    verified_chunks,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.downloads import BlobClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    DigestMismatchError,
    RegistryError,
    RegistryResponseError,
    RegistryUnavailableError,
    RegistryUnreachableError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.http_errors import check_stored_digest
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import as_reference, validate_digest
from ansible_collections.okd.machine_os.plugins.module_utils.registry.token import repository_scope

_UPLOAD_RANGE = re.compile(r"(?:bytes=)?(\d+)-(\d+)")
_TRANSIENT = (RegistryUnavailableError, RegistryUnreachableError)


@dataclass
class BlobPush:
    """The outcome of putting a blob into a repository."""

    digest: str
    size: int
    action: str  # "exists", "mounted", "uploaded"
    mounted_from: str = None


def _fresh_body(readers, open_stream, size):
    """A new body for a PUT, the earlier ones closed: called again only when the PUT is
    re-sent after a 401 (token refresh). ``readers`` keeps them, for the byte count."""
    for previous in readers:
        previous.close()
    readers.append(ChunkReader(open_stream(), size))
    return readers[-1]


def upload_offset(range_header):
    """The bytes an upload session holds, from its ``Range: 0-<last>`` header (0 without)."""
    match = _UPLOAD_RANGE.fullmatch(range_header or "")
    return int(match.group(2)) + 1 if match else 0


class UploadClient(BlobClient):
    """The blob write calls of ``RegistryClient``; ``upload_chunk_size`` (None: monolithic)."""

    upload_chunk_size = None

    def _location(self, response, ref):
        location = response.headers.get("Location")
        if not location:
            raise RegistryResponseError(
                f"blob upload to {ref.name}: the registry sent no Location", registry=ref.registry, reference=ref
            )
        return urljoin(response.url, location)

    def _start_upload(self, ref, digest=None, mount_from=None):
        """POST an upload (or a mount); returns ("mounted", None) or ("upload", location)."""
        params = {"mount": digest, "from": mount_from} if mount_from else None
        response = self._repository_request(
            "POST",
            ref,
            f"/v2/{ref.repository}/blobs/uploads/",
            push=True,
            also_scopes=[repository_scope(mount_from)] if mount_from else (),
            params=params,
            ok=(201, 202),
            body=b"",
            headers={"Content-Length": "0"},
            what=f"starting a blob upload to {ref.name}",
        )
        response.close()
        if response.status_code == 201:
            return "mounted", None
        return "upload", self._location(response, ref)

    def _cancel_upload(self, ref, location):
        if not location:
            return
        try:
            self._repository_request(
                "DELETE", ref, location, push=True, ok=(200, 202, 204, 404), retry=False, what="cancelling an upload"
            ).close()
        except RegistryError:
            pass

    def _upload_status(self, ref, location):
        """(bytes the registry holds for an upload session, the session's new Location)."""
        response = self._repository_request(
            "GET", ref, location, push=True, ok=(204, 200), what=f"the upload status in {ref.name}"
        )
        response.close()
        return upload_offset(response.headers.get("Range")), self._location(response, ref)

    def _pause_before_retry(self, attempt, exc, note=None):
        """Whether ``attempt`` may be retried after the transient ``exc``; if so, waits first
        (Retry-After when the registry sent one), saying so in the debug log with ``note``."""
        if not self.retry.should_retry_error(attempt):
            return False
        delay = self.retry.delay(attempt, getattr(exc, "retry_after", None))
        if note:
            self._debug(f"{note}: {exc}; restarting in {delay:.1f}s")
        self._sleep(delay)
        return True

    def mount_blob(self, ref, digest, from_repository):
        """Cross-repository mount of ``digest`` from ``from_repository`` (same registry).

        True when mounted (HTTP 201); False when the registry declined (HTTP 202: the
        upload session it opened instead is cancelled).
        """
        ref = as_reference(ref)
        validate_digest(digest)
        outcome, location = self._start_upload(ref, digest, from_repository)
        if outcome == "mounted":
            return True
        self._cancel_upload(ref, location)
        return False

    def _push_stream(self, ref, digest, size, open_stream, mount_from=None):
        """POST (or mount), then one PUT ?digest= carrying the stream; restarted on failures.

        ``open_stream()`` gives a fresh iterator of chunks for each attempt. An exception
        from it (a DigestMismatchError) aborts the PUT before its end: nothing is committed.
        """
        attempt = 0
        while True:
            outcome, location = self._start_upload(ref, digest, mount_from)
            if outcome == "mounted":
                return BlobPush(digest, size, "mounted", mounted_from=mount_from)
            mounted_from, mount_from = mount_from, None  # declined: don't ask again on a retry
            readers = []

            try:
                response = self._repository_request(
                    "PUT",
                    ref,
                    location,
                    push=True,
                    params={"digest": digest},
                    headers={"Content-Type": "application/octet-stream"},
                    body=functools.partial(_fresh_body, readers, open_stream, size),
                    ok=(201, 204),
                    what=f"uploading blob {digest} to {ref.name}",
                    retry=False,
                )
                response.close()
                check_stored_digest(response, digest, ref, f"blob upload to {ref.name}")
                sent = readers[-1].bytes_read
                self._debug(
                    f"uploaded blob {digest} ({sent} bytes) to {ref.name}"
                    + (f" (mount from {mounted_from} declined)" if mounted_from else "")
                )
                return BlobPush(digest, sent, "uploaded")
            except BaseException as exc:
                for reader in readers:
                    reader.close()
                self._cancel_upload(ref, location)
                if not isinstance(exc, _TRANSIENT) or not self._pause_before_retry(
                    attempt, exc, note=f"uploading blob {digest}"
                ):
                    raise
                attempt += 1

    def _push_chunks(self, ref, digest, source, chunk_size, mount_from=None):
        """Chunked upload: PATCH with Content-Range per chunk, then PUT ?digest=.

        A failed PATCH is resumed from the offset the registry reports (GET on the session).
        """
        size = source.size
        outcome, location = self._start_upload(ref, digest, mount_from)
        if outcome == "mounted":
            return BlobPush(digest, size, "mounted", mounted_from=mount_from)
        try:
            offset = 0
            attempt = 0
            while offset < size:
                start, length = offset, min(chunk_size, size - offset)
                headers = {
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(length),
                    "Content-Range": f"{start}-{start + length - 1}",
                }
                try:
                    response = self._repository_request(
                        "PATCH",
                        ref,
                        location,
                        push=True,
                        headers=headers,
                        body=lambda s=start, n=length: ChunkReader(source.chunks(s, n), n),
                        ok=(202, 204),
                        what=f"uploading blob {digest} to {ref.name}",
                        retry=False,
                    )
                except _TRANSIENT as exc:
                    if not self._pause_before_retry(attempt, exc):
                        raise
                    attempt += 1
                    # a failed PATCH may have stored part of the chunk: ask where the session is
                    offset, location = self._upload_status(ref, location)
                    continue
                response.close()
                location = self._location(response, ref)
                offset = start + length
            response = self._repository_request(
                "PUT",
                ref,
                location,
                push=True,
                params={"digest": digest},
                headers={"Content-Length": "0"},
                body=b"",
                ok=(201, 204),
                what=f"completing the upload of blob {digest} to {ref.name}",
            )
            response.close()
            check_stored_digest(response, digest, ref, f"blob upload to {ref.name}")
        except BaseException:
            self._cancel_upload(ref, location)
            raise
        self._debug(f"uploaded blob {digest} ({size} bytes, chunks of {chunk_size}) to {ref.name}")
        return BlobPush(digest, size, "uploaded")

    def upload_blob(
        self, ref, data, digest=None, size=None, *, chunk_size=None, mount_from=None, verify=True, known_missing=False
    ):
        """Put a blob (bytes or a file path) into ``ref``'s repository unless it is there.

        ``known_missing``: the caller has just seen the repository lack the blob (a mirror's
        plan), so the HEAD that would skip the upload is not sent again.

        Without ``digest`` it is computed first. ``mount_from`` (a repository of the same
        registry) is tried before uploading. ``chunk_size`` (else the client's
        ``upload_chunk_size``) selects a chunked upload for larger blobs; otherwise one PUT.
        The bytes are checked against ``digest`` on the fly (``verify=False`` leaves that to
        the registry, which refuses a mismatch: DigestMismatchError either way).
        Returns a BlobPush (action ``exists``, ``mounted`` or ``uploaded``).
        """
        ref = as_reference(ref)
        source = BlobSource(data, self.chunk_size)
        given = digest
        digest = validate_digest(given) if given is not None else source.digest()
        if size is not None and size != source.size:
            raise DigestMismatchError(
                f"blob {digest} for {ref.name} has {source.size} bytes, not {size}: not pushed",
                expected=digest,
                registry=ref.registry,
                reference=ref,
            )
        if not known_missing and self.blob_exists(ref, digest) is not None:
            return BlobPush(digest, source.size, "exists")
        chunk_size = chunk_size or self.upload_chunk_size
        if chunk_size and source.size > chunk_size:
            if verify and given is not None:
                # chunks are sent (and retried) one by one: check the whole before the first
                actual = source.digest()
                if actual != digest:
                    raise DigestMismatchError(
                        f"blob for {ref.name} hashes to {actual}, not to {digest}: not pushed",
                        expected=digest,
                        actual=actual,
                        registry=ref.registry,
                        reference=ref,
                    )
            return self._push_chunks(ref, digest, source, chunk_size, mount_from)

        def open_stream():
            if verify and given is not None:
                return verified_chunks(source.chunks(), digest, source.size, what=f"blob {digest} for {ref.name}")
            return source.chunks()

        return self._push_stream(ref, digest, source.size, open_stream, mount_from)

    def copy_blob(self, source, target, digest, size=None, mount_from=None, known_missing=False):
        """Copy a blob from ``source``'s repository to ``target``'s in constant memory.

        Skipped when ``target`` has it (not asked again with ``known_missing``: the caller has
        just seen it lack the blob); mounted when ``mount_from`` (or ``source``'s
        repository, on the same registry) lets the registry link it; otherwise streamed from
        source to target with the digest checked on the fly (a mismatch aborts the upload
        before its end, so nothing is committed). A failed transfer restarts from scratch
        (new GET, new upload) up to the retry policy's count. Returns a BlobPush.
        """
        source, target = as_reference(source), as_reference(target)
        validate_digest(digest)
        existing = None if known_missing else self.blob_exists(target, digest)
        if existing is not None:
            return BlobPush(digest, existing if size is None else size, "exists")
        if mount_from is None and source.registry == target.registry and source.repository != target.repository:
            mount_from = source.repository
        return self._push_stream(target, digest, size, lambda: self.iter_blob(source, digest, size), mount_from)
