"""release_mirror against the lab's two registries (upstream -> mirror), TLS from the lab CA.

Every test mirrors into its own destination repository. Destinations are checked with the
collection's registry client (every manifest by digest, every blob's bytes hashed) and the
mirrored release is read back with release_info.
"""

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml
from kubernetes import client as k8s

from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
from okdlab import config

from ...conftest import REPO, run_module, wait_for
from ..module_utils.registry.conftest import FaultProxy

pytestmark = pytest.mark.lab
# fresh destination repositories on every run, also against a lab kept between runs
NAMESPACE = f"itest-mirror-{int(time.time())}"


def mirror_repo(lab, name):
    return f"{lab.registry('mirror').host}/{NAMESPACE}/{name}"


def args(lab, **kwargs):
    return dict({"ca_file": lab.ca_file, "auth_file": lab.auth_file}, **kwargs)


def client_for(lab, auth_file=None):
    return RegistryClient.from_params({"auth_file": auth_file or lab.auth_file, "ca_file": lab.ca_file})


def verify_destination(lab, result, auth_file=None):
    """Every mapped image at the destination by its source digest, every blob's bytes hashed."""
    with client_for(lab, auth_file) as registry:
        blobs = 0
        for line in result["mapping"]:
            source, destination = line.split("=")
            digest = source.split("@")[1]
            top = registry.get_manifest(destination)
            assert top.digest == digest, line
            manifests = [top] + (
                [registry.get_manifest(destination.rsplit(":", 1)[0] + "@" + d.digest) for d in top.manifests]
                if top.is_index
                else []
            )
            for manifest in manifests:
                if manifest.is_index:
                    continue
                for blob in manifest.blobs():
                    assert sum(len(c) for c in registry.iter_blob(destination, blob.digest, blob.size)) == blob.size
                    blobs += 1
        return blobs


def release_tag_present(lab, result_or_ref, auth_file=None):
    ref = result_or_ref if isinstance(result_or_ref, str) else result_or_ref["release"]["destination_tag"]
    with client_for(lab, auth_file) as registry:
        return registry.head_manifest(ref) is not None


def read_back(lab, image=None, from_dir=None):
    params = {"ca_file": lab.ca_file}
    params.update({"image": image} if image else {"from_dir": from_dir})
    info = run_module(lab, "release_info", params)
    assert not info.get("failed"), info.get("msg")
    return info


def test_registry_to_registry_then_warm(lab):
    ocp = lab.release["ocp"]
    to = mirror_repo(lab, "r2r")
    started = time.monotonic()
    cold = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=to))
    cold_wall = time.monotonic() - started
    assert not cold.get("failed"), cold.get("msg")
    assert cold["changed"] is True
    assert cold["plan"]["images_total"] == len(ocp["images"]) + 1
    assert cold["copied"]["blobs"] == cold["plan"]["blobs_missing"] > 0
    assert cold["copied"]["bytes"] == cold["plan"]["bytes_missing"] > 0
    assert cold["copied"]["manifests"] == len(ocp["images"]) + 1
    assert cold["release"]["digest"] == ocp["digest"]
    assert cold["release"]["destination_tag"] == f"{to}:{ocp['version']}-x86_64"
    assert f"{ocp['images']['etcd']}={to}:{ocp['version']}-x86_64-etcd" in cold["mapping"]
    assert verify_destination(lab, cold) >= cold["plan"]["blobs_total"]

    info = read_back(lab, image=cold["release"]["destination_tag"])
    assert info["digest"] == ocp["digest"] and info["name"] == ocp["version"]
    assert info["images"] == ocp["images"]

    started = time.monotonic()
    warm = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=to))
    warm_wall = time.monotonic() - started
    assert not warm.get("failed"), warm.get("msg")
    assert warm["changed"] is False
    assert warm["copied"] == {"blobs": 0, "bytes": 0, "mounted": 0, "manifests": 0}
    assert warm["plan"]["images_missing"] == 0 and warm["plan"]["blobs_missing"] == 0
    # every tag already held its source digest: no source manifest was read (nothing counted)
    assert warm["plan"]["blobs_total"] == 0 and cold["plan"]["blobs_total"] > 0
    print(
        f"\nrelease_mirror lab release ({len(ocp['images'])} images, {cold['copied']['blobs']} blobs, "
        f"{cold['copied']['bytes']} bytes): cold {cold['elapsed_seconds']}s (task {cold_wall:.2f}s), "
        f"warm {warm['elapsed_seconds']}s (task {warm_wall:.2f}s)"
    )


