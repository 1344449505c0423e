# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Blob streams checked against their digest on the fly, in constant memory.

``verified_chunks`` hashes a stream of byte chunks as it passes and holds back the last
chunk until the whole stream has been hashed: a consumer (a file being written, an
upload being sent) never receives the complete content of a blob whose bytes don't
match its digest, so a bad blob is neither written nor pushed. Memory use is bounded by
two chunks, whatever the blob's size.
"""

import hashlib
import os

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import DigestMismatchError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import validate_digest

CHUNK_SIZE = 1024 * 1024


def _mismatch(what, expected, actual, detail):
    return DigestMismatchError(
        f"{what} does not match its digest: {detail}: not written or pushed", expected=expected, actual=actual
    )


def verified_chunks(chunks, digest, size=None, what=None):
    """Yield ``chunks`` unchanged, raising DigestMismatchError before the last one if they
    don't hash to ``digest`` (or don't add up to ``size`` bytes, when given).

    A stream longer than ``size`` fails as soon as it overflows.
    """
    validate_digest(digest)
    what = what or f"blob {digest}"
    hasher = hashlib.sha256()
    received = 0
    pending = None
    for chunk in chunks:
        if not chunk:
            continue
        received += len(chunk)
        if size is not None and received > size:
            raise _mismatch(what, digest, None, f"received more than the {size} bytes expected")
        hasher.update(chunk)
        if pending is not None:
            yield pending
        pending = chunk
    actual = "sha256:" + hasher.hexdigest()
    if size is not None and received != size:
        raise _mismatch(what, digest, actual, f"received {received} bytes, expected {size}")
    if actual != digest:
        raise _mismatch(what, digest, actual, f"expected {digest}, got {actual}")
    if pending is not None:
        yield pending


class ChunkReader:
    """A read()-able, iterable view of an iterator of byte chunks, for request bodies.

    With ``size`` it has a ``len`` attribute, so an HTTP client (requests) sends
    ``Content-Length``; without, it sends chunked transfer encoding.
    """

    def __init__(self, chunks, size=None):
        self._chunks = iter(chunks)
        self._buffer = b""
        self._offset = 0
        self.bytes_read = 0
        if size is not None:
            self.len = size

    def __iter__(self):
        if self._offset < len(self._buffer):
            rest = self._buffer[self._offset :]
            self._buffer, self._offset = b"", 0
            self.bytes_read += len(rest)
            yield rest
        for chunk in self._chunks:
            self.bytes_read += len(chunk)
            yield chunk

    def close(self):
        """Close the underlying iterator (a generator holding an open HTTP response)."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def read(self, amount=-1):
        if amount is None or amount < 0:
            return b"".join(self)
        while self._offset >= len(self._buffer):
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return b""
            self._offset = 0
        data = self._buffer[self._offset : self._offset + amount]
        self._offset += len(data)
        self.bytes_read += len(data)
        return data


def drop_first_bytes(chunks, count):
    """``chunks`` without their first ``count`` bytes (resent by a registry that ignored Range)."""
    for chunk in chunks:
        if count >= len(chunk):
            count -= len(chunk)
            continue
        yield chunk[count:] if count else chunk
        count = 0


def bytes_chunks(data, chunk_size=CHUNK_SIZE):
    """``data`` (bytes) in slices of ``chunk_size``, without copying the whole."""
    view = memoryview(data)
    for start in range(0, len(view), chunk_size):
        yield bytes(view[start : start + chunk_size])


def file_chunks(path, chunk_size=CHUNK_SIZE, start=0, length=None):
    """The bytes of ``path`` from ``start`` (``length`` of them, or to the end) in chunks."""
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining is None or remaining > 0:
            want = chunk_size if remaining is None else min(chunk_size, remaining)
            chunk = handle.read(want)
            if not chunk:
                break
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


def file_digest(path, chunk_size=CHUNK_SIZE):
    """(``sha256:<hex>``, size) of a file, read in chunks."""
    hasher = hashlib.sha256()
    size = 0
    for chunk in file_chunks(path, chunk_size):
        hasher.update(chunk)
        size += len(chunk)
    return "sha256:" + hasher.hexdigest(), size


def write_verified_file(chunks, path, digest, size=None, what=None):
    """Write a stream to ``path`` only if it matches ``digest``; return the byte count.

    Bytes go to ``<path>.partial`` first and are renamed over ``path`` after verification;
    on a mismatch (or any error) the partial file is removed and ``path`` is untouched.
    """
    partial = path + ".partial"
    written = 0
    try:
        with open(partial, "wb") as handle:
            for chunk in verified_chunks(chunks, digest, size, what):
                handle.write(chunk)
                written += len(chunk)
        os.replace(partial, path)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise
    return written


class BlobSource:
    """What an upload reads: bytes in memory or a file, in ranges of chunks, and its digest."""

    def __init__(self, data, chunk_size=CHUNK_SIZE):
        self.chunk_size = chunk_size
        if isinstance(data, (bytes, bytearray, memoryview)):
            self.data, self.path = bytes(data), None
            self.size = len(self.data)
        else:
            self.data, self.path = None, os.fspath(data)
            self.size = os.path.getsize(self.path)

    def chunks(self, start=0, length=None):
        """The bytes from ``start`` (``length`` of them, or to the end) in chunks."""
        if self.path is not None:
            return file_chunks(self.path, self.chunk_size, start, length)
        end = self.size if length is None else start + length
        return bytes_chunks(self.data[start:end], self.chunk_size)

    def digest(self):
        """``sha256:<hex>`` of the whole content."""
        if self.path is not None:
            return file_digest(self.path, self.chunk_size)[0]
        return "sha256:" + hashlib.sha256(self.data).hexdigest()
