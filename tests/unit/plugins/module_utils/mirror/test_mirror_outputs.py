# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IDMS / ITMS / ICSP / install-config / mapping shapes (research/release-mirror.md §3.3, §5.5)."""

from types import SimpleNamespace

import yaml

from ansible_collections.okd.machine_os.plugins.module_utils.mirror import outputs

RELEASE_SRC = "quay.io/openshift-release-dev/ocp-release"
CONTENT_SRC = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
TO = "mirror.example:5000/ocp4/openshift4"


def build(release_mirror=TO):
    images = [
        SimpleNamespace(source=f"{CONTENT_SRC}@sha256:{'1' * 64}", destination=f"{TO}:4.19.0-x86_64-cli"),
        SimpleNamespace(source=f"{RELEASE_SRC}@sha256:{'2' * 64}", destination=f"{release_mirror}:4.19.0-x86_64"),
    ]
    return outputs.build_outputs("4.19.0", RELEASE_SRC, release_mirror, [CONTENT_SRC, CONTENT_SRC], TO, images)


def test_idms_shape():
    idms = build()["idms"]
    assert idms["apiVersion"] == "config.openshift.io/v1" and idms["kind"] == "ImageDigestMirrorSet"
    assert idms["metadata"] == {"name": "release-4.19.0"}
    assert idms["spec"]["imageDigestMirrors"] == [
        {"source": RELEASE_SRC, "mirrors": [TO]},
        {"source": CONTENT_SRC, "mirrors": [TO]},
    ]


def test_release_image_repository_separate():
    result = build("mirror.example:5000/ocp4/release")
    assert result["idms"]["spec"]["imageDigestMirrors"][0] == {
        "source": RELEASE_SRC,
        "mirrors": ["mirror.example:5000/ocp4/release"],
    }


def test_itms_icsp_install_config():
    result = build()
    assert result["itms"]["kind"] == "ImageTagMirrorSet"
    assert result["itms"]["spec"]["imageTagMirrors"][1] == {"source": CONTENT_SRC, "mirrors": [TO]}
    assert result["icsp"]["apiVersion"] == "operator.openshift.io/v1alpha1"
    assert result["icsp"]["kind"] == "ImageContentSourcePolicy"
    assert len(result["icsp"]["spec"]["repositoryDigestMirrors"]) == 2
    assert result["install_config"] == {
        "imageDigestSources": [{"mirrors": [TO], "source": RELEASE_SRC}, {"mirrors": [TO], "source": CONTENT_SRC}]
    }


def test_mapping_lines():
    assert build()["mapping"][0] == f"{CONTENT_SRC}@sha256:{'1' * 64}={TO}:4.19.0-x86_64-cli"


def test_object_name_is_dns_subdomain():
    assert outputs.object_name("4.19.0-okd-scos.0") == "release-4.19.0-okd-scos.0"
    assert outputs.object_name("4.19.0+Build_7") == "release-4.19.0-build-7"


def test_write_files_only_when_changed(tmp_path):
    files = outputs.render_files(build())
    paths, written = outputs.write_files(str(tmp_path / "out"), files)
    assert len(paths) == 5 and written == paths
    assert yaml.safe_load((tmp_path / "out" / "idms.yaml").read_text())["kind"] == "ImageDigestMirrorSet"
    assert (tmp_path / "out" / "mapping.txt").read_text().count("\n") == 2
    _paths, written = outputs.write_files(str(tmp_path / "out"), files)
    assert written == []
