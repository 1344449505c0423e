"""os_image_build against the lab: real buildah/podman builds FROM the lab release's OS image
(a busybox rootfs labelled bootable), pushed to the lab's mirror registry (TLS from the lab
CA, htpasswd auth), checked with the collection's registry client.

Container storage lives in a temporary directory per session (CONTAINERS_STORAGE_CONF), so
the host's storage is not touched.
"""

import gzip
import io
import shutil
import tarfile
import uuid

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import NotFoundError
from okdlab import variants

from ...conftest import run_module

pytestmark = pytest.mark.lab

RUN = uuid.uuid4().hex[:8]  # a kept lab keeps what earlier runs pushed: fresh repositories per run
ENGINES = [name for name in ("buildah", "podman") if shutil.which(name)]
LABEL_BASE = "machine-os.okd.io/base-image"
LABEL_BASE_DIGEST = "machine-os.okd.io/base-image-digest"
LABEL_HASH = "machine-os.okd.io/containerfile-sha256"

WRITE_FILE = """\
FROM scratch
RUN mkdir -p /etc/okdtest && echo {text} > /etc/okdtest/marker && cat /etc/okdtest/marker
"""


@pytest.fixture(scope="session")
def ocp(lab):
    return lab.release["ocp"]


def dest(lab, name):
    return f"{lab.registry('mirror').host}/itest-build/{name}-{RUN}:v1"


def build(lab, storage_env, args, **kwargs):
    args = dict({"ca_file": lab.ca_file}, **args)
    return run_module(lab, "os_image_build", args, extra_env=storage_env, **kwargs)


def pushed(registry, pullspec):
    """(manifest, config) of what the registry holds for ``pullspec``, or None."""
    try:
        manifest, _index = registry.get_image_manifest(pullspec)
    except NotFoundError:
        return None
    return manifest, registry.get_json_blob(pullspec, manifest.config.digest)


def layer_files(registry, pullspec, layer):
    data = registry.get_blob(pullspec, layer.digest, max_size=64 << 20)
    try:
        data = gzip.decompress(data)
    except OSError:
        pass
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name.lstrip("./"): (tar.extractfile(m).read() if m.isreg() else None) for m in tar}


def assert_ok(result):
    assert not result.get("failed"), result.get("msg")


@pytest.mark.parametrize("engine", ENGINES)
def test_build_from_release_then_noop_then_rebuild(lab, storage_env, registry, ocp, engine):
    target = dest(lab, f"release-{engine}")
    args = {
        "release_image": ocp["pullspec"],
        "image": target,
        "engine": engine,
        "containerfile": WRITE_FILE.format(text="one"),
        "labels": {"example.com/team": "os"},
    }
    result = build(lab, storage_env, args)
    assert_ok(result)
    assert result["changed"] and result["built"] and result["pushed"]
    assert result["engine"] == engine
    assert result["os_image_tag"] == "rhel-coreos" and result["base_source"] == "release_image"
    assert result["base_image"] == ocp["os_image"]
    assert result["base_digest"] == ocp["os_image"].split("@", 1)[1]
    assert result["replaced_from"] == "scratch"
    assert result["image"] == target.rsplit(":", 1)[0] + "@" + result["digest"]
    assert result["tag_pullspec"] == target
    assert len(result["commands"]) == 3 and f"{engine} --storage-driver vfs build" in result["commands"][0]

    manifest, config = pushed(registry, target)
    assert manifest.digest == result["digest"]
    labels = config["config"]["Labels"]
    assert labels[LABEL_BASE] == ocp["os_image"]
    assert labels[LABEL_BASE_DIGEST] == result["base_digest"]
    assert labels[LABEL_HASH] == result["containerfile_sha256"]
    assert labels["example.com/team"] == "os"
    assert labels["ostree.bootable"] == "true"
    assert config["architecture"] == "amd64"
    _base_manifest, base_config = pushed(registry, ocp["os_image"])
    base_layers = base_config["rootfs"]["diff_ids"]  # layers are recompressed on push: compare diff IDs
    assert config["rootfs"]["diff_ids"][: len(base_layers)] == base_layers
    assert len(config["rootfs"]["diff_ids"]) == len(base_layers) + 1
    files = layer_files(registry, target, manifest.layers[-1])
    assert files["etc/okdtest/marker"] == b"one\n"

    again = build(lab, storage_env, args)
    assert_ok(again)
    assert not again["changed"] and not again["built"] and not again["pushed"] and again["up_to_date"]
    assert again["image"] == result["image"] and again["commands"] == []

    changed = build(lab, storage_env, dict(args, containerfile=WRITE_FILE.format(text="two")))
    assert_ok(changed)
    assert changed["changed"] and changed["built"] and changed["digest"] != result["digest"]
    assert changed["containerfile_sha256"] != result["containerfile_sha256"]
    manifest, config = pushed(registry, target)
    assert manifest.digest == changed["digest"]
    assert layer_files(registry, target, manifest.layers[-1])["etc/okdtest/marker"] == b"two\n"


