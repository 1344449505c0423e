# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Create or update release_mirror's outputs (IDMS, ITMS, ICSP, signature ConfigMap) in a cluster.

The client is kubernetes.core's ``K8SClient`` (``get_api_client``): its auth options and
``K8S_AUTH_*`` fallbacks; in check mode it sends every write as a server-side dry run.
An object is created when absent, replaced (with its resourceVersion) when the parts this
module owns differ - ``spec`` for the mirror sets, ``binaryData`` and the labels for the
ConfigMap - and left alone otherwise.
"""

import copy

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import api_error_text

try:
    from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError, ResourceNotFoundError
except ImportError:  # the module requires kubernetes before it applies anything

    class DynamicApiError(Exception):  # type: ignore[no-redef]
        pass

    class NotFoundError(DynamicApiError):  # type: ignore[no-redef]
        pass

    class ResourceNotFoundError(Exception):  # type: ignore[no-redef]
        pass


try:
    from urllib3.exceptions import HTTPError as Urllib3Error
except ImportError:  # pragma: no cover - urllib3 comes with requests/kubernetes

    class Urllib3Error(Exception):  # type: ignore[no-redef]
        pass


CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"


class ApplyError(MachineOSError):
    """An object could not be read or written; the message names it (kind, name) and the API's answer (status)."""


def _to_dict(obj):
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _label(obj):
    meta = obj["metadata"]
    where = f" in namespace {meta['namespace']}" if meta.get("namespace") else ""
    return f"{obj['kind']} {meta['name']}{where}"


def _call(verb, obj, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except NotFoundError:
        if verb == "get":
            return None
        raise_api_error(verb, obj, None)
    except DynamicApiError as exc:
        raise_api_error(verb, obj, exc)
    except (Urllib3Error, OSError) as exc:
        raise ApplyError(
            f"cannot {verb} {_label(obj)}: the API server is unreachable: {exc}",
            kind=obj["kind"],
            name=obj["metadata"]["name"],
        ) from None
    return None


def raise_api_error(verb, obj, exc):
    status = getattr(exc, "status", None) if exc is not None else 404
    text = api_error_text(exc) if exc is not None else "404 Not Found"
    hint = ""
    if status == 403:
        hint = f": the user the task uses needs permission to get, create and update {obj['kind']} objects"
    elif status == 404 and obj["metadata"].get("namespace"):
        hint = f": does the namespace {obj['metadata']['namespace']} exist (an OpenShift/OKD cluster has it)?"
    raise ApplyError(
        f"cannot {verb} {_label(obj)}: {text}{hint}", kind=obj["kind"], name=obj["metadata"]["name"], status=status
    ) from None


def owned_parts(obj):
    """What this module manages in an object: compared to decide whether to update."""
    if obj.get("kind") == "ConfigMap":
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return {"binaryData": obj.get("binaryData") or {}, "labels": labels}
    return {"spec": obj.get("spec")}


def _merge(current, desired):
    body = copy.deepcopy(current)
    if desired["kind"] == "ConfigMap":
        body["binaryData"] = copy.deepcopy(desired.get("binaryData") or {})
        labels = dict(body["metadata"].get("labels") or {})
        labels.update(desired["metadata"].get("labels") or {})
        body["metadata"]["labels"] = labels
    else:
        body["spec"] = copy.deepcopy(desired["spec"])
    return body


def _needs_update(current, desired):
    have, want = owned_parts(current), owned_parts(desired)
    if desired["kind"] == "ConfigMap":
        labels_ok = all(have["labels"].get(k) == v for k, v in want["labels"].items())
        return have["binaryData"] != want["binaryData"] or not labels_ok
    return have != want


def apply_object(client, obj):
    """Create or update ``obj`` through ``client`` (a K8SClient); returns the action taken."""
    try:
        resource = client.resource(obj["kind"], obj["apiVersion"])
    except ResourceNotFoundError:
        raise ApplyError(
            f"the API server does not serve {obj['kind']} ({obj['apiVersion']}): is this an "
            f"OpenShift/OKD cluster (4.13 or later for ImageDigestMirrorSet/ImageTagMirrorSet)?",
            kind=obj["kind"],
            name=obj["metadata"]["name"],
        ) from None
    except DynamicApiError as exc:
        raise_api_error("discover", obj, exc)
    meta = obj["metadata"]
    params = {"name": meta["name"]}
    if meta.get("namespace"):
        params["namespace"] = meta["namespace"]
    current = _call("get", obj, client.get, resource, **params)
    if current is None:
        create = {"namespace": meta["namespace"]} if meta.get("namespace") else {}
        _call("create", obj, client.create, resource, copy.deepcopy(obj), **create)
        return CREATED
    current = _to_dict(current)
    if not _needs_update(current, obj):
        return UNCHANGED
    _call("update", obj, client.replace, resource, _merge(current, obj), **params)
    return UPDATED


def apply_objects(client, objects):
    """[{kind, name, action}] after applying each object in order."""
    return [
        {"kind": obj["kind"], "name": obj["metadata"]["name"], "action": apply_object(client, obj)} for obj in objects
    ]
