# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ImageSetConfiguration v2alpha1 parsing: what is read, and every key it refuses by name."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.imageset.config import (
    Channel,
    load_image_set,
    parse_image_set,
)
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import (
    ImageSetConfigError,
    NotSupportedError,
)


def doc(mirror=None, **top):
    document = {"apiVersion": "mirror.openshift.io/v2alpha1", "kind": "ImageSetConfiguration"}
    document["mirror"] = mirror if mirror is not None else {"platform": {"channels": [{"name": "stable-4.19"}]}}
    document.update(top)
    return document


def error_of(document):
    with pytest.raises(ImageSetConfigError) as info:
        parse_image_set(document)
    return info.value


def test_full_example():
    image_set = parse_image_set(
        doc(
            {
                "platform": {
                    "channels": [
                        {"name": "stable-4.19", "minVersion": "4.19.0", "maxVersion": "4.19.2", "shortestPath": True},
                        {"name": "stable-scos-4.19", "type": "okd", "full": True},
                    ],
                    "architectures": ["x86_64", "arm64"],
                    "release": "quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64",
                },
                "additionalImages": [
                    {"name": "registry.example/tools/busybox:1.36", "targetRepo": "/tools/bb/", "targetTag": "v1"}
                ],
                "blockedImages": [{"name": "alpine"}],
            }
        )
    )
    assert image_set.channels[0] == Channel("stable-4.19", "ocp", "4.19.0", "4.19.2", True, False)
    assert image_set.channels[1].type == "okd" and image_set.channels[1].full
    assert image_set.architectures == ("amd64", "arm64")
    assert image_set.release.endswith(":4.19.0-x86_64")
    assert image_set.additional_images[0].target_repo == "tools/bb"
    assert image_set.blocked_by("docker.io/library/alpine:3") is not None
    assert image_set.blocked_by("registry.example/tools/busybox:1.36") is None


def test_platforms_and_default_arch():
    assert parse_image_set(doc()).architectures == ("amd64",)
    image_set = parse_image_set(
        doc({"platform": {"platforms": [{"os": "linux", "architecture": "ppc64le"}], "channels": [{"name": "a"}]}})
    )
    assert image_set.architectures == ("ppc64le",)


@pytest.mark.parametrize(
    ("mirror", "path"),
    [
        ({"platform": {"channels": [{"name": "x", "minVersio": "4.19.0"}]}}, "mirror.platform.channels[0].minVersio"),
        ({"platform": {"chanels": []}}, "mirror.platform.chanels"),
        ({"additionalImage": []}, "mirror.additionalImage"),
        ({"additionalImages": [{"name": "a/b:c", "tag": "x"}]}, "mirror.additionalImages[0].tag"),
        ({"blockedImages": [{"name": "x", "regex": "y"}]}, "mirror.blockedImages[0].regex"),
    ],
)
def test_unknown_key_is_named(mirror, path):
    err = error_of(doc(mirror))
    assert type(err) is ImageSetConfigError
    assert err.context["key"] == path and f"{path}: unknown key" in err.message


def test_unknown_top_level_key():
    assert error_of(doc(spec={})).context["key"] == "spec"


@pytest.mark.parametrize(
    ("api_version", "kind", "key"),
    [
        ("mirror.openshift.io/v1alpha2", "ImageSetConfiguration", "apiVersion"),
        (None, "ImageSetConfiguration", "apiVersion"),
        ("mirror.openshift.io/v2alpha1", "DeleteImageSetConfiguration", "kind"),
    ],
)
def test_api_version_and_kind(api_version, kind, key):
    document = doc()
    document["apiVersion"], document["kind"] = api_version, kind
    err = error_of(document)
    assert err.context["key"] == key
    assert ("v2alpha1" if key == "apiVersion" else "ImageSetConfiguration") in err.message


@pytest.mark.parametrize(
    ("mirror", "path"),
    [
        ({"operators": [{"catalog": "registry.redhat.io/redhat/redhat-operator-index:v4.19"}]}, "mirror.operators"),
        ({"helm": {}, "additionalImages": [{"name": "a/b:c"}]}, None),
        ({"helm": {"local": [{"name": "x"}]}}, "mirror.helm"),
        ({"platform": {"graph": True, "channels": [{"name": "a"}]}}, "mirror.platform.graph"),
        (
            {"additionalImages": [{"name": "a/b:c", "platforms": [{"architecture": "arm64"}]}]},
            "mirror.additionalImages[0].platforms",
        ),
    ],
)
def test_not_supported_yet(mirror, path):
    if path is None:  # an empty helm section is harmless
        parse_image_set(doc(mirror))
        return
    err = error_of(doc(mirror))
    assert isinstance(err, NotSupportedError)
    assert err.context["key"] == path and "not supported yet" in err.message


def test_archive_size_not_supported():
    assert isinstance(error_of(doc(archiveSize=4)), NotSupportedError)


@pytest.mark.parametrize(
    ("channel", "path", "text"),
    [
        ({"name": "a", "minVersion": "4.19.2", "maxVersion": "4.19.0"}, "minVersion", "is above maxVersion"),
        ({"name": "a", "minVersion": "4.19"}, "minVersion", "not a semantic version"),
        ({"name": "a", "type": "rhcos"}, "type", "must be one of ocp, okd"),
        ({"name": "a", "shortestPath": "yes"}, "shortestPath", "true or false"),
        ({"minVersion": "4.19.0"}, "name", "is required"),
    ],
)
def test_channel_values(channel, path, text):
    err = error_of(doc({"platform": {"channels": [channel]}}))
    assert err.context["key"] == f"mirror.platform.channels[0].{path}" and text in err.message


def test_bad_regex_and_arch_and_empty():
    assert (
        "regular expression"
        in error_of(doc({"blockedImages": [{"name": "("}], "additionalImages": [{"name": "a/b:c"}]})).message
    )
    assert error_of(doc({"platform": {"architectures": ["sparc"], "channels": [{"name": "a"}]}})).context["key"] == (
        "mirror.platform.architectures[0]"
    )
    assert error_of(doc({})).context["key"] == "mirror"
    assert error_of(doc({"platform": {"channels": [{"name": "a"}, {"name": "a"}]}})).context["key"] == (
        "mirror.platform.channels[1].name"
    )


def test_load_from_file(tmp_path):
    path = tmp_path / "isc.yaml"
    path.write_text(
        "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\n"
        "mirror:\n  platform:\n    channels:\n    - name: stable-4.19\n      maxVersion: 4.19.1\n",
        encoding="utf-8",
    )
    assert load_image_set(str(path)).channels[0].max_version == "4.19.1"
    path.write_text(
        "mirror: {operators: [{catalog: x}]}\napiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\n",
        encoding="utf-8",
    )
    with pytest.raises(NotSupportedError) as info:
        load_image_set(str(path))
    assert info.value.context["image_set_file"] == str(path)
    with pytest.raises(ImageSetConfigError, match="cannot read"):
        load_image_set(str(tmp_path / "missing.yaml"))