def put_by_digest(lab, pullspec, repo, tag=None):
    """Copy the image ``pullspec`` (its blobs, then its manifest) into ``repo``, by digest unless
    ``tag``; return the manifest's blob digests."""
    with client_for(lab) as registry:
        manifest = registry.get_manifest(pullspec)
        for blob in manifest.blobs():
            registry.copy_blob(pullspec.split("@")[0], repo, blob.digest, blob.size)
        registry.put_manifest(
            f"{repo}:{tag}" if tag else f"{repo}@{manifest.digest}", manifest.raw, manifest.media_type
        )
        return {blob.digest for blob in manifest.blobs()}


@pytest.mark.parametrize("other_tags", [True, False], ids=["listed-repository", "repository-without-tags"])
def test_untagged_image_gets_only_its_tag(lab, other_tags):
    """An image already at the destination by digest (pushed by another tool, untagged) is not
    copied again: with other tags in the repository it is found by digest (only the tag is
    pushed); in a repository without any tag its blobs are found present one by one and only
    its manifest is pushed, with the tag."""
    ocp = lab.release["ocp"]
    to = mirror_repo(lab, f"untagged-{'listed' if other_tags else 'bare'}")
    fresh = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=to), check=True)["plan"]
    etcd_blobs = put_by_digest(lab, ocp["images"]["etcd"], to)
    if other_tags:
        put_by_digest(lab, ocp["images"]["etcd"], to, tag="someone-elses-tag")
    result = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=to))
    assert not result.get("failed"), result.get("msg")
    assert result["plan"]["images_missing"] == fresh["images_missing"]
    assert result["plan"]["blobs_missing"] == fresh["blobs_missing"] - len(etcd_blobs)
    assert result["copied"]["blobs"] == result["plan"]["blobs_missing"]
    assert result["plan"]["blobs_total"] == fresh["blobs_total"]  # etcd is not present (untagged)
    with client_for(lab) as registry:
        assert (
            registry.head_manifest(f"{to}:{ocp['version']}-x86_64-etcd").digest == ocp["images"]["etcd"].split("@")[1]
        )
    verify_destination(lab, result)


def test_separate_release_repository_mounts_shared_blobs(lab, tmp_path):
    ocp = lab.release["ocp"]
    to, release_repo = mirror_repo(lab, "split-content"), mirror_repo(lab, "split-release")
    result = run_module(
        lab,
        "release_mirror",
        args(lab, from_release=ocp["pullspec"], to=to, to_release_image=release_repo, output_dir=str(tmp_path)),
    )
    assert not result.get("failed"), result.get("msg")
    # the release image shares the cluster-version-operator's layers: mounted, not sent twice
    assert result["plan"]["mounts"] > 0 and result["copied"]["mounted"] == result["plan"]["mounts"]
    assert result["release"]["destination_tag"] == f"{release_repo}:{ocp['version']}-x86_64"
    verify_destination(lab, result)
    entries = result["idms"]["spec"]["imageDigestMirrors"]
    upstream = lab.registry("upstream").host
    assert {"source": f"{upstream}/openshift-release-dev/ocp-release", "mirrors": [release_repo]} in entries
    assert {"source": f"{upstream}/openshift-release-dev/ocp-v4.0-art-dev", "mirrors": [to]} in entries
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["idms.yaml", "itms.yaml", "icsp.yaml", "install-config-snippet.yaml", "mapping.txt"]
    )
    assert yaml.safe_load((tmp_path / "idms.yaml").read_text()) == result["idms"]
    assert (tmp_path / "mapping.txt").read_text().splitlines() == result["mapping"]


