# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The auth flow: scopes, token requests and replies, the per-scope cache, what a 401 means,
and the errors of a token service's refusal (naming the credentials' source, never them)."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore, Credentials
from ansible_collections.okd.machine_os.plugins.module_utils.registry.challenge import parse_www_authenticate
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.endpoint import Endpoint
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    AuthenticationError,
    DeniedError,
    RegistryResponseError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.retry import RetryPolicy
from ansible_collections.okd.machine_os.plugins.module_utils.registry.token import (
    Authorizer,
    TokenCache,
    merge_scopes,
    parse_token_response,
    repository_scope,
    token_request,
)

SECRET = "s3cr3t-Pa55"
REFRESH_TOKEN = "refresh-9f8e7d"
BEARER = 'Bearer realm="https://auth.example/token",service="r.example"'


def b64(text):
    return base64.b64encode(text.encode()).decode()


def test_merge_scopes():
    assert merge_scopes("repository:a/b:pull", ["repository:a/b:push", "repository:c:pull"]) == [
        "repository:a/b:pull,push",
        "repository:c:pull",
    ]
    assert merge_scopes(None, []) == []
    assert merge_scopes("registry:catalog:*") == ["registry:catalog:*"]
    assert repository_scope("a/b") == "repository:a/b:pull"
    assert repository_scope("a/b", push=True) == "repository:a/b:pull,push"


# ---------------------------------------------------------------- token requests


def _bearer(scope=None):
    header = 'Bearer realm="https://auth.example/token",service="registry.example"'
    if scope:
        header += f',scope="{scope}"'
    return parse_www_authenticate(header)[0]


def test_token_request_with_basic_credentials():
    request = token_request(
        _bearer("repository:a:pull"), ["repository:a:pull,push"], Credentials(username="u", password=SECRET)
    )
    assert request.method == "GET"
    assert request.url == "https://auth.example/token"
    assert request.params == {"service": "registry.example", "scope": ["repository:a:pull,push"]}
    assert request.authorization == "Basic " + b64("u:" + SECRET)
    assert SECRET not in repr(request) and b64("u:" + SECRET) not in repr(request)


def test_anonymous_token_request():
    request = token_request(_bearer(), ["repository:library/busybox:pull"])
    assert request.authorization is None
    assert request.params["scope"] == ["repository:library/busybox:pull"]


def test_identity_token_uses_the_refresh_token_grant():
    request = token_request(
        _bearer(), ["repository:a:pull", "repository:b:pull"], Credentials(identity_token="refresh-me")
    )
    assert request.method == "POST"
    assert request.form == {
        "grant_type": "refresh_token",
        "refresh_token": "refresh-me",
        "client_id": "okd.machine_os",
        "service": "registry.example",
        "scope": "repository:a:pull repository:b:pull",
    }
    assert request.authorization is None
    assert "refresh-me" not in repr(request)


def test_token_request_needs_a_realm():
    with pytest.raises(ValueError):
        token_request(parse_www_authenticate("Bearer service=x")[0], [])


@pytest.mark.parametrize(
    "reply,token,lifetime",
    [
        ({"token": "T1", "expires_in": 300}, "T1", 300),
        ({"access_token": "T2"}, "T2", 60),
        ({"token": "T3", "access_token": "T3", "expires_in": 5}, "T3", 60),  # the spec's minimum
        ({"token": "T4", "expires_in": "junk"}, "T4", 60),
    ],
)
def test_parse_token_response(reply, token, lifetime):
    assert parse_token_response(reply, now=1000.0) == (token, 1000.0 + lifetime)


@pytest.mark.parametrize("reply", [{}, {"token": ""}, [], {"token": 5}])
def test_unusable_token_responses(reply):
    with pytest.raises(ValueError):
        parse_token_response(reply)


