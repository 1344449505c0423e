# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Auth files and pull secrets, WWW-Authenticate challenges, token requests and caching."""

import base64
import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import (
    AuthStore,
    Credentials,
    TokenCache,
    merge_scopes,
    parse_token_response,
    parse_www_authenticate,
    repository_scope,
    token_request,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import AuthFileError

SECRET = "s3cr3t-Pa55"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def write(tmp_path, name, data):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


PULL_SECRET = {
    "auths": {
        "quay.io": {"auth": b64("quay-user:" + SECRET), "email": "x@example.com"},
        "quay.io/openshift-release-dev": {"auth": b64("ocp-bot:ocp-pass")},
        "quay.io/openshift-release-dev/ocp-release": {"auth": b64("release-bot:release:pass")},
        "registry.example.com:5000": {"username": "alice", "password": "wonderland"},
        "https://index.docker.io/v1/": {"auth": b64("hubuser:hubpass")},
        "sso.example.com": {"auth": b64("<token>:"), "identitytoken": "refresh-me"},
        "empty.example.com": {"auth": ""},
    }
}


@pytest.fixture
def store():
    return AuthStore.from_dict(PULL_SECRET, source="/etc/pull-secret.json")


@pytest.mark.parametrize(
    "registry,repository,username,password,key",
    [
        ("quay.io", "someone/else", "quay-user", SECRET, "quay.io"),
        ("quay.io", None, "quay-user", SECRET, "quay.io"),
        ("quay.io", "openshift-release-dev/ocp-v4.0-art-dev", "ocp-bot", "ocp-pass", "quay.io/openshift-release-dev"),
        (
            "quay.io",
            "openshift-release-dev/ocp-release",
            "release-bot",
            "release:pass",
            "quay.io/openshift-release-dev/ocp-release",
        ),
        (
            "quay.io",
            "openshift-release-dev/ocp-release-nightly",
            "ocp-bot",
            "ocp-pass",
            "quay.io/openshift-release-dev",
        ),
        ("registry.example.com:5000", "a/b", "alice", "wonderland", "registry.example.com:5000"),
        ("docker.io", "library/busybox", "hubuser", "hubpass", "https://index.docker.io/v1/"),
    ],
)
def test_lookup_most_specific_key_first(store, registry, repository, username, password, key):
    creds = store.lookup(registry, repository)
    assert (creds.username, creds.password, creds.key) == (username, password, key)
    assert creds.source == "/etc/pull-secret.json"


def test_lookup_misses(store):
    assert store.lookup("registry.example.com") is None  # no port: another registry
    assert store.lookup("empty.example.com", "x") is None  # an empty entry is no credential
    assert store.lookup("quay.io.evil.com", "x") is None


def test_identity_token_entry(store):
    creds = store.lookup("sso.example.com", "team/app")
    assert creds.identity_token == "refresh-me"
    assert creds.username is None


def test_basic_authorization_header():
    creds = Credentials(username="u", password="p:w")
    assert creds.basic_authorization() == "Basic " + b64("u:p:w")
    assert Credentials(identity_token="t").basic_authorization() is None


def test_credentials_never_in_repr(store):
    creds = store.lookup("quay.io", "x")
    text = repr(creds) + str(creds) + repr(store)
    assert SECRET not in text
    assert "quay-user" in repr(creds)
    token = store.lookup("sso.example.com")
    assert "refresh-me" not in repr(token)


def test_legacy_dockercfg_without_auths(tmp_path):
    path = write(tmp_path, ".dockercfg", {"https://old.example.com": {"auth": b64("old:pw"), "email": "e"}})
    store = AuthStore()
    store.add_file(path)
    assert store.lookup("old.example.com").username == "old"


def test_search_order_explicit_file_then_defaults(tmp_path):
    home = tmp_path / "home"
    explicit = write(tmp_path, "explicit.json", {"auths": {"a.example.com": {"auth": b64("explicit:1")}}})
    write(
        home,
        ".config/containers/auth.json",
        {"auths": {"a.example.com": {"auth": b64("podman:2")}, "b.example.com": {"auth": b64("podman:3")}}},
    )
    write(
        home,
        ".docker/config.json",
        {"auths": {"b.example.com": {"auth": b64("docker:4")}, "c.example.com": {"auth": b64("docker:5")}}},
    )
    env = {"HOME": str(home)}
    store = AuthStore.load(auth_file=explicit, environ=env)
    assert store.lookup("a.example.com").username == "explicit"
    assert store.lookup("b.example.com").username == "podman"
    assert store.lookup("c.example.com").username == "docker"
    assert store.lookup("c.example.com").source.endswith(".docker/config.json")
    only = AuthStore.load(auth_file=explicit, environ=env, search_defaults=False)
    assert only.lookup("b.example.com") is None


def test_registry_auth_file_environment_variable(tmp_path):
    path = write(tmp_path, "env.json", {"auths": {"e.example.com": {"auth": b64("env:1")}}})
    store = AuthStore.load(environ={"REGISTRY_AUTH_FILE": path, "HOME": str(tmp_path / "nohome")})
    assert store.lookup("e.example.com").username == "env"
    assert store.sources == [path]


def test_xdg_runtime_primary_file(tmp_path):
    write(tmp_path, "run/containers/auth.json", {"auths": {"r.example.com": {"auth": b64("runtime:1")}}})
    store = AuthStore.load(environ={"XDG_RUNTIME_DIR": str(tmp_path / "run"), "HOME": str(tmp_path / "h")})
    assert store.lookup("r.example.com").username == "runtime"


def test_override_credentials_apply_everywhere(tmp_path):
    path = write(tmp_path, "f.json", PULL_SECRET)
    store = AuthStore.load(auth_file=path, username="ovr", password=SECRET, environ={"HOME": str(tmp_path)})
    creds = store.lookup("quay.io", "openshift-release-dev/ocp-release")
    assert (creds.username, creds.password) == ("ovr", SECRET)
    assert "registry_username" in creds.source
    with pytest.raises(AuthFileError, match="together"):
        AuthStore.load(username="only-user", environ={"HOME": str(tmp_path)})


def test_missing_explicit_file_is_an_error(tmp_path):
    missing = str(tmp_path / "nope.json")
    with pytest.raises(AuthFileError) as info:
        AuthStore.load(auth_file=missing, environ={"HOME": str(tmp_path)})
    assert missing in str(info.value)
    assert "auth_file" in str(info.value)


@pytest.mark.parametrize(
    "content,fragment",
    [
        ('{"auths": {"quay.io": {"auth": "' + SECRET + '"', "not valid JSON"),
        ('["' + SECRET + '"]', "not a JSON object"),
        ('{"auths": {"quay.io": {"auth": "' + b64(SECRET) + '"}}}', "does not decode to user:password"),
        ('{"auths": {"quay.io": {"auth": "%%%' + SECRET + '"}}}', "not valid base64"),
        ('{"auths": {"quay.io": "' + SECRET + '"}}', "is not an object"),
    ],
)
def test_broken_auth_files_never_quote_their_content(tmp_path, content, fragment):
    path = write(tmp_path, "broken.json", content)
    with pytest.raises(AuthFileError) as info:
        store = AuthStore()
        store.add_file(path)
        store.lookup("quay.io", "x")
    message = str(info.value)
    assert fragment in message
    assert path in message
    assert SECRET not in message and b64(SECRET) not in message


def test_describe_and_credential_helpers(tmp_path):
    path = write(tmp_path, "h.json", {"auths": {}, "credHelpers": {"gcr.io": "gcloud"}})
    store = AuthStore()
    store.add_file(path)
    assert store.lookup("gcr.io") is None
    assert store.credential_helper("gcr.io") == (path, "gcloud")
    assert path in store.describe("gcr.io")
    assert "auth_file" in AuthStore().describe("x")


# ---------------------------------------------------------------- WWW-Authenticate


@pytest.mark.parametrize(
    "header,expected",
    [
        (
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
            [
                (
                    "bearer",
                    {
                        "realm": "https://auth.docker.io/token",
                        "service": "registry.docker.io",
                        "scope": "repository:library/busybox:pull",
                    },
                )
            ],
        ),
        ('Basic realm="okd-lab-upstream"', [("basic", {"realm": "okd-lab-upstream"})]),
        ('BEARER Realm="https://r/t", Service=svc', [("bearer", {"realm": "https://r/t", "service": "svc"})]),
        (
            'Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:a/b:pull,push repository:c/d:pull"',
            [
                (
                    "bearer",
                    {
                        "realm": "https://quay.io/v2/auth",
                        "service": "quay.io",
                        "scope": "repository:a/b:pull,push repository:c/d:pull",
                    },
                )
            ],
        ),
        (
            'Basic realm="x", Bearer realm="https://t/token",service="s"',
            [("basic", {"realm": "x"}), ("bearer", {"realm": "https://t/token", "service": "s"})],
        ),
        (
            'Bearer realm="https://t/token",error="insufficient_scope",scope="repository:a:push"',
            [("bearer", {"realm": "https://t/token", "error": "insufficient_scope", "scope": "repository:a:push"})],
        ),
        ('Bearer realm="a \\"quoted\\" realm, with comma"', [("bearer", {"realm": 'a "quoted" realm, with comma'})]),
        ("Negotiate abc123==", [("negotiate", {"token68": "abc123=="})]),
        ("", []),
    ],
)
def test_parse_www_authenticate(header, expected):
    assert [(c.scheme, c.params) for c in parse_www_authenticate(header)] == expected


def test_challenge_properties():
    (challenge,) = parse_www_authenticate('Bearer realm="https://r/t",service="svc",scope="repository:a:pull"')
    assert (challenge.realm, challenge.service, challenge.scope) == ("https://r/t", "svc", "repository:a:pull")


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


class _Response:
    def __init__(self, challenge):
        self.headers = {"WWW-Authenticate": challenge}


def _race_client(creds):
    from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient

    auths = {"auths": {"r.example": {"auth": b64("u:" + SECRET)}}} if creds else {"auths": {}}
    client = RegistryClient(AuthStore.from_dict(auths, "auth.json"))
    return client, client._endpoint("r.example")  # pylint: disable=protected-access


def test_basic_scheme_learned_by_another_thread_meanwhile_is_retried():
    """Two first requests go out without credentials; the first 401 teaches "basic"; the
    second 401 (nothing was sent) must be retried with the credentials, not fail."""
    client, endpoint = _race_client(True)
    challenge = _Response('Basic realm="r"')
    assert client._on_unauthorized(endpoint, challenge, "a/b", [], False)  # pylint: disable=protected-access
    assert endpoint.auth_scheme == "basic"
    assert client._on_unauthorized(endpoint, challenge, "a/b", [], False)  # pylint: disable=protected-access
    with pytest.raises(Exception, match="rejected the credentials"):
        client._on_unauthorized(endpoint, challenge, "a/b", [], True)  # pylint: disable=protected-access
    client.close()


def test_basic_without_credentials_still_says_none_were_found():
    client, endpoint = _race_client(False)
    with pytest.raises(Exception, match="none for it were found"):
        client._on_unauthorized(endpoint, _Response('Basic realm="r"'), "a/b", [], False)  # pylint: disable=protected-access
    client.close()


def test_bearer_scheme_learned_meanwhile_is_retried():
    client, endpoint = _race_client(True)
    challenge = _Response('Bearer realm="https://auth.example/token",service="r"')
    assert client._on_unauthorized(endpoint, challenge, "a/b", [], False)  # pylint: disable=protected-access
    assert client._on_unauthorized(endpoint, challenge, "a/b", [], False)  # pylint: disable=protected-access
    client.close()
