# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan: unique blobs move once, mounts inside the destination registry, totals."""

import hashlib

from ansible_collections.okd.machine_os.plugins.module_utils.mirror import plan as mplan
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import Descriptor
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference

LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def dg(name):
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def blob(name, size=100):
    return Descriptor(LAYER, dg(name), size)


def image(
    name,
    blobs,
    repo="mirror.example/ocp",
    state=mplan.MISSING,
    kind=mplan.COMPONENT,
    source_repo="quay.example/ocp-art",
    children=(),
):
    digest = dg("manifest-" + name)
    doc = mplan.ManifestDoc(digest, MANIFEST, b"{}", tuple(blobs), tuple(children))
    return mplan.MirrorImage(
        name,
        kind,
        Reference.parse(f"{source_repo}@{digest}"),
        digest,
        repo,
        f"4.1.0-x86_64-{name}",
        repo.split("/", 1)[0],
        doc,
        state,
    )


def test_shared_blobs_move_once():
    base = blob("base", 1000)
    images = [image("a", [base, blob("a")]), image("b", [base, blob("b")]), image("c", [base, blob("a")])]
    checks = mplan.blob_checks(images)
    assert len(checks) == 3  # base, a, b: asked once each
    result = mplan.plan_mirror(images, dict.fromkeys(checks, False))
    assert sorted(m.digest for m in result.uploads) == sorted([dg("base"), dg("a"), dg("b")])
    assert result.summary() == {
        "images_total": 3,
        "images_missing": 3,
        "blobs_total": 3,
        "blobs_missing": 3,
        "bytes_missing": 1200,
        "mounts": 0,
        "manifests_missing": 3,
    }


def test_present_blobs_and_images_are_skipped():
    base = blob("base", 1000)
    images = [
        image("a", [base, blob("a")], state=mplan.PRESENT),
        image("b", [base, blob("b")]),
        image("c", [blob("c")], state=mplan.UNTAGGED),
    ]
    checks = mplan.blob_checks(images)
    assert {d for _r, d in checks} == {dg("base"), dg("b")}
    result = mplan.plan_mirror(
        images, {("mirror.example/ocp", dg("base")): True, ("mirror.example/ocp", dg("b")): False}
    )
    assert [m.digest for m in result.uploads] == [dg("b")]
    summary = result.summary()
    # blobs_total counts the blobs of the images that are not present: base, b, c
    assert summary["images_missing"] == 2 and summary["blobs_total"] == 3 and summary["bytes_missing"] == 100
    assert summary["manifests_missing"] == 2


def test_second_repository_of_the_same_registry_mounts():
    base = blob("base", 1000)
    images = [
        image("a", [base]),
        image("release", [base, blob("rel")], repo="mirror.example/release", kind=mplan.RELEASE),
    ]
    result = mplan.plan_mirror(images, dict.fromkeys(mplan.blob_checks(images), False))
    assert [(m.digest, m.repo) for m in result.uploads] == [
        (dg("base"), "mirror.example/ocp"),
        (dg("rel"), "mirror.example/release"),
    ]
    assert [(m.digest, m.repo, m.mount_from) for m in result.mounts] == [(dg("base"), "mirror.example/release", "ocp")]
    assert result.summary()["bytes_missing"] == 1100


def test_mount_from_where_the_destination_already_has_it():
    base = blob("base", 1000)
    images = [
        image("a", [base], state=mplan.PRESENT),
        image("release", [base], repo="mirror.example/release", kind=mplan.RELEASE),
    ]
    present = {("mirror.example/ocp", dg("base")): True, ("mirror.example/release", dg("base")): False}
    result = mplan.plan_mirror(images, present)
    assert not result.uploads
    assert [(m.repo, m.mount_from) for m in result.mounts] == [("mirror.example/release", "ocp")]


def test_other_registry_uploads_again():
    base = blob("base", 10)
    images = [image("a", [base]), image("release", [base], repo="other.example/release", kind=mplan.RELEASE)]
    result = mplan.plan_mirror(images, dict.fromkeys(mplan.blob_checks(images), False))
    assert len(result.uploads) == 2 and not result.mounts


def test_source_on_the_destination_registry_mounts_from_the_source():
    images = [image("a", [blob("x")], source_repo="mirror.example/upstream")]
    result = mplan.plan_mirror(images, dict.fromkeys(mplan.blob_checks(images), False))
    assert not result.uploads and result.mounts[0].mount_from == "upstream"


def test_index_children_pushed_first_and_blobs_counted():
    child1 = mplan.ManifestDoc(dg("c1"), MANIFEST, b"{}", (blob("l1"), blob("shared")))
    child2 = mplan.ManifestDoc(dg("c2"), MANIFEST, b"{}", (blob("l2"), blob("shared")))
    listed = image("multi", [], children=(child1, child2))
    assert [d.digest for d in listed.manifest.walk()] == [dg("c1"), dg("c2"), listed.digest]
    result = mplan.plan_mirror([listed], dict.fromkeys(mplan.blob_checks([listed]), False))
    assert result.blobs_total == 3 and len(result.uploads) == 3
    assert result.summary()["manifests_missing"] == 3


def test_directory_destination_single_store():
    base = blob("base")
    images = [image("a", [base], repo="oci:/tmp/x"), image("b", [base], repo="oci:/tmp/x")]
    for item in images:
        item.registry = None
    result = mplan.plan_mirror(images, dict.fromkeys(mplan.blob_checks(images), False))
    assert len(result.uploads) == 1 and not result.mounts