def test_check_mode_is_the_plan(lab, tmp_path):
    ocp = lab.release["ocp"]
    to = mirror_repo(lab, "check")
    result = run_module(
        lab,
        "release_mirror",
        args(lab, from_release=ocp["pullspec"], to=to, output_dir=str(tmp_path / "out")),
        check=True,
    )
    assert not result.get("failed"), result.get("msg")
    plan = result["plan"]
    assert plan["images_missing"] == plan["images_total"] == len(ocp["images"]) + 1
    assert plan["blobs_missing"] > 0 and plan["bytes_missing"] > 0
    assert result["copied"]["blobs"] == 0 and result["changed"] is True
    assert result["idms"]["kind"] == "ImageDigestMirrorSet"
    assert not (tmp_path / "out").exists()
    assert not release_tag_present(lab, result)
    with client_for(lab) as registry:
        assert registry.head_manifest(f"{to}:{ocp['version']}-x86_64-etcd") is None


def test_airgap_directory_round_trip(lab, tmp_path, storage_env):
    ocp = lab.release["ocp"]
    directory = str(tmp_path / "release")
    to_dir = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to_dir=directory))
    assert not to_dir.get("failed"), to_dir.get("msg")
    assert to_dir["changed"] is True and to_dir["copied"]["blobs"] == to_dir["plan"]["blobs_missing"] > 0
    index = json.loads((tmp_path / "release" / "index.json").read_text())
    names = [m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"]]
    assert names[-1] == f"{ocp['version']}-x86_64"  # the release went in last
    assert f"{ocp['version']}-x86_64-etcd" in names
    mirror_index = json.loads((tmp_path / "release" / "mirror-index.json").read_text())
    assert mirror_index["release"]["digest"] == ocp["digest"]
    assert read_back(lab, from_dir=directory)["digest"] == ocp["digest"]
    assert_tools_read_directory(tmp_path, storage_env, directory, ocp, index)

    again = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to_dir=directory))
    assert again["changed"] is False and again["copied"]["blobs"] == 0

    to = mirror_repo(lab, "airgap")
    pushed = run_module(lab, "release_mirror", args(lab, from_dir=directory, to=to))
    assert not pushed.get("failed"), pushed.get("msg")
    assert pushed["changed"] is True and pushed["copied"]["blobs"] == to_dir["copied"]["blobs"]
    assert pushed["release"]["source"] == ocp["pullspec"]
    assert pushed["idms"]["spec"]["imageDigestMirrors"][0]["source"] == ocp["pullspec"].split("@")[0]
    verify_destination(lab, pushed)
    info = read_back(lab, image=pushed["release"]["destination_tag"])
    assert info["digest"] == ocp["digest"] and info["images"] == ocp["images"]
    warm = run_module(lab, "release_mirror", args(lab, from_dir=directory, to=to))
    assert warm["changed"] is False and warm["copied"]["blobs"] == 0


def assert_tools_read_directory(tmp_path, storage_env, directory, ocp, index):
    """skopeo and podman (containers/image) read the directory by the names index.json gives;
    each named OCI rewrite points at the original manifest, whose digest is the source's."""
    by_name = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in index["manifests"]}
    release_entry = by_name[f"{ocp['version']}-x86_64"]
    assert release_entry["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert release_entry["annotations"]["io.okd.machine-os.original.digest"] == ocp["digest"]
    etcd_entry = by_name[f"{ocp['version']}-x86_64-etcd"]
    assert etcd_entry["annotations"]["io.okd.machine-os.original.digest"] == ocp["images"]["etcd"].split("@")[1]
    for entry in index["manifests"]:
        original = entry["annotations"].get("io.okd.machine-os.original.digest", entry["digest"])
        assert os.path.isfile(os.path.join(directory, "blobs", *original.split(":"))), entry

    def run(cmd, **kwargs):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False, **kwargs)
        assert proc.returncode == 0, f"{' '.join(cmd)}: {proc.stderr}"
        return proc.stdout

    release = json.loads(run(["skopeo", "inspect", f"oci:{directory}:{ocp['version']}-x86_64"]))
    assert release["Digest"] == release_entry["digest"]
    assert release["Labels"]["io.openshift.release"] == ocp["version"]
    # a full copy: containers/image reads and digest-checks every layer of the component
    run(["skopeo", "copy", "--quiet", f"oci:{directory}:{ocp['version']}-x86_64-etcd", f"dir:{tmp_path / 'etcd'}"])
    run(
        ["podman", "pull", "--quiet", f"oci:{directory}:{ocp['version']}-x86_64-etcd"],
        env=dict(os.environ, **storage_env),
    )


