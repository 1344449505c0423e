# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release signature verification against keys and signatures made by gpg (the lab's signer),
so the collection's OpenPGP implementation (pysequoia) is checked against another one."""

import json
import shutil

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.imageset import signatures
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import KeyringError
from okdlab import signing

pytestmark = pytest.mark.skipif(not shutil.which("gpg"), reason="gpg (Debian gnupg) makes the test keys")

DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
REF = "quay.example/openshift-release-dev/ocp-release:4.19.0-x86_64"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("keys"))
    return {name: signing.Key(name, directory).ensure() for name in ("release", "rogue")}


@pytest.fixture(scope="module")
def keyring(keys):
    return signatures.load_keyring(keys["release"].public_key_file)


def test_keyring_armored_and_binary(keys):
    assert len(signatures.load_keyring(keys["release"].public_key_binary)) == 1
    assert signatures.load_keyring(keys["release"].public_key_file)[0].fingerprint.upper() == (
        keys["release"].fingerprint
    )


def test_keyring_errors(tmp_path):
    with pytest.raises(KeyringError, match="cannot be read"):
        signatures.load_keyring(str(tmp_path / "nope.asc"))
    bad = tmp_path / "bad.asc"
    bad.write_bytes(b"not a key")
    with pytest.raises(KeyringError, match="holds no OpenPGP public key"):
        signatures.load_keyring(str(bad))


def test_good_signature(keys, keyring):
    data = signing.sign_release(keys["release"], REF, DIGEST)
    verdict = signatures.verdict("4.19.0", DIGEST, [("store/signature-1", data)], keyring)
    assert verdict["status"] == signatures.VERIFIED and verdict["reason"] is None
    assert verdict["signer"].upper() == keys["release"].fingerprint
    assert verdict["docker_reference"] == REF and verdict["location"] == "store/signature-1"


def test_missing_signature(keyring):
    verdict = signatures.verdict("4.19.0", DIGEST, [], keyring)
    assert verdict["status"] == signatures.MISSING and verdict["signatures"] == 0


def test_signed_by_another_key(keys, keyring):
    data = signing.sign_release(keys["rogue"], REF, DIGEST)
    verdict = signatures.verdict("4.19.0", DIGEST, [("s1", data)], keyring)
    assert verdict["status"] == signatures.INVALID and "OpenPGP verification failed" in verdict["reason"]
    assert "Stack backtrace" not in verdict["reason"]


def test_signature_of_another_digest(keys, keyring):
    data = signing.sign_release(keys["release"], REF, OTHER)
    verdict = signatures.verdict("4.19.0", DIGEST, [("s1", data)], keyring)
    assert verdict["status"] == signatures.INVALID and f"it signs {OTHER}, not {DIGEST}" in verdict["reason"]


def test_tampered_signature(keys, keyring):
    data = bytearray(signing.sign_release(keys["release"], REF, DIGEST))
    data[-3] ^= 0x40
    assert signatures.verdict("4.19.0", DIGEST, [("s1", bytes(data))], keyring)["status"] == signatures.INVALID


def test_wrong_type_and_missing_identity(keys, keyring):
    claim = json.loads(signing.claim(REF, DIGEST))
    claim["critical"]["type"] = "cosign container image signature"
    data = keys["release"].sign(json.dumps(claim).encode())
    assert "critical.type" in signatures.verdict("v", DIGEST, [("s1", data)], keyring)["reason"]
    claim = json.loads(signing.claim(REF, DIGEST))
    del claim["critical"]["identity"]
    data = keys["release"].sign(json.dumps(claim).encode())
    assert "docker-reference" in signatures.verdict("v", DIGEST, [("s1", data)], keyring)["reason"]


def test_second_signature_can_verify(keys, keyring):
    bad = signing.sign_release(keys["rogue"], REF, DIGEST)
    good = signing.sign_release(keys["release"], REF, DIGEST)
    verdict = signatures.verdict("v", DIGEST, [("s1", bad), ("s2", good)], keyring)
    assert verdict["status"] == signatures.VERIFIED and verdict["location"] == "s2"


def test_read_from_dir_store_layout(tmp_path, keys):
    data = signing.sign_release(keys["release"], REF, DIGEST)
    signing.write_signature(str(tmp_path), DIGEST, data, 1)
    signing.write_signature(str(tmp_path), DIGEST, b"second", 2)
    found = signatures.read_from_dir(str(tmp_path), DIGEST)
    assert [body for _path, body in found] == [data, b"second"]
    assert found[0][0].endswith(f"sha256={'ab' * 32}/signature-1")
    assert signatures.read_from_dir(str(tmp_path), OTHER) == []
