# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one module base: build, run one action, exit or fail with the same shape everywhere."""

import contextlib
import json

import pytest

from ansible.module_utils.basic import AnsibleModule

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 (make test also runs the unit tests on 2.16)

    @contextlib.contextmanager
    def patch_module_args(args):
        from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

        saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access


from ansible_collections.okd.machine_os.plugins.module_utils import module_runner
from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import ForbiddenError

SPEC = {"name": {"type": "str", "required": True}}


class DomainError(MachineOSError):
    """Some domain's error."""


@pytest.fixture
def warned(monkeypatch):
    """The module's warnings (how they are serialised depends on what else the process imported)."""
    seen = []
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, message: seen.append(message))
    return seen


def run(action, args, capsys, **kwargs):
    with patch_module_args(args), pytest.raises(SystemExit) as exited:
        module_runner.run_module(SPEC, action, **kwargs)
    result = json.loads(capsys.readouterr().out)
    return exited.value.code, result


def test_the_action_result_is_the_module_result(capsys, warned):
    def action(ctx):
        ctx.warn("careful")
        return {"changed": True, "hello": ctx.params["name"], "check": ctx.check_mode}

    code, result = run(action, {"name": "x"}, capsys, supports_check_mode=True)
    assert code == 0
    assert result["changed"] is True and result["hello"] == "x" and result["check"] is False
    assert warned == ["careful"]


def test_any_domain_error_fails_with_msg_error_class_and_context(capsys, warned):
    def action(ctx):
        ctx.warn("seen before the failure")
        raise DomainError("what failed: why. What to do", image="q/r", partial=[1])

    code, result = run(action, {"name": "x"}, capsys)
    assert code == 1 and result["failed"] is True
    assert result["msg"] == "what failed: why. What to do"
    assert result["error"] == "DomainError"
    assert result["image"] == "q/r" and result["partial"] == [1]
    assert warned == ["seen before the failure"]


def test_a_forbidden_error_has_the_same_shape(capsys):
    def action(ctx):
        raise ForbiddenError("list", "nodes", None, "403 Forbidden")

    _code, result = run(action, {"name": "x"}, capsys)
    assert result["error"] == "ForbiddenError" and result["verb"] == "list" and result["resource"] == "nodes"
    assert result["msg"].startswith("forbidden: the API server refused to list nodes (403 Forbidden)")


def test_missing_library_is_a_domain_error_too(capsys):
    def action(ctx):
        ctx.require("requests", False, reason="to talk to registries")
        return {}

    _code, result = run(action, {"name": "x"}, capsys)
    assert result["error"] == "MissingDependencyError"
    assert "requests" in result["msg"] and "to talk to registries" in result["msg"]


def test_a_module_without_cluster_options_cannot_reach_the_cluster(capsys):
    def action(ctx):
        ctx.client(why="reading the cluster's release (no image given)")
        return {}

    _code, result = run(action, {"name": "x"}, capsys)
    assert result["error"] == "MissingDependencyError"
    assert result["msg"].startswith(
        "reading the cluster's release (no image given) needs the kubernetes.core collection"
    )


@pytest.mark.skipif(not module_runner.HAS_KUBERNETES_CORE, reason="kubernetes.core is not installed")
def test_cluster_modules_get_kubernetes_core_connection_options(capsys):
    def action(ctx):
        return {"changed": False, "context": ctx.params["context"], "dry_run": ctx.server_side_dry_run}

    args = {"name": "x", "context": "lab-admin"}
    _code, result = run(action, args, capsys, cluster=module_runner.CLUSTER_OPTIONAL)
    assert result["context"] == "lab-admin" and result["dry_run"] is False
    _code, result = run(action, args, capsys, cluster=module_runner.CLUSTER_REQUIRED)
    assert result["context"] == "lab-admin"