def test_corrupted_blob_in_directory_is_refused(lab, tmp_path):
    ocp = lab.release["ocp"]
    directory = tmp_path / "release"
    written = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to_dir=str(directory)))
    assert not written.get("failed"), written.get("msg")
    blobs = sorted((directory / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    victim = blobs[-1]  # the largest: a layer
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different bytes
    victim.write_bytes(bytes(data))
    to = mirror_repo(lab, "corrupt")
    result = run_module(lab, "release_mirror", args(lab, from_dir=str(directory), to=to))
    assert result.get("failed") is True
    assert "does not match its digest" in result["msg"] and victim.name in result["msg"]
    assert result["error"] == "LayoutError"
    assert not release_tag_present(lab, f"{to}:{ocp['version']}-x86_64")
    with client_for(lab) as registry:
        assert registry.head_manifest(f"{to}:{ocp['version']}-x86_64-etcd") is None


def proxy_auth_file(lab, tmp_path, proxy_host):
    """The lab's auth file plus the mirror's credentials for ``proxy_host``."""
    with open(lab.auth_file, encoding="utf-8") as handle:
        data = json.load(handle)
    mirror = lab.registry("mirror")
    token = base64.b64encode(f"{mirror.username}:{mirror.password}".encode()).decode()
    data["auths"][proxy_host] = {"auth": token}
    path = tmp_path / "auth.json"
    path.write_text(json.dumps(data))
    return str(path)


def make_proxy(lab, decide):
    pki = os.path.dirname(lab.ca_file)
    cert, key = os.path.join(pki, "serving.crt"), os.path.join(pki, "serving.key")
    if not (os.path.exists(cert) and os.path.exists(key)):
        pytest.skip(f"the lab's serving certificate is not at {pki}")
    return FaultProxy(lab.registry("mirror").host, lab.ca_file, cert, key, decide)


def repo_layers(lab, repository):
    path = os.path.join(
        lab.registry("mirror").data_dir, "docker", "registry", "v2", "repositories", repository, "_layers", "sha256"
    )
    return os.listdir(path) if os.path.isdir(path) else []


def test_killed_run_resumes(lab, tmp_path):
    ocp = lab.release["ocp"]

    def slow(method, path):
        if method in ("PUT", "POST"):
            time.sleep(0.25)
        return None

    proxy = make_proxy(lab, slow)
    try:
        auth_file = proxy_auth_file(lab, tmp_path, proxy.host)
        to = f"{proxy.host}/{NAMESPACE}/killed"
        task_args = {
            "from_release": ocp["pullspec"],
            "to": to,
            "parallelism": 2,
            "ca_file": lab.ca_file,
            "auth_file": auth_file,
        }
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": [{"okd.machine_os.release_mirror": task_args}]}]
        playbook = tmp_path / "play.yml"
        playbook.write_text(yaml.safe_dump(play))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=config.collections_dir(REPO))
        with subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ) as proc:
            try:
                wait_for(
                    lambda: len(repo_layers(lab, f"{NAMESPACE}/killed")) >= 5,
                    timeout=120,
                    what="some blobs at the destination",
                )
            finally:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        moved_before = len(repo_layers(lab, f"{NAMESPACE}/killed"))
        assert not release_tag_present(lab, f"{to}:{ocp['version']}-x86_64", auth_file)
        proxy.decide = lambda method, path: None
        resumed = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=to, auth_file=auth_file))
        assert not resumed.get("failed"), resumed.get("msg")
        assert resumed["changed"] is True
        # what the killed run stored is not moved again: the resumed plan's missing blobs and the
        # blobs already there together are at most the release's unique blobs
        everything = run_module(
            lab,
            "release_mirror",
            args(lab, from_release=ocp["pullspec"], to=mirror_repo(lab, "killed-fresh")),
            check=True,
        )
        assert resumed["plan"]["blobs_missing"] + moved_before <= everything["plan"]["blobs_total"]
        assert release_tag_present(lab, resumed, auth_file)
        verify_destination(lab, resumed, auth_file)
    finally:
        proxy.close()


