"""The synthetic release payload and the lab's OCI client, pure and against a real docker-registry.

Registries are started here on 127.0.0.1:17500 (plain HTTP) and :17501 (TLS + htpasswd),
with their data in pytest's tmp dirs, and stopped at fixture teardown.
"""

import base64
import contextlib
import gzip
import http.server
import io
import json
import shutil
import subprocess
import tarfile
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import yaml

from okdlab import oci, payload, profiles

HTTP_PORT = 17500
TLS_PORT = 17501
USER, PASSWORD = "lab-user", "s3cret-Pa55"

needs_registry = pytest.mark.skipif(
    not shutil.which("docker-registry"), reason="docker-registry not installed (apt-get install docker-registry)"
)


# -- helpers ---------------------------------------------------------------------------------
def _members(blob):
    """{name: TarInfo-with-data} of a gzip layer."""
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
        return {m.name: (m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()}


def _image(client, repo, ref):
    """(manifest, config, media type, digest) of a single-arch image."""
    body, media_type, digest = client.get_manifest(repo, ref)
    manifest = json.loads(body)
    config = json.loads(client.get_blob(repo, manifest["config"]["digest"]))
    return manifest, config, media_type, digest


def _release_files(client, repo, ref):
    manifest, config, _unused, _unused = _image(client, repo, ref)
    members = _members(client.get_blob(repo, manifest["layers"][-1]["digest"]))
    return manifest, config, members


def _wait_up(url, verify, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, verify=verify, timeout=2).status_code in (200, 401):
                return
        time.sleep(0.1)
    raise RuntimeError(f"registry at {url} did not come up")


@contextlib.contextmanager
def _registry(workdir, port, tls=None, htpasswd=None):
    """Run `docker-registry serve` until the block ends; yields its host."""
    host = f"127.0.0.1:{port}"
    lines = [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {workdir / 'data'}",
        "http:",
        f"  addr: {host}",
    ]
    if tls:
        lines += ["  tls:", f"    certificate: {tls[0]}", f"    key: {tls[1]}"]
    if htpasswd:
        lines += ["auth:", "  htpasswd:", "    realm: okdlab-test", f"    path: {htpasswd}"]
    config = workdir / "config.yml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(workdir / "registry.log", "wb") as log:
        proc = subprocess.Popen(
            ["docker-registry", "serve", str(config)],
            stdout=log,  # pylint: disable=consider-using-with
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_up(f"{'https' if tls else 'http'}://{host}/v2/", verify=False if not tls else tls[2])
        yield host
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _self_signed_pki(d):
    """A CA and a serving cert for 127.0.0.1 signed by it; returns (cert, key, ca)."""
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=okdlab test CA",
        cwd=d,
    )
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=127.0.0.1", cwd=d
    )
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
    _openssl(
        "x509",
        "-req",
        "-in",
        "tls.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tls.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        cwd=d,
    )
    return str(d / "tls.crt"), str(d / "tls.key"), str(d / "ca.crt")


@pytest.fixture(name="http_registry", scope="module")
def fixture_http_registry(tmp_path_factory):
    if not shutil.which("docker-registry"):
        pytest.skip("docker-registry not installed (apt-get install docker-registry)")
    with _registry(tmp_path_factory.mktemp("registry-http"), HTTP_PORT) as host:
        yield oci.RegistryClient(host, scheme="http"), host


@pytest.fixture(name="small_release", scope="module")
def fixture_small_release(http_registry):
    client, host = http_registry
    return payload.write_release(
        client, host, version="4.19.0", n_images=12, unique_layer_kib=16, previous=("4.18.7", "4.18.10")
    )


