# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry errors derive from the collection's root error and report their context."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    AuthenticationError,
    DigestMismatchError,
    InvalidReferenceError,
    PlatformNotFoundError,
    RegistryError,
    StorageFullError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference


def test_fail_kwargs_come_from_the_root_error():
    ref = Reference.parse("quay.io/a/b:c")
    err = AuthenticationError("authentication failed for quay.io", registry="quay.io", reference=ref, status=401)
    assert isinstance(err, MachineOSError)
    assert err.fail_kwargs() == {
        "msg": "authentication failed for quay.io",
        "error": "AuthenticationError",
        "registry": "quay.io",
        "reference": "quay.io/a/b:c",
        "status": 401,
    }
    assert err.reference is ref  # the attribute keeps the Reference, the context its string
    assert RegistryError("x", codes=["DENIED"]).fail_kwargs() == {
        "msg": "x",
        "error": "RegistryError",
        "registry_error_codes": ["DENIED"],
    }


def test_attributes_set_later_reach_the_context():
    """The client fills in registry/reference/codes after a parse error: fail_kwargs follows."""
    err = RegistryError("bad manifest")
    assert (err.registry, err.reference, err.status, err.codes) == (None, None, None, [])
    assert err.fail_kwargs() == {"msg": "bad manifest", "error": "RegistryError"}
    err.registry, err.reference, err.codes = "r.example", Reference.parse("r.example/a:b"), ["MANIFEST_INVALID"]
    assert err.fail_kwargs() == {
        "msg": "bad manifest",
        "error": "RegistryError",
        "registry": "r.example",
        "reference": "r.example/a:b",
        "registry_error_codes": ["MANIFEST_INVALID"],
    }
    err.codes = []
    assert "registry_error_codes" not in err.fail_kwargs()


def test_subclasses_keep_their_extras():
    err = PlatformNotFoundError("no linux/s390x", available=["linux/amd64"], registry="r.example")
    assert err.available == ["linux/amd64"]
    assert err.fail_kwargs()["available_platforms"] == ["linux/amd64"]
    assert err.fail_kwargs()["error"] == "PlatformNotFoundError"
    mismatch = DigestMismatchError("bytes differ", expected="sha256:" + "a" * 64, actual="sha256:" + "b" * 64)
    assert (mismatch.expected, mismatch.actual) == ("sha256:" + "a" * 64, "sha256:" + "b" * 64)
    assert StorageFullError("full", status=507).fail_kwargs()["status"] == 507


def test_invalid_reference_is_still_a_value_error():
    with pytest.raises(ValueError):
        raise InvalidReferenceError("bad")


def test_prefixed_keeps_the_context():
    err = RegistryError("not found", registry="r.example", status=404).prefixed("reading the release")
    assert str(err) == "reading the release: not found"
    assert err.fail_kwargs()["status"] == 404