def test_faults_are_retried(lab, tmp_path):
    ocp = lab.release["ocp"]
    counter = {"n": 0}
    lock = threading.Lock()

    def faults(method, path):
        with lock:
            counter["n"] += 1
            n = counter["n"]
        if path == "/v2/" or n < 4:
            return None
        if n % 9 == 0:
            return ("status", 503, {"Retry-After": "0"})
        if n % 13 == 0:
            return ("status", 429, {"Retry-After": "0"})
        if n % 17 == 0:
            return ("reset",)
        return None

    proxy = make_proxy(lab, faults)
    try:
        auth_file = proxy_auth_file(lab, tmp_path, proxy.host)
        to = f"{proxy.host}/{NAMESPACE}/faults"
        result = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=to, auth_file=auth_file))
        assert not result.get("failed"), result.get("msg")
        injected = [r for r in proxy.requests if r[2] != "relayed"]
        assert len(injected) >= 3
        proxy.decide = lambda method, path: None
        verify_destination(lab, result, auth_file)
    finally:
        proxy.close()


def test_named_errors(lab, tmp_path):
    ocp = lab.release["ocp"]
    mirror = lab.registry("mirror")
    with open(lab.auth_file, encoding="utf-8") as handle:
        data = json.load(handle)
    data["auths"][mirror.host] = {"auth": base64.b64encode(f"{mirror.username}:wrong-password".encode()).decode()}
    bad_auth = tmp_path / "bad-auth.json"
    bad_auth.write_text(json.dumps(data))

    wrong = run_module(
        lab,
        "release_mirror",
        args(lab, from_release=ocp["pullspec"], to=mirror_repo(lab, "err"), auth_file=str(bad_auth)),
    )
    assert wrong["failed"] and wrong["error"] == "AuthenticationError"
    assert f"authentication failed for {mirror.host}" in wrong["msg"] and "wrong-password" not in json.dumps(wrong)

    unknown = run_module(
        lab,
        "release_mirror",
        args(lab, from_release=ocp["tag_pullspec"].rsplit(":", 1)[0] + ":9.9.9-nope", to=mirror_repo(lab, "err")),
    )
    assert unknown["failed"] and unknown["error"] == "ManifestUnknownError"
    assert "9.9.9-nope" in unknown["msg"] and "not found" in unknown["msg"]

    unreachable = run_module(
        lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=f"127.0.0.1:1/{NAMESPACE}/err")
    )
    assert unreachable["failed"] and unreachable["error"] == "RegistryUnreachableError"
    assert "127.0.0.1:1" in unreachable["msg"] and "unreachable" in unreachable["msg"]

    bad_to = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=f"{mirror.host}/a:tag"))
    assert bad_to["failed"] and "must be a repository without tag or digest" in bad_to["msg"]


def test_mirror_config_accepted_by_the_apiserver(lab, kube):
    ocp = lab.release["ocp"]
    result = run_module(
        lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=mirror_repo(lab, "apiserver")), check=True
    )
    assert not result.get("failed"), result.get("msg")
    api = k8s.CustomObjectsApi(kube)
    for key, (group, version, plural) in {
        "idms": ("config.openshift.io", "v1", "imagedigestmirrorsets"),
        "itms": ("config.openshift.io", "v1", "imagetagmirrorsets"),
        "icsp": ("operator.openshift.io", "v1alpha1", "imagecontentsourcepolicies"),
    }.items():
        created = api.create_cluster_custom_object(group, version, plural, result[key], dry_run="All")
        assert created["metadata"]["name"] == result[key]["metadata"]["name"]
        assert created["spec"] == result[key]["spec"]


