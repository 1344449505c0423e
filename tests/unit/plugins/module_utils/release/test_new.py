# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""release_new's pure assembly: the release layer tar, the config, the image-references."""

import gzip
import hashlib
import io
import json
import tarfile

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.release import new
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import ReleaseError, UnknownTagError
from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import parse_image_references

CVO = "sha256:" + "c" * 64
OLD = "sha256:" + "a" * 64
NEW = "sha256:" + "b" * 64
MTIME = 1793491200
MANIFESTS = {"0000_50_a_00_ns.yaml": b"kind: Namespace\n", "0000_50_b_01.yaml": b"kind: ServiceAccount\n"}


def refs_doc(name="4.19.0"):
    return {
        "kind": "ImageStream",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": name, "creationTimestamp": "2026-11-01T00:00:00Z"},
        "spec": {
            "lookupPolicy": {"local": False},
            "tags": [
                {
                    "name": "cli",
                    "annotations": {"io.openshift.build.commit.id": "1" * 40},
                    "from": {"kind": "DockerImage", "name": f"r.example/c@{OLD}"},
                    "generation": None,
                    "importPolicy": {},
                    "referencePolicy": {"type": ""},
                },
                {
                    "name": "cluster-version-operator",
                    "annotations": {},
                    "from": {"kind": "DockerImage", "name": f"r.example/c@{CVO}"},
                    "generation": None,
                    "importPolicy": {},
                    "referencePolicy": {"type": ""},
                },
            ],
        },
        "status": {"dockerImageRepository": ""},
    }


def sorted_dump(doc):
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def assemble(**overrides):
    base_config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2026-01-01T00:00:00Z",
        "config": {"Labels": {"vendor": "x"}, "Env": ["A=1"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "x"}],
    }
    base_layers = [{"mediaType": new.DOCKER_LAYER, "size": 10, "digest": "sha256:" + "2" * 64}]
    template = dict(base_config)
    args = {
        "references_doc": refs_doc(),
        "metadata_doc": new.release_metadata_document("4.19.0", [], [], {}),
        "manifests": MANIFESTS,
        "created": "2026-11-01T00:00:00Z",
        "mtime": MTIME,
        "name": "4.19.0",
        "base_config": {"doc": base_config, "digest": CVO},
        "base_layers": base_layers,
        "config_template": (template, sorted_dump),
        "manifest_template": (
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 0, "digest": CVO},
                "layers": base_layers,
            },
            sorted_dump,
        ),
        "manifest_media_type": "application/vnd.docker.distribution.manifest.v2+json",
    }
    args.update(overrides)
    return new.assemble_release(**args)


def test_tar_is_deterministic_and_shaped_like_ocs():
    first, second = assemble(), assemble()
    assert first.tar == second.tar and first.layer_blob == second.layer_blob
    assert first.manifest_digest == second.manifest_digest
    assert first.layer_diff_id == "sha256:" + hashlib.sha256(first.tar).hexdigest()
    assert gzip.decompress(first.layer_blob) == first.tar
    with tarfile.open(fileobj=io.BytesIO(first.tar)) as archive:
        members = archive.getmembers()
        names = [m.name for m in members]
        assert names == [
            "release-manifests",
            "release-manifests/image-references",
            "release-manifests/release-metadata",
            "release-manifests/0000_50_a_00_ns.yaml",
            "release-manifests/0000_50_b_01.yaml",
        ]
        assert members[0].isdir() and members[0].mode == 0o777
        assert all(m.mode == 0o444 and m.mtime == MTIME and m.uid == 0 and m.uname == "" for m in members[1:])
        refs = archive.extractfile("release-manifests/image-references").read()
    assert refs == json.dumps(refs_doc(), indent=2).encode()
    # Go's archive/tar layout by default: no slash on the directory, no record padding
    assert first.tar[:18] == b"release-manifests\x00"
    assert len(first.tar) % tarfile.RECORDSIZE != 0


def test_python_layout_and_input_order():
    files = dict(MANIFESTS, **{"image-references": b"{}", "release-metadata": b"{}"})
    order = sorted(files)
    tar = new.build_tar(files, MTIME, order, record_padding=True, dir_slash=True)
    assert len(tar) % tarfile.RECORDSIZE == 0 and tar.startswith(b"release-manifests/\x00")
    assert new.tar_layout(tar) == (True, True)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        assert [m.name for m in archive.getmembers()][1:] == [f"release-manifests/{n}" for n in order]
    assert new.member_order(["b", "image-references", "a"], ["b", "image-references"]) == ["b", "image-references", "a"]
    assert new.member_order(["release-metadata", "image-references", "x"], ["image-references", "x"]) == [
        "image-references",
        "release-metadata",
        "x",
    ]


