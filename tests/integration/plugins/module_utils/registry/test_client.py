# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry client against real registries: the lab's two (TLS + htpasswd), a token-auth
docker-registry (conftest.token_registry) and a fault-injecting proxy (conftest.FaultProxy).
No mocks: every assertion is about what a registry stored or answered."""

import base64
import hashlib
import json
import os
import random
import threading
import time
import tracemalloc
import uuid

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry import manifest as mf
from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    AuthenticationError,
    BlobUnknownError,
    DeniedError,
    DigestMismatchError,
    ManifestUnknownError,
    RegistryUnavailableError,
    RegistryUnreachableError,
    TLSError,
    UntrustedCertificateError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.registry.retry import RetryPolicy

pytestmark = pytest.mark.lab

MiB = 1024 * 1024
RUN = uuid.uuid4().hex[:8]  # repositories of this run: tests never see each other's blobs


def blob_bytes(size, seed):
    """Pseudo-random bytes, the same on every run: the lab registries store them only once."""
    return random.Random(seed).randbytes(size)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def auth_dict(*entries):
    return {
        "auths": {
            host: {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()} for host, user, password in entries
        }
    }


@pytest.fixture
def client(lab):
    with RegistryClient(AuthStore.load(auth_file=lab.auth_file, search_defaults=False), ca_file=lab.ca_file) as c:
        yield c


@pytest.fixture
def mirror(lab):
    return lab.registries["mirror"].host


@pytest.fixture
def upstream(lab):
    return lab.registries["upstream"].host


def repo(host, name):
    return Reference.parse(f"{host}/registry-client-{RUN}/{name}")


class Sleeps:
    """A sleep that records what the client asked for and really sleeps (briefly)."""

    def __init__(self, cap=0.05):
        self.calls = []
        self.cap = cap

    def __call__(self, seconds):
        self.calls.append(seconds)
        time.sleep(min(seconds, self.cap))


def push_image(client, ref, layers, config=None):
    """Push config + layers + a schema2 manifest; return the manifest's digest."""
    config = (
        config
        or json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [sha256(x) for x in layers]},
            }
        ).encode()
    )
    client.upload_blob(ref, config)
    for layer in layers:
        client.upload_blob(ref, layer)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mf.DOCKER_MANIFEST,
            "config": {"mediaType": mf.DOCKER_CONFIG, "digest": sha256(config), "size": len(config)},
            "layers": [{"mediaType": mf.DOCKER_LAYER, "digest": sha256(x), "size": len(x)} for x in layers],
        },
        indent=3,
    ).encode()
    return client.put_manifest(ref, manifest)


# ------------------------------------------------------------------------ auth and TLS


def test_lab_auth_file_authenticates_to_both_registries(client, upstream, mirror):
    assert client.ping(upstream)
    assert client.ping(mirror)


def test_wrong_password_is_an_authentication_error_without_the_password(lab, upstream, tmp_path):
    wrong = "wrong-" + uuid.uuid4().hex
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(auth_dict((upstream, lab.registries["upstream"].username, wrong))))
    with RegistryClient(AuthStore.load(auth_file=str(path), search_defaults=False), ca_file=lab.ca_file) as c:
        with pytest.raises(AuthenticationError) as info:
            c.get_manifest(lab.release["ocp"]["tag_pullspec"])
    message = str(info.value)
    assert f"authentication failed for {upstream}" in message
    assert str(path) in message and "check the auth file / credentials" in message
    assert info.value.status == 401
    assert wrong not in message and wrong not in repr(info.value) and wrong not in str(info.value.fail_kwargs())
    assert base64.b64encode(wrong.encode()).decode()[:12] not in message


def test_no_credentials_says_where_it_looked(lab, upstream, tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps(auth_dict(("elsewhere.example.com", "u", "p"))))
    with RegistryClient(AuthStore.load(auth_file=str(path), search_defaults=False), ca_file=lab.ca_file) as c:
        with pytest.raises(AuthenticationError, match=f"none for it were found in the auth file {path}"):
            c.ping(upstream)


