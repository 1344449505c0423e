# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where an image set's images go (oc-mirror v2's layout) and the IDMS/ITMS sources over all of them."""

from ansible_collections.okd.machine_os.plugins.module_utils.imageset import outputs
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.config import AdditionalImage
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.images import additional_image, release_images
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.plan import COMPONENT, RELEASE
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference

TO = Reference.parse("mirror.example:5000/ocp")
D1, D2, D3 = ("sha256:" + c * 64 for c in "123")
ART = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
RELEASE_REPO = Reference.parse("quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64")


def test_release_images_follow_oc_mirror_layout():
    images = release_images(TO, "4.19.0", "x86_64", RELEASE_REPO, D3, {"cli": f"{ART}@{D1}", "etcd": f"{ART}@{D2}"})
    assert [(i.kind, i.destination) for i in images] == [
        (COMPONENT, "mirror.example:5000/ocp/openshift/release:4.19.0-x86_64-cli"),
        (COMPONENT, "mirror.example:5000/ocp/openshift/release:4.19.0-x86_64-etcd"),
        (RELEASE, "mirror.example:5000/ocp/openshift/release-images:4.19.0-x86_64"),
    ]
    assert str(images[-1].source) == f"quay.io/openshift-release-dev/ocp-release@{D3}"
    assert images[0].registry == "mirror.example:5000"


def test_additional_image_names():
    by_tag = Reference.parse("registry.example/tools/bb:1.36")
    assert additional_image(TO, AdditionalImage("registry.example/tools/bb:1.36"), by_tag, D1).destination == (
        "mirror.example:5000/ocp/tools/bb:1.36"
    )
    image = additional_image(TO, AdditionalImage("x", target_repo="extra/bb", target_tag="v1"), by_tag, D1)
    assert image.destination == "mirror.example:5000/ocp/extra/bb:v1" and str(image.source).endswith(f"@{D1}")
    by_digest = Reference.parse(f"registry.example/tools/bb@{D2}")
    assert additional_image(TO, AdditionalImage(str(by_digest)), by_digest, D2).tag == "sha256-" + "2" * 64


def test_sources_cover_every_release_and_additional_image():
    images = release_images(TO, "4.19.0", "x86_64", RELEASE_REPO, D3, {"cli": f"{ART}@{D1}"})
    images += release_images(TO, "4.19.1", "x86_64", RELEASE_REPO, D2, {"cli": f"{ART}@{D1}"})
    extra = Reference.parse("registry.example/tools/bb:1.36")
    images.append(additional_image(TO, AdditionalImage(str(extra)), extra, D1))
    built = outputs.build(images)
    assert built["idms"]["spec"]["imageDigestMirrors"] == [
        {
            "source": "quay.io/openshift-release-dev/ocp-release",
            "mirrors": ["mirror.example:5000/ocp/openshift/release-images"],
        },
        {"source": ART, "mirrors": ["mirror.example:5000/ocp/openshift/release"]},
        {"source": "registry.example/tools/bb", "mirrors": ["mirror.example:5000/ocp/tools/bb"]},
    ]
    assert built["itms"]["spec"]["imageTagMirrors"] == built["idms"]["spec"]["imageDigestMirrors"]
    assert len(built["mapping"]) == len(images)


def test_signature_configmaps_as_the_cvo_reads_them():
    (configmap,) = outputs.signature_configmaps([(D1, [b"sig-1", b"sig-2"]), (D2, [])])
    assert configmap["metadata"] == {
        "name": "sha256-" + "1" * 64,
        "namespace": "openshift-config-managed",
        "labels": {"release.openshift.io/verification-signatures": ""},
    }
    assert sorted(configmap["binaryData"]) == ["sha256-" + "1" * 64 + "-1", "sha256-" + "1" * 64 + "-2"]
    files = outputs.render_files(
        {"idms": {}, "itms": {}, "mapping": ["a=b"], "signature_configmaps": [configmap, configmap]}
    )
    assert files["signature-configmaps.yaml"].count("kind: ConfigMap") == 2
