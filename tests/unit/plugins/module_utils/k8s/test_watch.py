# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one watch loop: list, watch, re-list on an ERROR event or a failure, objects kept current."""

import threading

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import ForbiddenError, KubernetesError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.watch import WatchSet, WatchSpec


def obj(name, rv):
    return {"metadata": {"name": name, "resourceVersion": rv}}


class FakeClient:
    """list_with_version/get/watch over scripted answers; every call recorded."""

    def __init__(self, lists, watches):
        self.lists, self.watches, self.calls = list(lists), list(watches), []
        self.done = threading.Event()

    def resource(self, kind, api_version):
        self.calls.append(("resource", kind))

    def list_with_version(self, kind, api_version, label_selector):
        self.calls.append(("list", kind, label_selector))
        answer = self.lists.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get(self, kind, api_version, name):
        self.calls.append(("get", kind, name))
        return self.lists.pop(0)

    def watch(self, kind, api_version, name=None, label_selector=None, resource_version=None, timeout=60):
        self.calls.append(("watch", kind, resource_version))
        if not self.watches:
            self.done.set()
            threading.Event().wait(30)  # an open watch with nothing to say (a daemon thread)
            return iter(())
        return iter(self.watches.pop(0))


def drain(watch, until):
    for _unused in range(50):
        batch = watch.next_batch(2)
        assert batch is not None, "no event arrived"
        watch.apply(batch)
        if until():
            return


def test_list_then_watch_from_its_version_and_relist_after_an_error_event():
    client = FakeClient(
        lists=[([obj("a", "1")], "10"), ([obj("a", "3"), obj("b", "4")], "20")],
        watches=[
            [
                {"type": "ADDED", "raw_object": obj("c", "11")},
                {"type": "BOOKMARK", "raw_object": obj("", "12")},
                {"type": "DELETED", "raw_object": obj("a", "13")},
                {"type": "ERROR", "raw_object": {"code": 410}},
            ]
        ],
    )
    warnings = []
    with WatchSet(client, [WatchSpec("Node", "v1", label_selector="x=y")], 0.01, warnings) as watch:
        drain(watch, lambda: set(watch.objects["Node"]) == {"a", "b"} and client.done.is_set())
    assert watch.all_synced and watch.objects["Node"]["a"]["metadata"]["resourceVersion"] == "3"
    watches = [c for c in client.calls if c[0] == "watch"]
    # first from the list's version; after the ERROR event a new list, then its version
    assert watches[0] == ("watch", "Node", "10") and watches[1] == ("watch", "Node", "20")
    assert warnings == []


def test_a_failure_is_a_warning_once_and_a_relist_a_403_ends_the_wait():
    client = FakeClient(lists=[KubernetesError("boom"), KubernetesError("boom"), ([], "5")], watches=[])
    warnings = []
    with WatchSet(client, [WatchSpec("Node", "v1")], 0.01, warnings) as watch:
        drain(watch, lambda: watch.all_synced)
    assert len(warnings) == 1 and "watching Nodes failed, re-listing in 0.01s: boom" in warnings[0]

    denied = FakeClient(lists=[ForbiddenError("list", "nodes", None, "forbidden")], watches=[])
    with WatchSet(denied, [WatchSpec("Node", "v1")], 0.01, []) as watch, pytest.raises(ForbiddenError):
        watch.apply(watch.next_batch(2))


def test_one_object_by_name_and_a_missing_one():
    client = FakeClient(lists=[None], watches=[])
    with WatchSet(client, [WatchSpec("ClusterVersion", "config.openshift.io/v1", name="version")], 0.01, []) as watch:
        watch.apply(watch.next_batch(2))
    assert watch.all_synced and watch.objects == {"ClusterVersion": {}}
    assert ("get", "ClusterVersion", "version") in client.calls
