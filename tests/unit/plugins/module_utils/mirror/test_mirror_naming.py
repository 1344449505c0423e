# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Destination names like oc adm release mirror (research/release-mirror.md §3.2)."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.mirror import naming
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import InvalidReferenceError

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    "arch, expected",
    [
        ("amd64", "x86_64"),
        ("arm64", "aarch64"),
        ("ppc64le", "ppc64le"),
        ("s390x", "s390x"),
        ("x86_64", "x86_64"),
        (None, "x86_64"),
    ],
)
def test_arch_spelling(arch, expected):
    assert naming.mirror_arch(arch) == expected


def test_multi_arch():
    assert naming.mirror_arch("amd64", multi=True) == "multi"


def test_component_and_release_tags():
    assert (
        naming.component_destination("mirror.example:5000/ocp4/openshift4", "4.15.0", "x86_64", "etcd").tag
        == "4.15.0-x86_64-etcd"
    )
    dest = naming.release_destination("mirror.example:5000/ocp4/openshift4", None, "4.15.0", "x86_64")
    assert str(dest) == "mirror.example:5000/ocp4/openshift4:4.15.0-x86_64"


def test_to_release_image_with_and_without_tag():
    assert (
        str(naming.release_destination("m.example/a", "m.example/rel", "4.1.0", "aarch64"))
        == "m.example/rel:4.1.0-aarch64"
    )
    assert (
        str(naming.release_destination("m.example/a", "m.example/rel:mine", "4.1.0", "aarch64")) == "m.example/rel:mine"
    )


@pytest.mark.parametrize("to", ["m.example/a:tag", f"m.example/a@{DIGEST}", "M.example/UPPER", ""])
def test_to_must_be_a_repository(to):
    with pytest.raises(InvalidReferenceError, match="^to"):
        naming.destination_repository(to)


def test_to_release_image_refuses_digest():
    with pytest.raises(InvalidReferenceError, match="to_release_image"):
        naming.release_destination("m.example/a", f"m.example/rel@{DIGEST}", "4.1.0", "x86_64")


def test_signature_tag():
    assert naming.signature_tag(DIGEST) == "sha256-" + "ab" * 32 + ".sig"
