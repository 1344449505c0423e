# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Registry credentials and the pure parts of the registry auth flows.

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
* ``WWW-Authenticate`` challenges (RFC 7235 syntax) and the token request of the
  distribution token spec (Basic credentials on a GET, or the ``refresh_token`` grant on a
  POST for identity tokens); the reply's ``token`` or ``access_token``; a cache per scope.

Credentials never appear in ``repr``, exception text or logs: errors name the registry
and the file (or option) the credentials came from, never their content.
"""

import base64
import binascii
import json
import os
import time
from dataclasses import dataclass, field

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import AuthFileError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import (
    DEFAULT_REGISTRY,
    LEGACY_DEFAULT_REGISTRY,
)

AUTH_FILE_ENV = "REGISTRY_AUTH_FILE"
OPTION_SOURCE = "the registry_username/registry_password options"
TOKEN_CLIENT_ID = "okd.machine_os"
# the distribution token spec: "if omitted, the token should be assumed valid for 60 s"
DEFAULT_TOKEN_LIFETIME = 60
TOKEN_EXPIRY_MARGIN = 10


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


@dataclass(frozen=True)
class Challenge:
    """One ``WWW-Authenticate`` challenge: scheme (lower case) and its parameters."""

    scheme: str
    params: dict = field(default_factory=dict)

    @property
    def realm(self):
        return self.params.get("realm")

    @property
    def service(self):
        return self.params.get("service")

    @property
    def scope(self):
        return self.params.get("scope")


def _skip_ws(text, pos):
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _read_token(text, pos):
    start = pos
    while pos < len(text) and text[pos] not in ' \t,="':
        pos += 1
    return text[start:pos], pos


def _read_quoted(text, pos):
    # text[pos] == '"'; RFC 7230 quoted-string with backslash escapes
    pos += 1
    out = []
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    return "".join(out), pos


def parse_www_authenticate(value):
    """Parse a ``WWW-Authenticate`` value (possibly several comma-joined challenges).

    ``Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"``
    gives ``[Challenge("bearer", {"realm": ..., "service": ..., "scope": ...})]``. Parameter
    names are lower-cased; quoted values may contain commas and escaped quotes.
    """
    challenges = []
    if not value:
        return challenges
    text = value
    pos = 0
    current = None
    while pos < len(text):
        pos = _skip_ws(text, pos)
        if pos >= len(text):
            break
        if text[pos] == ",":
            pos += 1
            continue
        token, after = _read_token(text, pos)
        if not token:  # stray quote or '=': skip one character
            pos += 1
            continue
        probe = _skip_ws(text, after)
        if probe < len(text) and text[probe] == "=" and current is not None:
            # auth-param: name = token | quoted-string
            probe = _skip_ws(text, probe + 1)
            if probe < len(text) and text[probe] == '"':
                param_value, pos = _read_quoted(text, probe)
            else:
                param_value, pos = _read_token(text, probe)
                # token68-like values may end in '=' padding
                while pos < len(text) and text[pos] == "=":
                    param_value += "="
                    pos += 1
            current.params[token.lower()] = param_value
            continue
        # a new challenge: auth-scheme
        current = Challenge(scheme=token.lower(), params={})
        challenges.append(current)
        pos = after
        # token68 form (scheme followed by a bare token) is kept as the "token68" parameter
        probe = _skip_ws(text, pos)
        if pos < probe < len(text) and text[probe] not in ',"':
            token68, end = _read_token(text, probe)
            while end < len(text) and text[end] == "=":
                token68 += "="
                end += 1
            rest = _skip_ws(text, end)
            if token68 and (rest >= len(text) or text[rest] == ","):
                current.params["token68"] = token68
                pos = end
    return challenges


def merge_scopes(*scope_groups):
    """Merge scope strings (``repository:name:pull,push``, space separated) into a sorted list.

    Actions of the same resource are united: ``repository:a:pull`` and ``repository:a:push``
    become ``repository:a:pull,push``.
    """
    resources = {}
    order = []
    for group in scope_groups:
        if not group:
            continue
        items = group.split() if isinstance(group, str) else list(group)
        for scope in items:
            kind_name, colon, actions = scope.rpartition(":")
            if not colon or not kind_name:
                kind_name, actions = scope, ""
            if kind_name not in resources:
                resources[kind_name] = []
                order.append(kind_name)
            for action in actions.split(","):
                if action and action not in resources[kind_name]:
                    resources[kind_name].append(action)
    result = []
    for kind_name in sorted(order):
        actions = sorted(resources[kind_name], key=lambda a: (a != "pull", a))
        result.append(kind_name + (":" + ",".join(actions) if actions else ""))
    return result


def repository_scope(repository, push=False):
    """The token scope to pull (or pull and push) ``repository``."""
    return f"repository:{repository}:{'pull,push' if push else 'pull'}"


@dataclass
class TokenRequest:
    """How to ask the token service (``realm``) for a token: method, query or form, Basic."""

    method: str
    url: str
    params: dict = None
    form: dict = field(default=None, repr=False)  # may hold the refresh token
    authorization: str = field(default=None, repr=False)


def token_request(challenge, scopes, credentials=None):
    """The token request for a Bearer ``challenge`` and the wanted ``scopes``.

    With an identity token: the OAuth2 ``refresh_token`` grant (POST form); otherwise a GET
    with ``service`` and ``scope`` parameters, with Basic credentials when there are any
    (anonymous otherwise). The challenge's own scope is merged into the wanted ones.
    """
    if not challenge.realm:
        raise ValueError("the Bearer challenge has no realm")
    wanted = merge_scopes(challenge.scope, scopes)
    if credentials is not None and credentials.identity_token:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": credentials.identity_token,
            "client_id": TOKEN_CLIENT_ID,
        }
        if challenge.service:
            form["service"] = challenge.service
        if wanted:
            form["scope"] = " ".join(wanted)
        return TokenRequest(method="POST", url=challenge.realm, form=form)
    params = {}
    if challenge.service:
        params["service"] = challenge.service
    if wanted:
        params["scope"] = wanted  # repeated ?scope=... as docker does
    authorization = credentials.basic_authorization() if credentials is not None else None
    return TokenRequest(method="GET", url=challenge.realm, params=params, authorization=authorization)


def parse_token_response(data, now=None):
    """(token, expires_at) from a token service's JSON reply (``token`` or ``access_token``)."""
    if not isinstance(data, dict):
        raise ValueError("the token service did not answer with a JSON object")
    token = data.get("token") or data.get("access_token")
    if not token or not isinstance(token, str):
        raise ValueError("the token service's answer has neither token nor access_token")
    try:
        lifetime = int(data.get("expires_in") or DEFAULT_TOKEN_LIFETIME)
    except (TypeError, ValueError):
        lifetime = DEFAULT_TOKEN_LIFETIME
    lifetime = max(lifetime, DEFAULT_TOKEN_LIFETIME)
    now = time.monotonic() if now is None else now
    return token, now + lifetime


class TokenCache:
    """Bearer tokens per (registry, scopes), dropped ``TOKEN_EXPIRY_MARGIN`` s before expiry."""

    def __init__(self, clock=time.monotonic):
        self._tokens = {}
        self._clock = clock

    def __repr__(self):
        return f"TokenCache({len(self._tokens)} tokens)"

    @staticmethod
    def key(registry, scopes):
        return (registry, tuple(merge_scopes(scopes)))

    def get(self, registry, scopes):
        entry = self._tokens.get(self.key(registry, scopes))
        if entry is None:
            return None
        token, expires_at = entry
        if self._clock() >= expires_at - TOKEN_EXPIRY_MARGIN:
            self._tokens.pop(self.key(registry, scopes), None)
            return None
        return token

    def put(self, registry, scopes, token, expires_at):
        self._tokens[self.key(registry, scopes)] = (token, expires_at)

    def drop(self, registry, scopes):
        self._tokens.pop(self.key(registry, scopes), None)
