# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reads of MachineConfigPools, MachineConfigs and Nodes through kubernetes.core's client.

The client is the one ``kubernetes.core.plugins.module_utils.k8s.client.get_api_client``
returns (``K8SClient``), so authentication, ``K8S_AUTH_*`` environment fallbacks and
kubeconfig handling are kubernetes.core's. Objects are returned as plain dicts.
API errors become :class:`MachineConfigApiError` with a message that names the object
and the HTTP status, never a token or a header.
"""

import json
from typing import Any

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError

try:
    from kubernetes.dynamic.exceptions import (
        DynamicApiError,
        NotFoundError,
        ResourceNotFoundError,
        ResourceNotUniqueError,
    )
except ImportError:
    # kubernetes is checked by AnsibleK8SModule (missing_required_lib); these stand-ins
    # only keep the except clauses below importable.
    class DynamicApiError(Exception):  # type: ignore[no-redef]
        pass

    class NotFoundError(DynamicApiError):  # type: ignore[no-redef]
        pass

    class ResourceNotFoundError(Exception):  # type: ignore[no-redef]
        pass

    class ResourceNotUniqueError(Exception):  # type: ignore[no-redef]
        pass


try:
    from urllib3.exceptions import HTTPError as Urllib3Error
except ImportError:

    class Urllib3Error(Exception):  # type: ignore[no-redef]
        pass


try:
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import (
        get_api_client,
    )
except ImportError:
    # the module reports the missing kubernetes.core collection itself
    get_api_client = None


MCO_API_VERSION = "machineconfiguration.openshift.io/v1"
KIND_POOL = "MachineConfigPool"
KIND_MACHINE_CONFIG = "MachineConfig"
KIND_NODE = "Node"


class MachineConfigApiError(MachineOSError):
    """A read failed; the message is meant for the user."""


class MissingApiError(MachineConfigApiError):
    """The API server does not serve a kind (e.g. no MCO CRDs: not an OpenShift cluster)."""

    def __init__(self, kind: str, api_version: str) -> None:
        self.kind = kind
        self.api_version = api_version
        super().__init__(
            f"the API server does not serve {kind} ({api_version}): this does not look like an "
            "OpenShift/OKD cluster with the Machine Config Operator. Check the kubeconfig, "
            "context or host the task uses"
        )


def api_error_text(exc: Exception) -> str:
    """``<status> <reason>: <message>`` from a kubernetes API error, without headers."""
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    message = None
    body = getattr(exc, "body", None)
    if body:
        try:
            message = json.loads(body).get("message")
        except (TypeError, ValueError, AttributeError):
            message = None
    if status is None and reason is None:
        return str(exc)
    text = f"{status} {reason}" if reason else str(status)
    return f"{text}: {message}" if message else text


def _to_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class MachineConfigReader:
    """Read-only access to pools, machine configs and nodes."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._resources: dict[str, Any] = {}

    def resource(self, kind: str, api_version: str) -> Any:
        key = f"{api_version}/{kind}"
        if key not in self._resources:
            try:
                self._resources[key] = self.client.resource(kind, api_version)
            except (ResourceNotFoundError, ResourceNotUniqueError):
                raise MissingApiError(kind, api_version) from None
            except DynamicApiError as e:
                raise MachineConfigApiError(
                    f"cannot discover {kind} ({api_version}) on the API server: {api_error_text(e)}"
                ) from None
            except (Urllib3Error, OSError) as e:  # transport: the text names host and path, no credentials
                raise MachineConfigApiError(
                    f"cannot reach the API server to discover {kind} ({api_version}): {e}"
                ) from None
        return self._resources[key]

    def _list(self, kind: str, api_version: str, label_selector: str | None = None) -> list[dict[str, Any]]:
        resource = self.resource(kind, api_version)
        params = {}
        if label_selector:
            params["label_selector"] = label_selector
        what = "{}s{}".format(kind, f" ({label_selector})" if label_selector else "")
        try:
            result = self.client.get(resource, **params)
        except DynamicApiError as e:
            raise MachineConfigApiError(f"cannot list {what}: {api_error_text(e)}") from None
        except (Urllib3Error, OSError) as e:  # transport: the text names host and path, no credentials
            raise MachineConfigApiError(f"cannot list {what}: {e}") from None
        return [_to_dict(item) for item in (_to_dict(result).get("items") or [])]

    def _get(self, kind: str, api_version: str, name: str) -> dict[str, Any] | None:
        resource = self.resource(kind, api_version)
        try:
            return _to_dict(self.client.get(resource, name=name))
        except NotFoundError:
            return None
        except DynamicApiError as e:
            raise MachineConfigApiError(f"cannot read {kind} {name}: {api_error_text(e)}") from None
        except (Urllib3Error, OSError) as e:  # transport: the text names host and path, no credentials
            raise MachineConfigApiError(f"cannot read {kind} {name}: {e}") from None

    def list_pools(self) -> list[dict[str, Any]]:
        pools = self._list(KIND_POOL, MCO_API_VERSION)
        return sorted(pools, key=lambda p: (p.get("metadata") or {}).get("name", ""))

    def get_pool(self, name: str) -> dict[str, Any] | None:
        return self._get(KIND_POOL, MCO_API_VERSION, name)

    def get_machine_config(self, name: str) -> dict[str, Any] | None:
        return self._get(KIND_MACHINE_CONFIG, MCO_API_VERSION, name)

    def list_nodes(self, label_selector: str | None = None) -> list[dict[str, Any]]:
        return self._list(KIND_NODE, "v1", label_selector)