def concurrent_first_requests(client, calls, threads=16):
    """Run every call at once from ``threads`` threads, all released by one barrier; return
    the exceptions raised (none expected)."""
    barrier = threading.Barrier(threads)
    errors = []

    def worker(index):
        barrier.wait()
        try:
            calls[index % len(calls)]()
        except Exception as exc:
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)
    return errors


@pytest.mark.parametrize("round_", range(5))
def test_concurrent_first_requests_to_a_basic_auth_registry(lab, mirror, upstream, round_):
    """A fresh client, 16 threads issuing their first requests at the same moment: whichever
    thread's 401 teaches the client the Basic scheme, the others retry with the credentials
    instead of failing with "none for it were found"."""
    release = lab.release["ocp"]["pullspec"]
    with RegistryClient(
        AuthStore.load(auth_file=lab.auth_file, search_defaults=False), ca_file=lab.ca_file, max_connections=32
    ) as fresh:
        calls = [
            lambda: fresh.ping(mirror),
            lambda: fresh.head_manifest(release),
            lambda: fresh.blob_exists(repo(mirror, f"race-{round_}"), sha256(b"absent")),
            lambda: fresh.ping(upstream),
        ]
        errors = concurrent_first_requests(fresh, calls)
    assert not errors, [str(e) for e in errors]


def test_concurrent_first_requests_to_a_token_registry(token_registry):
    ref = Reference.parse(f"{token_registry.host}/bearer/race-{RUN}:v1")
    with token_client(token_registry, ("writer", "writer-pass-123"), max_connections=32) as fresh:
        calls = [
            lambda: fresh.ping(token_registry.host),
            lambda: fresh.head_manifest(ref),
            lambda: fresh.blob_exists(ref, sha256(b"absent")),
        ]
        errors = concurrent_first_requests(fresh, calls)
    assert not errors, [str(e) for e in errors]


def test_untrusted_certificate_without_ca_file(lab, upstream):
    with RegistryClient(AuthStore.load(auth_file=lab.auth_file, search_defaults=False)) as c:
        with pytest.raises(UntrustedCertificateError) as info:
            c.ping(upstream)
    assert str(info.value).startswith(f"the certificate of {upstream} is not trusted")
    assert str(info.value).endswith(f"pass ca_file or list {upstream} in insecure_registries")


def test_insecure_registry_skips_verification(lab, upstream):
    store = AuthStore.load(auth_file=lab.auth_file, search_defaults=False)
    with RegistryClient(store, insecure_registries=[f"https://{upstream}/"]) as c:
        assert c.ping(upstream)
        assert c.resolve(lab.release["ocp"]["tag_pullspec"]) == lab.release["ocp"]["digest"]


def test_plain_http_registry_needs_insecure_registries(lab, token_registry):
    with RegistryClient() as c:
        with pytest.raises(TLSError, match="if it serves plain HTTP, list"):
            c.ping(token_registry.host)


def test_unreachable_registry(lab):
    with RegistryClient(retry=RetryPolicy(retries=1, initial=0.01)) as c:
        with pytest.raises(RegistryUnreachableError, match="connection refused"):
            c.ping("127.0.0.1:1")


# ------------------------------------------------------------------------ manifests


def test_release_manifest_by_tag_and_by_digest(client, lab):
    release = lab.release["ocp"]
    by_tag = client.get_manifest(release["tag_pullspec"])
    assert by_tag.digest == release["digest"] == sha256(by_tag.raw)
    by_digest = client.get_manifest(release["pullspec"])
    assert by_digest.raw == by_tag.raw
    assert not by_digest.is_index
    head = client.head_manifest(release["tag_pullspec"])
    assert (head.digest, head.size, head.media_type) == (release["digest"], len(by_tag.raw), by_tag.media_type)
    config = client.get_json_blob(release["pullspec"], by_digest.config.digest)
    assert config["config"]["Labels"]["io.openshift.release"] == release["version"]
    image, index = client.get_image_manifest(release["os_image"], platform="x86_64")
    assert index is None and image.digest == Reference.parse(release["os_image"]).digest


