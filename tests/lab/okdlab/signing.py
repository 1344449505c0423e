"""The lab's release-signing keys and signatures, made with Debian's gpg (not the collection's code).

Two ed25519 keys, generated once and cached under the lab cache (they survive `labctl down`):
"release" signs the lab releases as OpenShift's release key signs real ones, "rogue" makes
the badly signed release (a valid OpenPGP signature by a key nobody trusts).

A release signature is what `oc adm release new --to-signature` / the ART signing service
produce (research/release-mirror.md §3.5): the "atomic container signature" JSON, signed as
a plain OpenPGP message (`gpg --sign`, binary, compressed), served by a signature store as
`<store>/sha256=<hex>/signature-1`.
"""

import json
import os
import shutil
import subprocess
import tempfile

from . import config
from .procs import LabError

KEYS = {
    "release": "OKD lab release signing key <release-signing@okd-lab.example>",
    "rogue": "Someone else <rogue@okd-lab.example>",
}
SIGNATURE_TYPE = "atomic container signature"


def keys_dir():
    return os.path.join(config.cache_dir(), "lab-signing-keys")


def _gpg(home, *args, data=None):
    if not shutil.which("gpg"):
        raise LabError("gpg is missing: apt-get install gnupg (hack/bootstrap.sh installs it)")
    proc = subprocess.run(
        ["gpg", "--homedir", home, "--batch", "--no-tty", "--quiet", *args],
        input=data,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise LabError(f"gpg {' '.join(args[:2])} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def _stop_agent(home):
    """gpg starts an agent per home directory; the lab leaves none running."""
    if shutil.which("gpgconf"):
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False)


class Key:
    """One cached key: its gpg home (secret key), public key files and fingerprint."""

    def __init__(self, name, directory=None):
        self.name = name
        self.directory = os.path.join(directory or keys_dir(), name)
        self.home = os.path.join(self.directory, "gnupg")
        self.public_key_file = os.path.join(self.directory, "public.asc")
        self.public_key_binary = os.path.join(self.directory, "public.gpg")
        self.fingerprint_file = os.path.join(self.directory, "fingerprint")

    @property
    def fingerprint(self):
        with open(self.fingerprint_file, encoding="ascii") as f:
            return f.read().strip()

    def ensure(self):
        """Generate the key once (atomically: a temp directory renamed into place)."""
        if os.path.exists(self.fingerprint_file):
            return self
        parent = os.path.dirname(self.directory)
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{self.name}-", dir=parent)
        home = os.path.join(tmp, "gnupg")
        os.makedirs(home, mode=0o700)
        try:
            _gpg(
                home,
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--quick-gen-key",
                KEYS[self.name],
                "ed25519",
                "sign",
                "never",
            )
            listing = _gpg(home, "--with-colons", "--list-keys").decode()
            fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
            with open(os.path.join(tmp, "public.asc"), "wb") as f:
                f.write(_gpg(home, "--armor", "--export", fingerprint))
            with open(os.path.join(tmp, "public.gpg"), "wb") as f:
                f.write(_gpg(home, "--export", fingerprint))
            with open(os.path.join(tmp, "fingerprint"), "w", encoding="ascii") as f:
                f.write(fingerprint + "\n")
        finally:
            _stop_agent(home)
        try:
            os.rename(tmp, self.directory)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
        return self

    def sign(self, data):
        """``data`` as an OpenPGP signed message (binary), by this key."""
        try:
            return _gpg(
                self.home,
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--local-user",
                self.fingerprint,
                "--sign",
                data=data,
            )
        finally:
            _stop_agent(self.home)


def claim(docker_reference, digest, creator="okd-lab", timestamp=1793491200):
    """The atomic container signature JSON for ``digest`` (oc pkg/cli/admin/release/signature.go)."""
    return json.dumps(
        {
            "critical": {
                "identity": {"docker-reference": docker_reference},
                "image": {"docker-manifest-digest": digest},
                "type": SIGNATURE_TYPE,
            },
            "optional": {"creator": creator, "timestamp": timestamp},
        },
        separators=(",", ":"),
    ).encode()


def sign_release(key, docker_reference, digest):
    return key.sign(claim(docker_reference, digest))


def store_path(root, digest, n=1):
    """``<root>/sha256=<hex>/signature-<n>``: the signature store layout."""
    algorithm, _sep, hexdigest = digest.partition(":")
    return os.path.join(root, f"{algorithm}={hexdigest}", f"signature-{n}")


def write_signature(root, digest, data, n=1):
    path = store_path(root, digest, n)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path