def test_no_credentials_in_output(lab):
    ocp = lab.release["ocp"]
    result, stdout = run_module(
        lab,
        "release_mirror",
        args(lab, from_release=ocp["pullspec"], to=mirror_repo(lab, "secret")),
        check=True,
        verbosity=3,
        with_stdout=True,
    )
    assert not result.get("failed"), result.get("msg")
    for registry in lab.registries.values():
        assert registry.password not in stdout
        assert base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode() not in stdout


def test_sigstore_signature_is_copied(lab):
    """A release with a ``sha256-<hex>.sig`` tag beside it: the signature is mirrored too.

    The release is first copied inside the upstream registry (same registry: every blob
    mounted, none sent), then signed there with a cosign-shaped artifact.
    """
    ocp = lab.release["ocp"]
    upstream = lab.registry("upstream").host
    signed_repo = f"{upstream}/{NAMESPACE}/signed-release"
    copy = run_module(lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=signed_repo))
    assert not copy.get("failed"), copy.get("msg")
    assert copy["copied"]["bytes"] == 0 and copy["copied"]["mounted"] == copy["plan"]["mounts"] > 0
    payload = json.dumps(
        {"critical": {"image": {"docker-manifest-digest": ocp["digest"]}, "type": "cosign container image signature"}}
    ).encode()
    config_blob = b"{}"
    with client_for(lab) as registry:
        layer = registry.upload_blob(signed_repo, payload)
        conf = registry.upload_blob(signed_repo, config_blob)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": conf.digest,
                    "size": len(config_blob),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                        "digest": layer.digest,
                        "size": len(payload),
                        "annotations": {"dev.cosignproject.cosign/signature": "MEUCIQ=="},
                    }
                ],
            }
        ).encode()
        sig_tag = "sha256-" + ocp["digest"].split(":")[1] + ".sig"
        sig_digest = registry.put_manifest(
            f"{signed_repo}:{sig_tag}", manifest, "application/vnd.oci.image.manifest.v1+json"
        )
    to = mirror_repo(lab, "signed")
    result = run_module(lab, "release_mirror", args(lab, from_release=f"{signed_repo}@{ocp['digest']}", to=to))
    assert not result.get("failed"), result.get("msg")
    assert result["release"]["signature"] == f"{to}:{sig_tag}"
    assert result["plan"]["images_total"] == len(ocp["images"]) + 2
    with client_for(lab) as registry:
        assert registry.head_manifest(f"{to}:{sig_tag}").digest == sig_digest


def ensure_namespace(kube, name):
    core = k8s.CoreV1Api(kube)
    try:
        core.read_namespace(name)
    except k8s.ApiException as exc:
        if exc.status != 404:
            raise
        core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def delete_quietly(function, *args):
    try:
        function(*args)
    except k8s.ApiException as exc:
        if exc.status != 404:
            raise


@pytest.fixture
def applied_objects(lab, kube):
    """Names of the objects apply writes, absent before the test and deleted after it (other
    tests dry-run create the same IDMS name)."""
    ocp = lab.release["ocp"]
    api, core = k8s.CustomObjectsApi(kube), k8s.CoreV1Api(kube)
    ensure_namespace(kube, "openshift-config-managed")
    hexdigest = ocp["digest"].split(":")[1]
    name = "release-" + ocp["version"].lower()

    def clean():
        delete_quietly(api.delete_cluster_custom_object, "config.openshift.io", "v1", "imagedigestmirrorsets", name)
        delete_quietly(api.delete_cluster_custom_object, "config.openshift.io", "v1", "imagetagmirrorsets", name)
        delete_quietly(core.delete_namespaced_config_map, f"sha256-{hexdigest}", "openshift-config-managed")

    clean()
    yield name, hexdigest
    clean()


