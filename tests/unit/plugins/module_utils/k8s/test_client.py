# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one call path: plain dicts out, every failure mapped once (a fake K8SClient inside)."""

import base64
import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.k8s import errors, readers
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.core import ApiException, ResourceNotFoundError


def answer(status, reason, message=None):
    exc = ApiException()
    exc.status, exc.reason, exc.body = status, reason, json.dumps({"kind": "Status", "message": message})
    return exc


class Resource:
    def __init__(self, kind):
        self.kind = kind
        self.name = kind.lower() + "s"


class Instance:
    """Like the dynamic client's ResourceInstance: to_dict()."""

    def __init__(self, data):
        self.data = data

    def to_dict(self):
        return self.data


class FakeK8SClient:
    """K8SClient's surface: resource/get/create/replace/patch/delete and client.watch."""

    def __init__(self, store=None, fail=None, served=("MachineConfig", "Secret", "ClusterVersion", "ControllerConfig")):
        self.store = store or {}
        self.fail = fail or {}
        self.served = served
        self.calls = []
        self.dry_run = False
        self.client = self
        self.events = []

    def resource(self, kind, api_version):
        if kind not in self.served:
            raise ResourceNotFoundError(f"No matches found for {kind}")
        return Resource(kind)

    def _maybe_fail(self, verb):
        if verb in self.fail:
            raise self.fail[verb]

    def get(self, resource, name=None, namespace=None, label_selector=None):
        self.calls.append(("get", resource.kind, name, namespace, label_selector))
        self._maybe_fail("get")
        if name is None:
            items = [Instance(v) for (k, _n), v in sorted(self.store.items()) if k == resource.kind]
            return Instance({"items": items, "metadata": {"resourceVersion": "42"}})
        if (resource.kind, name) not in self.store:
            raise answer(404, "Not Found", f"{resource.name} {name} not found")
        return Instance(self.store[(resource.kind, name)])

    def create(self, resource, body, namespace=None):
        self.calls.append(("create", resource.kind, body["metadata"]["name"], namespace))
        self._maybe_fail("create")
        self.store[(resource.kind, body["metadata"]["name"])] = body
        return Instance(body)

    def replace(self, resource, body, name=None, namespace=None):
        self.calls.append(("replace", resource.kind, name, namespace))
        self._maybe_fail("replace")
        self.store[(resource.kind, name)] = body
        return Instance(body)

    def patch(self, resource, body, name=None, namespace=None, content_type=None):
        self.calls.append(("patch", resource.kind, name, content_type))
        self._maybe_fail("patch")
        self.store[(resource.kind, name)].update(body)
        return Instance(self.store[(resource.kind, name)])

    def delete(self, resource, name=None, namespace=None, body=None):
        self.calls.append(("delete", resource.kind, name, body))
        self._maybe_fail("delete")
        return Instance(self.store.pop((resource.kind, name)))

    def watch(self, resource, **params):
        yield from self.events
        self._maybe_fail("watch")


MC = "machineconfiguration.openshift.io/v1"


def mc(name, image="quay.io/x@sha256:" + "a" * 64):
    return {"apiVersion": MC, "kind": "MachineConfig", "metadata": {"name": name}, "spec": {"osImageURL": image}}


def test_get_returns_a_plain_dict_or_none():
    client = Client(FakeK8SClient({("MachineConfig", "a"): mc("a")}))
    assert client.get("MachineConfig", MC, "a") == mc("a")
    assert client.get("MachineConfig", MC, "b") is None


def test_list_returns_items_and_the_resource_version():
    fake = FakeK8SClient({("MachineConfig", "a"): mc("a"), ("MachineConfig", "b"): mc("b")})
    items, version = Client(fake).list_with_version("MachineConfig", MC, label_selector="x=y")
    assert [i["metadata"]["name"] for i in items] == ["a", "b"] and version == "42"
    assert fake.calls[-1] == ("get", "MachineConfig", None, None, "x=y")


def test_writes_go_through_with_name_and_namespace():
    fake = FakeK8SClient({("MachineConfig", "a"): mc("a")})
    client = Client(fake)
    assert client.create(mc("b"))["metadata"]["name"] == "b"
    client.replace(mc("b", image="other"))
    client.patch("MachineConfig", MC, "b", {"spec": {}})
    client.delete("MachineConfig", MC, "a", preconditions={"resourceVersion": "7"})
    assert [c[0] for c in fake.calls] == ["create", "replace", "patch", "delete"]
    assert fake.calls[-1][3] == {"preconditions": {"resourceVersion": "7"}}


@pytest.mark.parametrize(
    ("verb", "status", "cls"),
    [
        ("create", 403, errors.ForbiddenError),
        ("create", 409, errors.ConflictError),
        ("replace", 422, errors.InvalidError),
        ("delete", 404, errors.NotFoundError),
        ("get", 403, errors.ForbiddenError),
        ("get", 500, errors.KubernetesError),
    ],
)
def test_every_verb_maps_errors_once(verb, status, cls):
    fake = FakeK8SClient({("MachineConfig", "a"): mc("a")}, fail={verb: answer(status, "X", "no")})
    client = Client(fake, rbac_doc="docs/rbac/os-image-override-clusterrole.yaml")
    call = {
        "create": lambda: client.create(mc("b")),
        "replace": lambda: client.replace(mc("a")),
        "delete": lambda: client.delete("MachineConfig", MC, "a"),
        "get": lambda: client.get("MachineConfig", MC, "a"),
    }[verb]
    with pytest.raises(cls) as raised:
        call()
    assert raised.type is cls
    if status == 403:
        assert raised.value.context["resource"] == "machineconfigs"
        assert "os-image-override-clusterrole.yaml" in str(raised.value)


def test_transport_errors_and_unserved_kinds():
    client = Client(FakeK8SClient(fail={"get": ConnectionRefusedError(111, "refused")}))
    with pytest.raises(errors.UnreachableError, match="cannot get MachineConfig a: the API server is unreachable"):
        client.get("MachineConfig", MC, "a")
    with pytest.raises(errors.MissingApiError, match="does not serve MachineConfigPool"):
        client.list("MachineConfigPool", MC)


def test_watch_yields_events_and_maps_a_failing_stream():
    fake = FakeK8SClient(fail={"watch": answer(403, "Forbidden")})
    fake.events = [{"type": "ADDED", "raw_object": mc("a")}]
    stream = Client(fake).watch("MachineConfig", MC)
    assert next(stream)["type"] == "ADDED"
    with pytest.raises(errors.ForbiddenError, match="refused to watch machineconfigs"):
        next(stream)


def test_readers():
    config = {"auths": {"quay.io": {"auth": "eDp5"}}}
    secret = {"data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()}}
    cluster_version = {"status": {"desired": {}}, "spec": {"desiredUpdate": {"image": "q/r@sha256:" + "b" * 64}}}
    fake = FakeK8SClient(
        {
            ("Secret", "pull-secret"): secret,
            ("ClusterVersion", "version"): cluster_version,
        }
    )
    client = Client(fake)
    assert readers.docker_config(readers.read_pull_secret(client)) == config
    assert fake.calls[-1][:4] == ("get", "Secret", "pull-secret", "openshift-config")
    assert readers.desired_release_image(readers.read_cluster_version(client)) == "q/r@sha256:" + "b" * 64
    assert readers.read_controller_config(client) is None
    assert readers.docker_config({"data": {}}) is None
    with pytest.raises(ValueError, match="not base64-encoded JSON"):
        readers.docker_config({"data": {".dockerconfigjson": "bm90IGpzb24="}})
