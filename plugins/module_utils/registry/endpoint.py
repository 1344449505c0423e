# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the client knows of each registry it talks to, and how it trusts each one.

* ``ca_file`` adds trust: the client verifies against a temporary bundle made of the default
  CA bundle plus ``ca_file``, so one run can talk to a public registry and to a mirror with a
  private CA.
* ``insecure_registries`` switches verification off for the hosts it names (a ``host`` entry
  covers every port of that host); such a registry is reached over HTTPS if it speaks TLS,
  else over plain HTTP, as podman's ``registries.conf`` ``insecure = true`` does.
* An ``Endpoint`` per registry holds its API host, scheme, TLS verification and the auth
  scheme learned from its first ``401`` (see ``token.py``).
"""

import os
import ssl
import tempfile
import threading
import warnings
import weakref
from urllib.parse import urlsplit

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import TLSError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import api_host
from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import default_ca_bundle

try:
    from urllib3.exceptions import InsecureRequestWarning
except ImportError:  # pragma: no cover - urllib3 comes with requests
    InsecureRequestWarning = None


class Endpoint:
    """One registry: scheme, TLS verification, the auth scheme and challenge once learned."""

    def __init__(self, registry, host, insecure, verify):
        self.registry = registry
        self.host = host
        self.insecure = insecure
        self.scheme = None if insecure else "https"  # an insecure one: decided on first use
        self.verify = False if insecure else verify
        self.auth_scheme = None  # "basic" or "bearer" once a challenge was seen
        self.challenge = None  # the Bearer challenge (realm, service)
        self.lock = threading.Lock()  # one token fetch at a time per registry

    def __repr__(self):
        return f"Endpoint({self.registry!r}, scheme={self.scheme!r}, auth={self.auth_scheme!r})"

    @property
    def base_url(self):
        return f"{self.scheme or 'https'}://{self.host}"


def normalize_insecure_registries(entries):
    """``insecure_registries`` entries as hosts: schemes and paths dropped, lower case."""
    result = set()
    for entry in entries or ():
        text = str(entry).strip().lower()
        if "://" in text:
            text = text.split("://", 1)[1]
        text = text.split("/", 1)[0]
        if text:
            result.add(text)
    return result


def is_insecure(registry, insecure):
    """Whether ``registry`` (``host`` or ``host:port``) is listed in the normalised ``insecure``."""
    host = registry.lower()
    if host in insecure:
        return True
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return bare in insecure


def combined_ca_bundle(ca_file):
    """A temp file with the default CA bundle plus ``ca_file``: trust both."""
    if not os.path.exists(ca_file):
        raise TLSError(f"ca_file {ca_file} does not exist: pass the path of a PEM CA bundle")
    try:
        ssl.create_default_context(cafile=ca_file)
    except (ssl.SSLError, OSError, ValueError):
        raise TLSError(f"ca_file {ca_file} holds no usable PEM certificate: pass a PEM CA bundle") from None
    with open(ca_file, "rb") as handle:
        extra = handle.read()
    default = b""
    default_path = default_ca_bundle()
    if default_path and os.path.exists(default_path):
        with open(default_path, "rb") as handle:
            default = handle.read()
    fd, path = tempfile.mkstemp(prefix="okd-registry-ca-", suffix=".pem")
    with os.fdopen(fd, "wb") as handle:
        handle.write(default + b"\n" + extra + b"\n")
    return path


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


class Endpoints:
    """The registries of one client: an Endpoint each, made on first use, and the TLS trust
    for them and for URLs outside their API (token realms). ``close()`` removes the bundle."""

    def __init__(self, ca_file=None, insecure_registries=()):
        self.insecure = normalize_insecure_registries(insecure_registries)
        self.verify = True
        self.bundle = None
        if ca_file:
            self.bundle = combined_ca_bundle(os.path.expanduser(ca_file))
            self.verify = self.bundle
            self._finalizer = weakref.finalize(self, _unlink_quietly, self.bundle)
        self._endpoints = {}
        self._lock = threading.Lock()
        if self.insecure and InsecureRequestWarning is not None:
            # the user listed these registries as insecure: don't warn on every request
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)

    def __call__(self, registry):
        """The Endpoint of ``registry`` (made on first use; safe from several threads)."""
        with self._lock:
            endpoint = self._endpoints.get(registry)
            if endpoint is None:
                insecure = is_insecure(registry, self.insecure)
                endpoint = Endpoint(registry, api_host(registry), insecure, self.verify)
                self._endpoints[registry] = endpoint
            return endpoint

    def names(self):
        return sorted(self._endpoints)

    def verify_for_url(self, url):
        """TLS verification for a URL outside the registry API (token realm, redirects)."""
        host = urlsplit(url).netloc.lower()
        return False if is_insecure(host, self.insecure) else self.verify

    def close(self):
        if self.bundle:
            self._finalizer()
            self.bundle = None