def test_apply_mirror_sets_and_signature_configmap(lab, kube, tmp_path, applied_objects):
    """apply: the IDMS, the ITMS and the release signature ConfigMap end up on the API server
    as the module returned them; a re-run changes nothing; check mode is a server dry run."""
    ocp = lab.release["ocp"]
    api, core = k8s.CustomObjectsApi(kube), k8s.CoreV1Api(kube)
    name, hexdigest = applied_objects
    signatures = [b"\x89\x02\x1c\x04\x00\x01\x08\x00 dummy atomic container signature 1 \x00\xff", os.urandom(600)]
    files = []
    for index, data in enumerate(signatures, start=1):
        path = tmp_path / f"signature-{index}"
        path.write_bytes(data)
        files.append(str(path))
    to = mirror_repo(lab, "apply")
    task = args(
        lab,
        from_release=ocp["pullspec"],
        to=to,
        apply=True,
        apply_kinds=["idms", "itms"],
        signature_files=files,
        output_dir=str(tmp_path / "out"),
    )

    first = run_module(lab, "release_mirror", task)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] is True
    assert first["applied"] == [
        {"kind": "ImageDigestMirrorSet", "name": name, "action": "created"},
        {"kind": "ImageTagMirrorSet", "name": name, "action": "created"},
        {"kind": "ConfigMap", "name": f"sha256-{hexdigest}", "action": "created"},
    ]
    idms = api.get_cluster_custom_object("config.openshift.io", "v1", "imagedigestmirrorsets", name)
    assert idms["spec"] == first["idms"]["spec"]
    assert {"source": ocp["pullspec"].split("@")[0], "mirrors": [to]} in idms["spec"]["imageDigestMirrors"]
    itms = api.get_cluster_custom_object("config.openshift.io", "v1", "imagetagmirrorsets", name)
    assert itms["spec"] == first["itms"]["spec"]

    configmap = core.read_namespaced_config_map(f"sha256-{hexdigest}", "openshift-config-managed")
    assert configmap.metadata.labels == {"release.openshift.io/verification-signatures": ""}
    assert sorted(configmap.binary_data) == [f"sha256-{hexdigest}-1", f"sha256-{hexdigest}-2"]
    for index, data in enumerate(signatures, start=1):
        assert base64.b64decode(configmap.binary_data[f"sha256-{hexdigest}-{index}"]) == data
    assert first["signature_configmap"]["metadata"] == {
        "name": f"sha256-{hexdigest}",
        "namespace": "openshift-config-managed",
        "labels": {"release.openshift.io/verification-signatures": ""},
    }
    written = yaml.safe_load((tmp_path / "out" / "signature-configmap.yaml").read_text())
    assert written == first["signature_configmap"]
    assert str(tmp_path / "out" / "signature-configmap.yaml") in first["files"]

    again = run_module(lab, "release_mirror", task)
    assert not again.get("failed"), again.get("msg")
    assert again["changed"] is False
    assert [a["action"] for a in again["applied"]] == ["unchanged"] * 3

    # check mode with another destination: the IDMS would be updated - a dry run, not stored
    other = mirror_repo(lab, "apply-other")
    dry = run_module(
        lab,
        "release_mirror",
        dict(task, to=other, apply_kinds=["idms"], signature_files=files[:1], output_dir=None),
        check=True,
    )
    assert not dry.get("failed"), dry.get("msg")
    assert dry["changed"] is True
    assert [a["action"] for a in dry["applied"]] == ["updated", "updated"]
    assert (
        api.get_cluster_custom_object("config.openshift.io", "v1", "imagedigestmirrorsets", name)["spec"]
        == first["idms"]["spec"]
    )
    stored = core.read_namespaced_config_map(f"sha256-{hexdigest}", "openshift-config-managed")
    assert sorted(stored.binary_data) == [f"sha256-{hexdigest}-1", f"sha256-{hexdigest}-2"]


READ_ONLY_PORT = 17390
FULL_PORT = 17391


