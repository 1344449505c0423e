# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-the-fly digest verifier on crafted streams, and the stream helpers."""

import hashlib
import os

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.blobs import (
    ChunkReader,
    bytes_chunks,
    file_chunks,
    file_digest,
    verified_chunks,
    write_verified_file,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import DigestMismatchError

DATA = bytes(range(256)) * 1000  # 256000 bytes
DIGEST = "sha256:" + hashlib.sha256(DATA).hexdigest()


def test_good_stream_passes_unchanged():
    chunks = list(bytes_chunks(DATA, 4096))
    assert b"".join(verified_chunks(iter(chunks), DIGEST, len(DATA))) == DATA
    assert b"".join(verified_chunks(iter(chunks), DIGEST)) == DATA


def test_tampered_stream_fails_before_the_last_chunk():
    tampered = bytearray(DATA)
    tampered[-1] ^= 0xFF
    received = []
    with pytest.raises(DigestMismatchError) as info:
        for chunk in verified_chunks(bytes_chunks(bytes(tampered), 4096), DIGEST, len(DATA)):
            received.append(chunk)
    # the consumer never got the whole blob: the last chunk was held back
    last_chunk = len(DATA) % 4096 or 4096
    assert sum(map(len, received)) == len(DATA) - last_chunk
    assert info.value.expected == DIGEST
    assert info.value.actual == "sha256:" + hashlib.sha256(bytes(tampered)).hexdigest()
    assert "not written or pushed" in str(info.value)


def test_single_chunk_tampered_stream_yields_nothing():
    with pytest.raises(DigestMismatchError):
        assert not list(verified_chunks([b"evil"], DIGEST))


def test_overflowing_stream_fails_as_soon_as_it_overflows():
    def endless():
        while True:
            yield b"x" * 1024

    with pytest.raises(DigestMismatchError, match="more than the 10000 bytes"):
        list(verified_chunks(endless(), DIGEST, 10000))


def test_short_stream_fails_on_size():
    with pytest.raises(DigestMismatchError, match=f"received 1000 bytes, expected {len(DATA)}"):
        list(verified_chunks([DATA[:1000]], DIGEST, len(DATA)))


def test_verifier_rejects_malformed_digest():
    with pytest.raises(ValueError):
        list(verified_chunks([b"x"], "md5:abc"))


def test_write_verified_file(tmp_path):
    target = str(tmp_path / "blob")
    assert write_verified_file(bytes_chunks(DATA, 10000), target, DIGEST, len(DATA)) == len(DATA)
    with open(target, "rb") as handle:
        assert handle.read() == DATA
    assert file_digest(target) == (DIGEST, len(DATA))


def test_write_verified_file_writes_nothing_on_mismatch(tmp_path):
    target = str(tmp_path / "blob")
    with open(target, "wb") as handle:
        handle.write(b"previous content")
    with pytest.raises(DigestMismatchError):
        write_verified_file(bytes_chunks(DATA[:-1] + b"\0", 10000), target, DIGEST)
    with open(target, "rb") as handle:
        assert handle.read() == b"previous content"  # untouched
    assert os.listdir(tmp_path) == ["blob"]  # no partial file left


def test_chunk_reader_reads_any_amount_and_counts():
    reader = ChunkReader(bytes_chunks(DATA, 1000), len(DATA))
    assert reader.len == len(DATA)
    parts = []
    while True:
        piece = reader.read(777)
        if not piece:
            break
        assert len(piece) <= 777
        parts.append(piece)
    assert b"".join(parts) == DATA
    assert reader.bytes_read == len(DATA)


def test_chunk_reader_iterates_and_reads_all():
    reader = ChunkReader(bytes_chunks(DATA, 1000))
    assert not hasattr(reader, "len")  # unknown length: chunked transfer encoding
    head = reader.read(10)
    assert head + b"".join(reader) == DATA
    assert ChunkReader(iter([b"ab", b"cd"])).read() == b"abcd"


def test_file_chunks_range(tmp_path):
    path = str(tmp_path / "f")
    with open(path, "wb") as handle:
        handle.write(DATA)
    assert b"".join(file_chunks(path, 333, start=1000, length=5000)) == DATA[1000:6000]
    assert b"".join(file_chunks(path, 4096, start=255000)) == DATA[255000:]
