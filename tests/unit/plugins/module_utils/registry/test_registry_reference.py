# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker reference grammar: a table of valid and invalid pullspecs."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import InvalidReferenceError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference, parse_reference

D = "sha256:" + "a" * 64
D2 = "sha256:" + "0123456789abcdef" * 4

VALID = [
    # text, registry, repository, tag, digest, normalised str
    ("busybox", "docker.io", "library/busybox", None, None, "docker.io/library/busybox"),
    ("busybox:1.36", "docker.io", "library/busybox", "1.36", None, "docker.io/library/busybox:1.36"),
    ("library/busybox", "docker.io", "library/busybox", None, None, "docker.io/library/busybox"),
    ("user/repo:v1", "docker.io", "user/repo", "v1", None, "docker.io/user/repo:v1"),
    ("docker.io/busybox", "docker.io", "library/busybox", None, None, "docker.io/library/busybox"),
    ("index.docker.io/user/repo", "docker.io", "user/repo", None, None, "docker.io/user/repo"),
    (
        "quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64",
        "quay.io",
        "openshift-release-dev/ocp-release",
        "4.16.0-x86_64",
        None,
        "quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64",
    ),
    (
        f"quay.io/openshift-release-dev/ocp-v4.0-art-dev@{D}",
        "quay.io",
        "openshift-release-dev/ocp-v4.0-art-dev",
        None,
        D,
        f"quay.io/openshift-release-dev/ocp-v4.0-art-dev@{D}",
    ),
    (f"quay.io/a/b:tag@{D2}", "quay.io", "a/b", "tag", D2, f"quay.io/a/b:tag@{D2}"),
    ("localhost/foo", "localhost", "foo", None, None, "localhost/foo"),
    ("localhost:5000/foo/bar:v1", "localhost:5000", "foo/bar", "v1", None, "localhost:5000/foo/bar:v1"),
    (
        "127.0.0.1:15001/ocp/release:4.16.3",
        "127.0.0.1:15001",
        "ocp/release",
        "4.16.3",
        None,
        "127.0.0.1:15001/ocp/release:4.16.3",
    ),
    ("10.0.0.1/ns/repo", "10.0.0.1", "ns/repo", None, None, "10.0.0.1/ns/repo"),
    ("[::1]:5000/repo:t", "[::1]:5000", "repo", "t", None, "[::1]:5000/repo:t"),
    ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", None, None, "[2001:db8::1]/repo"),
    ("Registry.Example.COM/x", "Registry.Example.COM", "x", None, None, "Registry.Example.COM/x"),
    (
        "registry.example.com:443/a/b/c/d",
        "registry.example.com:443",
        "a/b/c/d",
        None,
        None,
        "registry.example.com:443/a/b/c/d",
    ),
    (
        "a.b-c.d/x__y/z--w.v_1:TAG_1.2-3",
        "a.b-c.d",
        "x__y/z--w.v_1",
        "TAG_1.2-3",
        None,
        "a.b-c.d/x__y/z--w.v_1:TAG_1.2-3",
    ),
    ("foo:5000", "docker.io", "library/foo", "5000", None, "docker.io/library/foo:5000"),
    (
        "mirror.local/" + "/".join(["n"] * 10),
        "mirror.local",
        "/".join(["n"] * 10),
        None,
        None,
        "mirror.local/" + "/".join(["n"] * 10),
    ),
    ("r.io/a:" + "t" * 128, "r.io", "a", "t" * 128, None, "r.io/a:" + "t" * 128),
]

INVALID = [
    # text, a fragment the message must contain
    ("", "empty"),
    (" busybox", "whitespace"),
    ("busybox\n", "whitespace"),
    ("Busybox", "lowercase"),
    ("quay.io/Org/repo", "lowercase"),
    ("quay.io/org/repo:", "tag ''"),
    (":tag", "empty"),
    ("quay.io/", "empty"),
    ("quay.io//repo", "empty path component"),
    ("repo:-tag", "tag '-tag'"),
    ("repo:.tag", "tag '.tag'"),
    ("repo:" + "a" * 129, "is not valid"),
    ("repo@sha256:abc", "64 lowercase hex"),
    ("repo@sha256:" + "A" * 64, "64 lowercase hex"),
    ("repo@sha512:" + "a" * 128, "unsupported algorithm"),
    ("repo@" + "a" * 64, "not sha256"),
    ("https://quay.io/a/b", "scheme"),
    ("docker://quay.io/a/b", "transport"),
    ("quay.io:99999/a", "out of range"),
    ("-bad.host/x", "registry host"),
    ("bad_host.io/x", "registry host"),
    ("quay.io/" + "a" * 256, "longer than 255"),
    ("a/b@sha256:" + "a" * 64 + "@sha256:" + "b" * 64, "more than one '@'"),
    ("a" * 64, "image ID"),
    ("quay.io/a_/b", "path component 'a_'"),
    ("quay.io/-a/b", "path component '-a'"),
    ("foo/bar:tag:tag2", "path component 'bar:tag'"),
    ("quay.io/a/b:t@", "not sha256"),
]


@pytest.mark.parametrize("text,registry,repository,tag,digest,normal", VALID)
def test_valid_references(text, registry, repository, tag, digest, normal):
    ref = Reference.parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)
    assert str(ref) == normal
    assert Reference.parse(str(ref)) == ref  # the normal form parses to itself


@pytest.mark.parametrize("text,fragment", INVALID)
def test_invalid_references_name_the_input(text, fragment):
    with pytest.raises(InvalidReferenceError) as info:
        parse_reference(text)
    message = str(info.value)
    assert repr(text) in message
    assert fragment in message
    assert "expected [registry[:port]/]repository[:tag][@sha256:<64 hex>]" in message
    assert isinstance(info.value, ValueError)


def test_non_string_is_an_invalid_reference():
    with pytest.raises(InvalidReferenceError, match="not a string"):
        Reference.parse(None)


def test_ref_name_and_api_host():
    ref = Reference.parse("busybox")
    assert ref.ref == "latest"
    assert ref.name == "docker.io/library/busybox"
    assert ref.api_host == "registry-1.docker.io"
    both = Reference.parse(f"quay.io/a/b:t@{D}")
    assert both.ref == D  # the digest is what gets pulled
    assert both.api_host == "quay.io"
    assert Reference.parse("quay.io/a/b:t").ref == "t"


def test_by_digest_and_with_tag():
    ref = Reference.parse("127.0.0.1:5000/ocp/release:4.16")
    pinned = ref.by_digest(D)
    assert str(pinned) == f"127.0.0.1:5000/ocp/release@{D}"
    assert pinned.tag is None
    retagged = pinned.with_tag("4.17")
    assert str(retagged) == "127.0.0.1:5000/ocp/release:4.17"
    assert retagged.digest is None
    with pytest.raises(InvalidReferenceError, match="64 lowercase hex"):
        ref.by_digest("sha256:1234")
    with pytest.raises(InvalidReferenceError, match="is not valid"):
        ref.with_tag("bad tag")


def test_with_repository():
    ref = Reference.parse("quay.io/a/b:t")
    other = ref.with_repository("mirror/b", registry="mirror.local:5000")
    assert str(other) == "mirror.local:5000/mirror/b"
    with pytest.raises(InvalidReferenceError):
        ref.with_repository("Upper/Case")


def test_references_are_hashable_values():
    assert len({Reference.parse("busybox"), Reference.parse("docker.io/library/busybox")}) == 1