def test_unknown_manifest_and_blob(client, lab, upstream):
    release_repo = Reference.parse(lab.release["ocp"]["tag_pullspec"])
    missing = release_repo.with_tag("no-such-tag-" + RUN)
    with pytest.raises(ManifestUnknownError) as info:
        client.get_manifest(missing)
    assert str(missing) in str(info.value) and "HTTP 404" in str(info.value)
    assert info.value.fail_kwargs()["reference"] == str(missing)
    assert client.head_manifest(missing) is None
    absent = sha256(b"absent " + RUN.encode())
    assert client.blob_exists(release_repo, absent) is None
    with pytest.raises(BlobUnknownError, match=absent):
        list(client.iter_blob(release_repo, absent))
    with pytest.raises(ManifestUnknownError):
        client.list_tags(f"{upstream}/no/such/repo-{RUN}")


def test_push_manifest_list_and_select_platform(client, mirror):
    ref = repo(mirror, "multi")
    amd = push_image(client, ref, [b"amd64 layer " + RUN.encode()])
    arm = push_image(
        client,
        ref,
        [b"arm64 layer " + RUN.encode()],
        config=json.dumps({"architecture": "arm64", "os": "linux"}).encode(),
    )
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mf.DOCKER_MANIFEST_LIST,
            "manifests": [
                {
                    "mediaType": mf.DOCKER_MANIFEST,
                    "digest": d,
                    "size": client.head_manifest(ref.by_digest(d)).size,
                    "platform": {"architecture": arch, "os": "linux"},
                }
                for d, arch in ((amd, "amd64"), (arm, "arm64"))
            ],
        }
    ).encode()
    digest = client.put_manifest(ref.with_tag("multi"), index)
    assert digest == sha256(index)
    image, listed = client.get_image_manifest(ref.with_tag("multi"), platform="aarch64")
    assert listed.digest == digest and image.digest == arm
    assert sorted(client.list_tags(ref)) == ["multi"]


def test_tags_are_paginated(client, mirror):
    ref = repo(mirror, "tags")
    digest = push_image(client, ref, [b"tag layer"])
    manifest = client.get_manifest(ref.by_digest(digest))
    names = [f"t{n:02d}" for n in range(7)]
    for name in names:
        client.put_manifest(ref.with_tag(name), manifest)
    assert sorted(client.list_tags(ref, page_size=3)) == names


# ------------------------------------------------------------------------ blobs


def test_registry_refuses_a_wrong_declared_digest(client, mirror):
    ref = repo(mirror, "wrong-digest")
    data = b"the real bytes " + RUN.encode()
    wrong = sha256(b"other bytes " + RUN.encode())
    with pytest.raises(DigestMismatchError) as info:  # sent unchecked: the registry refuses it
        client.upload_blob(ref, data, digest=wrong, verify=False)
    assert "DIGEST_INVALID" in str(info.value) and info.value.status == 400
    with pytest.raises(DigestMismatchError, match="not written or pushed"):  # checked on the way
        client.upload_blob(ref, data, digest=wrong)
    assert client.blob_exists(ref, wrong) is None
    assert client.blob_exists(ref, sha256(data)) is None


