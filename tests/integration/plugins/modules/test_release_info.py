"""release_info against the lab's registries (TLS from the lab CA, htpasswd auth).

Expected values come from the lab's own writer and client (okdlab.payload, okdlab.oci),
never from the collection's code. The failure payloads (version mismatch, multi-arch) are
written by the test setup with the same writer.
"""

import base64
import gzip
import io
import json
import os
import ssl
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client as k8s

from okdlab import oci, payload

from ...conftest import run_module

pytestmark = pytest.mark.lab
TEST_REPO = "itest-release"


# -- helpers shared with test_release_extract -------------------------------------------------


def writer_for(lab):
    """The lab's own OCI client, logged in to the upstream registry."""
    upstream = lab.registry("upstream")
    return oci.RegistryClient(upstream.host, auth=(upstream.username, upstream.password), ca_file=lab.ca_file)


def release_layer_files(lab, pullspec):
    """{name: bytes} of release-manifests/ in the release's last layer, read with the lab's client."""
    host, repo, ref = oci.parse_pullspec(pullspec)
    assert host == lab.registry("upstream").host
    client = writer_for(lab)
    body, _media_type, _digest = client.get_manifest(repo, ref)
    manifest = json.loads(body)
    blob = client.get_blob(repo, manifest["layers"][-1]["digest"])
    files = {}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
        for member in tar:
            if member.isreg() and member.name.startswith("release-manifests/"):
                files[member.name[len("release-manifests/") :]] = tar.extractfile(member).read()
    return files


def push_image(client, repo, image, tag=None):
    """Push an okdlab.payload.Image (layers, config, manifest); return its digest."""
    for layer in image.layers:
        client.put_blob(repo, layer.blob, layer.digest)
    client.put_blob(repo, image.config_bytes)
    return client.put_manifest(repo, tag or image.digest, image.manifest, oci.DOCKER_MANIFEST)


def write_mismatched_release(lab, image_references_name="4.19.7", metadata_version="4.19.8"):
    """A release whose image-references name differs from its release-metadata version."""
    client, host = writer_for(lab), lab.registry("upstream").host
    repo, created = f"{TEST_REPO}/mismatch", payload.DEFAULT_CREATED
    base = payload.make_layer({"usr/bin/cluster-version-operator": payload.tar_file(b"cvo", 0o755)})
    cvo = payload.Image([base], payload.image_config("amd64", created, [base], {}, ["COPY cvo"]))
    push_image(client, repo, cvo)
    refs = payload.image_references(
        image_references_name, created, [(payload.CVO_TAG, f"{host}/{repo}@{cvo.digest}", {})]
    )
    layer = payload.release_layer(
        metadata_version, created, refs, payload.release_metadata(metadata_version), operators={}, images={}
    )
    release = payload.release_image(cvo, layer, metadata_version, created)
    push_image(client, repo, release, metadata_version)
    return f"{host}/{repo}:{metadata_version}"


def write_oci_layout(lab, path, pullspecs):
    """An OCI image layout holding the images ``pullspecs`` ({ref name: pullspec}), copied
    with the lab's client."""
    client = writer_for(lab)
    os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)

    def put(data):
        digest = oci.sha256_digest(data)
        with open(os.path.join(path, "blobs", "sha256", digest.split(":")[1]), "wb") as handle:
            handle.write(data)
        return digest

    entries = []
    for ref_name, pullspec in pullspecs.items():
        _host, repo, ref = oci.parse_pullspec(pullspec)
        body, media_type, _digest = client.get_manifest(repo, ref)
        manifest = json.loads(body)
        for blob in [manifest["config"]] + manifest["layers"]:
            put(client.get_blob(repo, blob["digest"]))
        entries.append(
            {
                "mediaType": media_type,
                "digest": put(body),
                "size": len(body),
                "annotations": {"org.opencontainers.image.ref.name": ref_name},
            }
        )
    with open(os.path.join(path, "oci-layout"), "w", encoding="utf-8") as handle:
        json.dump({"imageLayoutVersion": "1.0.0"}, handle)
    with open(os.path.join(path, "index.json"), "w", encoding="utf-8") as handle:
        json.dump({"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": entries}, handle)
    return path


def ok(result):
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    return result


def failed(result):
    assert result.get("failed"), result
    assert "Traceback" not in result.get("msg", "") and "module_stderr" not in result, result
    return result


