# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Release signatures: fetch them from a signature store or a directory, and verify them.

A release signature is an OpenPGP signed message (not detached, not clear-signed) whose
content is the "atomic container signature" JSON (containers/image ``docs/
containers-signature.5.md``; oc ``pkg/cli/admin/release/signature.go``)::

    {"critical": {"type": "atomic container signature",
                  "image": {"docker-manifest-digest": "sha256:<hex>"},
                  "identity": {"docker-reference": "<pullspec>"}},
     "optional": {"creator": "...", "timestamp": <unix seconds>}}

It is accepted, as library-go's ``pkg/verify/verify.go`` accepts it, when the OpenPGP
signature verifies against one of the given public keys, ``critical.type`` is exactly that
string, ``critical.image.docker-manifest-digest`` is the release digest and
``critical.identity.docker-reference`` is present (it is not compared: a mirrored release
keeps its signature). Stores are read as library-go's ``pkg/verify/store/sigstore`` reads
them: ``<store>/sha256=<hex>/signature-<N>`` for N = 1, 2, ... until a 404, at most 10,
each at most 50 KiB. A directory has the same layout.

OpenPGP is done by pysequoia (Python bindings of Sequoia-PGP): no gpg binary, no keyring
directory or agent, and it is a self-contained wheel.
"""

import json
import os
import re

from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import (
    KeyringError,
    SignatureStoreError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.web import WebError

try:
    import pysequoia

    HAS_PYSEQUOIA = True
except ImportError:  # pragma: no cover - exercised by ansible-test's import sanity test
    pysequoia = None
    HAS_PYSEQUOIA = False

SIGNATURE_TYPE = "atomic container signature"
MAX_SIGNATURES = 10  # library-go pkg/verify/store/sigstore maxSignatureSearch
MAX_SIGNATURE_BYTES = 50 * 1024  # library-go's read limit for one signature
OCP_SIGNATURE_STORE = "https://mirror.openshift.com/pub/openshift-v4/signatures/openshift/release"

VERIFIED = "verified"
MISSING = "missing"
INVALID = "invalid"
SKIPPED = "skipped"

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def _first_line(exc):
    """pysequoia's RuntimeError text without the Rust backtrace RUST_BACKTRACE may append."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def load_keyring(path):
    """The OpenPGP certificates (public keys) in ``path``, armored or binary; KeyringError."""
    if not HAS_PYSEQUOIA:
        raise KeyringError(
            "the Python library pysequoia is required to verify release signatures: install it "
            "on the controller (pip install pysequoia), or set skip_signature_verification"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise KeyringError(
            f"signature_public_key {path} cannot be read: {exc.strerror or exc}", public_key_file=path
        ) from None
    try:
        certs = pysequoia.Cert.split_bytes(data)
    except Exception as exc:  # pylint: disable=broad-exception-caught  # pysequoia raises RuntimeError/ValueError
        raise KeyringError(
            f"signature_public_key {path} holds no OpenPGP public key ({_first_line(exc)}): give the "
            f"armored or binary public key that signs the releases",
            public_key_file=path,
        ) from None
    if not certs:
        raise KeyringError(f"signature_public_key {path} holds no OpenPGP public key", public_key_file=path)
    return certs


def _hex(digest):
    if not _DIGEST.match(digest or ""):
        raise ValueError(f"{digest!r} is not a sha256 digest")
    return digest.split(":", 1)[1]


def signature_paths(digest):
    """The store-relative paths ``sha256=<hex>/signature-<N>``, N = 1 .. MAX_SIGNATURES."""
    return [f"sha256={_hex(digest)}/signature-{n}" for n in range(1, MAX_SIGNATURES + 1)]


def fetch_from_store(web, base_url, digest):
    """[(location, bytes)] of the signatures of ``digest`` in the store at ``base_url``."""
    found = []
    for relative in signature_paths(digest):
        url = f"{base_url.rstrip('/')}/{relative}"
        try:
            status, body, _type = web.get(url, max_bytes=MAX_SIGNATURE_BYTES)
        except WebError as exc:
            raise SignatureStoreError(
                f"the signature store {base_url} cannot be reached for {digest}: {exc.message}; check "
                f"signature_store_url, or give signature_dir",
                signature_store=base_url,
                digest=digest,
            ) from None
        if status == 404 or (status == 403 and not found):  # object stores answer 403 for a missing key
            break
        if status != 200:
            raise SignatureStoreError(
                f"the signature store answered HTTP {status} for {url}; check signature_store_url",
                signature_store=base_url,
                digest=digest,
                status=status,
            )
        found.append((url, body))
    return found


def read_from_dir(directory, digest):
    """[(path, bytes)] of the signatures of ``digest`` in ``directory`` (the store layout)."""
    found = []
    for relative in signature_paths(digest):
        path = os.path.join(directory, *relative.split("/"))
        try:
            with open(path, "rb") as handle:
                found.append((path, handle.read(MAX_SIGNATURE_BYTES + 1)))
        except FileNotFoundError:
            break
        except OSError as exc:
            raise SignatureStoreError(
                f"signature_dir: cannot read {path}: {exc.strerror or exc}", signature_file=path
            ) from None
    return found


def _claims(content, digest):
    """None if the signed JSON ``content`` claims ``digest`` as library-go requires, else why not."""
    try:
        document = json.loads(content)
    except ValueError:
        return "the signed content is not JSON"
    if not isinstance(document, dict) or set(document) - {"critical", "optional"}:
        return "the signed JSON is not an atomic container signature (unknown top-level keys)"
    critical = document.get("critical")
    if not isinstance(critical, dict) or set(critical) - {"type", "image", "identity"}:
        return "critical is missing or has unknown keys"
    if critical.get("type") != SIGNATURE_TYPE:
        return f"critical.type is {critical.get('type')!r}, not {SIGNATURE_TYPE!r}"
    claimed = (critical.get("image") or {}).get("docker-manifest-digest")
    if claimed != digest:
        return f"it signs {claimed}, not {digest}"
    if not (critical.get("identity") or {}).get("docker-reference"):
        return "critical.identity.docker-reference is missing"
    return None


def verify_signature(data, certs, digest):
    """(reason or None, details) for one signature: None means it verifies and claims ``digest``.

    details: signer fingerprint, docker_reference, creator, timestamp (as far as known)."""
    if len(data) > MAX_SIGNATURE_BYTES:
        return f"it is larger than {MAX_SIGNATURE_BYTES} bytes", {}
    try:
        verified = pysequoia.verify(bytes=data, store=lambda _key_ids: certs)
    except Exception as exc:  # pylint: disable=broad-exception-caught  # pysequoia raises RuntimeError
        return f"OpenPGP verification failed: {_first_line(exc)}", {}
    signers = [sig.certificate for sig in verified.valid_sigs]
    if not signers:
        return "OpenPGP verification found no valid signature", {}
    content = bytes(verified.bytes)
    reason = _claims(content, digest)
    details = {"signer": signers[0]}
    if reason is None:
        document = json.loads(content)
        details["docker_reference"] = document["critical"]["identity"]["docker-reference"]
        optional = document.get("optional") or {}
        details["creator"] = optional.get("creator")
        details["timestamp"] = optional.get("timestamp")
    return reason, details


def verdict(version, digest, signatures, certs):
    """The verdict on a release from its fetched ``signatures`` [(location, bytes)].

    {version, digest, status (verified|missing|invalid), signatures (how many were found),
    reason, signer, docker_reference, creator, timestamp, location}; the first signature that
    verifies decides."""
    result = {
        "version": version,
        "digest": digest,
        "status": MISSING,
        "signatures": len(signatures),
        "reason": "no signature found",
        "signer": None,
        "docker_reference": None,
        "location": None,
    }
    reasons = []
    for location, data in signatures:
        reason, details = verify_signature(data, certs, digest)
        if reason is None:
            result.update(details, status=VERIFIED, reason=None, location=location)
            return result
        reasons.append(f"{location}: {reason}")
    if signatures:
        result.update(status=INVALID, reason="; ".join(reasons))
    return result