def test_token_cache_per_scope_and_expiry():
    now = [0.0]
    cache = TokenCache(clock=lambda: now[0])
    cache.put("reg", ["repository:a:pull"], "A", 60.0)
    cache.put("reg", ["repository:a:pull,push"], "AP", 300.0)
    assert cache.get("reg", ["repository:a:pull"]) == "A"
    assert cache.get("reg", ["repository:a:push", "repository:a:pull"]) == "AP"  # same scope set
    assert cache.get("reg", ["repository:b:pull"]) is None
    assert cache.get("other", ["repository:a:pull"]) is None
    now[0] = 49.0
    assert cache.get("reg", ["repository:a:pull"]) == "A"
    now[0] = 50.0  # within the expiry margin: dropped
    assert cache.get("reg", ["repository:a:pull"]) is None
    assert cache.get("reg", ["repository:a:pull,push"]) == "AP"
    cache.drop("reg", ["repository:a:pull,push"])
    assert cache.get("reg", ["repository:a:pull,push"]) is None
    assert "AP" not in repr(cache)


# ---------------------------------------------------------------- the flow (Authorizer)


class Answer:
    """What the token service answered: a status and a JSON body."""

    def __init__(self, status, body=None):
        self.status_code = status
        self.headers = {}
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


class TokenService:
    """A stand-in for the transport's token request: records the requests, answers ``answer``."""

    def __init__(self, answer):
        self.answer = answer
        self.requests = []

    def __call__(self, endpoint, request, realm_host):
        self.requests.append(request)
        return self.answer


def authorizer(entry, answer=None, source="auth.json"):
    """An Authorizer for r.example whose auth file holds ``entry`` (None: no entry)."""
    auths = {"auths": {"r.example": entry} if entry is not None else {}}
    service = TokenService(answer or Answer(200, {"token": "T", "expires_in": 300}))
    return (
        Authorizer(AuthStore.from_dict(auths, source), service),
        service,
        Endpoint("r.example", "r.example", False, True),
    )


def learn_bearer(auth, endpoint):
    assert auth.on_unauthorized(endpoint, BEARER, "a/b", [], False)
    assert endpoint.auth_scheme == "bearer"


def test_bearer_tokens_are_cached_per_scope():
    auth, service, endpoint = authorizer({"auth": b64("u:" + SECRET)})
    learn_bearer(auth, endpoint)
    pull, push = [repository_scope("a/b")], [repository_scope("a/b", push=True)]
    assert auth.authorization(endpoint, "a/b", pull) == "Bearer T"
    assert auth.authorization(endpoint, "a/b", pull) == "Bearer T"
    assert auth.authorization(endpoint, "a/b", push) == "Bearer T"
    assert [request.params["scope"] for request in service.requests] == [
        ["repository:a/b:pull"],
        ["repository:a/b:pull,push"],
    ]
    auth.authorization(endpoint, "a/b", pull, refresh=True)
    assert len(service.requests) == 3


def test_basic_scheme_learned_by_another_thread_meanwhile_is_retried():
    """Two first requests go out without credentials; the first 401 teaches "basic"; the
    second 401 (nothing was sent) must be retried with the credentials, not fail."""
    auth, _service, endpoint = authorizer({"auth": b64("u:" + SECRET)})
    assert auth.on_unauthorized(endpoint, 'Basic realm="r"', "a/b", [], False)
    assert endpoint.auth_scheme == "basic"
    assert auth.on_unauthorized(endpoint, 'Basic realm="r"', "a/b", [], False)
    assert auth.authorization(endpoint, "a/b", []) == "Basic " + b64("u:" + SECRET)
    with pytest.raises(AuthenticationError, match="rejected the credentials from auth.json"):
        auth.on_unauthorized(endpoint, 'Basic realm="r"', "a/b", [], True)


def test_basic_without_credentials_still_says_none_were_found():
    auth, _service, endpoint = authorizer(None)
    with pytest.raises(AuthenticationError, match="none for it were found in the auth file auth.json"):
        auth.on_unauthorized(endpoint, 'Basic realm="r"', "a/b", [], False)


def test_bearer_scheme_learned_meanwhile_is_retried():
    auth, _service, endpoint = authorizer({"auth": b64("u:" + SECRET)})
    learn_bearer(auth, endpoint)
    assert auth.on_unauthorized(endpoint, BEARER, "a/b", [], False)