@contextlib.contextmanager
def plain_registry(tmp_path, port, storage, wrap=()):
    """A plain-HTTP docker-registry on 127.0.0.1:``port`` with ``storage`` (its config's storage
    section; ``rootdirectory`` under tmp_path) started through the ``wrap`` command prefix."""
    data = tmp_path / f"registry-{port}"
    data.mkdir()
    conf = tmp_path / f"registry-{port}.yml"
    conf.write_text(
        yaml.safe_dump(
            {
                "version": 0.1,
                "log": {"level": "error"},
                "storage": dict({"filesystem": {"rootdirectory": str(data)}}, **storage),
                "http": {"addr": f"127.0.0.1:{port}"},
            }
        )
    )
    log = tmp_path / f"registry-{port}.log"  # a file, not a pipe: a full pipe would block the registry
    with (
        open(log, "wb") as log_handle,
        subprocess.Popen(
            [*list(wrap), "docker-registry", "serve", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=log_handle,
            env=dict(os.environ, OKD_REGISTRY_DATA=str(data)),
        ) as proc,
    ):
        try:
            host = f"127.0.0.1:{port}"
            with RegistryClient(insecure_registries=[host]) as probe:

                def up():
                    if proc.poll() is not None:
                        raise AssertionError(f"docker-registry on {host} exited: {log.read_text()[-2000:]}")
                    try:
                        return probe.ping(host)
                    except Exception:
                        return False

                wait_for(up, timeout=20, what=f"the registry on {host}")
            yield host
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture
def read_only_registry(tmp_path):
    """A registry in read-only maintenance mode."""
    with plain_registry(tmp_path, READ_ONLY_PORT, {"maintenance": {"readonly": {"enabled": True}}}) as host:
        yield host


@pytest.fixture
def full_registry(tmp_path, lab):
    """A registry whose storage is a tmpfs with room for about half of the lab release's bytes:
    mounted in a private mount namespace (unshare), so nothing outside the test sees it."""
    ocp = lab.release["ocp"]
    plan = run_module(
        lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=mirror_repo(lab, "sizing")), check=True
    )["plan"]
    size = max(plan["bytes_missing"] // 2, 256 * 1024)
    script = 'mount -t tmpfs -o size="$1" okd-test-full "$OKD_REGISTRY_DATA" && shift && exec "$@"'
    wrap = (
        ["unshare", "--mount", "--propagation", "private"]
        + (["--map-root-user"] if os.geteuid() else [])
        + ["sh", "-c", script, "sh", str(size)]
    )
    with plain_registry(tmp_path, FULL_PORT, {}, wrap=wrap) as host:
        yield host, size


def test_read_only_destination_is_a_named_error_without_release_tag(lab, read_only_registry):
    ocp = lab.release["ocp"]
    to = f"{read_only_registry}/{NAMESPACE}/read-only"
    result = run_module(
        lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=to, insecure_registries=[read_only_registry])
    )
    assert result.get("failed") is True
    assert result["error"] == "DestinationReadOnlyError"
    assert f"the destination registry {read_only_registry} refused writes" in result["msg"]
    assert "read-only" in result["msg"] and result["registry"] == read_only_registry
    with RegistryClient(insecure_registries=[read_only_registry]) as registry:
        assert registry.head_manifest(f"{to}:{ocp['version']}-x86_64") is None


def test_full_destination_is_a_named_error_without_release_tag(lab, full_registry):
    host, size = full_registry
    ocp = lab.release["ocp"]
    to = f"{host}/{NAMESPACE}/full"
    result = run_module(
        lab, "release_mirror", args(lab, from_release=ocp["pullspec"], to=to, insecure_registries=[host])
    )
    assert result.get("failed") is True, f"mirrored {result.get('plan')} into {size} bytes"
    assert result["error"] == "DestinationFullError", result["msg"]
    assert f"the destination registry {host} refused writes" in result["msg"]
    assert "out of storage space" in result["msg"] and result["registry"] == host
    with RegistryClient(insecure_registries=[host]) as registry:
        assert registry.head_manifest(f"{to}:{ocp['version']}-x86_64") is None
