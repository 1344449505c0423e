"""image_set_mirror against the lab: its update graph, its signature store, its two registries.

The lab (okdlab/releases.py) has 4.19.0 .. 4.20.2 over stable-4.19, stable-4.20 (one
conditional edge 4.19.1 -> 4.20.0) and fast-4.20; every release is signed by the lab key
but 4.20.1 (no signature) and 4.20.2 (signed by another key). Every test mirrors into its
own destination namespace; destinations are checked with the collection's registry client.
"""

import base64
import json
import os
import socket
import time

import pytest
import yaml

from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import NotFoundError

from ...conftest import run_module, run_play

pytestmark = pytest.mark.lab
NAMESPACE = f"itest-imageset-{int(time.time())}"
API = {"apiVersion": "mirror.openshift.io/v2alpha1", "kind": "ImageSetConfiguration"}


@pytest.fixture(scope="module")
def updates(lab):
    if not lab.updates:
        pytest.skip("this lab has no update service: `tests/lab/labctl down && tests/lab/labctl up`")
    return lab.updates


def image_set(*channels, **mirror):
    platform = {"channels": list(channels)} if channels else {}
    return dict(API, mirror=dict({"platform": platform} if platform else {}, **mirror))


def to(lab, name):
    return f"{lab.registry('mirror').host}/{NAMESPACE}/{name}"


def args(lab, updates, name, document, **kwargs):
    return dict(
        {
            "image_set": document,
            "to": to(lab, name),
            "graph_url": updates["graph_url"],
            "signature_store_url": updates["signature_store"],
            "signature_public_key": updates["public_key"],
            "ca_file": lab.ca_file,
            "auth_file": lab.auth_file,
        },
        **kwargs,
    )


def client(lab):
    return RegistryClient.from_params({"auth_file": lab.auth_file, "ca_file": lab.ca_file})


def tags(lab, repository):
    """The tags of ``repository`` at the mirror, [] when it does not exist."""
    with client(lab) as registry:
        try:
            return sorted(registry.list_tags(repository))
        except NotFoundError:
            return []


def verify_mapping(lab, result):
    """Every mapped destination holds its source digest, and every blob of it is there."""
    with client(lab) as registry:
        for line in result["mapping"]:
            source, destination = line.split("=")
            manifest = registry.get_manifest(destination)
            assert manifest.digest == source.split("@")[1], line
            if not manifest.is_index:
                for blob in manifest.blobs():
                    assert registry.blob_exists(destination, blob.digest) is not None, (line, blob.digest)