def test_insufficient_scope_is_denied_naming_the_source():
    auth, _service, endpoint = authorizer({"auth": b64("u:" + SECRET)})
    learn_bearer(auth, endpoint)
    with pytest.raises(DeniedError) as info:
        auth.on_unauthorized(endpoint, BEARER + ',error="insufficient_scope"', "a/b", ["repository:a/b:push"], True)
    assert "the credentials from auth.json do not grant repository:a/b:push" in str(info.value)


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_refused_identity_token_says_so_and_names_its_file(status):
    """An auth entry with only an identitytoken, refused by the token service (OAuth2 answers
    400 invalid_grant, distribution's token servers 401): the error says an identity token
    was used and from which file, never the token."""
    auth, service, endpoint = authorizer(
        {"identitytoken": REFRESH_TOKEN}, Answer(status, {"error": "invalid_grant"}), source="/home/u/auth.json"
    )
    learn_bearer(auth, endpoint)
    with pytest.raises(AuthenticationError) as info:
        auth.authorization(endpoint, "a/b", [repository_scope("a/b")])
    message = str(info.value)
    assert "refused the identity token" in message and "from /home/u/auth.json" in message
    assert f"HTTP {status}, invalid_grant" in message and "podman login r.example" in message
    assert REFRESH_TOKEN not in message and REFRESH_TOKEN not in str(info.value.fail_kwargs())
    assert info.value.status == status
    assert service.requests[0].uses_identity_token


def test_an_identity_token_for_a_basic_registry():
    auth, _service, endpoint = authorizer({"identitytoken": REFRESH_TOKEN}, source="/home/u/auth.json")
    with pytest.raises(AuthenticationError) as info:
        auth.on_unauthorized(endpoint, 'Basic realm="r"', "a/b", [], False)
    message = str(info.value)
    assert "/home/u/auth.json holds only an identity token" in message and "(Basic)" in message
    assert REFRESH_TOKEN not in message


def test_a_token_service_failure_says_what_was_sent():
    auth, _service, endpoint = authorizer({"auth": b64("u:" + SECRET)}, Answer(500))
    learn_bearer(auth, endpoint)
    with pytest.raises(RegistryResponseError) as info:
        auth.authorization(endpoint, "a/b", [])
    assert str(info.value) == (
        "the token service auth.example of r.example answered HTTP 500 to a request with the credentials from auth.json"
    )


def test_an_unusable_token_reply():
    auth, _service, endpoint = authorizer(None, Answer(200, {"nothing": "here"}))
    learn_bearer(auth, endpoint)
    with pytest.raises(RegistryResponseError, match="gave an unusable answer"):
        auth.authorization(endpoint, "a/b", [])


# ---------------------------------------------------------------- through a real HTTP exchange


class _OAuthRegistry(BaseHTTPRequestHandler):
    """/v2/ asks for a Bearer token; the token service refuses every refresh token (400)."""

    def do_GET(self):
        self.send_response(401)
        realm = f"http://{self.headers['Host']}/token"
        self.send_header("WWW-Authenticate", f'Bearer realm="{realm}",service="oauth-registry"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": "invalid_grant", "error_description": "refresh token expired"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def oauth_registry():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OAuthRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_expired_identity_token_names_the_auth_file(oauth_registry, tmp_path):
    path = tmp_path / "auth.json"
    path.write_text(json.dumps({"auths": {oauth_registry: {"identitytoken": REFRESH_TOKEN}}}))
    store = AuthStore.load(auth_file=str(path), search_defaults=False)
    with RegistryClient(store, insecure_registries=[oauth_registry], retry=RetryPolicy(retries=0)) as client:
        with pytest.raises(AuthenticationError) as info:
            client.ping(oauth_registry)
    message = str(info.value)
    assert "identity token" in message and str(path) in message
    assert REFRESH_TOKEN not in message
    assert info.value.status == 400