# -- pure ------------------------------------------------------------------------------------
def test_parse_pullspec():
    assert oci.parse_pullspec("127.0.0.1:15001/okd/content@sha256:" + "a" * 64) == (
        "127.0.0.1:15001",
        "okd/content",
        "sha256:" + "a" * 64,
    )
    assert oci.parse_pullspec("quay.io/okd/scos-release:4.19.0-okd-scos.0") == (
        "quay.io",
        "okd/scos-release",
        "4.19.0-okd-scos.0",
    )
    assert oci.parse_pullspec("localhost/x/y") == ("localhost", "x/y", "latest")
    assert oci.parse_pullspec("busybox") == ("docker.io", "library/busybox", "latest")


def test_auth_for_reads_both_pull_secret_shapes():
    token = base64.b64encode(b"u1:p:w").decode()
    cfg = {"auths": {"127.0.0.1:15001": {"auth": token}, "https://quay.io": {"username": "u2", "password": "p2"}}}
    assert oci.auth_for("127.0.0.1:15001", cfg) == ("u1", "p:w")
    assert oci.auth_for("quay.io", cfg) == ("u2", "p2")
    assert oci.auth_for("other:1", cfg) is None


def test_tar_and_gzip_are_reproducible():
    members = {"usr/bin/x": payload.tar_file(b"abc", 0o755), "etc/l": payload.tar_symlink("../usr/bin/x")}
    one, two = payload.make_layer(members), payload.make_layer(dict(reversed(members.items())))
    assert one == two
    assert one.blob[4:8] == b"\0\0\0\0"  # gzip header mtime 0
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(one.blob))) as tar:
        infos = tar.getmembers()
    assert [i.name for i in infos] == ["etc", "etc/l", "usr", "usr/bin", "usr/bin/x"]
    assert {(i.mtime, i.uid, i.gid, i.uname, i.gname) for i in infos} == {(payload.TAR_MTIME, 0, 0, "", "")}


