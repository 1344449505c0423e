# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What an API call's failure means, mapped once for every module.

:func:`api_error` turns an HTTP status from the API server into a named error: 403
:class:`ForbiddenError` (the verb, the resource and where the collection's RBAC documentation
lists what to grant), 404 :class:`NotFoundError`, 409 :class:`ConflictError`, 422
:class:`InvalidError` (with the API's ``details.causes``: field and message, as
k8s.io/apimachinery pkg/api/errors/errors.go ``NewInvalid`` builds them); anything else stays a
:class:`KubernetesError`. Messages carry the status, the API's ``message`` and the object,
never a header, token or kubeconfig content. Pure: tests pass exception-like objects.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import json
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError

# where the collection documents the permissions each module needs
RBAC_DOC = "docs/rbac/"


class KubernetesError(MachineOSError):
    """An API call failed; context: verb, resource, object_name, namespace, status."""


class ForbiddenError(KubernetesError):
    """HTTP 403: the credentials lack a permission; the message names verb and resource."""

    def __init__(
        self,
        verb: str,
        resource: str,
        name: str | None,
        detail: str,
        namespace: str | None = None,
        rbac_doc: str = RBAC_DOC,
    ) -> None:
        self.verb = verb
        self.resource = resource
        self.object_name = name
        self.namespace = namespace
        self.rbac_doc = rbac_doc
        where = resource + ("/" + name if name else "")
        if namespace:
            where += f" in namespace {namespace}"
        super().__init__(
            f"forbidden: the API server refused to {verb} {where} ({detail}). Grant the permissions listed in "
            f"{rbac_doc} of the okd.machine_os collection to the user or ServiceAccount the task uses",
            verb=verb,
            resource=resource,
            object_name=name,
            namespace=namespace,
            rbac_doc=rbac_doc,
            status=403,
        )


class NotFoundError(KubernetesError):
    """HTTP 404 on a write: the object (or its namespace) does not exist."""


class ConflictError(KubernetesError):
    """HTTP 409: the object changed since it was read (resourceVersion), or already exists."""


class InvalidError(KubernetesError):
    """HTTP 422: the API server rejected the object; ``causes`` lists field and message."""


class MissingApiError(KubernetesError):
    """The API server does not serve a kind (e.g. no MCO CRDs: not an OpenShift cluster)."""

    def __init__(self, kind: str, api_version: str, hint: str | None = None) -> None:
        self.kind = kind
        self.api_version = api_version
        super().__init__(
            f"the API server does not serve {kind} ({api_version}): "
            + (hint or "this does not look like an OpenShift/OKD cluster with the Machine Config Operator")
            + ". Check the kubeconfig, context or host the task uses",
            kind=kind,
            api_version=api_version,
        )


class UnreachableError(KubernetesError):
    """The API server could not be reached, or the connection options are unusable."""


def _status_body(exc: Any) -> dict[str, Any]:
    body = getattr(exc, "body", None)
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def api_error_text(exc: Any) -> str:
    """``<status> <reason>: <message>`` from a kubernetes API error, without headers."""
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    message = _status_body(exc).get("message")
    if status is None and reason is None:
        return str(exc)
    text = f"{status} {reason}" if reason else str(status)
    return f"{text}: {message}" if message else text


def api_causes(exc: Any) -> list[dict[str, str]]:
    """The Status's ``details.causes`` as ``[{field, message}]`` (empty when there are none)."""
    causes = (_status_body(exc).get("details") or {}).get("causes") or []
    return [
        {"field": cause.get("field") or "", "message": cause.get("message") or cause.get("reason") or ""}
        for cause in causes
        if isinstance(cause, dict)
    ]


def describe(
    kind: str, name: str | None = None, namespace: str | None = None, label_selector: str | None = None
) -> str:
    """``Kind name in namespace ns`` (or ``Kinds (selector)`` for a list)."""
    what = f"{kind} {name}" if name else f"{kind}s" + (f" ({label_selector})" if label_selector else "")
    return what + (f" in namespace {namespace}" if namespace else "")


def api_error(
    exc: Any,
    verb: str,
    kind: str,
    resource: str,
    name: str | None = None,
    namespace: str | None = None,
    label_selector: str | None = None,
    rbac_doc: str = RBAC_DOC,
) -> KubernetesError:
    """The named error for an API server's answer ``exc`` (anything with ``status``,
    ``reason`` and a JSON Status ``body``) to ``verb`` on an object or a list."""
    status = getattr(exc, "status", None)
    text = api_error_text(exc)
    if status == 403:
        return ForbiddenError(verb, resource, name, text, namespace, rbac_doc)
    what = describe(kind, name, namespace, label_selector)
    context = {"verb": verb, "resource": resource, "object_name": name, "namespace": namespace, "status": status}
    if status == 404:
        hint = ""
        if namespace and verb == "create":
            hint = f": does the namespace {namespace} exist (an OpenShift/OKD cluster has it)?"
        return NotFoundError(f"cannot {verb} {what}: {text}{hint}", **context)
    if status == 409:
        return ConflictError(f"cannot {verb} {what}: {text}", **context)
    if status == 422:
        causes = api_causes(exc)
        fields = "; ".join(f"{c['field']}: {c['message']}" if c["field"] else c["message"] for c in causes)
        return InvalidError(
            f"cannot {verb} {what}: {text}" + (f" ({fields})" if fields and fields not in text else ""),
            causes=causes,
            **context,
        )
    return KubernetesError(f"cannot {verb} {what}: {text}", **context)


def transport_error(exc: Exception, verb: str, what: str) -> UnreachableError:
    """A connection failure during ``verb`` on ``what``; the text names host and path only."""
    return UnreachableError(
        f"cannot {verb} {what}: the API server is unreachable: {exc}. Check the host, kubeconfig or context the task uses"
    )