def test_go_headers_are_valid_tar():
    tar = new.build_tar({"image-references": b"{}"}, MTIME)
    assert new.tar_layout(tar) == (False, False)
    assert tar[329:345] == b"0000000\x000000000\x00"
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:  # checksums verify on read
        assert archive.extractfile("release-manifests/image-references").read() == b"{}"


def test_config_labels_history_and_rootfs():
    result = assemble()
    config = json.loads(result.config)
    assert config["config"]["Labels"] == {
        "io.openshift.release": "4.19.0",
        "io.openshift.release.base-image-digest": CVO,
    }
    assert config["config"]["Env"] == ["A=1"]
    assert config["history"] == [{"created": "2026-11-01T00:00:00Z", "comment": "Release image for OpenShift"}]
    assert config["created"] == "2026-11-01T00:00:00Z"
    assert config["rootfs"]["diff_ids"] == ["sha256:" + "1" * 64, result.layer_diff_id]
    manifest = json.loads(result.manifest)
    assert manifest["config"] == {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": len(result.config),
        "digest": result.config_digest,
    }
    assert [d["digest"] for d in manifest["layers"]] == ["sha256:" + "2" * 64, result.layer_digest]
    assert manifest["layers"][-1]["size"] == len(result.layer_blob)
    assert result.manifest_digest == "sha256:" + hashlib.sha256(result.manifest).hexdigest()


def test_reused_layer_when_the_tar_is_the_same():
    tar = assemble().tar
    other_gzip = gzip.compress(tar, compresslevel=1, mtime=0)
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    assert assemble(reuse_layer=(other_gzip, diff_id)).layer_blob == other_gzip
    assert assemble(reuse_layer=(other_gzip, "sha256:" + "0" * 64)).layer_blob != other_gzip


def test_image_references_replacement_and_exclusion():
    doc = new.image_references_document(
        refs_doc(),
        "4.19.0-fix.1",
        "2026-11-22T00:00:00Z",
        replacements={"cli": f"q.example/x@{NEW}"},
        replacement_labels={"cli": {"io.openshift.build.versions": "kubectl=1.32.5", "vendor": "me"}},
        from_release="r.example/release:4.19.0",
    )
    assert doc["metadata"] == {
        "name": "4.19.0-fix.1",
        "creationTimestamp": "2026-11-22T00:00:00Z",
        "annotations": {"release.openshift.io/from-release": "r.example/release:4.19.0"},
    }
    cli = doc["spec"]["tags"][0]
    assert cli["from"] == {"kind": "DockerImage", "name": f"q.example/x@{NEW}"}
    assert cli["annotations"] == {
        "io.openshift.build.versions": "kubectl=1.32.5",
        "io.openshift.release.override": "true",
    }
    assert parse_image_references(json.dumps(doc)).name == "4.19.0-fix.1"
    assert refs_doc()["spec"]["tags"][0]["from"]["name"].endswith(OLD)  # input untouched
    dropped = new.image_references_document(refs_doc(), "4.19.0", "t", exclude=["cli"])
    assert [t["name"] for t in dropped["spec"]["tags"]] == ["cluster-version-operator"]
    assert "annotations" not in dropped["metadata"]


def test_release_metadata_document():
    assert new.release_metadata_document("4.19.0", [], None, None) == {
        "kind": "cincinnati-metadata-v0",
        "version": "4.19.0",
        "previous": [],
    }
    assert list(new.release_metadata_document("4.19.1", ["4.19.0"], ["4.19.2"], {"url": "u"})) == [
        "kind",
        "version",
        "previous",
        "next",
        "metadata",
    ]


def test_json_style_detection():
    doc = {"b": 1, "a": [1, 2]}
    for raw in (
        json.dumps(doc, separators=(",", ":")).encode(),
        sorted_dump(doc),
        json.dumps(doc, indent=3).encode(),
        json.dumps(doc, indent=3).encode() + b"\n",
    ):
        assert new.json_style(raw)(json.loads(raw)) == raw


def test_input_checks():
    refs = parse_image_references(json.dumps(refs_doc()))
    with pytest.raises(UnknownTagError, match="clii"):
        new.check_tags(["clii"], refs, "replacements")
    new.check_tags(["cli"], refs, "exclude")
    with pytest.raises(ReleaseError, match="must not have a digest"):
        new.target_reference(f"r.example/x@{NEW}", "4.19.0")
    assert str(new.target_reference("r.example/x", "4.19.0")) == "r.example/x:4.19.0"
    assert str(new.target_reference("r.example/x:mine", "4.19.0")) == "r.example/x:mine"
    with pytest.raises(ReleaseError, match="semantic version"):
        new.check_version("4.19", "name")
    assert new.epoch("2026-11-01T00:00:00Z") == MTIME