def test_download_is_verified_and_written_once_complete(client, lab, tmp_path):
    release = lab.release["ocp"]
    manifest = client.get_manifest(release["pullspec"])
    layer = manifest.layers[-1]
    target = str(tmp_path / "layer.tar.gz")
    assert client.download_blob(release["pullspec"], layer.digest, target, layer.size) == layer.size
    with open(target, "rb") as handle:
        assert sha256(handle.read()) == layer.digest
    with pytest.raises(DigestMismatchError):  # a size the registry's bytes don't have
        client.download_blob(release["pullspec"], layer.digest, str(tmp_path / "bad"), layer.size + 1)
    assert not os.path.exists(str(tmp_path / "bad")) and not os.path.exists(str(tmp_path / "bad.partial"))


def test_cross_repository_mount_within_the_mirror(client, mirror):
    source, target, other = repo(mirror, "mount-src"), repo(mirror, "mount-dst"), repo(mirror, "mount-other")
    data = blob_bytes(256 * 1024, "mount")
    assert client.upload_blob(source, data).action == "uploaded"
    assert client.upload_blob(source, data).action == "exists"
    pushed = client.copy_blob(source, target, sha256(data), len(data))
    assert (pushed.action, pushed.mounted_from) == ("mounted", source.repository)
    assert client.blob_exists(target, sha256(data)) == len(data)
    assert client.mount_blob(other, sha256(data), source.repository) is True
    # a repository that lacks the blob: the registry declines the mount (202) ...
    assert client.mount_blob(repo(mirror, "mount-none"), sha256(data), f"registry-client-{RUN}/empty") is False
    # ... and upload_blob falls back to uploading into the session the registry opened
    fallback = client.upload_blob(repo(mirror, "mount-fallback"), data, mount_from=f"registry-client-{RUN}/empty")
    assert fallback.action == "uploaded"


def test_chunked_upload_of_a_multi_mib_blob(client, mirror, tmp_path):
    ref = repo(mirror, "chunked")
    path = str(tmp_path / "blob")
    with open(path, "wb") as handle:
        handle.write(blob_bytes(5 * MiB, "chunked"))
        handle.write(b"tail" * 31)
    with open(path, "rb") as handle:
        digest = sha256(handle.read())
    pushed = client.upload_blob(ref, path, chunk_size=MiB)
    assert (pushed.digest, pushed.size, pushed.action) == (digest, 5 * MiB + 124, "uploaded")
    assert client.blob_exists(ref, digest) == 5 * MiB + 124
    received = hashlib.sha256()
    for chunk in client.iter_blob(ref, digest, 5 * MiB + 124):
        received.update(chunk)
    assert "sha256:" + received.hexdigest() == digest


