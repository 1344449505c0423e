"""Release signature verification as library-go pkg/verify does it, with Debian's gpg/gpgv.

* Keys: ``verifier-public-key-*`` of the running payload's ConfigMap annotated
  ``release.openshift.io/verification-config-map`` (pkg/verify/configmap.go); without one,
  every verification fails.
* Signatures: ``binaryData`` keys ``sha256-<hex>-<N>`` of the ConfigMaps in
  openshift-config-managed labelled ``release.openshift.io/verification-signatures``
  (pkg/verify/store/configmap/configmap.go; the lab lists them on every verification
  instead of at most every 30 s).
* A signature is an OpenPGP signed message whose content is the "atomic container signature"
  JSON; ``critical.image.docker-manifest-digest`` must be the digest, ``critical.identity
  .docker-reference`` present, no unknown fields; every keyring must verify one signature
  (pkg/verify/verify.go).  Only by-digest images can be verified.
"""

import base64
import json
import os
import subprocess
import tempfile

VERIFICATION_CONFIG_MAP = "release.openshift.io/verification-config-map"
SIGNATURES_LABEL = "release.openshift.io/verification-signatures"
SIGNATURES_NAMESPACE = "openshift-config-managed"
SIGNATURE_TYPE = "atomic container signature"


class VerificationError(Exception):
    pass


def keyrings(config_map):
    """{name: armored keyring} from the payload's verification ConfigMap (None: no ConfigMap)."""
    if not config_map:
        return {}
    return {k: v for k, v in (config_map.get("data") or {}).items() if k.startswith("verifier-public-key-")}


def signatures_for(digest, config_maps):
    """The signatures (bytes) of ``digest`` in the labelled ConfigMaps, in key order."""
    prefix = digest.replace(":", "-", 1)
    found = []
    for cm in sorted(config_maps, key=lambda c: c["metadata"]["name"]):
        for key in sorted(cm.get("binaryData") or {}):
            if key == prefix or key.startswith(prefix + "-"):
                found.append(base64.b64decode(cm["binaryData"][key]))
    return found


def _check_claim(data, digest):
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise VerificationError(f"signature content is not JSON: {e}") from None
    if set(doc) - {"critical", "optional"} or set(doc.get("critical") or {}) - {"type", "image", "identity"}:
        raise VerificationError("signature has unknown fields")
    critical = doc.get("critical") or {}
    if critical.get("type") != SIGNATURE_TYPE:
        raise VerificationError(f"signature type is {critical.get('type')!r}, not {SIGNATURE_TYPE!r}")
    if (critical.get("image") or {}).get("docker-manifest-digest") != digest:
        raise VerificationError("signature is for another image digest")
    if not (critical.get("identity") or {}).get("docker-reference"):
        raise VerificationError("signature has no docker-reference")


def _gpgv(keyring_armored, signature, workdir):
    keyring = os.path.join(workdir, "keyring.gpg")
    proc = subprocess.run(
        ["gpg", "--homedir", workdir, "--batch", "--quiet", "--dearmor", "--output", keyring, "--yes"],
        input=keyring_armored.encode(),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise VerificationError("the keyring cannot be read")
    sig = os.path.join(workdir, "signature")
    with open(sig, "wb") as f:
        f.write(signature)
    proc = subprocess.run(
        ["gpgv", "--homedir", workdir, "--keyring", keyring, "--output", "-", sig], capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise VerificationError("no valid OpenPGP signature by the keyring")
    return proc.stdout


def verify(image, keys, signatures):
    """None when every keyring verifies one signature of the image's digest; else raise
    VerificationError with library-go's text."""
    if "@" not in image:
        raise VerificationError("release images that are not accessed via digest cannot be verified")
    digest = image.rsplit("@", 1)[1]
    if not keys:
        raise VerificationError(f"unable to verify {digest} against keyrings: no keyrings are configured")
    for name in sorted(keys):
        ok = False
        for signature in signatures:
            with tempfile.TemporaryDirectory(prefix="okdlab-cvo-verify-") as workdir:
                try:
                    _check_claim(_gpgv(keys[name], signature, workdir), digest)
                    ok = True
                    break
                except VerificationError:
                    continue
        if not ok:
            raise VerificationError(f"unable to verify {digest} against keyrings: {', '.join(sorted(keys))}")
