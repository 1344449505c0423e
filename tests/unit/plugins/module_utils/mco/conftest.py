# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Small builders for MachineConfigPool and Node objects, shaped like the API server's
(research/mco-layering.md §2, §4), exposed as pytest fixtures."""

import pytest

OLD = "rendered-worker-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a"
NEW = "rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514"
OVERRIDE_MC = "99-worker-os-image-override"
DEFAULT_IMAGE = "quay.io/okd/scos-content@sha256:" + "a" * 64
LAYERED_IMAGE = "registry.example.com/os/layered@sha256:" + "b" * 64
BASE_SOURCE = ["00-worker", "01-worker-container-runtime", "01-worker-kubelet"]

ANN = "machineconfiguration.openshift.io/"


def _condition(cond_type, status, message="", reason=""):
    return {
        "type": cond_type,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2026-11-22T10:00:00Z",
    }


def make_pool(
    name="worker",
    target=NEW,
    current=NEW,
    source=None,
    generation=3,
    observed=3,
    machine=3,
    ready=None,
    updated=None,
    unavailable=0,
    degraded=0,
    updated_cond="True",
    updating_cond="False",
    degraded_cond="False",
    node_degraded=None,
    render_degraded=None,
    extra_conditions=(),
    paused=False,
    node_selector=None,
    max_unavailable=None,
):
    """A MachineConfigPool object. Defaults: a finished rollout of NEW on 3 nodes."""
    if source is None:
        source = [*BASE_SOURCE, OVERRIDE_MC]
    updated = machine if updated is None else updated
    ready = updated if ready is None else ready
    conditions = [
        _condition("Updated", updated_cond),
        _condition("Updating", updating_cond),
        _condition("Degraded", degraded_cond, node_degraded or render_degraded or ""),
        _condition("NodeDegraded", "True" if node_degraded else "False", node_degraded or ""),
        _condition("RenderDegraded", "True" if render_degraded else "False", render_degraded or ""),
        *list(extra_conditions),
    ]
    spec = {
        "machineConfigSelector": {"matchLabels": {ANN + "role": name}},
        "nodeSelector": node_selector
        if node_selector is not None
        else {"matchLabels": {f"node-role.kubernetes.io/{name}": ""}},
        "paused": paused,
        "configuration": {
            "name": target,
            "source": [
                {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig", "name": s}
                for s in source
            ],
        },
    }
    if target is None:
        spec["configuration"] = {}
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfigPool",
        "metadata": {"name": name, "generation": generation},
        "spec": spec,
        "status": {
            "observedGeneration": observed,
            "configuration": {"name": current, "source": spec["configuration"].get("source", [])},
            "machineCount": machine,
            "readyMachineCount": ready,
            "updatedMachineCount": updated,
            "unavailableMachineCount": unavailable,
            "degradedMachineCount": degraded,
            "conditions": conditions,
        },
    }


def make_node(
    name,
    desired=NEW,
    current=NEW,
    state="Done",
    reason="",
    ready=True,
    role="worker",
    zone="zone-a",
    unschedulable=False,
    extra_labels=None,
):
    """A core/v1 Node with the MCO's annotations."""
    labels = {f"node-role.kubernetes.io/{role}": "", "kubernetes.io/hostname": name}
    if zone:
        labels["topology.kubernetes.io/zone"] = zone
    labels.update(extra_labels or {})
    annotations = {}
    if desired:
        annotations[ANN + "desiredConfig"] = desired
    if current:
        annotations[ANN + "currentConfig"] = current
    if state:
        annotations[ANN + "state"] = state
    annotations[ANN + "reason"] = reason
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels, "annotations": annotations},
        "spec": {},
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False"},
                {"type": "DiskPressure", "status": "False"},
            ]
        },
    }
    if unschedulable:
        node["spec"]["unschedulable"] = True
    return node


def make_rendered(name, os_image):
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "metadata": {"name": name},
        "spec": {"osImageURL": os_image, "config": {"ignition": {"version": "3.5.0"}}},
    }


class Builders:
    OLD = OLD
    NEW = NEW
    OVERRIDE_MC = OVERRIDE_MC
    DEFAULT_IMAGE = DEFAULT_IMAGE
    LAYERED_IMAGE = LAYERED_IMAGE
    BASE_SOURCE = BASE_SOURCE
    pool = staticmethod(make_pool)
    node = staticmethod(make_node)
    rendered = staticmethod(make_rendered)
    condition = staticmethod(_condition)


@pytest.fixture
def mco():
    """Builders for MCO objects: ``mco.pool(...)``, ``mco.node(...)``, ``mco.rendered(...)``."""
    return Builders