def test_channel_range_is_mirrored_with_paths_risks_and_signature_configmaps(lab, updates, tmp_path):
    channel = {"name": "stable-4.20", "minVersion": "4.19.1", "maxVersion": "4.20.0"}
    output_dir = tmp_path / "out"
    params = args(lab, updates, "range", image_set(channel), output_dir=str(output_dir))
    result = run_module(lab, "image_set_mirror", params)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True

    (selected,) = result["channels"]
    assert selected["versions"] == ["4.19.1", "4.19.2", "4.20.0"]
    assert selected["upgrade_path"] == ["4.19.1", "4.19.2", "4.20.0"]  # unconditional edges preferred
    assert [step["conditional"] for step in selected["upgrade_steps"]] == [False, False]
    (edge,) = selected["conditional_edges"]
    assert (edge["from"], edge["to"]) == ("4.19.1", "4.20.0")
    assert edge["risks"][0]["name"] == "LabEtcdDefrag" and edge["risks"][0]["url"].startswith("https://")
    assert edge["risks"][0]["matchingRules"][0]["type"] == "PromQL"

    releases = {r["version"]: r for r in result["releases"]}
    assert sorted(releases) == ["4.19.1", "4.19.2", "4.20.0"]
    for version, release in releases.items():
        assert release["digest"] == updates["releases"][version]["digest"]
        assert release["signature"]["status"] == "verified", release["signature"]
        assert release["destination_tag"] == f"{to(lab, 'range')}/openshift/release-images:{version}-x86_64"
    assert tags(lab, f"{to(lab, 'range')}/openshift/release-images") == [
        "4.19.1-x86_64",
        "4.19.2-x86_64",
        "4.20.0-x86_64",
    ]
    assert result["copied"]["blobs"] == result["plan"]["blobs_missing"] > 0
    verify_mapping(lab, result)

    # IDMS: release repository -> release-images, component repository -> release
    mirrors = {e["source"]: e["mirrors"] for e in result["idms"]["spec"]["imageDigestMirrors"]}
    upstream = lab.registry("upstream").host
    assert mirrors[f"{upstream}/openshift-release-dev/ocp-release"] == [f"{to(lab, 'range')}/openshift/release-images"]
    assert mirrors[f"{upstream}/openshift-release-dev/ocp-v4.0-art-dev"] == [f"{to(lab, 'range')}/openshift/release"]

    # signature ConfigMaps as the CVO reads them, holding the store's bytes
    configmaps = {c["metadata"]["name"]: c for c in result["signature_configmaps"]}
    assert len(configmaps) == 3
    for version in releases:
        hexdigest = updates["releases"][version]["digest"].split(":")[1]
        configmap = configmaps[f"sha256-{hexdigest}"]
        assert configmap["metadata"]["namespace"] == "openshift-config-managed"
        assert configmap["metadata"]["labels"] == {"release.openshift.io/verification-signatures": ""}
        assert list(configmap["binaryData"]) == [f"sha256-{hexdigest}-1"]
        stored = os.path.join(updates["root"], "signatures", f"sha256={hexdigest}", "signature-1")
        with open(stored, "rb") as handle:
            assert base64.b64decode(configmap["binaryData"][f"sha256-{hexdigest}-1"]) == handle.read()
    written = sorted(os.listdir(output_dir))
    assert written == ["idms.yaml", "itms.yaml", "mapping.txt", "signature-configmaps.yaml"]
    documents = list(yaml.safe_load_all((output_dir / "signature-configmaps.yaml").read_text()))
    assert [d["metadata"]["name"] for d in documents] == [c["metadata"]["name"] for c in result["signature_configmaps"]]

    again = run_module(lab, "image_set_mirror", params)
    assert not again.get("failed"), again.get("msg")
    assert again["changed"] is False
    assert again["copied"] == {"blobs": 0, "bytes": 0, "mounted": 0, "manifests": 0}
    assert again["plan"]["images_missing"] == 0


