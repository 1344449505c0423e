"""release_extract against the lab's registries: the files written are the release layer's
release-manifests/ as the lab's own client reads them, byte for byte."""

import os

import pytest

from ...conftest import run_module
from .test_release_info import failed, release_layer_files, write_mismatched_release, write_oci_layout

pytestmark = pytest.mark.lab
OC_EXTRACTS = (".yaml", ".yml", ".json")


def extract(lab, to, check=False, diff=False, **args):
    args.setdefault("image", lab.release["ocp"]["pullspec"])
    args.setdefault("ca_file", lab.ca_file)
    args["to"] = str(to)
    return run_module(
        lab,
        "release_extract",
        {k: v for k, v in args.items() if v is not None},
        check=check,
        extra_env={"ANSIBLE_DIFF_ALWAYS": "1"} if diff else None,
    )


def test_manifests_written_then_unchanged(lab, tmp_path):
    expected = lab.release["ocp"]
    files = release_layer_files(lab, expected["pullspec"])
    oc_set = {n for n in files if n in ("image-references", "release-metadata") or n.endswith(OC_EXTRACTS)}
    to = tmp_path / "release"

    planned = extract(lab, to, check=True)
    assert planned["changed"] is True
    assert set(planned["written"]) == oc_set
    assert not to.exists()  # check mode writes nothing

    first = extract(lab, to)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] is True
    assert first["name"] == expected["version"] and first["digest"] == expected["digest"]
    assert sorted(os.listdir(to)) == sorted(oc_set)
    for name in oc_set:
        assert (to / name).read_bytes() == files[name], name
        assert os.stat(to / name).st_mode & 0o777 == 0o644
    assert {f["name"]: f["state"] for f in first["files"]} == dict.fromkeys(oc_set, "create")

    second = extract(lab, to)
    assert second["changed"] is False
    assert second["written"] == [] and set(second["unchanged"]) == oc_set

    victim = sorted(n for n in oc_set if n.endswith(".yaml"))[0]
    (to / victim).write_bytes(b"edited\n")
    third = extract(lab, to, diff=True)
    assert third["changed"] is True
    assert third["written"] == [victim]
    assert (to / victim).read_bytes() == files[victim]
    assert victim in third["diff"]["after"]


def test_one_file_and_named_files(lab, tmp_path):
    files = release_layer_files(lab, lab.release["okd"]["pullspec"])
    result = extract(lab, tmp_path / "refs", image=lab.release["okd"]["tag_pullspec"], what="image-references")
    assert result["written"] == ["image-references"]
    assert os.listdir(tmp_path / "refs") == ["image-references"]
    assert (tmp_path / "refs" / "image-references").read_bytes() == files["image-references"]
    manifest = sorted(n for n in files if n.endswith(".yaml"))[-1]
    named = extract(lab, tmp_path / "named", image=lab.release["okd"]["pullspec"], files=[manifest, "release-metadata"])
    assert named["written"] == [manifest, "release-metadata"]
    assert (tmp_path / "named" / manifest).read_bytes() == files[manifest]


def test_from_an_oci_layout(lab, tmp_path):
    path = write_oci_layout(lab, str(tmp_path / "layout"), {"release": lab.release["ocp"]["pullspec"]})
    result = extract(lab, tmp_path / "out", image=None, from_dir=path, what="release-metadata")
    assert not result.get("failed"), result.get("msg")
    assert (tmp_path / "out" / "release-metadata").read_bytes() == release_layer_files(
        lab, lab.release["ocp"]["pullspec"]
    )["release-metadata"]


def test_missing_file_is_named_and_nothing_written(lab, tmp_path):
    to = tmp_path / "none"
    result = failed(extract(lab, to, files=["release-metadata", "0000_50_cluster-ingress-operator_02-deployment.yml"]))
    assert result["msg"].startswith(
        "0000_50_cluster-ingress-operator_02-deployment.yml is not in the "
        "release-manifests/ directory of " + lab.release["ocp"]["pullspec"]
    )
    assert "did you mean 0000_50_cluster-ingress-operator_02-deployment.yaml" in result["msg"]
    assert result["missing_files"] == ["0000_50_cluster-ingress-operator_02-deployment.yml"]
    assert not to.exists()


@pytest.mark.parametrize(
    "case, expected",
    [
        ("component", "is not a release payload"),
        ("mismatch", "differs from its release-metadata version"),
        ("malformed", "the image option is not a valid image reference"),
        ("untrusted", "is not trusted"),
    ],
)
def test_bad_input_writes_nothing(lab, tmp_path, case, expected):
    to = tmp_path / case
    args = {
        "component": {"image": lab.release["ocp"]["images"]["cli"]},
        "mismatch": {"image": write_mismatched_release(lab) if case == "mismatch" else None},
        "malformed": {"image": "not a reference"},
        "untrusted": {"ca_file": None},
    }[case]
    result = failed(extract(lab, to, **args))
    assert expected in result["msg"]
    assert not to.exists()