def test_copy_upstream_to_mirror_in_flat_memory(client, upstream, mirror, tmp_path):
    size = 64 * MiB
    path = str(tmp_path / "big")
    hasher = hashlib.sha256()
    with open(path, "wb") as handle:
        for number in range(size // MiB):
            block = blob_bytes(MiB, f"big-{number}")
            hasher.update(block)
            handle.write(block)
    digest = "sha256:" + hasher.hexdigest()
    source, target = repo(upstream, "big"), repo(mirror, "big")
    assert client.upload_blob(source, path, digest=digest).action == "uploaded"
    tracemalloc.start()
    try:
        started = time.monotonic()
        pushed = client.copy_blob(source, target, digest, size)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (pushed.action, pushed.size) == ("uploaded", size)
    assert client.blob_exists(target, digest) == size
    assert peak < 8 * MiB, f"copying a 64 MiB blob peaked at {peak / MiB:.1f} MiB of Python memory"
    print(f"copied 64 MiB upstream->mirror in {elapsed:.2f}s, Python memory peak {peak / MiB:.2f} MiB")


# ------------------------------------------------------------------------ retries


def proxy_client(lab, proxy, sleeps, **kwargs):
    upstream = lab.registries["upstream"]
    store = AuthStore.from_dict(auth_dict((proxy.host, upstream.username, upstream.password)), "proxy-auth.json")
    return RegistryClient(store, ca_file=lab.ca_file, sleep=sleeps, log=print, **kwargs)


def faults(count, fault, match=lambda method, path: True):
    """A decide() giving ``fault`` to the first ``count`` matching requests."""
    left = [count]

    def decide(method, path):
        if left[0] > 0 and match(method, path):
            left[0] -= 1
            return fault
        return None

    return decide


def proxied(lab, proxy, key="tag_pullspec"):
    ref = Reference.parse(lab.release["ocp"][key])
    return Reference(proxy.host, ref.repository, ref.tag, ref.digest)


def test_503_with_retry_after_is_retried_as_told(lab, fault_proxy):
    proxy = fault_proxy(faults(2, ("status", 503, {"Retry-After": "2"})))
    sleeps = Sleeps()
    with proxy_client(lab, proxy, sleeps) as c:
        manifest = c.get_manifest(proxied(lab, proxy))
    assert manifest.digest == lab.release["ocp"]["digest"]
    assert sleeps.calls == [2.0, 2.0]
    assert [fault for _method, _path, fault in proxy.requests][:3] == ["status", "status", "relayed"]


def test_429_with_an_http_date_is_honoured(lab, fault_proxy):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    proxy = fault_proxy(faults(1, ("status", 429, {"Retry-After": when})))
    sleeps = Sleeps()
    with proxy_client(lab, proxy, sleeps) as c:
        assert c.resolve(proxied(lab, proxy)) == lab.release["ocp"]["digest"]
    assert len(sleeps.calls) == 1 and 25 <= sleeps.calls[0] <= 30


def test_backoff_schedule_then_unavailable(lab, fault_proxy):
    proxy = fault_proxy(faults(100, ("status", 502)))
    sleeps = Sleeps()
    policy = RetryPolicy(retries=3, initial=0.25, factor=2, jitter=0)
    with proxy_client(lab, proxy, sleeps, retry=policy) as c:
        with pytest.raises(RegistryUnavailableError) as info:
            c.get_manifest(proxied(lab, proxy))
    assert sleeps.calls == [0.25, 0.5, 1.0]
    assert len(proxy.requests) == 4
    assert "answered HTTP 502 after 4 attempts: try again later" in str(info.value)


def test_connection_resets_are_retried(lab, fault_proxy):
    proxy = fault_proxy(faults(2, ("reset",)))
    sleeps = Sleeps()
    with proxy_client(lab, proxy, sleeps, retry=RetryPolicy(jitter=0)) as c:
        assert c.ping(proxy.host)
    assert sleeps.calls == [0.5, 1.0]


def test_a_blob_stream_cut_short_is_resumed_with_range(lab, client, fault_proxy):
    data = blob_bytes(3 * MiB + 17, "resume")
    ref = repo(lab.registries["upstream"].host, "resume")
    client.upload_blob(ref, data)

    def is_blob_get(method, path):
        return method == "GET" and "/blobs/sha256:" in path

    proxy = fault_proxy(faults(1, ("truncate", MiB + 4096), match=is_blob_get))
    sleeps = Sleeps()
    via_proxy = Reference(proxy.host, ref.repository)
    with proxy_client(lab, proxy, sleeps) as c:
        c.ping(proxy.host)  # learn the auth scheme first: the cut hits an authorised GET
        received = b"".join(c.iter_blob(via_proxy, sha256(data), len(data)))
    assert received == data
    blob_gets = [f for method, path, f in proxy.requests if is_blob_get(method, path)]
    assert blob_gets[0] == "truncate" and len(sleeps.calls) == 1


def test_upload_restarts_after_a_503_on_the_put(lab, client, fault_proxy):
    data = blob_bytes(2 * MiB, "restart")

    def is_put(method, path):
        return method == "PUT" and "/blobs/uploads/" in path

    proxy = fault_proxy(faults(1, ("status", 503, {"Retry-After": "0"}), match=is_put))
    with proxy_client(lab, proxy, Sleeps()) as c:
        pushed = c.upload_blob(Reference(proxy.host, f"registry-client-{RUN}/restart"), data)
    assert pushed.action == "uploaded"
    assert client.blob_exists(repo(lab.registries["upstream"].host, "restart"), sha256(data)) == len(data)
    assert [f for m, p, f in proxy.requests if is_put(m, p)] == ["status", "relayed"]


def test_chunked_upload_resumes_after_a_failed_patch(lab, client, fault_proxy):
    data = blob_bytes(4 * MiB + 5, "chunk-resume")
    patches = []

    def second_patch(method, path):
        if method == "PATCH":
            patches.append(path)
            return len(patches) == 2
        return False

    proxy = fault_proxy(faults(1, ("status", 503, {"Retry-After": "0"}), match=second_patch))
    with proxy_client(lab, proxy, Sleeps()) as c:
        pushed = c.upload_blob(Reference(proxy.host, f"registry-client-{RUN}/chunk-resume"), data, chunk_size=MiB)
    assert (pushed.action, pushed.size) == ("uploaded", len(data))
    assert client.blob_exists(repo(lab.registries["upstream"].host, "chunk-resume"), sha256(data)) == len(data)
    methods = [(m, f) for m, p, f in proxy.requests if "/blobs/uploads/" in p]
    assert ("PATCH", "status") in methods and ("GET", "relayed") in methods  # asked where to resume


def test_debug_log_never_shows_credentials(lab, token_registry):
    lines = []
    upstream = lab.registries["upstream"]
    data = auth_dict(
        (upstream.host, upstream.username, upstream.password), (token_registry.host, "writer", "writer-pass-123")
    )
    before = len(token_registry.tokens.issued)
    with RegistryClient(
        AuthStore.from_dict(data, "log-test.json"),
        ca_file=lab.ca_file,
        log=lines.append,
        insecure_registries=[token_registry.host],
    ) as c:
        c.get_manifest(lab.release["ocp"]["tag_pullspec"])
        c.upload_blob(f"{token_registry.host}/bearer/log-{RUN}", b"log test " + RUN.encode())
        with pytest.raises(ManifestUnknownError):
            c.get_manifest(f"{token_registry.host}/bearer/log-{RUN}:missing")
    text = "\n".join(lines)
    assert "token request to" in text and "-> 401" in text and "-> 201" in text
    secrets = [
        upstream.password,
        "writer-pass-123",
        base64.b64encode(b"writer:writer-pass-123").decode(),
        base64.b64encode(f"{upstream.username}:{upstream.password}".encode()).decode(),
    ]
    secrets += token_registry.tokens.issued[before:]
    assert len(secrets) > 4
    for secret in secrets:
        assert secret not in text


# ------------------------------------------------------------------------ Bearer tokens


def token_client(registry, *entries, identity=None, **kwargs):
    data = auth_dict(*[(registry.host, user, password) for user, password in entries])
    if identity:
        data["auths"][registry.host] = {"identitytoken": identity}
    return RegistryClient(AuthStore.from_dict(data, "token-auth.json"), insecure_registries=[registry.host], **kwargs)


def test_bearer_tokens_are_fetched_per_scope_and_cached(token_registry):
    tokens = token_registry.tokens
    before = len(tokens.requests)
    ref = Reference.parse(f"{token_registry.host}/bearer/app-{RUN}:v1")
    with token_client(token_registry, ("writer", "writer-pass-123")) as c:
        digest = push_image(c, ref, [b"bearer layer " + RUN.encode()])
        for _attempt in range(5):
            assert c.get_manifest(ref).digest == digest
        assert c.resolve(ref.by_digest(digest)) == digest
    asked = tokens.requests[before:]
    scopes = [tuple(scope) for _method, _user, scope in asked]
    assert all(user == "writer" and method == "GET" for method, user, _scopes in asked)
    # one token for the push scope, one for the pull scope: the rest came from the cache
    assert scopes.count((f"repository:bearer/app-{RUN}:pull,push",)) == 1
    assert scopes.count((f"repository:bearer/app-{RUN}:pull",)) == 1


def test_identity_token_uses_the_refresh_token_grant(token_registry):
    tokens = token_registry.tokens
    before = len(tokens.requests)
    ref = Reference.parse(f"{token_registry.host}/bearer/idtoken-{RUN}:v1")
    with token_client(token_registry, identity="refresh-token-789") as c:
        digest = push_image(c, ref, [b"identity layer"])
        assert c.get_manifest(ref).digest == digest
    assert {(method, user) for method, user, _scopes in tokens.requests[before:]} == {("POST", "writer")}


def test_a_refused_identity_token_names_the_auth_file_not_the_token(token_registry):
    """An auth entry holding only an identitytoken the token service does not know: the
    error says an identity token was sent and from which auth file."""
    ref = Reference.parse(f"{token_registry.host}/bearer/idtoken-{RUN}:v1")
    with token_client(token_registry, identity="expired-refresh-token") as c:
        with pytest.raises(AuthenticationError) as info:
            c.get_manifest(ref)
    message = str(info.value)
    assert "refused the identity token" in message and "from token-auth.json" in message
    assert "expired-refresh-token" not in message and "expired-refresh-token" not in str(info.value.fail_kwargs())
    assert info.value.status == 401


def test_access_token_replies_work(token_registry):
    tokens = token_registry.tokens
    tokens.reply_key = "access_token"
    try:
        ref = Reference.parse(f"{token_registry.host}/bearer/access-{RUN}:v1")
        with token_client(token_registry, ("writer", "writer-pass-123")) as c:
            digest = push_image(c, ref, [b"access layer"])
            assert c.get_manifest(ref).digest == digest
    finally:
        tokens.reply_key = "token"


def test_bearer_wrong_password(token_registry):
    with token_client(token_registry, ("writer", "not-the-password")) as c:
        with pytest.raises(AuthenticationError) as info:
            c.ping(token_registry.host)
    message = str(info.value)
    assert "token service" in message and "rejected the credentials from token-auth.json" in message
    assert "not-the-password" not in message


def test_push_without_push_permission_is_denied(token_registry):
    ref = Reference.parse(f"{token_registry.host}/bearer/readonly-{RUN}:v1")
    with token_client(token_registry, ("reader", "reader-pass-456")) as c:
        with pytest.raises(DeniedError) as info:
            c.upload_blob(ref, b"not allowed")
    assert "do not grant repository:" in str(info.value) and "push" in str(info.value)
    assert "reader-pass-456" not in str(info.value)


def test_anonymous_access_to_a_token_registry(token_registry):
    ref = Reference.parse(f"{token_registry.host}/bearer/anon-{RUN}:v1")
    with token_client(token_registry) as c:
        with pytest.raises(AuthenticationError, match="requires credentials and none for it were found"):
            c.get_manifest(ref)


def test_copy_between_registries_with_different_auth_schemes(lab, client, token_registry):
    """Basic (lab upstream, TLS) to Bearer (token registry, plain HTTP) in one client."""
    release = lab.release["ocp"]
    layer = client.get_manifest(release["pullspec"]).layers[0]
    data = auth_dict((token_registry.host, "writer", "writer-pass-123"))
    data["auths"].update(json.loads(open(lab.auth_file, encoding="utf-8").read())["auths"])
    store = AuthStore.from_dict(data, "combined.json")
    with RegistryClient(store, ca_file=lab.ca_file, insecure_registries=[token_registry.host]) as c:
        target = Reference.parse(f"{token_registry.host}/bearer/copied-{RUN}")
        pushed = c.copy_blob(release["pullspec"], target, layer.digest, layer.size)
        assert (pushed.action, pushed.size) == ("uploaded", layer.size)
        assert c.blob_exists(target, layer.digest) == layer.size
