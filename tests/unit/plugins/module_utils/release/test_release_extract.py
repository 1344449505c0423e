# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""release_extract's file selection, plan and writes."""

import os

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import MissingFileError, ReleaseError
from ansible_collections.okd.machine_os.plugins.module_utils.release.extract import (
    apply_plan,
    diff_of,
    plan_extract,
    select_files,
    wanted,
)

NAMES = ["image-references", "release-metadata", "0000_50_a_00_ns.yaml", "0000_50_b_01.json", "notes.txt"]


def test_selection():
    assert select_files(NAMES) == NAMES[:4]  # what oc extract writes
    assert select_files(NAMES, "release-metadata") == ["release-metadata"]
    assert select_files(NAMES, files=["notes.txt", "image-references", "notes.txt"]) == [
        "notes.txt",
        "image-references",
    ]
    assert [n for n in NAMES if wanted()(n)] == NAMES[:4]
    assert [n for n in NAMES if wanted(files=["notes.txt"])(n)] == ["notes.txt"]
    assert [n for n in NAMES if wanted("image-references")(n)] == ["image-references"]


def test_missing_files_are_named_with_close_names():
    with pytest.raises(MissingFileError) as err:
        select_files(NAMES, files=["0000_50_a_00_ns.yml", "nothing-like-it"], image="quay.example/r:1")
    message = str(err.value)
    assert message.startswith(
        "0000_50_a_00_ns.yml, nothing-like-it are not in the release-manifests/ directory of quay.example/r:1"
    )
    assert "0000_50_a_00_ns.yml: did you mean 0000_50_a_00_ns.yaml" in message
    assert err.value.context["missing_files"] == ["0000_50_a_00_ns.yml", "nothing-like-it"]
    with pytest.raises(MissingFileError, match="^release-metadata is not in"):
        select_files(["image-references"], "release-metadata")


def test_plan_apply_idempotent(tmp_path):
    to = str(tmp_path / "out")
    contents = {"a.yaml": b"a: 1\n", "b.json": b"{}"}
    plans = plan_extract(to, contents, ["a.yaml", "b.json"])
    assert [p.state for p in plans] == ["create", "create"]
    assert not os.path.exists(to)  # planning writes nothing
    assert apply_plan(to, plans, contents) is True
    assert (tmp_path / "out" / "a.yaml").read_bytes() == b"a: 1\n"
    assert os.stat(tmp_path / "out" / "a.yaml").st_mode & 0o777 == 0o644
    assert [p.state for p in plan_extract(to, contents, ["a.yaml", "b.json"])] == ["unchanged", "unchanged"]

    os.chmod(tmp_path / "out" / "b.json", 0o600)
    contents["a.yaml"] = b"a: 2\n"
    plans = plan_extract(to, contents, ["a.yaml", "b.json"])
    assert [p.state for p in plans] == ["update", "update"]
    assert plans[0].before_sha256 != plans[0].sha256
    assert apply_plan(to, plans, contents) is False
    assert (tmp_path / "out" / "a.yaml").read_bytes() == b"a: 2\n"
    assert os.stat(tmp_path / "out" / "b.json").st_mode & 0o777 == 0o644
    assert sorted(os.listdir(to)) == ["a.yaml", "b.json"]  # no temp files left
    diff = diff_of(to, plans)
    assert "a.yaml " + plans[0].before_sha256 in diff["before"]
    assert "a.yaml " + plans[0].sha256 in diff["after"]


def test_refusals(tmp_path):
    with pytest.raises(ReleaseError, match="points outside the target directory"):
        plan_extract(str(tmp_path), {"../x": b""}, ["../x"])
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(ReleaseError, match="exists and is not a directory"):
        plan_extract(str(tmp_path / "file"), {"a": b""}, ["a"])
    (tmp_path / "d" / "a").mkdir(parents=True)
    with pytest.raises(ReleaseError, match="is a directory, where the payload has the file a"):
        plan_extract(str(tmp_path / "d"), {"a": b""}, ["a"])
