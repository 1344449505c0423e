# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Registry credentials: auth files, pull secrets and the username/password options.

* Auth files: docker ``config.json``, podman/containers ``auth.json`` and OpenShift pull
  secrets (``.dockerconfigjson``) all share the ``{"auths": {key: entry}}`` shape; legacy
  ``.dockercfg`` files omit the ``auths`` wrapper. An entry holds a base64 ``auth``
  (``user:password``), or ``username``/``password``, and may hold an ``identitytoken``
  (an OAuth2 refresh token). Keys are a registry host (``quay.io``, ``host:5000``) or a
  registry host with a namespace (``quay.io/org``, ``quay.io/org/repo``); the most
  specific key matching a repository wins, as containers-auth.json(5) describes. Keys
  written with a scheme (``https://index.docker.io/v1/``) are normalised to their host.
* The search order of containers-auth.json(5): the explicit file (the ``auth_file``
  option or ``REGISTRY_AUTH_FILE``, else ``$XDG_RUNTIME_DIR/containers/auth.json``), then
  ``$XDG_CONFIG_HOME/containers/auth.json``, ``~/.docker/config.json``, ``~/.dockercfg``;
  the first file with a matching key supplies the credentials.

How they are sent (Basic, or exchanged for Bearer tokens) is ``token.py``'s job.

Credentials never appear in ``repr``, exception text or logs: errors name the registry
and the file (or option) the credentials came from, never their content.
"""

import base64
import binascii
import json
import os
from dataclasses import dataclass, field

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import AuthFileError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import (
    DEFAULT_REGISTRY,
    LEGACY_DEFAULT_REGISTRY,
)

AUTH_FILE_ENV = "REGISTRY_AUTH_FILE"
OPTION_SOURCE = "the registry_username/registry_password options"


@dataclass(frozen=True)
class Credentials:
    """One registry's credentials; ``source`` (a file path or the option names) is safe to show."""

    username: str = None
    password: str = field(default=None, repr=False)
    identity_token: str = field(default=None, repr=False)
    source: str = None
    key: str = None

    def __repr__(self):
        return (
            f"Credentials(username={self.username!r}, password={'***' if self.password else None}, "
            f"identity_token={'***' if self.identity_token else None}, source={self.source!r}, "
            f"key={self.key!r})"
        )

    def basic_authorization(self):
        """The value of a Basic ``Authorization`` header, or None without username/password."""
        if self.username is None or self.password is None:
            return None
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


def _normalize_key(key):
    """An auth-file key as containers/image reads it: scheme-prefixed keys become the bare host."""
    key = key.strip()
    key = key.split("://", 1)[1].split("/", 1)[0] if "://" in key else key.rstrip("/")
    host, slash, path = key.partition("/")
    if host == LEGACY_DEFAULT_REGISTRY:
        host = DEFAULT_REGISTRY
    return host + slash + path


def _entry_credentials(key, entry, source):
    if not isinstance(entry, dict):
        raise AuthFileError(
            f"the entry for {key!r} in the auth file {source} is not an object: "
            f'fix the file (it must be {{"auths": {{"<registry>": {{"auth": "..."}}}}}})'
        )
    username = entry.get("username") or None
    password = entry.get("password")
    token = entry.get("identitytoken") or entry.get("identityToken") or None
    encoded = entry.get("auth")
    if encoded:
        try:
            decoded = base64.b64decode(encoded, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise AuthFileError(
                f"the auth entry for {key!r} in the auth file {source} is not valid "
                f"base64 of user:password: log in again or fix that entry"
            ) from None
        user, colon, secret = decoded.partition(":")
        if not colon:
            raise AuthFileError(
                f"the auth entry for {key!r} in the auth file {source} does not decode "
                f"to user:password: log in again or fix that entry"
            )
        username, password = user, secret
    if token and username in (None, "<token>"):
        username = None
    if username is None and password is None and token is None:
        return None
    return Credentials(username=username, password=password, identity_token=token, source=source, key=key)


def default_auth_file_paths(environ=None):
    """The read-only fallbacks of containers-auth.json(5), after the explicit/primary file."""
    environ = os.environ if environ is None else environ
    home = environ.get("HOME") or os.path.expanduser("~")
    config_home = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    return [
        os.path.join(config_home, "containers", "auth.json"),
        os.path.join(home, ".docker", "config.json"),
        os.path.join(home, ".dockercfg"),
    ]


def primary_auth_file(auth_file=None, environ=None):
    """The explicit file (``auth_file``, else ``REGISTRY_AUTH_FILE``), else the podman primary."""
    environ = os.environ if environ is None else environ
    if auth_file:
        return os.path.expanduser(auth_file), True
    if environ.get(AUTH_FILE_ENV):
        return os.path.expanduser(environ[AUTH_FILE_ENV]), True
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "containers", "auth.json"), False
    return None, False


class AuthStore:
    """Credentials by registry and namespace, from auth files, pull secrets or options.

    ``override`` credentials (the ``registry_username``/``registry_password`` options)
    apply to every registry and win over the files.
    """

    def __init__(self, override=None):
        self._files = []  # [(source, {normalised key: entry})], in search order
        self._helpers = {}  # registry -> (source, helper name), for error hints only
        self.override = override

    def __repr__(self):
        return f"AuthStore(sources={self.sources!r}, override={self.override is not None})"

    @property
    def sources(self):
        """The auth files read, in search order (paths only)."""
        return [source for source, _entries in self._files]

    @classmethod
    def load(cls, auth_file=None, username=None, password=None, environ=None, search_defaults=True):
        """The store a module uses: explicit file (required to exist), then the default files."""
        override = None
        if username is not None or password is not None:
            if not username or password is None:
                raise AuthFileError("registry_username and registry_password must be given together")
            override = Credentials(username=username, password=password, source=OPTION_SOURCE)
        store = cls(override=override)
        primary, explicit = primary_auth_file(auth_file, environ)
        if explicit or (primary and os.path.exists(primary)):
            store.add_file(primary)
        if search_defaults:
            for path in default_auth_file_paths(environ):
                if os.path.exists(path) and path != primary:
                    store.add_file(path)
        return store

    @classmethod
    def from_dict(cls, data, source="the pull secret"):
        """A store holding one parsed auth file / pull secret (``{"auths": {...}}``)."""
        store = cls()
        store.add_dict(data, source)
        return store

    def add_file(self, path):
        """Read an auth file; errors name the file and the fix, never its content."""
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            raise AuthFileError(
                f"the auth file {path} does not exist: pass an existing file as auth_file "
                f"(or REGISTRY_AUTH_FILE), or log in with podman login"
            ) from None
        except OSError as exc:
            raise AuthFileError(f"cannot read the auth file {path}: {exc.strerror}") from None
        try:
            data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            raise AuthFileError(f"the auth file {path} is not valid JSON: fix it or log in again") from None
        self.add_dict(data, path)

    def add_dict(self, data, source):
        """Add a parsed auth file / pull secret; ``source`` names it in messages."""
        if not isinstance(data, dict):
            raise AuthFileError(
                f'the auth file {source} is not a JSON object like {{"auths": {{"<registry>": {{"auth": "..."}}}}}}'
            )
        if "auths" in data:
            auths = data.get("auths") or {}
        elif any(key in data for key in ("credsStore", "credHelpers", "HttpHeaders", "psFormat")):
            auths = {}
        else:  # legacy ~/.dockercfg: the auths map at the top level
            auths = data
        if not isinstance(auths, dict):
            raise AuthFileError(f'"auths" in the auth file {source} is not an object')
        entries = {}
        for key, entry in auths.items():
            normalised = _normalize_key(key)
            # the first spelling wins when legacy and modern keys name the same host
            entries.setdefault(normalised, (key, entry))
        self._files.append((source, entries))
        for registry, helper in (data.get("credHelpers") or {}).items():
            self._helpers.setdefault(_normalize_key(registry), (source, helper))
        if data.get("credsStore"):
            self._helpers.setdefault("*", (source, data["credsStore"]))

    def lookup(self, registry, repository=None):
        """Credentials for ``registry`` (and ``repository``), most specific key first, or None."""
        if self.override is not None:
            return self.override
        candidates = []
        if repository:
            parts = repository.split("/")
            candidates = [registry + "/" + "/".join(parts[:n]) for n in range(len(parts), 0, -1)]
        candidates.append(registry)
        for source, entries in self._files:
            for candidate in candidates:
                if candidate in entries:
                    key, entry = entries[candidate]
                    creds = _entry_credentials(key, entry, source)
                    if creds is not None:
                        return creds
        return None

    def credential_helper(self, registry):
        """(file, helper) when a file delegates ``registry`` to a credential helper we don't run."""
        return self._helpers.get(registry) or self._helpers.get("*")

    def describe(self, registry):
        """Where credentials for ``registry`` were looked for: for error messages."""
        if self.override is not None:
            return OPTION_SOURCE
        if not self._files:
            return "no auth file (pass auth_file or set REGISTRY_AUTH_FILE)"
        return "the auth file" + ("s " if len(self._files) > 1 else " ") + ", ".join(self.sources)