def test_realistic_profile_shape_is_fixed_and_skewed():
    tags = payload.component_tags("rhel-coreos", 180)
    own = [kib for tag in tags for kib in profiles.own_layer_kib(0, tag)]
    assert own == [kib for tag in tags for kib in profiles.own_layer_kib(0, tag)]  # seeded, not random per run
    assert all(100 <= kib <= 100 * 1000 for kib in own) and sorted(own)[len(own) // 2] < 1024
    assert len(profiles.os_chunk_kib(0)) == profiles.OS_CHUNKS
    assert 2 * 2**30 < profiles.shape(0, tags)["bytes"] < 5 * 2**30


def test_realistic_layers_come_back_from_the_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OKD_LAB_CACHE", str(tmp_path))
    monkeypatch.setattr(profiles, "BASE_LAYERS", (("base", 8),))
    monkeypatch.setattr(profiles, "SHARED_LAYERS", (("tools", 4),))
    monkeypatch.setattr(profiles, "own_layer_kib", lambda seed, tag: [1, 2])
    knobs = payload._Knobs(0, "amd64", payload.DEFAULT_CREATED, "release-4.19", 0, "realistic")
    image = payload.build_component("etcd", 0, knobs)
    assert [len(image.layers), len(image.config["history"])] == [4, 4]
    cached = sorted(p.name for p in (tmp_path / "payload-layers").iterdir())
    assert len(cached) == 2 * 4  # blob + digests per random layer
    again = payload.build_component(
        "etcd", 0, payload._Knobs(0, "amd64", payload.DEFAULT_CREATED, "release-4.19", 0, "realistic")
    )
    assert again.digest == image.digest
    # a damaged cache entry is made again, never pushed as is
    victim = next(p for p in (tmp_path / "payload-layers").iterdir() if p.suffix == ".gz")
    victim.write_bytes(b"junk")
    third = payload.build_component(
        "etcd", 0, payload._Knobs(0, "amd64", payload.DEFAULT_CREATED, "release-4.19", 0, "realistic")
    )
    assert third.digest == image.digest


def test_release_manifest_naming_rule():
    assert payload.release_manifest_name("cli", "01-x.yaml") == "0000_50_cli_01-x.yaml"
    assert payload.release_manifest_name("cli", "0000_30_keep.yaml") == "0000_30_keep.yaml"
    taken = {"0000_50_cli_a.yaml", "0000_50_cli_a_1.yaml"}
    assert payload.release_manifest_name("cli", "a.yaml", taken) == "0000_50_cli_a_2.yaml"


def test_image_references_shape():
    refs = payload.image_references(
        "4.19.0",
        payload.DEFAULT_CREATED,
        [
            ("cli", "h/r@sha256:" + "b" * 64, {payload.LABEL_COMMIT_ID: "c" * 40}),
            ("atool", "h/r@sha256:" + "a" * 64, {}),
        ],
    )
    assert (refs["kind"], refs["apiVersion"]) == ("ImageStream", "image.openshift.io/v1")
    assert refs["metadata"] == {"name": "4.19.0", "creationTimestamp": payload.DEFAULT_CREATED}
    assert [t["name"] for t in refs["spec"]["tags"]] == ["atool", "cli"]
    assert refs["spec"]["tags"][1] == {
        "name": "cli",
        "annotations": {payload.LABEL_COMMIT_ID: "c" * 40},
        "from": {"kind": "DockerImage", "name": "h/r@sha256:" + "b" * 64},
        "generation": None,
        "importPolicy": {},
        "referencePolicy": {"type": ""},
    }


def test_release_metadata_sorts_previous_and_requires_semver():
    meta = payload.release_metadata("4.19.0", ["4.18.10", "4.18.9", "4.19.0-rc.1"])
    assert meta["previous"] == ["4.18.9", "4.18.10", "4.19.0-rc.1"]
    with pytest.raises(ValueError):
        payload.release_metadata("4.19")


def test_component_tags_pad_to_the_size_knob():
    tags = payload.component_tags("stream-coreos", 180)
    assert len(tags) == len(set(tags)) == 180
    assert tags[:3] == ["cluster-version-operator", "stream-coreos", "hyperkube"]
    assert sum(payload.is_operator(t) for t in tags) > 100
    assert payload.component_tags("rhel-coreos", 12)[1] == "rhel-coreos"


def test_os_rootfs_is_a_static_busybox():
    members = payload.os_rootfs("stream-coreos", "9.0.20261101-0", "amd64", payload.read_busybox())
    assert payload.tar_symlink("busybox") == members["bin/sh"]
    for applet in ("echo", "cat", "mkdir", "touch", "ls", "rm", "cp", "true", "test"):
        assert members[f"bin/{applet}"] == payload.tar_symlink("busybox")
    assert b'NAME="CentOS Stream CoreOS"' in members["usr/lib/os-release"][1]
    assert (members["tmp"][0], members["etc/passwd"][0], members["usr/bin"][0]) == ("dir", "file", "dir")


# -- against docker-registry -----------------------------------------------------------------
@needs_registry
def test_release_payload_format(http_registry, small_release):
    client, host = http_registry
    rel = small_release
    assert rel["pullspec"] == f"{host}/okd/release@{rel['digest']}"
    _unused, _unused, ref = oci.parse_pullspec(rel["tag_pullspec"])
    manifest, config, members = _release_files(client, "okd/release", ref)
    assert client.get_manifest("okd/release", "4.19.0")[2] == rel["digest"]
    assert manifest["mediaType"] == oci.DOCKER_MANIFEST
    assert [layer["mediaType"] for layer in manifest["layers"]] == [payload.LAYER_TYPE] * len(manifest["layers"])

    cvo_manifest, _unused, _unused, cvo_digest = _image(client, "okd/content", oci.parse_pullspec(rel["cvo_image"])[2])
    assert config["config"]["Labels"] == {
        "io.openshift.release": "4.19.0",
        "io.openshift.release.base-image-digest": cvo_digest,
    }
    assert (config["architecture"], config["os"]) == ("amd64", "linux")
    assert manifest["layers"][:-1] == cvo_manifest["layers"]
    assert len(config["rootfs"]["diff_ids"]) == len(manifest["layers"])

    assert members["release-manifests"][0].isdir() and members["release-manifests"][0].mode == 0o777
    names = {n.split("/", 1)[1] for n in members if n.startswith("release-manifests/")}
    assert {"image-references", "release-metadata"} <= names
    assert all(members[f"release-manifests/{n}"][0].mode == 0o444 for n in names)
    refs = json.loads(members["release-manifests/image-references"][1])
    meta = json.loads(members["release-manifests/release-metadata"][1])
    assert refs["metadata"]["name"] == meta["version"] == "4.19.0"
    assert meta["kind"] == "cincinnati-metadata-v0" and meta["previous"] == ["4.18.7", "4.18.10"]
    assert meta["metadata"]["io.openshift.upgrades.graph.release.channels"] == "stable-4.19,fast-4.19"
    assert {t["name"]: t["from"]["name"] for t in refs["spec"]["tags"]} == rel["images"]
    assert len(rel["images"]) == 12

    manifests = sorted(n for n in names if n.endswith(".yaml"))
    assert manifests and all(n.startswith("0000_") for n in manifests)
    assert "0000_50_machine-config-operator_02-deployment.yaml" in manifests
    for name in manifests:
        doc = yaml.safe_load(members[f"release-manifests/{name}"][1])
        assert doc["kind"] and doc["apiVersion"]
    deploy = yaml.safe_load(members["release-manifests/0000_50_machine-config-operator_02-deployment.yaml"][1])
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == rel["images"]["machine-config-operator"]
    assert container["env"][0]["value"] == "4.19.0"


@needs_registry
def test_component_labels_and_annotations(http_registry, small_release):
    client, _unused = http_registry
    members = _release_files(client, "okd/release", "4.19.0")[2]
    tags = {t["name"]: t for t in json.loads(members["release-manifests/image-references"][1])["spec"]["tags"]}
    for name, pullspec in small_release["images"].items():
        _unused, repo, digest = oci.parse_pullspec(pullspec)
        manifest, config, media_type, got = _image(client, repo, digest)
        assert (media_type, got, repo) == (oci.DOCKER_MANIFEST, digest, "okd/content")
        labels = config["config"]["Labels"]
        assert len(labels[payload.LABEL_COMMIT_ID]) == 40
        assert labels[payload.LABEL_SOURCE].startswith("https://github.com/")
        assert tags[name]["annotations"] == {k: labels[k] for k in payload.ANNOTATION_LABELS if k in labels}
        if labels.get(payload.LABEL_OPERATOR) == "true":
            last = _members(client.get_blob(repo, manifest["layers"][-1]["digest"]))
            assert any(n.startswith("manifests/") and n.endswith(".yaml") for n in last)
    assert tags["hyperkube"]["annotations"][payload.LABEL_VERSIONS] == "kubernetes=1.32.5"

    _unused, cvo_repo, cvo_ref = oci.parse_pullspec(small_release["cvo_image"])
    cvo_manifest = _image(client, cvo_repo, cvo_ref)[0]
    cvo_last = _members(client.get_blob(cvo_repo, cvo_manifest["layers"][-1]["digest"]))
    assert "manifests/0000_00_cluster-version-operator_03_deployment.yaml" in cvo_last


@needs_registry
def test_os_image_is_bootable(http_registry, small_release):
    client, _unused = http_registry
    assert small_release["os_image_tag"] == "rhel-coreos"
    _unused, repo, ref = oci.parse_pullspec(small_release["os_image"])
    manifest, config, _unused, _unused = _image(client, repo, ref)
    labels = config["config"]["Labels"]
    assert labels["ostree.bootable"] == "true" and labels["containers.bootc"] == "1"
    assert labels[payload.LABEL_VERSIONS] == "machine-os=9.6.20261101-0"
    assert labels[payload.LABEL_DISPLAY_NAMES] == "machine-os=Red Hat Enterprise Linux CoreOS"
    assert (config["architecture"], config["os"], config["config"]["Cmd"]) == ("amd64", "linux", ["/bin/sh"])
    rootfs = _members(client.get_blob(repo, manifest["layers"][0]["digest"]))
    assert rootfs["bin/sh"][0].linkname == "busybox" and rootfs["bin/busybox"][0].size > 100_000


@needs_registry
def test_layers_are_shared_and_digests_deterministic(http_registry, small_release):
    client, host = http_registry
    layers = []
    for pullspec in small_release["images"].values():
        _unused, repo, ref = oci.parse_pullspec(pullspec)
        layers += [layer["digest"] for layer in _image(client, repo, ref)[0]["layers"]]
    assert len(set(layers)) < len(layers) - 10
    again = payload.write_release(
        client, host, version="4.19.0", n_images=12, unique_layer_kib=16, previous=("4.18.10", "4.18.7")
    )
    assert again == small_release


@needs_registry
def test_multi_arch_release(http_registry):
    client, host = http_registry
    rel = payload.write_release(
        client,
        host,
        version="4.19.2",
        release_repo="multi/release",
        content_repo="multi/content",
        n_images=5,
        unique_layer_kib=8,
        multi_arch=True,
    )
    assert rel["arch"] == "multi"
    body, media_type, digest = client.get_manifest("multi/release", "4.19.2")
    assert (media_type, digest) == (oci.DOCKER_LIST, rel["digest"])
    platforms = {m["platform"]["architecture"]: m["digest"] for m in json.loads(body)["manifests"]}
    assert set(platforms) == {"amd64", "arm64"}
    for arch, arch_digest in platforms.items():
        _unused, config, members = _release_files(client, "multi/release", arch_digest)
        assert config["architecture"] == arch
        meta = json.loads(members["release-manifests/release-metadata"][1])
        assert meta["metadata"]["release.openshift.io/architecture"] == "multi"
    _unused, repo, ref = oci.parse_pullspec(rel["os_image"])
    os_body, os_type, _unused = client.get_manifest(repo, ref)
    assert os_type == oci.DOCKER_LIST
    for entry in json.loads(os_body)["manifests"]:
        config = _image(client, repo, entry["digest"])[1]
        assert config["architecture"] == entry["platform"]["architecture"]
        assert config["config"]["Labels"]["ostree.bootable"] == "true"


@needs_registry
def test_lab_releases(http_registry):
    client, host = http_registry
    lab = payload.write_lab_releases(client, host)
    ocp, nxt, okd = lab["ocp"], lab["ocp_next"], lab["okd"]
    assert nxt["os_image"] != ocp["os_image"]
    assert {k: v for k, v in nxt["images"].items() if k != "rhel-coreos"} == {
        k: v for k, v in ocp["images"].items() if k != "rhel-coreos"
    }
    meta = json.loads(
        _release_files(client, *oci.parse_pullspec(nxt["pullspec"])[1:])[2]["release-manifests/release-metadata"][1]
    )
    assert meta["previous"] == ["4.19.0"]
    assert okd["os_image_tag"] == "stream-coreos" and "stream-coreos" in okd["images"]
    assert okd["version"] == "4.19.0-okd-scos.0" and len(okd["images"]) == 12


@needs_registry
def test_registry_client_blob_operations(http_registry):
    client, _unused = http_registry
    digest = client.put_blob("blobs/a", b"hello lab")
    assert client.blob_exists("blobs/a", digest) and not client.blob_exists("blobs/b", digest)
    assert client.mount_blob("blobs/b", digest, "blobs/a")
    assert client.get_blob("blobs/b", digest) == b"hello lab"
    assert not client.mount_blob("blobs/c", "sha256:" + "0" * 64, "blobs/a")
    with pytest.raises(ValueError):
        client.put_blob("blobs/a", b"x", digest)
    with pytest.raises(oci.RegistryError) as err:
        client.get_manifest("blobs/a", "nope")
    assert err.value.status == 404 and "MANIFEST_UNKNOWN" in err.value.message


@pytest.fixture(name="tls_registry", scope="module")
def fixture_tls_registry(tmp_path_factory):
    for tool in ("docker-registry", "htpasswd", "openssl"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not installed")
    workdir = tmp_path_factory.mktemp("registry-tls")
    cert, key, ca = _self_signed_pki(workdir)
    entry = subprocess.run(["htpasswd", "-Bbn", USER, PASSWORD], check=True, capture_output=True, text=True)
    (workdir / "htpasswd").write_text(entry.stdout, encoding="utf-8")
    with _registry(workdir, TLS_PORT, tls=(cert, key, ca), htpasswd=workdir / "htpasswd") as host:
        yield host, ca


def test_tls_basic_auth_registry(tls_registry):
    host, ca = tls_registry
    dockerconfig = {"auths": {host: {"auth": base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}}}
    client = oci.RegistryClient(host, auth=oci.auth_for(host, dockerconfig), ca_file=ca)
    rel = payload.write_release(client, host, version="4.19.3", n_images=4, unique_layer_kib=8)
    assert client.get_manifest("okd/release", "4.19.3")[2] == rel["digest"]

    wrong = oci.RegistryClient(host, auth=(USER, "not-the-password"), ca_file=ca)
    with pytest.raises(oci.RegistryError) as err:
        wrong.get_manifest("okd/release", "4.19.3")
    assert err.value.status == 401 and "not-the-password" not in str(err.value)
    with pytest.raises(oci.RegistryError) as err:
        oci.RegistryClient(host, auth=(USER, PASSWORD)).get_manifest("okd/release", "4.19.3")
    assert err.value.status is None and "SSLError" in str(err.value) and PASSWORD not in str(err.value)


class _BearerRegistry(http.server.BaseHTTPRequestHandler):
    """A registry stub that asks for a Bearer token from its own /token realm (Basic-authenticated)."""

    token_queries = []

    def do_GET(self):  # pylint: disable=invalid-name
        url = urlparse(self.path)
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if url.path == "/token" and self.headers.get("Authorization") == basic:
            self.token_queries.append(parse_qs(url.query))
            self._answer(200, b'{"token": "tok-1"}', "application/json")
        elif url.path == "/v2/x/y/manifests/v1" and self.headers.get("Authorization") == "Bearer tok-1":
            self._answer(200, b'{"schemaVersion": 2}', oci.DOCKER_MANIFEST)
        else:
            host = self.server.server_address
            self._answer(
                401,
                b'{"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}',
                "application/json",
                {
                    "WWW-Authenticate": f'Bearer realm="http://{host[0]}:{host[1]}/token",'
                    'service="okdlab",scope="repository:x/y:pull"'
                },
            )

    def _answer(self, status, body, content_type, headers=None):
        self.send_response(status)
        for key, value in {"Content-Type": content_type, **(headers or {})}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: pytest shows failures, not access logs."""


def test_bearer_challenge_is_answered_with_a_scoped_token():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BearerRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        body, media_type, digest = oci.RegistryClient(host, auth=(USER, PASSWORD), scheme="http").get_manifest(
            "x/y", "v1"
        )
        assert (body, media_type, digest) == (b'{"schemaVersion": 2}', oci.DOCKER_MANIFEST, oci.sha256_digest(body))
        assert _BearerRegistry.token_queries == [{"service": ["okdlab"], "scope": ["repository:x/y:pull"]}]
        with pytest.raises(oci.RegistryError) as err:
            oci.RegistryClient(host, scheme="http").get_manifest("x/y", "v1")
        assert err.value.status == 401 and "UNAUTHORIZED: authentication required" in err.value.message
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
