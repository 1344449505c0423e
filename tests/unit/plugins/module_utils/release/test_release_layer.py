# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""release-manifests/ out of a streamed layer: gzip or plain tar, digest checked to the end."""

import gzip

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.blobs import bytes_chunks, verified_chunks
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import DigestMismatchError
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import PayloadError
from ansible_collections.okd.machine_os.plugins.module_utils.release.layer import read_layer_files


def test_gzip_layer_names_and_kept_contents(build):
    files = build.release_files(manifests=2, extra={"notes.txt": b"x"})
    layer = build.tar_bytes(files)
    result = read_layer_files(bytes_chunks(layer, 100), keep=lambda n: n == "image-references")
    assert result.names == list(files)
    assert set(result.contents) == {"image-references"}
    assert result.contents["image-references"] == files["image-references"]
    assert result.sizes["notes.txt"] == 1


def test_plain_tar_dot_slash_prefix_whiteouts_and_other_directories(build):
    layer = build.tar_bytes(
        {"a.yaml": b"a", ".wh.b.yaml": b"", "sub/c.json": b"{}"}, prefix="./release-manifests/", compress=False
    )
    other = build.tar_bytes({"x.yaml": b"x"}, prefix="manifests/")
    assert read_layer_files(bytes_chunks(layer, 7)).names == ["a.yaml", "sub/c.json"]
    assert read_layer_files(iter([other])).names == []


def test_digest_checked_to_the_end_of_the_stream(build):
    layer = build.tar_bytes(build.release_files())
    good = build.digest_of(layer)
    # trailing bytes after the gzip member: the tar ends early, the digest check still runs
    padded = layer + b"\0" * 4096
    with pytest.raises(DigestMismatchError):
        read_layer_files(verified_chunks(bytes_chunks(padded, 512), good))
    assert read_layer_files(verified_chunks(bytes_chunks(layer, 512), good)).names


def test_unreadable_layers(build):
    with pytest.raises(PayloadError, match="is not a readable tar archive"):
        read_layer_files(iter([gzip.compress(b"not a tar" * 100)]), what="the last layer")
    with pytest.raises(PayloadError, match="zstd-compressed"):
        read_layer_files(iter([b"\x28\xb5\x2f\xfd" + b"\0" * 100]))
