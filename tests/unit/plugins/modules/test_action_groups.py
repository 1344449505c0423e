"""Action groups (meta/runtime.yml) against what the modules really accept.

`module_defaults: {group/okd.machine_os.<group>: {...}}` hands every option set for the group
to every member; a member without one of them fails with "Unsupported parameters", and a
member whose option of the same name means something else (os_image_build's `context` is a
build directory, kubernetes.core's a kubeconfig context) silently does the wrong thing.
So, as community.docker's tests/sanity/extra/action-group.py does, and further:

- a module is in a group exactly when its argument spec has every option of the group, with
  the group's type (read from the group's doc fragment);
- its documentation (attributes.action_group.membership, resolved by ansible-doc) names
  exactly the groups meta/runtime.yml puts it in;
- a playbook using module_defaults for both groups runs each member (and kubernetes.core's
  k8s modules through extend_group) in check mode: no "Unsupported parameters", and the
  defaults reach the module (its invocation shows them).
"""

import importlib
import json
import os
import subprocess
import sys
import tempfile

import pytest
import yaml

from ansible.module_utils import basic

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
COLLECTION = "okd.machine_os"
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(REPO, "plugins", "modules")) if f.endswith(".py"))

# group -> the doc fragment whose options define it
GROUP_FRAGMENTS = {
    "cluster": "ansible_collections.kubernetes.core.plugins.doc_fragments.k8s_auth_options",
    "registry": "ansible_collections.okd.machine_os.plugins.doc_fragments.registry_auth",
}
# what module_defaults sets for each group in the playbook test: harmless values that make
# every member fail fast without a lab (nothing listens on port 1)
GROUP_DEFAULTS = {
    "cluster": {"host": "https://127.0.0.1:1", "api_key": "not-a-token", "validate_certs": False},
    "registry": {"registry_retries": 0, "registry_connect_timeout": 1, "insecure_registries": ["127.0.0.1:1"]},
}
# per group, the members the playbook test runs (each module run costs ~2 s of CPU; that every
# member accepts the group's options is test_group_members_accept_every_option_of_the_group's)
REACH_PROBES = {
    "cluster": ["machine_config_pool_info", "kubernetes.core.k8s_info"],
    "registry": ["release_new"],
}
# an option per group set to a value of the wrong type: the member's argument check names it
BAD_DEFAULT = {"cluster": "validate_certs", "registry": "registry_retries"}
DIGEST = "sha256:" + "0" * 64
# one call per module run by the playbook test: valid arguments, then a fast failure without a lab
MEMBER_ARGS = {
    "machine_config_pool_info": {"name": "worker"},
    "release_info": {"from_dir": "/nonexistent/release"},
    "release_new": {"from_release": f"127.0.0.1:1/release@{DIGEST}", "to_image": "127.0.0.1:1/new"},
    "kubernetes.core.k8s_info": {"kind": "Node"},
}


