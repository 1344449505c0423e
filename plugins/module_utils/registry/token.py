# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The auth flow of a registry request: Basic, or Bearer tokens per scope, and what a 401 means.

A registry's scheme is learned from its first ``401`` (``challenge.py``). Basic sends the
credentials of the ``AuthStore`` as they are. Bearer (distribution ``docs/spec/auth/token.md``)
exchanges them at the challenge's realm, the token service, for a token of the request's
scopes (``repository:<name>:pull`` or ``pull,push``): a GET with Basic credentials (or none,
anonymous), or for an identity token the OAuth2 ``refresh_token`` grant as a POST form
(``docs/spec/auth/oauth.md``). Tokens are cached per registry, credentials and scopes until
shortly before they expire.

Errors name the registry, the token service and where the credentials came from (an auth
file's path or the option names), never the credentials or tokens themselves.
"""

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible_collections.okd.machine_os.plugins.module_utils.registry.challenge import parse_www_authenticate
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    AuthenticationError,
    DeniedError,
    RegistryResponseError,
)

TOKEN_CLIENT_ID = "okd.machine_os"
# the distribution token spec: "if omitted, the token should be assumed valid for 60 s"
DEFAULT_TOKEN_LIFETIME = 60
TOKEN_EXPIRY_MARGIN = 10
_OAUTH_ERROR = re.compile(r"[a-z_]{1,40}")  # RFC 6749 section 5.2 codes: invalid_grant, ...


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

    @property
    def uses_identity_token(self):
        return bool(self.form and self.form.get("grant_type") == "refresh_token")

    def headers(self):
        """The request's headers: JSON wanted, Basic credentials when there are any."""
        headers = {"Accept": "application/json"}
        if self.authorization:
            headers["Authorization"] = self.authorization
        return headers


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


def _oauth_error(response):
    """The OAuth2 ``error`` code of a token service's refusal (``invalid_grant``), or None."""
    try:
        data = response.json()
    except ValueError:
        return None
    code = data.get("error") if isinstance(data, dict) else None
    return code if isinstance(code, str) and _OAUTH_ERROR.fullmatch(code) else None


def _sent(creds):
    """What a request carried, for messages: ``the credentials from <file>``, never their content."""
    if creds is None:
        return "no credentials (anonymous)"
    return f"the {'identity token' if creds.identity_token else 'credentials'} from {creds.source}"


class Authorizer:
    """The Authorization header of each request to a registry, and what a 401 means.

    ``send_token_request(endpoint, token_request, realm_host)`` sends a TokenRequest to the
    token service (with the transport's TLS settings and retries) and returns the response;
    ``log`` gets debug lines (without secrets).
    """

    def __init__(self, store, send_token_request, log=None):
        self.store = store
        self._send = send_token_request
        self._log = log or (lambda line: None)
        self._tokens = TokenCache()

    def credentials(self, endpoint, repository):
        """The credentials for ``repository`` on ``endpoint``'s registry, or None."""
        return self.store.lookup(endpoint.registry, repository)

    @staticmethod
    def _cache_id(endpoint, creds):
        if creds is None:
            return endpoint.registry + "|anonymous"
        return f"{endpoint.registry}|{creds.source}|{creds.key}"

    def authorization(self, endpoint, repository, scopes, refresh=False):
        """The Authorization header value for a request, fetching a token when needed."""
        creds = self.credentials(endpoint, repository)
        if endpoint.auth_scheme == "basic":
            return creds.basic_authorization() if creds is not None else None
        if endpoint.auth_scheme != "bearer" or endpoint.challenge is None:
            return None
        cache_id = self._cache_id(endpoint, creds)
        with endpoint.lock:
            token = None if refresh else self._tokens.get(cache_id, scopes)
            if token is None:
                token, expires_at = self._fetch_token(endpoint, creds, scopes)
                self._tokens.put(cache_id, scopes, token, expires_at)
        return "Bearer " + token

    def _fetch_token(self, endpoint, creds, scopes):
        request = token_request(endpoint.challenge, scopes, creds)
        realm_host = urlsplit(request.url).netloc or request.url
        self._log(f"token request to {realm_host} for {endpoint.registry} scopes {' '.join(scopes) or '-'}")
        response = self._send(endpoint, request, realm_host)
        if response.status_code != 200:
            raise self._token_refused(endpoint, realm_host, response, creds)
        try:
            return parse_token_response(response.json())
        except ValueError as exc:
            raise RegistryResponseError(
                f"the token service {realm_host} of {endpoint.registry} gave an unusable answer: {exc}",
                registry=endpoint.registry,
            ) from None

    def _token_refused(self, endpoint, realm_host, response, creds):
        """The error for a token service's non-200 answer (after the transport's retries)."""
        registry, status = endpoint.registry, response.status_code
        oauth_error = _oauth_error(response)
        detail = f"HTTP {status}" + (f", {oauth_error}" if oauth_error else "")
        if creds is not None and creds.identity_token and status in (400, 401, 403):
            # OAuth2 answers a refresh token it does not accept with 400 invalid_grant
            # (RFC 6749 section 5.2), distribution's token servers with 401
            return AuthenticationError(
                f"authentication failed for {registry}: its token service {realm_host} refused the identity "
                f"token (refresh_token grant) from {creds.source} ({detail}); it may have expired or been "
                f"revoked: log in to {registry} again (podman login {registry}) or pass "
                f"registry_username/registry_password",
                registry=registry,
                status=status,
            )
        if status in (401, 403) and creds is not None and creds.source:
            return AuthenticationError(
                f"authentication failed for {registry}: its token service {realm_host} rejected "
                f"the credentials from {creds.source} (HTTP {status}): check the auth file / "
                f"credentials for {registry}",
                registry=registry,
                status=status,
            )
        if status in (401, 403):
            return AuthenticationError(
                f"authentication failed for {registry}: its token service {realm_host} refused an "
                f"anonymous token (HTTP {status}) and no credentials for {registry} were "
                f"found in {self.store.describe(registry)}: pass auth_file or registry_username/"
                f"registry_password",
                registry=registry,
                status=status,
            )
        return RegistryResponseError(
            f"the token service {realm_host} of {registry} answered {detail} to a request with {_sent(creds)}",
            registry=registry,
            status=status,
        )

    def on_unauthorized(self, endpoint, www_authenticate, repository, scopes, sent_auth):
        """Learn the auth scheme from a 401's challenge; return True to retry, or raise.

        ``sent_auth``: whether the refused request carried an Authorization header.
        """
        challenges = parse_www_authenticate(www_authenticate or "")
        by_scheme = {c.scheme: c for c in challenges}
        creds = self.credentials(endpoint, repository)
        bearer = by_scheme.get("bearer")
        if bearer is not None and bearer.realm:
            if sent_auth and endpoint.auth_scheme == "bearer" and bearer.params.get("error") == "insufficient_scope":
                if creds is None:
                    raise self.unauthorized_error(endpoint, None, False)
                raise DeniedError(
                    f"access to {endpoint.registry}/{repository} was denied: {_sent(creds)} "
                    f"do not grant {' '.join(scopes)}",
                    registry=endpoint.registry,
                    status=401,
                )
            # challenge before scheme: a reader that sees "bearer" always finds the challenge.
            # Retry in every case: first challenge, a request sent before another thread
            # learned the scheme (it went without a token), or a token to refresh.
            endpoint.challenge = bearer
            endpoint.auth_scheme = "bearer"
            return True
        if "basic" in by_scheme:
            # Retry with the credentials unless they were just sent under Basic and refused.
            # A request sent without them - the scheme still unknown, learned meanwhile by
            # another thread's first 401 - is not a "no credentials" failure.
            sent_basic = sent_auth and endpoint.auth_scheme == "basic"
            endpoint.auth_scheme = "basic"
            if creds is not None and creds.basic_authorization() and not sent_basic:
                return True
        raise self.unauthorized_error(endpoint, creds, sent_auth)

    def unauthorized_error(self, endpoint, creds, sent_auth):
        """The AuthenticationError for a 401 the flow cannot get past."""
        registry = endpoint.registry
        if (
            creds is not None
            and creds.identity_token
            and not creds.basic_authorization()
            and endpoint.auth_scheme == "basic"
        ):
            return AuthenticationError(
                f"authentication failed for {registry}: it asks for a user name and password (Basic) and "
                f"{creds.source} holds only an identity token for it, which only a registry with token "
                f"authentication (Bearer) accepts: log in with a user name and password (podman login "
                f"{registry}) or pass registry_username/registry_password",
                registry=registry,
                status=401,
            )
        if creds is None or not sent_auth:
            return AuthenticationError(
                f"authentication failed for {registry}: it requires credentials and none for it were "
                f"found in {self.store.describe(registry)}{self._helper_hint(registry)}: add them to the "
                f"auth file (podman login {registry}) or pass registry_username/registry_password",
                registry=registry,
                status=401,
            )
        return AuthenticationError(
            f"authentication failed for {registry} (HTTP 401): it rejected {_sent(creds)}: "
            f"check the auth file / credentials for {registry}",
            registry=registry,
            status=401,
        )

    def _helper_hint(self, registry):
        helper = self.store.credential_helper(registry)
        if not helper:
            return ""
        return (
            f" ({helper[0]} delegates it to the credential helper docker-credential-{helper[1]}, "
            f"which this collection does not run)"
        )