def reader_for_module(module: Any) -> MachineConfigReader:
    """A reader on kubernetes.core's API client for an ``AnsibleK8SModule`` (its auth
    options, their ``K8S_AUTH_*`` fallbacks, kubeconfig and in-cluster config)."""
    try:
        return MachineConfigReader(get_api_client(module=module))
    except (Urllib3Error, OSError) as e:  # transport: the text names host and path, no credentials
        raise MachineConfigApiError(
            f"cannot reach the API server: {e}. Check the host, kubeconfig or context the task uses"
        ) from None
    except DynamicApiError as e:
        raise MachineConfigApiError(f"the API server refused the connection: {api_error_text(e)}") from None


# --- added for os_image_override: writes' errors, the pull secret, ControllerConfig ----------

RBAC_DOC = "docs/rbac/os-image-override-clusterrole.yaml"
KIND_CONTROLLER_CONFIG = "ControllerConfig"
CONTROLLER_CONFIG_NAME = "machine-config-controller"


class ForbiddenError(MachineConfigApiError):
    """HTTP 403: the credentials lack a permission; the message names verb and resource."""

    def __init__(self, verb: str, resource: str, name: str | None, detail: str, namespace: str | None = None) -> None:
        self.verb = verb
        self.resource = resource
        self.object_name = name
        self.namespace = namespace
        where = resource + ("/" + name if name else "")
        if namespace:
            where += f" in namespace {namespace}"
        super().__init__(
            f"forbidden: the API server refused to {verb} {where} ({detail}). Grant the permissions listed in "
            f"{RBAC_DOC} of the okd.machine_os collection to the user or ServiceAccount the task uses"
        )


def forbidden_error(
    verb: str, resource: str, name: str | None, exc: Exception, namespace: str | None = None
) -> ForbiddenError:
    return ForbiddenError(verb, resource, name, api_error_text(exc), namespace)


def call_api(verb: str, resource_name: str, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one API call; 404 on a get -> None, 403 -> ForbiddenError, other API and transport
    errors -> MachineConfigApiError naming ``what``."""
    try:
        return func(*args, **kwargs)
    except NotFoundError:
        if verb == "get":
            return None
        raise MachineConfigApiError(f"cannot {verb} {what}: not found") from None
    except DynamicApiError as e:
        if getattr(e, "status", None) == 403:
            raise forbidden_error(verb, resource_name, kwargs.get("name"), e, kwargs.get("namespace")) from None
        raise MachineConfigApiError(f"cannot {verb} {what}: {api_error_text(e)}") from None
    except (Urllib3Error, OSError) as e:  # transport: the text names host and path, no credentials
        raise MachineConfigApiError(f"cannot {verb} {what}: {e}") from None


def get_object(
    reader: MachineConfigReader,
    kind: str,
    api_version: str,
    resource_name: str,
    name: str,
    namespace: str | None = None,
) -> dict[str, Any] | None:
    """One object as a dict, or None when it does not exist; 403 -> ForbiddenError."""
    resource = reader.resource(kind, api_version)
    params = {"name": name}
    if namespace:
        params["namespace"] = namespace
    obj = call_api("get", resource_name, f"{kind} {name}", reader.client.get, resource, **params)
    return None if obj is None else _to_dict(obj)


def list_objects(
    reader: MachineConfigReader, kind: str, api_version: str, resource_name: str, label_selector: str | None = None
) -> tuple:
    """(items, list resourceVersion); 403 -> ForbiddenError."""
    resource = reader.resource(kind, api_version)
    params = {}
    if label_selector:
        params["label_selector"] = label_selector
    result = _to_dict(call_api("list", resource_name, f"{kind}s", reader.client.get, resource, **params))
    items = [_to_dict(item) for item in (result.get("items") or [])]
    return items, (result.get("metadata") or {}).get("resourceVersion")


def get_controller_config(reader: MachineConfigReader) -> dict[str, Any] | None:
    return get_object(reader, KIND_CONTROLLER_CONFIG, MCO_API_VERSION, "controllerconfigs", CONTROLLER_CONFIG_NAME)


def get_secret(reader: MachineConfigReader, namespace: str, name: str) -> dict[str, Any] | None:
    return get_object(reader, "Secret", "v1", "secrets", name, namespace=namespace)