def test_base_image_given_directly_and_force(lab, storage_env, registry, ocp):
    target = dest(lab, "direct")
    args = {"base_image": ocp["os_image"], "image": target, "containerfile": "RUN touch /etc/direct\n"}
    result = build(lab, storage_env, args)
    assert_ok(result)
    assert result["base_source"] == "base_image" and result["os_image_tag"] is None
    assert result["base_image"] == ocp["os_image"] and result["replaced_from"] is None
    assert pushed(registry, target)[0].digest == result["digest"]
    forced = build(lab, storage_env, dict(args, force=True))
    assert_ok(forced)
    assert forced["changed"] and forced["built"] and forced["pushed"]


def test_base_from_the_cluster_release(lab, storage_env, registry, ocp):
    target = dest(lab, "cluster")
    result = build(lab, storage_env, {"image": target, "containerfile": WRITE_FILE.format(text="cluster")})
    assert_ok(result)
    assert result["base_source"] == "cluster" and result["os_image_tag"] == "rhel-coreos"
    assert result["release_image"].endswith("@" + ocp["digest"])
    assert result["base_image"] == ocp["os_image"]
    assert pushed(registry, target)[1]["config"]["Labels"][LABEL_BASE_DIGEST] == result["base_digest"]


def test_check_mode_builds_and_pushes_nothing(lab, storage_env, registry, ocp):
    target = dest(lab, "check")
    result = build(
        lab,
        storage_env,
        {"release_image": ocp["pullspec"], "image": target, "containerfile": WRITE_FILE.format(text="check")},
        check=True,
    )
    assert_ok(result)
    assert result["changed"] and result["would_build"] and not result["built"] and not result["pushed"]
    assert result["image"] is None
    assert [c.split()[3] for c in result["commands"]] == ["build", "inspect", "push"]
    assert "<workdir>/Containerfile" in result["commands"][0]
    assert pushed(registry, target) is None


def test_failing_containerfile_fails_with_the_output_tail(lab, storage_env, registry, ocp):
    target = dest(lab, "fails")
    result = build(
        lab,
        storage_env,
        {
            "release_image": ocp["pullspec"],
            "image": target,
            "containerfile": "FROM base\nRUN echo about-to-fail && false\n",
        },
    )
    assert result["failed"]
    assert "about-to-fail" in result["build_output_tail"]
    assert "false" in result["build_output_tail"]
    assert "about-to-fail" in result["msg"] and result["msg"].startswith("building ")
    assert not result["pushed"]
    assert pushed(registry, target) is None


def _push_not_bootable(lab, source):
    """A copy of the OS image ``source`` without its bootable labels, on the upstream registry."""
    return variants.push_os_variant(
        lab, source, "v1", variants.drop_bootable_labels, repo=f"itest-build/not-bootable-{RUN}"
    )


def test_base_without_bootable_label_fails_and_pushes_nothing(lab, storage_env, registry, ocp):
    base = _push_not_bootable(lab, ocp["os_image"])
    target = dest(lab, "not-bootable")
    result = build(lab, storage_env, {"base_image": base, "image": target, "containerfile": "RUN touch /etc/x\n"})
    assert result["failed"]
    assert "lacks ostree.bootable" in result["msg"] and "nothing was pushed" in result["msg"]
    assert result["built"] and not result["pushed"]
    assert pushed(registry, target) is None


def test_secrets_and_registry_password_stay_out_of_the_output(lab, storage_env, registry, ocp, tmp_path):
    mirror = lab.registry("mirror")
    # a bootable base on the mirror, so one user name and password serve pull and push
    base_target = dest(lab, "secret-base")
    base = build(
        lab,
        storage_env,
        {"base_image": ocp["os_image"], "image": base_target, "containerfile": "RUN touch /etc/base\n"},
    )
    assert_ok(base)
    secret_text = f"entitlement-{uuid.uuid4().hex}"
    secret_file = tmp_path / "entitlement.pem"
    secret_file.write_text(secret_text, encoding="utf-8")
    target = dest(lab, "secret")
    containerfile = (
        "FROM base\nRUN --mount=type=secret,id=entitlement wc -c < /run/secrets/entitlement > /etc/entitled\n"
    )
    result, stdout = build(
        lab,
        storage_env,
        {
            "base_image": base["image"],
            "image": target,
            "containerfile": containerfile,
            "secrets": [{"id": "entitlement", "src": str(secret_file)}],
            "registry_username": mirror.username,
            "registry_password": mirror.password,
        },
        verbosity=3,
        with_stdout=True,
    )
    assert_ok(result)
    assert result["built"] and result["pushed"]
    assert mirror.password not in stdout and secret_text not in stdout
    assert "--secret id=entitlement,src=" in result["commands"][0]
    assert "/auth.json" in result["commands"][0]  # a private auth file, not --creds
    manifest, _config = pushed(registry, target)
    files = layer_files(registry, target, manifest.layers[-1])
    assert files["etc/entitled"].strip() == str(len(secret_text)).encode()
