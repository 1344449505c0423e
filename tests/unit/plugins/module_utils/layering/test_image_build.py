# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure parts of os_image_build: Containerfile rewrite and hash, engine choice, argv
assembly, inspect parsing, redaction, label comparison, bootability check; and the flow
with a fake registry and engine (skip, check mode, build failure, not bootable)."""

import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.layering import base as base_mod
from ansible_collections.okd.machine_os.plugins.module_utils.layering import image_build
from ansible_collections.okd.machine_os.plugins.module_utils.layering.base import (
    LABEL_BASE_DIGEST,
    LABEL_BASE_IMAGE,
    LABEL_CONTAINERFILE_SHA256,
    BaseImage,
    BuildError,
    ImageInfo,
    bootable_problem,
    build_labels,
    is_up_to_date,
)
from ansible_collections.okd.machine_os.plugins.module_utils.layering.containerfile import (
    containerfile_sha256,
    from_instructions,
    normalize_containerfile,
    with_base,
)
from ansible_collections.okd.machine_os.plugins.module_utils.layering.engine import (
    EngineError,
    build_command,
    choose_engine,
    inspect_command,
    output_tail,
    parse_inspect,
    push_command,
    redact,
)

BASE = "quay.example/ocp/content@sha256:" + "a" * 64
DIGEST = "sha256:" + "a" * 64


# ---------------------------------------------------------------------- Containerfile


def test_normalize_line_ends_bom_and_final_newline():
    assert normalize_containerfile("\ufeffFROM x\r\nRUN y\rRUN z\n\n\n") == "FROM x\nRUN y\nRUN z\n"
    assert normalize_containerfile("RUN a   \n") == "RUN a   \n"  # whitespace inside lines kept


def test_final_stage_from_is_replaced_keeping_flags_and_name():
    text = "FROM fedora:40 AS builder\nRUN make\nfrom --platform=linux/amd64 whatever as final\nCOPY --from=builder /a /a\n"
    built, replaced = with_base(text, BASE)
    lines = built.split("\n")
    assert lines[0] == "FROM fedora:40 AS builder"
    assert lines[2] == f"from --platform=linux/amd64 {BASE} as final"
    assert replaced == "whatever"


def test_missing_from_is_prepended_after_parser_directives():
    built, replaced = with_base("# syntax=docker/dockerfile:1\nRUN touch /x\n", BASE)
    assert built == f"# syntax=docker/dockerfile:1\nFROM {BASE}\nRUN touch /x\n"
    assert replaced is None


def test_from_in_continuations_heredocs_and_comments_is_not_an_instruction():
    text = (
        "FROM base\n"
        "# FROM commented\n"
        "RUN echo a \\\n"
        "FROM not-an-instruction\n"
        "RUN cat > /etc/f <<EOF\n"
        "FROM inside-heredoc\n"
        "EOF\n"
    )
    assert from_instructions(normalize_containerfile(text)) == [(0, "base")]


def test_escape_directive_changes_continuation():
    text = "# escape=`\nFROM base\nRUN echo a `\nFROM not-an-instruction\n"
    assert from_instructions(text) == [(1, "base")]


def test_hash_covers_text_build_args_labels_squash_not_base():
    text = "FROM base\nRUN touch /x\n"
    reference = containerfile_sha256(text, {"A": "1"}, {"l": "v"}, False)
    assert len(reference) == 64
    assert containerfile_sha256(text.replace("\n", "\r\n"), {"A": "1"}, {"l": "v"}, False) == reference
    assert containerfile_sha256(text, {"A": 1}, {"l": "v"}, False) == reference  # values as strings
    assert containerfile_sha256(text, {"A": "2"}, {"l": "v"}, False) != reference
    assert containerfile_sha256(text, {"A": "1"}, {"l": "w"}, False) != reference
    assert containerfile_sha256(text, {"A": "1"}, {"l": "v"}, True) != reference
    assert containerfile_sha256(text + "RUN y\n", {"A": "1"}, {"l": "v"}, False) != reference


def test_hash_is_the_documented_json():
    import hashlib  # pylint: disable=import-outside-toplevel

    document = {"build_args": {}, "containerfile": "RUN x\n", "labels": {}, "squash": False, "version": 1}
    expected = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert containerfile_sha256("RUN x") == expected


# ---------------------------------------------------------------------- engine


def test_auto_prefers_buildah_then_podman():
    assert choose_engine("auto", {"buildah": "/b", "podman": "/p"}.get) == ("buildah", "/b")
    assert choose_engine("auto", {"podman": "/p"}.get) == ("podman", "/p")
    assert choose_engine("podman", {"buildah": "/b", "podman": "/p"}.get) == ("podman", "/p")


def test_no_engine_fails_clearly():
    with pytest.raises(EngineError, match="neither buildah nor podman"):
        choose_engine("auto", {}.get)
    with pytest.raises(EngineError, match="engine podman was asked for"):
        choose_engine("podman", {"buildah": "/b"}.get)


def test_build_command_assembly():
    argv = build_command(
        "/usr/bin/buildah",
        containerfile="/w/Containerfile",
        context="/ctx",
        tag="r.io/a/b:1",
        iidfile="/w/iid",
        build_args={"B": "2", "A": "1"},
        secrets=[{"id": "ent", "src": "/s/ent.pem"}],
        labels={"k": "v"},
        squash=True,
        auth_file="/auth.json",
        cert_dir="/w/certs",
        tls_verify=False,
    )
    assert argv == [
        "/usr/bin/buildah",
        "--storage-driver",
        "vfs",
        "build",
        "--isolation",
        "chroot",
        "--authfile",
        "/auth.json",
        "--cert-dir",
        "/w/certs",
        "--tls-verify=false",
        "-f",
        "/w/Containerfile",
        "-t",
        "r.io/a/b:1",
        "--iidfile",
        "/w/iid",
        "--build-arg",
        "A=1",
        "--build-arg",
        "B=2",
        "--secret",
        "id=ent,src=/s/ent.pem",
        "--label",
        "k=v",
        "--squash",
        "/ctx",
    ]


def test_inspect_and_push_commands():
    assert inspect_command("buildah", "buildah", "abc") == [
        "buildah",
        "--storage-driver",
        "vfs",
        "inspect",
        "--type",
        "image",
        "abc",
    ]
    assert inspect_command("podman", "podman", "abc", storage_driver="") == ["podman", "image", "inspect", "abc"]
    assert push_command("podman", "abc", "r.io/a/b:1", "/w/digest") == [
        "podman",
        "--storage-driver",
        "vfs",
        "push",
        "--digestfile",
        "/w/digest",
        "abc",
        "docker://r.io/a/b:1",
    ]


def test_parse_inspect_of_both_engines():
    buildah = {"OCIv1": {"architecture": "amd64", "os": "linux", "config": {"Labels": {"ostree.bootable": "true"}}}}
    podman = [{"Architecture": "amd64", "Os": "linux", "Labels": {"containers.bootc": "1"}}]
    assert parse_inspect("buildah", json.dumps(buildah)) == {
        "architecture": "amd64",
        "os": "linux",
        "labels": {"ostree.bootable": "true"},
    }
    assert parse_inspect("podman", json.dumps(podman))["labels"] == {"containers.bootc": "1"}
    with pytest.raises(EngineError):
        parse_inspect("podman", "not json")
    with pytest.raises(EngineError):
        parse_inspect("podman", "[]")


def test_redact_hides_credentials_and_quotes():
    text = redact(
        ["podman", "push", "--creds", "me:pw", "--creds=me:pw", "--label", "a=b c", "x-pw-y"], secret_values=["pw"]
    )
    assert "pw" not in text
    assert text == "podman push --creds '********' '--creds=********' --label 'a=b c' 'x-********-y'"


def test_output_tail_keeps_the_last_lines():
    out = "\n".join(f"line {i}" for i in range(100))
    tail = output_tail(out, "Error: boom\n", lines=5)
    assert tail.splitlines() == ["line 96", "line 97", "line 98", "line 99", "Error: boom"]


# ---------------------------------------------------------------------- labels and checks


def _base(labels=None, arch="amd64"):
    return BaseImage(
        pullspec=BASE,
        digest=DIGEST,
        architecture=arch,
        os="linux",
        labels={"ostree.bootable": "true"} if labels is None else labels,
    )


def test_build_labels_and_up_to_date():
    labels = build_labels(_base(), "f" * 64, {"team": "os"})
    assert labels == {
        "team": "os",
        LABEL_BASE_IMAGE: BASE,
        LABEL_BASE_DIGEST: DIGEST,
        LABEL_CONTAINERFILE_SHA256: "f" * 64,
    }
    assert is_up_to_date(labels, DIGEST, "f" * 64)
    assert not is_up_to_date(labels, "sha256:" + "b" * 64, "f" * 64)
    assert not is_up_to_date(labels, DIGEST, "e" * 64)
    assert not is_up_to_date({}, DIGEST, "f" * 64)
    assert not is_up_to_date(None, DIGEST, "f" * 64)


def test_bootable_problem():
    assert bootable_problem({"architecture": "amd64", "labels": {"ostree.bootable": "true"}}, _base()) is None
    assert bootable_problem({"architecture": "x86_64", "labels": {"containers.bootc": "1"}}, _base()) is None
    message = bootable_problem({"architecture": "amd64", "labels": {}}, _base(labels={}))
    assert "lacks ostree.bootable" in message and "nothing was pushed" in message
    assert "Containerfile removed them" in bootable_problem({"architecture": "amd64", "labels": {}}, _base())
    assert "architecture arm64" in bootable_problem(
        {"architecture": "arm64", "labels": {"ostree.bootable": "1"}}, _base()
    )


# ---------------------------------------------------------------------- the flow, faked


class FakeClient:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _params(**overrides):
    params = {
        "image": "mirror.example/os/layered:1",
        "base_image": BASE,
        "release_image": None,
        "containerfile": "FROM base\nRUN touch /x\n",
        "containerfile_path": None,
        "context": None,
        "build_args": {},
        "secrets": [],
        "squash": False,
        "engine": "auto",
        "storage_driver": "vfs",
        "isolation": "chroot",
        "labels": {},
        "force": False,
        "auth_file": "/auth.json",
        "registry_username": None,
        "registry_password": None,
        "ca_file": None,
        "insecure_registries": ["mirror.example"],
    }
    params.update(overrides)
    return params


@pytest.fixture
def fake_registry(monkeypatch):
    state = {"existing": None}
    monkeypatch.setattr(
        image_build, "RegistryClient", type("C", (FakeClient,), {"from_params": classmethod(lambda cls, params: cls())})
    )
    monkeypatch.setattr(image_build, "resolve_base", lambda client, platform, **kw: _base())
    monkeypatch.setattr(image_build, "read_existing", lambda client, ref, platform: state["existing"])
    return state


class FakeEngine:
    def __init__(self, build_rc=0, labels=None):
        self.calls = []
        self.build_rc = build_rc
        self.labels = {"ostree.bootable": "true"} if labels is None else labels

    def __call__(self, argv):
        self.calls.append(argv)
        verb = argv[3]
        if verb == "build":
            if self.build_rc:
                return self.build_rc, "STEP 1/2\nSTEP 2/2: RUN false\n", "Error: exit status 1\n"
            with open(argv[argv.index("--iidfile") + 1], "w", encoding="utf-8") as handle:
                handle.write("sha256:" + "1" * 64)
            return 0, "ok", ""
        if verb == "inspect":
            return 0, json.dumps({"OCIv1": {"architecture": "amd64", "config": {"Labels": self.labels}}}), ""
        with open(argv[argv.index("--digestfile") + 1], "w", encoding="utf-8") as handle:
            handle.write("sha256:" + "2" * 64)
        return 0, "", ""


def _run(params, engine, check_mode=False):
    return image_build.OsImageBuild(
        params, check_mode=check_mode, run_command=engine, which={"buildah": "/usr/bin/buildah"}.get
    ).run()


def test_builds_and_pushes_with_tls_off_only_for_the_insecure_registry(fake_registry):
    engine = FakeEngine()
    result = _run(_params(), engine)
    assert result["changed"] and result["built"] and result["pushed"]
    assert result["image"] == "mirror.example/os/layered@sha256:" + "2" * 64
    build, inspect, push = engine.calls
    assert "--tls-verify=false" not in build and "--tls-verify=false" in push  # base on quay.example
    assert inspect[-1] == "1" * 64
    assert result["commands"][0].startswith("/usr/bin/buildah --storage-driver vfs build")


def test_up_to_date_destination_skips_the_build(fake_registry):
    params = _params()
    labels = build_labels(_base(), containerfile_sha256(params["containerfile"]), {})
    fake_registry["existing"] = ImageInfo(
        pullspec="x", digest="sha256:" + "3" * 64, architecture="amd64", os="linux", labels=labels
    )
    engine = FakeEngine()
    result = _run(params, engine)
    assert not result["changed"] and not result["built"] and result["up_to_date"]
    assert result["image"] == "mirror.example/os/layered@sha256:" + "3" * 64
    assert engine.calls == []
    forced = _run(dict(params, force=True), engine)
    assert forced["built"] and len(engine.calls) == 3


def test_check_mode_runs_nothing(fake_registry):
    engine = FakeEngine()
    result = _run(_params(registry_username="me", registry_password="s3cret-pw"), engine, check_mode=True)
    assert engine.calls == []
    assert result["changed"] and result["would_build"] and result["image"] is None
    assert "<workdir>/auth.json" in result["commands"][0]
    assert all("s3cret-pw" not in command for command in result["commands"])


def test_failed_build_reports_the_tail_and_pushes_nothing(fake_registry):
    engine = FakeEngine(build_rc=1)
    with pytest.raises(BuildError) as info:
        _run(_params(), engine)
    assert "RUN false" in info.value.message and "exit status 1" in info.value.context["build_output_tail"]
    assert len(engine.calls) == 1


def test_not_bootable_result_is_not_pushed(fake_registry):
    engine = FakeEngine(labels={})
    with pytest.raises(BuildError, match="lacks ostree.bootable"):
        _run(_params(), engine)
    assert [argv[3] for argv in engine.calls] == ["build", "inspect"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"image": "r.io/a/b@" + DIGEST}, "not a digest"),
        ({"labels": {LABEL_BASE_DIGEST: "x"}}, "set by the module"),
        ({"secrets": [{"id": "a,b", "src": "/etc/hostname"}]}, "secrets\\[0\\].id"),
        ({"secrets": [{"id": "ent", "src": "/nonexistent/ent.pem"}]}, "is not a file"),
        ({"context": "/nonexistent/context"}, "not a directory"),
        ({"containerfile": None, "containerfile_path": "/nonexistent/Containerfile"}, "cannot read it"),
    ],
)
def test_bad_input_fails_before_anything_runs(fake_registry, overrides, message):
    engine = FakeEngine()
    with pytest.raises(BuildError, match=message):
        _run(_params(**overrides), engine)
    assert engine.calls == []


def test_host_platform_maps_machine_names():
    assert base_mod.host_platform("x86_64").architecture == "amd64"
    assert base_mod.host_platform("aarch64").architecture == "arm64"