def test_check_mode_plans_from_a_file_with_signatures_from_a_directory_and_writes_nothing(lab, updates, tmp_path):
    isc = tmp_path / "isc.yaml"
    channel = {"name": "stable-4.19", "minVersion": "4.19.0", "maxVersion": "4.19.2", "shortestPath": True}
    document = image_set(channel)
    upstream = lab.registry("upstream").host
    document["mirror"]["platform"]["release"] = f"{upstream}/openshift-release-dev/ocp-release:4.19.1"
    isc.write_text(yaml.safe_dump(document), encoding="utf-8")
    params = args(lab, updates, "check", None, output_dir=str(tmp_path / "out"))
    del params["image_set"], params["signature_store_url"]
    params["image_set_file"] = str(isc)
    params["signature_dir"] = os.path.join(updates["root"], "signatures")  # the store layout, on disk
    result = run_module(lab, "image_set_mirror", params, check=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert result["channels"][0]["versions"] == ["4.19.0", "4.19.2"]  # the direct edge skips 4.19.1
    assert result["channels"][0]["upgrade_path"] == ["4.19.0", "4.19.2"]
    releases = {r["version"]: r for r in result["releases"]}
    assert sorted(releases) == ["4.19.0", "4.19.1", "4.19.2"]  # platform.release adds 4.19.1
    assert releases["4.19.1"]["channels"] == [] and releases["4.19.0"]["channels"] == ["stable-4.19"]
    assert all(r["signature"]["status"] == "verified" for r in releases.values())
    assert releases["4.19.0"]["signature"]["location"].startswith(params["signature_dir"])
    assert result["plan"]["images_missing"] == result["plan"]["images_total"] > 0
    assert result["plan"]["bytes_missing"] > 0
    assert result["copied"]["blobs"] == 0 and result["files"] == []
    assert not (tmp_path / "out").exists()
    assert tags(lab, f"{to(lab, 'check')}/openshift/release-images") == []
    assert tags(lab, f"{to(lab, 'check')}/openshift/release") == []


@pytest.mark.parametrize(
    ("version", "status", "reason"),
    [("4.20.1", "missing", "no signature found"), ("4.20.2", "invalid", "OpenPGP verification failed")],
)
def test_unsigned_or_badly_signed_release_is_refused_and_nothing_is_mirrored(lab, updates, version, status, reason):
    name = f"refused-{status}"
    channel = {"name": "fast-4.20", "minVersion": "4.20.0", "maxVersion": version}
    result = run_module(lab, "image_set_mirror", args(lab, updates, name, image_set(channel)))
    assert result.get("failed") and result["error"] == "UnverifiedReleaseError", result
    assert f"{version} (" in result["msg"] and "Nothing was mirrored" in result["msg"]
    verdicts = {r["version"]: r["signature"] for r in result["releases"]}
    assert verdicts["4.20.0"]["status"] == "verified"
    assert verdicts[version]["status"] == status and reason in verdicts[version]["reason"]
    # not even the verified 4.20.0 was mirrored
    assert tags(lab, f"{to(lab, name)}/openshift/release-images") == []
    assert tags(lab, f"{to(lab, name)}/openshift/release") == []


def test_skip_signature_verification_plans_the_unsigned_release(lab, updates):
    channel = {"name": "fast-4.20", "minVersion": "4.20.1", "maxVersion": "4.20.1"}
    params = args(lab, updates, "skip", image_set(channel), skip_signature_verification=True)
    del params["signature_public_key"]
    result = run_module(lab, "image_set_mirror", params, check=True)
    assert not result.get("failed"), result.get("msg")
    assert result["releases"][0]["signature"]["status"] == "skipped"
    assert result["signature_configmaps"] == []


def test_additional_and_blocked_images_multi_arch_kept_whole(lab, updates):
    upstream = lab.registry("upstream").host
    ocp = lab.release["ocp"]
    os_image, cli_image = ocp["os_image"], ocp["images"]["cli"]
    multi = updates["multi_arch_image"]
    document = image_set(
        additionalImages=[
            {
                "name": f"{upstream}/openshift-release-dev/ocp-release:4.19.0",
                "targetRepo": "extra/release",
                "targetTag": "v1",
            },
            {"name": os_image},
            {"name": cli_image},
            {"name": multi},
        ],
        blockedImages=[{"name": cli_image.split("@sha256:")[1][:20]}],
    )
    result = run_module(lab, "image_set_mirror", args(lab, updates, "extra", document))
    assert not result.get("failed"), result.get("msg")
    assert result["releases"] == [] and result["channels"] == []
    assert [b["image"] for b in result["blocked"]] == [cli_image]
    destinations = {a["name"]: a["destination"] for a in result["additional_images"]}
    release_source = f"{upstream}/openshift-release-dev/ocp-release:4.19.0"
    assert destinations[release_source] == f"{to(lab, 'extra')}/extra/release:v1"
    os_hex = os_image.split("@sha256:")[1]
    assert destinations[os_image] == f"{to(lab, 'extra')}/openshift-release-dev/ocp-v4.0-art-dev:sha256-{os_hex}"
    assert cli_image not in destinations
    assert destinations[multi] == f"{to(lab, 'extra')}/okdlab-test/multi-tool:v1"
    verify_mapping(lab, result)
    assert tags(lab, f"{to(lab, 'extra')}/openshift-release-dev/ocp-v4.0-art-dev") == [f"sha256-{os_hex}"]
    # the manifest list is mirrored whole: same list digest, both architectures there by digest
    with client(lab) as registry:
        source = registry.get_manifest(multi)
        mirrored = registry.get_manifest(destinations[multi])
        assert source.is_index and mirrored.digest == source.digest
        assert len(mirrored.manifests) == 2
        for child in mirrored.manifests:
            image = registry.get_manifest(f"{to(lab, 'extra')}/okdlab-test/multi-tool@{child.digest}")
            for blob in image.blobs():
                assert registry.blob_exists(destinations[multi], blob.digest) is not None


def bad_input_cases(lab, updates, closed_port):
    """name -> module arguments of every bad-input case (each must fail before mirroring anything)."""
    operators = image_set({"name": "stable-4.19"})
    operators["mirror"]["operators"] = [{"catalog": "registry.redhat.io/redhat/redhat-operator-index:v4.19"}]
    cases = {
        "unknown_key": image_set({"name": "stable-4.19", "minVersio": "4.19.0"}),
        "api_version": dict(image_set({"name": "stable-4.19"}), apiVersion="mirror.openshift.io/v1alpha2"),
        "operators": operators,
        "channel_not_in_graph": image_set({"name": "stable-4.99"}),
        "version_not_in_channel": image_set({"name": "stable-4.19", "maxVersion": "4.19.9"}),
        "min_above_max": image_set({"name": "stable-4.19", "minVersion": "4.19.2", "maxVersion": "4.19.0"}),
        "graph_down": image_set({"name": "stable-4.19"}),
    }
    out = {name: args(lab, updates, "bad", document) for name, document in cases.items()}
    out["graph_down"]["graph_url"] = f"https://127.0.0.1:{closed_port}/graph"
    return out


@pytest.fixture(scope="module")
def failures(lab, updates):
    """Every bad-input case in one playbook run (ansible-playbook's start-up dominates these)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    cases = bad_input_cases(lab, updates, closed_port)
    tasks = [
        {"name": name, "okd.machine_os.image_set_mirror": params, "ignore_errors": True}
        for name, params in cases.items()
    ]
    proc = run_play(lab, [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}], "image-set-bad-input")
    data = json.loads(proc.stdout[proc.stdout.find("{") :])
    results = {task["task"]["name"]: task["hosts"]["localhost"] for task in data["plays"][0]["tasks"]}
    results["closed_port"] = closed_port
    return results


def failure(failures, name):
    result = failures[name]
    assert result.get("failed"), result
    assert "Traceback" not in result.get("module_stderr", ""), result
    return result


def test_unknown_key_is_named(failures):
    result = failure(failures, "unknown_key")
    assert result["error"] == "ImageSetConfigError"
    assert result["key"] == "mirror.platform.channels[0].minVersio" and "unknown key" in result["msg"]


def test_unknown_api_version_and_operators(failures):
    assert failure(failures, "api_version")["key"] == "apiVersion"
    result = failure(failures, "operators")
    assert result["error"] == "NotSupportedError" and result["key"] == "mirror.operators"
    assert "not supported yet" in result["msg"]


def test_channel_not_in_graph(failures):
    result = failure(failures, "channel_not_in_graph")
    assert result["error"] == "ChannelError" and result["channel"] == "stable-4.99"
    assert "has no releases for amd64" in result["msg"]


def test_version_not_in_channel(failures):
    result = failure(failures, "version_not_in_channel")
    assert result["error"] == "ChannelError"
    assert "maxVersion 4.19.9 is not in channel stable-4.19" in result["msg"]
    assert "4.19.0, 4.19.1, 4.19.2" in result["msg"]


def test_min_version_above_max_version(failures):
    result = failure(failures, "min_above_max")
    assert result["error"] == "ImageSetConfigError" and result["key"] == "mirror.platform.channels[0].minVersion"
    assert "4.19.2 is above maxVersion 4.19.0" in result["msg"]


def test_graph_endpoint_down(failures):
    result = failure(failures, "graph_down")
    assert result["error"] == "GraphError" and "cannot be reached" in result["msg"]
    assert result["graph_url"] == f"https://127.0.0.1:{failures['closed_port']}/graph"


def test_nothing_was_mirrored_by_bad_input(lab, failures):
    assert failures  # the cases ran
    assert tags(lab, f"{to(lab, 'bad')}/openshift/release-images") == []
    assert tags(lab, f"{to(lab, 'bad')}/openshift/release") == []