class _DenyAll(BaseHTTPRequestHandler):
    """A registry that authenticates everyone and allows nothing (Quay's answer to a robot
    account without access): /v2/ is 200, everything else 403 DENIED."""

    def do_GET(self):
        if self.path == "/v2/":
            self._answer(200, {})
        else:
            self._answer(403, {"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]})

    do_HEAD = do_GET

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture(scope="module")
def deny_registry(lab):
    """``127.0.0.1:<port>`` of a TLS registry (the lab's serving certificate) that answers 403."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DenyAll)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki = os.path.join(lab.state_dir, "pki")
    context.load_cert_chain(os.path.join(pki, "serving.crt"), os.path.join(pki, "serving.key"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def multi_arch_release(lab):
    return payload.write_release(
        writer_for(lab),
        lab.registry("upstream").host,
        version="4.19.3",
        release_repo=f"{TEST_REPO}/multi",
        content_repo=f"{TEST_REPO}/multi-content",
        n_images=3,
        unique_layer_kib=4,
        multi_arch=True,
        seed=5,
    )


# -- reading the lab's releases ---------------------------------------------------------------


def test_ocp_release_by_tag(lab):
    expected = lab.release["ocp"]
    files = release_layer_files(lab, expected["pullspec"])
    started = time.monotonic()
    result = ok(run_module(lab, "release_info", {"image": expected["tag_pullspec"], "ca_file": lab.ca_file}))
    elapsed = time.monotonic() - started
    assert result["name"] == expected["version"]
    assert result["digest"] == result["manifest_digest"] == expected["digest"]
    assert result["list_digest"] is None
    assert result["pull_from"] == expected["pullspec"]
    assert result["created"] == payload.DEFAULT_CREATED
    assert result["os_arch"] == "linux/amd64"
    assert result["manifests"] == len([n for n in files if n.endswith((".yaml", ".yml", ".json"))]) > 0
    assert result["images"] == expected["images"]
    assert result["os_image"] == {"tag": expected["os_image_tag"], "pullspec": expected["os_image"]}
    assert result["metadata"]["version"] == expected["version"]
    assert result["metadata"]["url"] == f"https://okd.example/releases/{expected['version']}"
    assert result["metadata"]["channels"] == ["stable-4.19", "fast-4.19"]
    assert result["component_versions"]["kubernetes"]["version"] == payload.KUBE_VERSION
    assert result["component_versions"]["kubectl"]["display_name"] == "Kubectl"
    assert result["component_versions"]["machine-os"]["version"] == "9.6.20261101-0"
    refs = json.loads(files["image-references"])
    for tag in refs["spec"]["tags"]:
        ann = tag["annotations"]
        assert result["commit_urls"][tag["name"]] == (
            f"{ann[payload.LABEL_SOURCE]}/commit/{ann[payload.LABEL_COMMIT_ID]}"
        )
    assert result["release_warnings"] == []
    info = result["info"]
    assert info["image"] == expected["tag_pullspec"]
    assert info["digest"] == info["contentDigest"] == expected["digest"]
    assert info["listDigest"] == ""
    assert info["references"] == refs
    assert info["metadata"] == json.loads(files["release-metadata"])
    assert info["config"]["config"]["Labels"][payload.LABEL_RELEASE] == expected["version"]
    assert info["displayVersions"]["machine-os"] == {
        "Version": "9.6.20261101-0",
        "DisplayName": "Red Hat Enterprise Linux CoreOS",
    }
    print(f"release_info on the lab release: {elapsed:.2f}s through ansible-playbook")


def test_okd_release_by_digest_with_image_for(lab):
    expected = lab.release["okd"]
    result = ok(
        run_module(
            lab,
            "release_info",
            {"image": expected["pullspec"], "ca_file": lab.ca_file, "image_for": ["stream-coreos", "cli"]},
        )
    )
    assert result["name"] == expected["version"]
    assert result["digest"] == expected["digest"]
    assert result["image_for"] == {"stream-coreos": expected["os_image"], "cli": expected["images"]["cli"]}
    assert result["component_versions"]["machine-os"]["display_name"] == "CentOS Stream CoreOS"


def test_image_for_a_single_name_and_check_mode(lab):
    expected = lab.release["ocp"]
    result = ok(
        run_module(
            lab,
            "release_info",
            {"image": expected["pullspec"], "ca_file": lab.ca_file, "image_for": "rhel-coreos"},
            check=True,
        )
    )
    assert result["image_for"] == {"rhel-coreos": expected["os_image"]}


def test_the_clusters_release(lab, kube):
    """No image: ClusterVersion version's status.desired.image (the lab seeds the ocp release)."""
    cluster_version = k8s.CustomObjectsApi(kube).get_cluster_custom_object(
        "config.openshift.io", "v1", "clusterversions", "version"
    )
    desired = cluster_version["status"]["desired"]["image"]
    result = ok(run_module(lab, "release_info", {"ca_file": lab.ca_file}))
    assert result["info"]["image"] == desired
    assert result["digest"] == desired.split("@")[1]
    assert result["name"] == cluster_version["status"]["desired"]["version"]


def test_from_an_oci_layout(lab, tmp_path):
    expected = lab.release["ocp"]
    path = write_oci_layout(
        lab,
        str(tmp_path / "layout"),
        {"4.19.0-x86_64-cli": expected["images"]["cli"], "4.19.0-x86_64": expected["pullspec"]},
    )
    from_registry = ok(run_module(lab, "release_info", {"image": expected["pullspec"], "ca_file": lab.ca_file}))
    from_dir = ok(run_module(lab, "release_info", {"from_dir": path}))
    assert from_dir["digest"] == expected["digest"]
    assert from_dir["pull_from"] is None
    for key in ("name", "created", "manifests", "images", "component_versions", "commit_urls", "metadata"):
        assert from_dir[key] == from_registry[key], key
    by_name = ok(run_module(lab, "release_info", {"from_dir": path + ":4.19.0-x86_64"}))
    assert by_name["digest"] == expected["digest"]
    not_a_release = failed(run_module(lab, "release_info", {"from_dir": path + ":4.19.0-x86_64-cli"}))
    assert "is not a release payload" in not_a_release["msg"]


def test_multi_arch_platform_selection(lab, multi_arch_release):
    pullspec = multi_arch_release["pullspec"]
    default = ok(run_module(lab, "release_info", {"image": pullspec, "ca_file": lab.ca_file}))
    assert default["digest"] == default["list_digest"] == multi_arch_release["digest"]
    assert default["manifest_digest"] == multi_arch_release["arch_releases"]["amd64"].split("@")[1]
    assert default["os_arch"] == "multi (linux/amd64)"
    assert default["metadata"]["architecture"] == "multi"
    arm = ok(run_module(lab, "release_info", {"image": pullspec, "ca_file": lab.ca_file, "platform": "aarch64"}))
    assert arm["manifest_digest"] == multi_arch_release["arch_releases"]["arm64"].split("@")[1]
    assert arm["os_arch"] == "multi (linux/arm64)"
    assert arm["digest"] == multi_arch_release["digest"]
    missing = failed(
        run_module(lab, "release_info", {"image": pullspec, "ca_file": lab.ca_file, "platform": "linux/s390x"})
    )
    assert "no image for platform linux/s390x" in missing["msg"]
    assert pullspec in missing["msg"]
    assert sorted(missing["available_platforms"]) == ["linux/amd64", "linux/arm64/v8"]


def test_password_never_in_the_output_at_vvv(lab):
    upstream = lab.registry("upstream")
    args = {
        "image": lab.release["ocp"]["pullspec"],
        "ca_file": lab.ca_file,
        "registry_username": upstream.username,
        "registry_password": upstream.password,
    }
    encoded = base64.b64encode(f"{upstream.username}:{upstream.password}".encode()).decode()
    result, stdout = run_module(lab, "release_info", args, verbosity=3, with_stdout=True)
    ok(result)
    assert "<ansible.legacy" in stdout or "ESTABLISH LOCAL CONNECTION" in stdout  # really -vvv
    assert upstream.password not in stdout
    assert encoded not in stdout
    wrong = dict(args, registry_password=upstream.password + "-wrong")
    result, stdout = run_module(lab, "release_info", wrong, verbosity=3, with_stdout=True)
    failed(result)
    assert wrong["registry_password"] not in stdout
    assert upstream.password not in stdout


# -- bad input: each a failure that names the input and the fix -------------------------------


def test_malformed_reference(lab):
    result = failed(run_module(lab, "release_info", {"image": "127.0.0.1:16401/Bad Repo:4.19.0"}))
    assert result["msg"].startswith(
        "the image option is not a valid image reference: invalid image reference '127.0.0.1:16401/Bad Repo:4.19.0'"
    )
    assert "expected [registry[:port]/]repository[:tag][@sha256:<64 hex>]" in result["msg"]


def test_unknown_tag_in_image_for(lab):
    result = failed(
        run_module(
            lab,
            "release_info",
            {"image": lab.release["ocp"]["pullspec"], "ca_file": lab.ca_file, "image_for": ["cli", "rhel-coreos-9"]},
        )
    )
    assert result["msg"].startswith(
        'no image tag "rhel-coreos-9" exists in the release image ' + lab.release["ocp"]["pullspec"]
    )
    assert "did you mean rhel-coreos" in result["msg"]
    assert result["unknown_tags"] == ["rhel-coreos-9"]
    assert "rhel-coreos" in result["close_names"]["rhel-coreos-9"]


def test_component_image_is_not_a_release(lab):
    component = lab.release["ocp"]["images"]["cli"]
    result = failed(run_module(lab, "release_info", {"image": component, "ca_file": lab.ca_file}))
    assert result["msg"].startswith(
        f"{component} is not a release payload: its last layer has no release-manifests/ directory"
    )
    assert "point it at a release image" in result["msg"]
    assert result["image"] == component


def test_version_mismatch(lab):
    image = write_mismatched_release(lab)
    result = failed(run_module(lab, "release_info", {"image": image, "ca_file": lab.ca_file}))
    assert image in result["msg"]
    assert "image-references name '4.19.7' differs from its release-metadata version '4.19.8'" in result["msg"]
    assert result["image_references_name"] == "4.19.7"
    assert result["release_metadata_version"] == "4.19.8"


@pytest.mark.parametrize("credentials", ["wrong", "none"])
def test_401(lab, tmp_path, credentials):
    upstream = lab.registry("upstream")
    args = {"image": lab.release["ocp"]["pullspec"], "ca_file": lab.ca_file}
    if credentials == "wrong":
        mirror = lab.registry("mirror")  # a real user, of the other registry
        args.update(registry_username=mirror.username, registry_password=mirror.password)
    else:
        empty = tmp_path / "auth.json"
        empty.write_text('{"auths": {}}')
        args["auth_file"] = str(empty)
    result = failed(run_module(lab, "release_info", args))
    assert result["status"] == 401
    assert result["registry"] == upstream.host
    assert result["msg"].startswith(
        f"cannot read the release image {args['image']}: authentication failed for {upstream.host}"
    )
    if credentials == "wrong":
        assert "rejected the credentials from the registry_username/registry_password options" in result["msg"]
    else:
        assert "pass registry_username/registry_password" in result["msg"]


def test_403(lab, deny_registry):
    image = f"{deny_registry}/openshift-release-dev/ocp-release:4.19.0"
    result = failed(run_module(lab, "release_info", {"image": image, "ca_file": lab.ca_file}))
    assert result["status"] == 403
    assert result["registry_error_codes"] == ["DENIED"]
    assert result["msg"].startswith(f"cannot read the release image {image}:")
    assert "lack permission" in result["msg"]


def test_404(lab):
    image = lab.release["ocp"]["tag_pullspec"].rsplit(":", 1)[0] + ":4.99.0"
    result = failed(run_module(lab, "release_info", {"image": image, "ca_file": lab.ca_file}))
    assert result["status"] == 404
    assert result["msg"].startswith(f"cannot read the release image {image}: manifest {image}: not found")


def test_untrusted_certificate(lab):
    image = lab.release["ocp"]["pullspec"]
    result = failed(run_module(lab, "release_info", {"image": image}))
    assert result["msg"].startswith(
        f"cannot read the release image {image}: the certificate of {lab.registry('upstream').host} is not trusted"
    )
    assert "pass ca_file or list" in result["msg"]


def test_no_image_and_no_cluster(lab, tmp_path):
    missing = str(tmp_path / "no-kubeconfig")
    result = failed(
        run_module(lab, "release_info", {"ca_file": lab.ca_file}, extra_env={"K8S_AUTH_KUBECONFIG": missing})
    )
    assert result["msg"].startswith("no image or from_dir given, and the cluster")
    assert result["image_source"] == "cluster"
