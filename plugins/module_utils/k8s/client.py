# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one call path to the API server: get, list, watch, create, replace, patch, delete.

:class:`Client` wraps kubernetes.core's ``K8SClient`` (``get_api_client``: its auth options,
``K8S_AUTH_*`` fallbacks, kubeconfig and in-cluster config; in check mode its writes are
server-side dry runs). It returns plain dicts and maps every failure once
(:mod:`.errors`): an HTTP status to a named :class:`.errors.KubernetesError`, a broken
connection to :class:`.errors.UnreachableError`, an unserved kind to
:class:`.errors.MissingApiError`. A ``get`` of an object that does not exist returns None.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.core import (
    ApiException,
    CoreException,
    DynamicApiError,
    ResourceNotFoundError,
    ResourceNotUniqueError,
    Urllib3Error,
    get_api_client,
)
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import (
    RBAC_DOC,
    MissingApiError,
    UnreachableError,
    api_error,
    api_error_text,
    describe,
    transport_error,
)


def to_dict(obj: Any) -> dict[str, Any]:
    """A plain dict for what the dynamic client returns (ResourceInstance, ResourceField or dict)."""
    if obj is None:
        return {}
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class Client:
    """Plain-dict access to the API server through one ``K8SClient``.

    ``rbac_doc`` is the file (or folder) of the collection's RBAC documentation that a 403
    points the user to.
    """

    def __init__(self, k8s_client: Any, rbac_doc: str = RBAC_DOC) -> None:
        self.k8s = k8s_client
        self.rbac_doc = rbac_doc
        self._resources: dict[str, Any] = {}

    @classmethod
    def for_module(cls, module: Any, rbac_doc: str = RBAC_DOC) -> Client:
        """A client from an ``AnsibleK8SModule``'s connection options."""
        try:
            return cls(get_api_client(module=module), rbac_doc=rbac_doc)
        except CoreException as e:  # kubeconfig or context problems: kubernetes.core names them
            raise UnreachableError(
                f"cannot set up the API client: {str(e).rstrip('.')}. Check the kubeconfig, context or host the task uses"
            ) from None
        except (Urllib3Error, OSError) as e:  # the text names host and path, never a credential
            raise UnreachableError(
                f"cannot reach the API server: {e}. Check the host, kubeconfig or context the task uses"
            ) from None
        except (DynamicApiError, ApiException) as e:
            raise UnreachableError(f"the API server refused the connection: {api_error_text(e)}") from None

    @property
    def dry_run(self) -> bool:
        """True when writes are server-side dry runs (check mode)."""
        return bool(getattr(self.k8s, "dry_run", False))

    def resource(self, kind: str, api_version: str, hint: str | None = None) -> Any:
        """The discovered resource (cached); an unserved kind raises MissingApiError."""
        key = f"{api_version}/{kind}"
        if key not in self._resources:
            try:
                self._resources[key] = self.k8s.resource(kind, api_version)
            except (ResourceNotFoundError, ResourceNotUniqueError):
                raise MissingApiError(kind, api_version, hint) from None
            except (DynamicApiError, ApiException) as e:
                raise api_error(e, "discover", kind, kind.lower() + "s", rbac_doc=self.rbac_doc) from None
            except (Urllib3Error, OSError) as e:  # the text names host and path, never a credential
                raise transport_error(e, "discover", f"{kind} ({api_version})") from None
        return self._resources[key]

    def _call(
        self,
        verb: str,
        kind: str,
        api_version: str,
        function: Callable[..., Any],
        *args: Any,
        name: str | None = None,
        namespace: str | None = None,
        label_selector: str | None = None,
        **params: Any,
    ) -> Any:
        """Run one K8SClient call on the resource of ``kind``; every failure mapped once."""
        resource = self.resource(kind, api_version)
        if name is not None:
            params["name"] = name
        if namespace:
            params["namespace"] = namespace
        if label_selector:
            params["label_selector"] = label_selector
        try:
            return function(resource, *args, **params)
        except (DynamicApiError, ApiException) as e:
            if verb == "get" and name is not None and getattr(e, "status", None) == 404:
                return None
            plural = getattr(resource, "name", None) or kind.lower() + "s"
            raise api_error(e, verb, kind, plural, name, namespace, label_selector, self.rbac_doc) from None
        except (Urllib3Error, OSError) as e:  # the text names host and path, never a credential
            raise transport_error(e, verb, describe(kind, name, namespace, label_selector)) from None

    # reads

    def get(self, kind: str, api_version: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """One object, or None when it does not exist."""
        obj = self._call("get", kind, api_version, self.k8s.get, name=name, namespace=namespace)
        return None if obj is None else to_dict(obj)

    def list_with_version(
        self, kind: str, api_version: str, label_selector: str | None = None, namespace: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """(items, the list's resourceVersion), to watch from."""
        result = to_dict(
            self._call("list", kind, api_version, self.k8s.get, namespace=namespace, label_selector=label_selector)
        )
        items = [to_dict(item) for item in (result.get("items") or [])]
        return items, (result.get("metadata") or {}).get("resourceVersion")

    def list(
        self, kind: str, api_version: str, label_selector: str | None = None, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        return self.list_with_version(kind, api_version, label_selector, namespace)[0]

    def watch(
        self,
        kind: str,
        api_version: str,
        name: str | None = None,
        label_selector: str | None = None,
        resource_version: str | None = None,
        timeout: int = 60,
    ) -> Iterator[dict[str, Any]]:
        """The dynamic client's watch events (``type``, ``raw_object``), errors mapped."""
        resource = self.resource(kind, api_version)
        stream = self.k8s.client.watch(
            resource, name=name, label_selector=label_selector, resource_version=resource_version, timeout=timeout
        )
        try:
            yield from stream
        except (DynamicApiError, ApiException) as e:
            plural = getattr(resource, "name", None) or kind.lower() + "s"
            raise api_error(e, "watch", kind, plural, name, None, label_selector, self.rbac_doc) from None
        except (Urllib3Error, OSError) as e:  # the text names host and path, never a credential
            raise transport_error(e, "watch", describe(kind, name, None, label_selector)) from None

    # writes (server-side dry runs in check mode)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        meta = body.get("metadata") or {}
        return to_dict(
            self._call(
                "create", body["kind"], body["apiVersion"], self.k8s.create, body, namespace=meta.get("namespace")
            )
        )

    def replace(self, body: dict[str, Any]) -> dict[str, Any]:
        """Replace the object; a ``metadata.resourceVersion`` in ``body`` makes it conditional (409)."""
        meta = body.get("metadata") or {}
        return to_dict(
            self._call(
                "update",
                body["kind"],
                body["apiVersion"],
                self.k8s.replace,
                body,
                name=meta["name"],
                namespace=meta.get("namespace"),
            )
        )

    def patch(
        self,
        kind: str,
        api_version: str,
        name: str,
        patch: Any,
        namespace: str | None = None,
        content_type: str = "application/merge-patch+json",
    ) -> dict[str, Any]:
        return to_dict(
            self._call(
                "patch",
                kind,
                api_version,
                self.k8s.patch,
                patch,
                name=name,
                namespace=namespace,
                content_type=content_type,
            )
        )

    def delete(
        self,
        kind: str,
        api_version: str,
        name: str,
        namespace: str | None = None,
        preconditions: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Delete one object; ``preconditions`` (resourceVersion, uid) make it conditional (409)."""
        params = {"body": {"preconditions": preconditions}} if preconditions else {}
        return to_dict(
            self._call("delete", kind, api_version, self.k8s.delete, name=name, namespace=namespace, **params)
        )
