# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Timeline bookkeeping of the waiter (pure)."""

from ansible_collections.okd.machine_os.plugins.module_utils.mco.pool import Node
from ansible_collections.okd.machine_os.plugins.module_utils.mco.timeline import Timeline, iso_time

OLD, NEW = "rendered-worker-old", "rendered-worker-new"


def node(name, desired=OLD, current=OLD, state="Done", reason=""):
    return Node(name=name, desired_config=desired, current_config=current, state=state, reason=reason)


def test_iso_time():
    assert iso_time(0) == "1970-01-01T00:00:00.000000Z"
    assert iso_time(None) is None


def test_nodes_targeted_done_in_order():
    timeline = Timeline()
    timeline.observe(NEW, [node("w-2"), node("w-0", desired=NEW, state="Working"), node("w-1")], 10.0)
    timeline.observe(NEW, [node("w-2"), node("w-0", NEW, NEW), node("w-1", desired=NEW, state="Working")], 20.0)
    timeline.observe(NEW, [node("w-2", desired=NEW), node("w-0", NEW, NEW), node("w-1", NEW, NEW)], 30.0)
    entries = timeline.as_list()
    assert [e["name"] for e in entries] == ["w-0", "w-1", "w-2"]
    assert [e["state"] for e in entries] == ["done", "done", "updating"]
    assert entries[0]["targeted_at"] == iso_time(10.0) and entries[0]["done_at"] == iso_time(20.0)
    assert entries[2]["done_at"] is None and entries[2]["degraded_at"] is None


def test_degraded_node_keeps_reason_and_time():
    timeline = Timeline()
    timeline.observe(NEW, [node("w-0", desired=NEW, state="Degraded", reason="boom")], 5.0)
    timeline.observe(NEW, [node("w-0", desired=NEW, state="Degraded", reason="boom again")], 6.0)
    (entry,) = timeline.as_list()
    assert (entry["state"], entry["degraded_at"], entry["reason"]) == ("degraded", iso_time(5.0), "boom again")


def test_degraded_on_an_older_target_is_not_counted():
    timeline = Timeline()
    timeline.observe(NEW, [node("w-0", desired=OLD, current="x", state="Degraded", reason="old")], 5.0)
    (entry,) = timeline.as_list()
    assert entry["state"] == "pending" and entry["degraded_at"] is None


def test_new_target_starts_over_and_already_done_nodes_count_as_targeted():
    timeline = Timeline()
    timeline.observe(OLD, [node("w-0", desired=NEW, state="Working")], 1.0)
    timeline.observe(NEW, [node("w-0", NEW, NEW)], 2.0)
    (entry,) = timeline.as_list()
    assert (entry["target"], entry["targeted_at"], entry["done_at"]) == (NEW, iso_time(2.0), iso_time(2.0))
    timeline.observe(None, [node("w-0")], 3.0)
    assert timeline.as_list()[0]["target"] == NEW
