# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Auth files and pull secrets: search order, most specific key, errors without secrets."""

import base64
import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore, Credentials
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