def _runtime():
    with open(os.path.join(REPO, "meta", "runtime.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def _groups():
    """group -> (members, extended groups) from meta/runtime.yml."""
    groups = {}
    for name, entries in _runtime()["action_groups"].items():
        members, extends = set(), []
        for entry in entries:
            if isinstance(entry, dict):
                extends.extend(entry.get("metadata", {}).get("extend_group", []))
            else:
                members.add(entry)
        groups[name] = (members, extends)
    return groups


def _fragment_options(dotted):
    return yaml.safe_load(importlib.import_module(dotted).ModuleDocFragment.DOCUMENTATION)["options"]


class _Spec(Exception):
    pass


@pytest.fixture(scope="module")
def argument_specs():
    """module -> the argument_spec it hands AnsibleModule (directly or through
    kubernetes.core's AnsibleK8SModule), caught before any argument is read."""

    def capture(self, argument_spec=None, **kwargs):
        raise _Spec(argument_spec)

    specs = {}
    original = basic.AnsibleModule.__init__
    basic.AnsibleModule.__init__ = capture
    try:
        for name in MODULES:
            module = importlib.import_module(f"ansible_collections.{COLLECTION}.plugins.modules.{name}")
            with pytest.raises(_Spec) as caught:
                module.main()
            specs[name] = caught.value.args[0]
    finally:
        basic.AnsibleModule.__init__ = original
    return specs


@pytest.fixture(scope="module")
def docs():
    """module -> its documentation as ansible-doc resolves it (doc fragments merged)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collections_path())
    proc = subprocess.run(
        [_bin("ansible-doc"), "-j", *(f"{COLLECTION}.{m}" for m in MODULES)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {name.split(".")[-1]: value["doc"] for name, value in json.loads(proc.stdout).items()}


def _collections_path():
    import ansible_collections.okd.machine_os as collection

    # .../ansible_collections/okd/machine_os -> the directory holding ansible_collections
    path = next(iter(collection.__path__))
    return os.path.dirname(os.path.dirname(os.path.dirname(path)))


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def _accepts(spec, options):
    """The options `spec` lacks or types differently from the group's fragment."""
    wrong = []
    for option, doc in options.items():
        entry = spec.get(option)
        if entry is None:
            wrong.append(f"{option} (missing)")
            continue
        want = (doc.get("type", "str"), doc.get("elements"))
        have = (entry.get("type", "str"), entry.get("elements"))
        if want != have:
            wrong.append(f"{option} ({have[0]}, the group's is {want[0]})")
    return wrong


def test_runtime_groups_are_the_known_ones():
    assert set(_groups()) == set(GROUP_FRAGMENTS), "a new group needs its fragment in GROUP_FRAGMENTS"
    assert _groups()["cluster"][1] == ["kubernetes.core.k8s"]


@pytest.mark.parametrize("group", sorted(GROUP_FRAGMENTS))
def test_group_members_accept_every_option_of_the_group(group, argument_specs):
    options = _fragment_options(GROUP_FRAGMENTS[group])
    members, _extends = _groups()[group]
    eligible = {name for name, spec in argument_specs.items() if not _accepts(spec, options)}
    misfits = {name: _accepts(argument_specs[name], options) for name in members - eligible}
    assert not misfits, f"in group {group} but not accepting its options: {misfits}"
    assert eligible <= members, f"accept every option of group {group} but are not in it: {eligible - members}"


def test_os_image_build_stays_out_of_the_cluster_group(argument_specs):
    # the reason meta/runtime.yml gives: the same option name with another meaning
    options = _fragment_options(GROUP_FRAGMENTS["cluster"])
    assert "context (path, the group's is str)" in _accepts(argument_specs["os_image_build"], options)


def test_documented_membership_matches_runtime(docs):
    groups = _groups()
    for name in MODULES:
        expected = sorted(f"{COLLECTION}.{g}" for g, (members, _extends) in groups.items() if name in members)
        action_group = docs[name].get("attributes", {}).get("action_group")
        documented = sorted(action_group.get("membership", [])) if action_group else []
        assert documented == expected, f"{name}: documents {documented}, meta/runtime.yml says {expected}"


def test_every_module_uses_the_shared_attributes(docs):
    for name in MODULES:
        attributes = docs[name].get("attributes", {})
        for attribute in ("check_mode", "diff_mode", "idempotent", "platform"):
            assert attributes.get(attribute, {}).get("support"), f"{name}: attribute {attribute} has no support"
        assert attributes["check_mode"]["description"].startswith("Can run in check mode"), name


def _run_and_check(name, args, that):
    fqcn = name if "." in name else f"{COLLECTION}.{name}"
    return [
        {"name": fqcn, fqcn: args, "register": "result", "ignore_errors": True},
        {
            "name": f"check {fqcn}",
            "ansible.builtin.assert": {"that": that, "fail_msg": f"{fqcn}: {{{{ result.msg }}}}"},
        },
    ]


def test_module_defaults_for_each_group_reach_every_member():
    """The documented use, with ansible-playbook: module_defaults for both groups in one play
    reach a member of both and kubernetes.core's k8s_info without "Unsupported parameters";
    then, per group, a default of the wrong type makes members (kubernetes.core's k8s_info
    too, through extend_group) name it, so it reached them."""
    groups = _groups()
    valid = {
        "name": "valid group defaults",
        "hosts": "localhost",
        "gather_facts": False,
        "check_mode": True,
        "module_defaults": {f"group/{COLLECTION}.{g}": GROUP_DEFAULTS[g] for g in groups},
        "tasks": [
            *_run_and_check(
                "release_info", MEMBER_ARGS["release_info"], ["'Unsupported parameters' not in result.msg"]
            ),
            *_run_and_check(
                "kubernetes.core.k8s_info",
                MEMBER_ARGS["kubernetes.core.k8s_info"],
                # kubernetes.core lets a refused connection escape as a traceback under ansible-core 2.16
                [
                    "'Unsupported parameters' not in result.msg",
                    "'127.0.0.1' in result.msg ~ result.module_stderr | default('')",
                ],
            ),
        ],
    }
    reach = [
        {
            "name": f"group/{COLLECTION}.{group} reaches its members",
            "hosts": "localhost",
            "gather_facts": False,
            "check_mode": True,
            "module_defaults": {f"group/{COLLECTION}.{group}": {option: "not-a-number"}},
            "tasks": [
                task
                for name in REACH_PROBES[group]
                for task in _run_and_check(name, MEMBER_ARGS[name], [f"'{option}' in result.msg"])
            ],
        }
        for group, option in BAD_DEFAULT.items()
    ]
    plays = [valid, *reach]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "play.yml")
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump(plays, f)
        env = {k: v for k, v in os.environ.items() if not k.startswith("K8S_AUTH_")}
        env.update(
            ANSIBLE_COLLECTIONS_PATH=_collections_path(),
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            KUBECONFIG="/nonexistent/kubeconfig",
        )
        proc = subprocess.run(
            [_bin("ansible-playbook"), path], env=env, capture_output=True, text=True, timeout=300, check=False
        )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
