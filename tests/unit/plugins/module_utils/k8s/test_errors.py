# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one mapping of API server answers to named errors (pure: exception-like fakes)."""

import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s import errors


class ApiAnswer(Exception):
    """Like kubernetes' ApiException/DynamicApiError: status, reason, a JSON Status body, headers."""

    def __init__(self, status, reason, message=None, causes=None):
        super().__init__(f"({status})\nReason: {reason}\nHTTP response headers: Authorization: Bearer sekret")
        self.status = status
        self.reason = reason
        self.headers = {"Authorization": "Bearer sekret"}
        body = {"kind": "Status", "message": message}
        if causes is not None:
            body["details"] = {"causes": causes}
        self.body = json.dumps(body)


def test_403_names_verb_resource_namespace_and_the_rbac_doc():
    exc = ApiAnswer(403, "Forbidden", 'secrets "pull-secret" is forbidden: User "dev" cannot get')
    error = errors.api_error(
        exc, "get", "Secret", "secrets", "pull-secret", "openshift-config", rbac_doc="docs/rbac/x.yaml"
    )
    assert isinstance(error, errors.ForbiddenError) and isinstance(error, MachineOSError)
    assert str(error).startswith(
        "forbidden: the API server refused to get secrets/pull-secret in namespace openshift-config (403 Forbidden: "
    )
    assert "Grant the permissions listed in docs/rbac/x.yaml of the okd.machine_os collection" in str(error)
    kwargs = error.fail_kwargs()
    assert kwargs["error"] == "ForbiddenError"
    assert (kwargs["verb"], kwargs["resource"], kwargs["namespace"], kwargs["rbac_doc"], kwargs["status"]) == (
        "get",
        "secrets",
        "openshift-config",
        "docs/rbac/x.yaml",
        403,
    )
    assert "sekret" not in json.dumps(kwargs)


def test_403_on_a_list_has_no_object_and_the_default_doc():
    error = errors.api_error(ApiAnswer(403, "Forbidden"), "list", "MachineConfigPool", "machineconfigpools")
    assert "refused to list machineconfigpools (403 Forbidden)" in str(error)
    assert errors.RBAC_DOC in str(error) and "object_name" not in error.context


def test_404_on_a_namespaced_create_asks_for_the_namespace():
    error = errors.api_error(
        ApiAnswer(404, "Not Found"), "create", "ConfigMap", "configmaps", "sig", "openshift-config-managed"
    )
    assert isinstance(error, errors.NotFoundError)
    assert str(error) == (
        "cannot create ConfigMap sig in namespace openshift-config-managed: 404 Not Found: does the namespace "
        "openshift-config-managed exist (an OpenShift/OKD cluster has it)?"
    )


def test_409_is_a_conflict():
    exc = ApiAnswer(
        409, "Conflict", 'Operation cannot be fulfilled on machineconfigs "x": the object has been modified'
    )
    error = errors.api_error(exc, "update", "MachineConfig", "machineconfigs", "x")
    assert isinstance(error, errors.ConflictError) and error.context["status"] == 409
    assert str(error).startswith("cannot update MachineConfig x: 409 Conflict: Operation cannot be fulfilled")


def test_422_carries_the_field_causes():
    causes = [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.imageDigestMirrors[0].source"},
        {"reason": "FieldValueInvalid", "message": 'Invalid value: "x"'},
    ]
    exc = ApiAnswer(422, "Unprocessable Entity", 'ImageDigestMirrorSet.config.openshift.io "r" is invalid', causes)
    error = errors.api_error(exc, "create", "ImageDigestMirrorSet", "imagedigestmirrorsets", "r")
    assert isinstance(error, errors.InvalidError)
    assert error.context["causes"] == [
        {"field": "spec.imageDigestMirrors[0].source", "message": "Required value"},
        {"field": "", "message": 'Invalid value: "x"'},
    ]
    assert '(spec.imageDigestMirrors[0].source: Required value; Invalid value: "x")' in str(error)


@pytest.mark.parametrize("status", [400, 500, 503])
def test_other_statuses_stay_kubernetes_errors(status):
    error = errors.api_error(ApiAnswer(status, "Whatever", "boom"), "list", "Node", "nodes", label_selector="a=b")
    assert error.__class__ is errors.KubernetesError
    assert str(error) == f"cannot list Nodes (a=b): {status} Whatever: boom"


def test_api_error_text_has_status_reason_message_and_never_headers():
    exc = ApiAnswer(403, "Forbidden", 'machineconfigpools is forbidden: User "dev" cannot list')
    assert errors.api_error_text(exc) == '403 Forbidden: machineconfigpools is forbidden: User "dev" cannot list'
    assert errors.api_error_text(ValueError("plain")) == "plain"
    exc.body = "not json"
    assert errors.api_error_text(exc) == "403 Forbidden"


def test_missing_api_message():
    text = str(errors.MissingApiError("MachineConfigPool", "machineconfiguration.openshift.io/v1"))
    assert text.startswith("the API server does not serve MachineConfigPool (machineconfiguration.openshift.io/v1)")
    assert "OpenShift/OKD" in text


def test_transport_error_names_what_and_the_fix():
    error = errors.transport_error(ConnectionRefusedError(111, "Connection refused"), "list", "Nodes")
    assert isinstance(error, errors.UnreachableError)
    assert str(error).startswith("cannot list Nodes: the API server is unreachable: ")
    assert "kubeconfig" in str(error)
