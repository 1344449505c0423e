"""release_new against the lab's registries (TLS from the lab CA, htpasswd auth).

Expected values come from the lab's writer (okdlab.payload) and its own OCI client, and
from release_info reading what release_new pushed.
"""

import gzip
import io
import json
import tarfile
import uuid

import pytest

from okdlab import oci

from ...conftest import run_module

pytestmark = pytest.mark.lab


def lab_client(lab, name="mirror"):
    registry = lab.registry(name)
    return oci.RegistryClient(registry.host, auth=(registry.username, registry.password), ca_file=lab.ca_file)


def read_image(lab, pullspec):
    """(manifest, config, {release-manifests file: bytes}, tar members) with the lab's client."""
    host, repo, ref = oci.parse_pullspec(pullspec)
    name = "mirror" if host == lab.registry("mirror").host else "upstream"
    client = lab_client(lab, name)
    manifest = json.loads(client.get_manifest(repo, ref)[0])
    config = json.loads(client.get_blob(repo, manifest["config"]["digest"]))
    blob = client.get_blob(repo, manifest["layers"][-1]["digest"])
    files, members = {}, {}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
        for member in tar:
            members[member.name] = member.mode
            if member.isreg():
                files[member.name.split("/", 1)[1]] = tar.extractfile(member).read()
    return manifest, config, files, members


@pytest.fixture(scope="module")
def ocp(lab):
    return lab.release["ocp"]


RUN = uuid.uuid4().hex[:8]  # a kept lab keeps what earlier runs pushed: fresh repositories per run


def mirror_repo(lab, repo):
    return f"{lab.registry('mirror').host}/{repo}-{RUN}"


def test_reproduces_the_input(lab, ocp):
    target = mirror_repo(lab, "itest-new/same")
    result = run_module(
        lab, "release_new", {"from_release": ocp["pullspec"], "to_image": target, "ca_file": lab.ca_file}
    )
    assert not result.get("failed"), result.get("msg")
    assert result["digest"] == ocp["digest"]
    assert result["reproduced"] is True
    assert result["pullspec"] == f"{target}@{ocp['digest']}"
    assert result["changed"] is True
    again = run_module(
        lab, "release_new", {"from_release": ocp["pullspec"], "to_image": target, "ca_file": lab.ca_file}
    )
    assert again["changed"] is False and again["digest"] == ocp["digest"]
    info = run_module(lab, "release_info", {"image": f"{target}:4.19.0", "ca_file": lab.ca_file})
    assert info["digest"] == ocp["digest"]


def test_replacement(lab, ocp):
    target = mirror_repo(lab, "itest-new/replaced")
    other = ocp["images"]["hyperkube"]
    result = run_module(
        lab,
        "release_new",
        {
            "from_release": ocp["pullspec"],
            "to_image": target,
            "replacements": {"cli": other},
            "name": "4.19.0-fix.1",
            "previous": ["4.18.2", "4.18.10"],
            "metadata": {"url": "https://x.example/fix"},
            "ca_file": lab.ca_file,
        },
    )
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["reproduced"] is False
    assert result["tag_pullspec"] == f"{target}:4.19.0-fix.1"
    manifest, config, files, members = read_image(lab, result["pullspec"])
    assert oci.sha256_digest(json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode()) == result["digest"]
    assert config["config"]["Labels"] == {
        "io.openshift.release": "4.19.0-fix.1",
        "io.openshift.release.base-image-digest": ocp["images"]["cluster-version-operator"].split("@")[1],
    }
    assert members["release-manifests"] == 0o777
    assert all(mode == 0o444 for name, mode in members.items() if name != "release-manifests")
    refs = json.loads(files["image-references"])
    assert refs == result["image_references"]
    assert refs["metadata"]["name"] == "4.19.0-fix.1"
    assert refs["metadata"]["annotations"]["release.openshift.io/from-release"] == ocp["pullspec"]
    cli = next(t for t in refs["spec"]["tags"] if t["name"] == "cli")
    assert cli["from"]["name"] == other
    # oc resets a replaced tag's annotations to the new image's build labels + the override mark
    hyperkube = next(
        t
        for t in json.loads(read_image(lab, ocp["pullspec"])[2]["image-references"])["spec"]["tags"]
        if t["name"] == "hyperkube"
    )
    assert cli["annotations"] == dict(
        sorted({**hyperkube["annotations"], "io.openshift.release.override": "true"}.items())
    )
    meta = json.loads(files["release-metadata"])
    assert meta == {
        "kind": "cincinnati-metadata-v0",
        "version": "4.19.0-fix.1",
        "previous": ["4.18.10", "4.18.2"],
        "metadata": {"url": "https://x.example/fix"},
    }
    _unused, _config, original, _members = read_image(lab, ocp["pullspec"])
    manifests = {n for n in original if n not in ("image-references", "release-metadata")}
    assert manifests == {n for n in files if n not in ("image-references", "release-metadata")}
    info = run_module(lab, "release_info", {"image": result["pullspec"], "ca_file": lab.ca_file})
    assert not info.get("failed"), info.get("msg")
    assert info["name"] == "4.19.0-fix.1"
    assert info["images"]["cli"] == other
    assert info["digest"] == result["digest"]


def test_check_mode_pushes_nothing(lab, ocp):
    target = mirror_repo(lab, "itest-new/check")
    result = run_module(
        lab,
        "release_new",
        {
            "from_release": ocp["pullspec"],
            "to_image": target,
            "exclude": ["must-gather"] if "must-gather" in ocp["images"] else [sorted(ocp["images"])[-1]],
            "name": "4.19.0-check.0",
            "ca_file": lab.ca_file,
        },
        check=True,
    )
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["digest"].startswith("sha256:")
    info = run_module(lab, "release_info", {"image": f"{target}:4.19.0-check.0", "ca_file": lab.ca_file})
    assert info.get("failed")


@pytest.mark.parametrize(
    "args, text",
    [
        ({"replacements": {"no-such-tag": "quay.io/x/y:1"}}, "no-such-tag"),
        ({"exclude": ["clii"]}, "clii"),
        ({"to_image_suffix": "@sha256:" + "0" * 64}, "must not have a digest"),
        ({"replacements": {"cli": "Not A Pullspec"}}, "Not A Pullspec"),
        ({"from_release": "bad//ref"}, "bad//ref"),
        ({"name": "4.19"}, "semantic version"),
    ],
)
def test_bad_input(lab, ocp, args, text):
    params = {"from_release": ocp["pullspec"], "to_image": mirror_repo(lab, "itest-new/bad"), "ca_file": lab.ca_file}
    suffix = args.pop("to_image_suffix", None)
    params.update(args)
    if suffix:
        params["to_image"] += suffix
    result = run_module(lab, "release_new", params)
    assert result.get("failed"), result
    assert text in result["msg"]
