# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read ``release-manifests/`` out of a layer while it streams (tar, gzip-compressed or not).

The layer arrives as chunks already checked against its digest by the registry client
(``verified_chunks``: a mismatch raises before the last chunk). The tar is parsed as the
bytes pass, in constant memory apart from the file contents asked for, and the stream is
always read to its end, so the digest check runs even when the tar's end-of-archive marker
comes before the blob's last bytes.
"""

import tarfile
import zlib
from dataclasses import dataclass, field

from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import PayloadError
from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import RELEASE_MANIFESTS

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
WHITEOUT_PREFIX = ".wh."


@dataclass
class LayerFiles:
    """The regular files under ``release-manifests/`` of one layer.

    ``names``: every file name (relative to ``release-manifests/``) in tar order;
    ``contents``: {name: bytes} of the files the caller kept; ``sizes``: {name: size}.
    """

    names: list = field(default_factory=list)
    contents: dict = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)


def _relative_name(member_name, prefix):
    name = member_name
    while name.startswith("./"):
        name = name[2:]
    name = name.lstrip("/")
    if not name.startswith(prefix):
        return None
    return name[len(prefix) :]


class _StreamReader:
    """A read()-able view of an iterator of byte chunks that can show its first bytes."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""

    def peek(self, size):
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        return self._buffer[:size]

    def read(self, size=-1):
        if size is None or size < 0:
            data = self._buffer + b"".join(self._chunks)
            self._buffer = b""
            return data
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._buffer = chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def drain(self):
        """Consume the rest of the stream, so the digest check at its end runs."""
        self._buffer = b""
        for _unused in self._chunks:
            pass


def read_layer_files(chunks, keep=None, directory=RELEASE_MANIFESTS, what="the layer"):
    """Parse the tar stream in ``chunks`` and collect the files under ``directory/``.

    ``keep(name) -> bool`` says which files' contents to hold in memory (default: all).
    Whiteouts (``.wh.*``) and non-regular entries are skipped. Raises PayloadError for a
    layer that is not a (gzip) tar; DigestMismatchError from the stream passes through.
    """
    prefix = directory.rstrip("/") + "/"
    reader = _StreamReader(chunks)
    if reader.peek(4).startswith(ZSTD_MAGIC):
        reader.drain()
        raise PayloadError(
            f"{what} is zstd-compressed, which this collection cannot read yet: "
            f"push the release with gzip layers (oc adm release new writes gzip)"
        )
    result = LayerFiles()
    try:
        with tarfile.open(fileobj=reader, mode="r|*") as archive:
            for member in archive:
                name = _relative_name(member.name, prefix)
                if not name or not member.isreg():
                    continue
                if name.rsplit("/", 1)[-1].startswith(WHITEOUT_PREFIX):
                    continue
                result.names.append(name)
                result.sizes[name] = member.size
                if keep is None or keep(name):
                    handle = archive.extractfile(member)
                    result.contents[name] = handle.read() if handle is not None else b""
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        reader.drain()
        raise PayloadError(
            f"{what} is not a readable tar archive ({exc}): the image is damaged or not a release payload"
        ) from None
    reader.drain()
    return result
