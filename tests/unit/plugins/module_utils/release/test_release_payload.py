# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The payload model: image-references, release-metadata, versions, commit URLs, tags."""

import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import (
    NotAReleaseError,
    PayloadError,
    UnknownTagError,
    VersionMismatchError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import (
    check_version_match,
    close_names,
    commit_url,
    commit_urls,
    images_for,
    is_manifest_name,
    os_image,
    parse_component_versions_label,
    parse_image_references,
    parse_release_metadata,
    read_component_versions,
    require_release_files,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.semver import Version, is_semver, sort_versions


def _refs(build, tags=None, name="4.19.0"):
    return parse_image_references(json.dumps(build.image_references_doc(name, tags)).encode())


# -- semver ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["4.19.0", "4.19.0-okd-scos.0", "1.32.5+abc.1", "0.0.1-snapshot", "9.6.20261101-0"])
def test_semver_valid(text):
    assert is_semver(text)


@pytest.mark.parametrize("text", ["v4.19.0", "4.19", "04.1.0", "4.19.0-01", "4.19.0-", "4.19.0+", "", None, 4])
def test_semver_invalid(text):
    assert not is_semver(text)


def test_semver_sorting_and_build_stripping():
    assert sort_versions(["4.19.10", "4.19.2", "4.19.2-rc.1", "4.19.2-rc.10", "4.19.2-rc.2"]) == [
        "4.19.2-rc.1",
        "4.19.2-rc.2",
        "4.19.2-rc.10",
        "4.19.2",
        "4.19.10",
    ]
    assert sort_versions(["b", "4.1.0"]) == ["b", "4.1.0"]  # oc leaves an unparsable list alone
    assert str(Version.parse("1.32.5+build.1").without_build()) == "1.32.5"


# -- image-references ----------------------------------------------------------------------


def test_image_references_parsed(build):
    refs = _refs(build)
    assert refs.name == "4.19.0"
    assert refs.created == "2026-11-01T00:00:00Z"
    assert refs.tag_names() == ["cli", "hyperkube", "rhel-coreos", "cluster-version-operator"]
    assert refs.images()["cli"] == build.pullspec("cli")
    assert refs.tag("hyperkube").annotations["io.openshift.build.versions"] == "kubernetes=1.32.5"


def test_image_references_yaml_is_read_too(build):
    yaml_text = (
        "kind: ImageStream\napiVersion: image.openshift.io/v1\nmetadata:\n  name: 4.19.0\n"
        "spec:\n  tags:\n  - name: cli\n    from:\n      kind: DockerImage\n"
        f"      name: {build.pullspec('cli')}\n"
    )
    assert parse_image_references(yaml_text.encode()).images() == {"cli": build.pullspec("cli")}


def test_image_references_wrong_kind_has_ocs_text(build):
    doc = build.image_references_doc()
    doc["apiVersion"] = "v1"
    with pytest.raises(
        PayloadError, match="^unrecognized image-references in release payload: kind 'ImageStream', apiVersion 'v1'"
    ):
        parse_image_references(json.dumps(doc))
    with pytest.raises(PayloadError, match="unable to load release image-references"):
        parse_image_references(b"{not json: [")


def test_image_references_require_digests(build):
    tags = [build.tag_entry("cli", spec="quay.example/ocp/content:cli")]
    with pytest.raises(
        PayloadError,
        match="only contain pointers to images by digest: the tag cli points at quay.example/ocp/content:cli",
    ) as err:
        _refs(build, tags)
    assert err.value.context == {"tag": "cli", "pullspec": "quay.example/ocp/content:cli"}
    assert parse_image_references(
        json.dumps(build.image_references_doc(tags=tags)), require_digests=False
    ).images() == {"cli": "quay.example/ocp/content:cli"}


def test_image_references_invalid_pullspec_and_other_kinds(build):
    with pytest.raises(PayloadError, match="the tag cli points at an invalid image reference"):
        _refs(build, [build.tag_entry("cli", spec="Quay.example/UPPER case@sha256:xyz")])
    other = {"name": "istag", "from": {"kind": "ImageStreamTag", "name": "x:y"}}
    refs = _refs(build, [other, build.tag_entry("cli")])
    assert list(refs.images()) == ["cli"]  # oc only lists DockerImage tags


# -- release-metadata ----------------------------------------------------------------------


def test_release_metadata(build):
    doc = build.release_metadata_doc(previous=["4.18.2", "4.18.10"], metadata={"url": "u"})
    meta = parse_release_metadata(json.dumps(doc))
    assert (meta.version, meta.previous, meta.next, meta.metadata) == (
        "4.19.0",
        ("4.18.2", "4.18.10"),
        None,
        {"url": "u"},
    )
    assert meta.as_dict() == {
        "kind": "cincinnati-metadata-v0",
        "version": "4.19.0",
        "previous": ["4.18.2", "4.18.10"],
        "metadata": {"url": "u"},
    }


@pytest.mark.parametrize(
    "doc, match",
    [
        ({"kind": "other", "version": "4.19.0"}, "kind 'other', expected cincinnati-metadata-v0"),
        ({"kind": "cincinnati-metadata-v0", "version": "4.19"}, "version '4.19' is not a semantic version"),
        ({"kind": "cincinnati-metadata-v0", "version": "4.19.0", "previous": "4.18.0"}, "previous must be a list"),
        ([], "it is not an object"),
    ],
)
def test_release_metadata_invalid(doc, match):
    with pytest.raises(PayloadError, match=match):
        parse_release_metadata(json.dumps(doc).encode())


def test_version_mismatch_names_both(build):
    refs = _refs(build, name="4.19.7")
    meta = parse_release_metadata(json.dumps(build.release_metadata_doc("4.19.8")))
    with pytest.raises(
        VersionMismatchError, match="image-references name '4.19.7' differs from its release-metadata version '4.19.8'"
    ) as err:
        check_version_match(refs, meta)
    assert err.value.context == {"image_references_name": "4.19.7", "release_metadata_version": "4.19.8"}
    check_version_match(refs, None)
    check_version_match(_refs(build, name="4.19.8"), meta)


# -- component versions --------------------------------------------------------------------


def test_component_versions_label():
    assert parse_component_versions_label(" kubernetes=1.32.5+abc , kubectl=1.32.5", "kubernetes=Kubernetes (k8s)") == {
        "kubernetes": ("1.32.5", "Kubernetes (k8s)"),
        "kubectl": ("1.32.5", ""),
    }
    assert not parse_component_versions_label("  ")


@pytest.mark.parametrize(
    "label, names, message",
    [
        ("kubernetes", "", 'the version pair "kubernetes" must be NAME=VERSION'),
        ("k=1.0.0", "", 'the version name "k" must be at least 2 characters'),
        ("Kube=1.0.0", "", 'the version name "Kube" must only be ASCII alphanumerics and internal hyphens'),
        ("kube=1.0", "", 'the version pair "kube=1.0" must have a valid semantic version'),
        ("kube=1.0.0", "kube", 'the display name pair "kube" must be NAME=DISPLAYNAME'),
        ("kube=1.0.0", "kube=K8s!", 'the display name "K8s!" must only be alphanumerics'),
    ],
)
def test_component_versions_label_errors(label, names, message):
    with pytest.raises(ValueError) as err:
        parse_component_versions_label(label, names)
    assert str(err.value).startswith(message)


def test_component_versions_as_oc(build):
    tags = [
        build.tag_entry("cli", "kubectl=1.32.5", "kubectl=Kubectl"),
        build.tag_entry("tests", "kubectl=1.31.0,kubernetes-tests=1.32.5"),  # kubectl ignored: not cli
        build.tag_entry("hyperkube", "kubernetes=1.32.5", "kubernetes=Kubernetes"),
        build.tag_entry("pod", "kubernetes=1.32.4", "kubernetes=Kubernetes"),  # conflict: a warning
        build.tag_entry("rhel-coreos", "machine-os=9.6.1", "machine-os=Red Hat Enterprise Linux CoreOS"),
        build.tag_entry("rhel-coreos-10", "machine-os=10.1.2", "machine-os=Red Hat Enterprise Linux CoreOS 10"),
        build.tag_entry("broken", "crio=latest"),
        build.tag_entry("empty", ""),
    ]
    result = read_component_versions(_refs(build, tags))
    assert result.versions["kubectl"] == {
        "version": "1.32.5",
        "display_name": "Kubectl",
        "versions": ["1.32.5"],
        "tags": ["cli"],
    }
    assert result.versions["kubernetes"]["version"] == "1.32.4"  # the lexically first, as oc
    assert result.versions["kubernetes"]["versions"] == ["1.32.4", "1.32.5"]
    assert result.versions["kubernetes-tests"]["display_name"] == ""
    assert result.versions["machine-os"] == {  # several OS images: the default one's, no warning
        "version": "9.6.1",
        "display_name": "Red Hat Enterprise Linux CoreOS",
        "versions": ["10.1.2", "9.6.1"],
        "tags": ["rhel-coreos", "rhel-coreos-10"],
    }
    assert result.warnings == [
        'the referenced image broken had an invalid version annotation: the version pair "crio=latest" must have '
        "a valid semantic version: 'latest' is not a semantic version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], "
        "like 4.19.0 or 4.19.0-okd-scos.0)",
        "multiple versions or display names reported for the following component(s): kubernetes",
    ]
    assert result.display_versions()["kubernetes"] == {"Version": "1.32.4", "DisplayName": "Kubernetes"}
    assert result.versions_tags()["kubernetes"] == ["hyperkube", "pod"]
    assert result.notices == []


def test_component_versions_display_name_conflicts_like_oc(build):
    tags = [
        build.tag_entry("hyperkube", "kubernetes=1.32.5", "kubernetes=Kubernetes"),
        build.tag_entry("pod", "kubernetes=1.32.5"),
    ]
    result = read_component_versions(_refs(build, tags))
    # oc's sets hold "" for the tag without a display name; the sorted first wins
    assert result.versions["kubernetes"]["display_name"] == ""
    assert result.warnings == ["multiple versions or display names reported for the following component(s): kubernetes"]


def test_kubectl_notice_only_past_two_versions(build):
    tags = [
        build.tag_entry("cli", "kubectl=1.32.5"),
        build.tag_entry("a-tool", "kubectl=1.31.0"),
        build.tag_entry("b-tool", "kubectl=1.30.0"),
    ]
    result = read_component_versions(_refs(build, tags))
    assert result.warnings == []
    assert result.notices == [
        "multiple versions reported for the kubectl: 1.30.0 (b-tool), 1.31.0 (a-tool), 1.32.5 (cli)"
    ]


# -- commit URLs, tags, files --------------------------------------------------------------


@pytest.mark.parametrize(
    "location, commit, url",
    [
        ("https://github.com/openshift/oc", "abc", "https://github.com/openshift/oc/commit/abc"),
        ("https://github.com/openshift/oc.git", "abc", "https://github.com/openshift/oc.git/commit/abc"),
        ("git@github.com:openshift/oc", "abc", "https://github.com/openshift/oc/commit/abc"),
        ("https://gitlab.com/org/repo", "abc", "https://gitlab.com/org/repo abc"),
        ("https://github.com/openshift/oc", None, "https://github.com/openshift/oc/commit/"),
        (None, None, None),
    ],
)
def test_commit_url(location, commit, url):
    assert commit_url(location, commit) == url


def test_commit_urls_of_every_image_tag(build):
    urls = commit_urls(_refs(build))
    assert urls["cli"] == "https://github.com/openshift/oc/commit/" + "a" * 40
    assert set(urls) == {"cli", "hyperkube", "rhel-coreos", "cluster-version-operator"}


def test_images_for_and_unknown_tags(build):
    refs = _refs(build)
    assert images_for(refs, ["rhel-coreos"]) == {"rhel-coreos": build.pullspec("rhel-coreos")}
    with pytest.raises(UnknownTagError) as err:
        images_for(refs, ["cli", "rhel-coreoss", "zzz"], "quay.example/ocp/release:4.19.0")
    message = str(err.value)
    assert message.startswith(
        'no image tag "rhel-coreoss", "zzz" exists in the release image quay.example/ocp/release:4.19.0'
    )
    assert "rhel-coreoss: did you mean rhel-coreos?" in message
    assert "zzz: no similar tag" in message
    assert err.value.context["unknown_tags"] == ["rhel-coreoss", "zzz"]


def test_close_names_include_substrings():
    names = ["rhel-coreos", "cli", "rhel-coreos-extensions"]
    assert close_names("coreos", names) == ["rhel-coreos", "rhel-coreos-extensions"]


def test_os_image(build):
    assert os_image(_refs(build)) == {"tag": "rhel-coreos", "pullspec": build.pullspec("rhel-coreos")}
    assert os_image(_refs(build, [build.tag_entry("stream-coreos")]))["tag"] == "stream-coreos"
    assert os_image(_refs(build, [build.tag_entry("cli")])) is None


def test_manifest_names():
    assert [
        n for n in ("a.yaml", "b.yml", "c.json", "image-references", "d.YAML", "e.txt", ".yaml") if is_manifest_name(n)
    ] == ["a.yaml", "b.yml", "c.json"]


def test_not_a_release():
    with pytest.raises(
        NotAReleaseError, match="img is not a release payload: its last layer has no release-manifests/ directory"
    ):
        require_release_files([], "img")
    with pytest.raises(NotAReleaseError, match="has no image-references file"):
        require_release_files(["release-metadata"], "img")
    require_release_files(["image-references"], "img")
