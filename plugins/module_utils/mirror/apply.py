# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Create or update release_mirror's outputs (IDMS, ITMS, ICSP, signature ConfigMap) in a cluster.

The client is the collection's one API client (:class:`..k8s.client.Client`): kubernetes.core's
auth options and ``K8S_AUTH_*`` fallbacks, errors mapped once (403 names verb and resource); in
check mode it sends every write as a server-side dry run.
An object is created when absent, replaced (with its resourceVersion) when the parts this
module owns differ - ``spec`` for the mirror sets, ``binaryData`` and the labels for the
ConfigMap - and left alone otherwise.
"""

import copy

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import MissingApiError

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"


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


def apply_object(api, obj):
    """Create or update ``obj`` through ``api`` (the collection's k8s Client); returns the action taken."""
    meta = obj["metadata"]
    try:
        current = api.get(obj["kind"], obj["apiVersion"], meta["name"], meta.get("namespace"))
    except MissingApiError as exc:
        raise exc.reworded(
            f"the API server does not serve {obj['kind']} ({obj['apiVersion']}): is this an "
            f"OpenShift/OKD cluster (4.13 or later for ImageDigestMirrorSet/ImageTagMirrorSet)?"
        ) from None
    if current is None:
        api.create(copy.deepcopy(obj))
        return CREATED
    if not _needs_update(current, obj):
        return UNCHANGED
    api.replace(_merge(current, obj))
    return UPDATED


def apply_objects(api, objects):
    """[{kind, name, action}] after applying each object in order."""
    return [{"kind": obj["kind"], "name": obj["metadata"]["name"], "action": apply_object(api, obj)} for obj in objects]
