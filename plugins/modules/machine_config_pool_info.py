#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: machine_config_pool_info
short_description: Report MachineConfigPools, their nodes and the rollout verdict
version_added: 0.1.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Reads one or all MachineConfigPools of an OpenShift/OKD cluster, the nodes each pool
    manages and the target rendered MachineConfig, like C(oc get mcp) plus
    C(oc describe node), and returns them as structured data.
  - Each pool carries a rollout verdict (C(done), C(progressing), C(render_pending),
    C(paused) or C(degraded)) computed by the same predicate the collection's waiters
    use, so it is safe to poll with C(until) (see EXAMPLES).
  - Per node it returns the Machine Config Operator's annotations (desired and current
    rendered config, state, reason), which are live, while the pool's counts lag behind.
  - A node that matches several pools is reported under the pool that manages it, the
    way the Machine Config Operator assigns it (a custom pool before C(worker), C(master)
    before C(worker)).
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_cluster
options:
  name:
    description:
      - Name of the MachineConfigPool to report, for example C(worker).
      - All pools when not set.
      - The module fails when the pool does not exist, and lists the existing pools.
    type: str
  include_nodes:
    description:
      - Whether to read the nodes of each pool and return them under RV(pools[].nodes).
      - With V(false) the verdict is judged from the pool's status alone, which lags behind
        the nodes.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details: Reads only; runs the same in check mode.
  diff_mode:
    support: N/A
    details: Changes nothing, so there is nothing to diff.
  idempotent:
    support: full
    details: Reads only.
requirements:
  - python >= 3.11
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
notes:
  - The connection options fall back to the C(K8S_AUTH_*) environment variables, which is
    how AWX and Automation Controller inject an OpenShift or Kubernetes API Bearer Token
    credential.
  - Needs read access to C(machineconfigpools), C(machineconfigs) (the target rendered
    config) and, with O(include_nodes), C(nodes).
"""

EXAMPLES = r"""
- name: Report every pool
  okd.machine_os.machine_config_pool_info:
  register: mcp

- name: Show each pool's verdict
  ansible.builtin.debug:
    msg: "{{ mcp.pools | map(attribute='verdict.message') | list }}"

- name: Wait until the worker pool has rolled out, with visible progress in the job output
  okd.machine_os.machine_config_pool_info:
    name: worker
  register: worker
  until: worker.pools[0].verdict.state in ['done', 'degraded', 'paused']
  retries: 180
  delay: 10

- name: Fail with the node reasons when the rollout degraded
  ansible.builtin.assert:
    that: worker.pools[0].verdict.done
    fail_msg: "{{ worker.pools[0].verdict.message }}"

- name: The OS image the master pool is rolling out
  okd.machine_os.machine_config_pool_info:
    name: master
    include_nodes: false
    kubeconfig: /home/admin/.kube/config
  register: master

- name: One connection for every cluster task (ours and kubernetes.core's k8s, k8s_info, ...)
  module_defaults:
    group/okd.machine_os.cluster:
      kubeconfig: /home/admin/.kube/config
      context: admin
  block:
    - name: Nodes of the infra pool that are not Done yet
      okd.machine_os.machine_config_pool_info:
        name: infra
      register: infra

    - name: Show them
      ansible.builtin.debug:
        msg: "{{ infra.pools[0].nodes | rejectattr('state', 'eq', 'Done') | map(attribute='name') | list }}"
"""

RETURN = r"""
pools:
  description: The pools, sorted by name (one entry when O(name) is set).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Pool name.
      type: str
      returned: always
      sample: worker
    paused:
      description: C(spec.paused). A paused pool still renders but does not roll out.
      type: bool
      returned: always
      sample: false
    machine_config_selector:
      description: C(spec.machineConfigSelector), the MachineConfigs merged into the pool's config.
      type: dict
      returned: always
      sample: {"matchLabels": {"machineconfiguration.openshift.io/role": "worker"}}
    node_selector:
      description: C(spec.nodeSelector), the nodes the pool manages.
      type: dict
      returned: always
      sample: {"matchLabels": {"node-role.kubernetes.io/worker": ""}}
    max_unavailable:
      description: C(spec.maxUnavailable) as set (an integer or a percentage); null means the default, 1.
      type: raw
      returned: always
      sample: 1
    target_config:
      description: C(spec.configuration.name), the rendered MachineConfig the pool rolls out.
      type: str
      returned: always
      sample: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
    current_config:
      description: C(status.configuration.name), the rendered MachineConfig all nodes had reached at the last status update.
      type: str
      returned: always
      sample: rendered-worker-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a
    source:
      description: Names of the MachineConfigs merged into the target config (C(spec.configuration.source)).
      type: list
      elements: str
      returned: always
      sample: ["00-worker", "01-worker-container-runtime", "99-worker-os-image-override"]
    os_image_url:
      description: C(spec.osImageURL) of the target rendered MachineConfig; null when the pool has none.
      type: str
      returned: always
      sample: quay.io/okd/scos-content@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
    generation:
      description: C(metadata.generation) of the pool.
      type: int
      returned: always
      sample: 4
    observed_generation:
      description: C(status.observedGeneration); lower than RV(pools[].generation) while the status is stale.
      type: int
      returned: always
      sample: 4
    counts:
      description: Machine counts from the pool's status.
      type: dict
      returned: always
      contains:
        machine:
          description: C(status.machineCount).
          type: int
          returned: always
          sample: 3
        ready:
          description: C(status.readyMachineCount).
          type: int
          returned: always
          sample: 3
        updated:
          description: C(status.updatedMachineCount).
          type: int
          returned: always
          sample: 3
        unavailable:
          description: C(status.unavailableMachineCount).
          type: int
          returned: always
          sample: 0
        degraded:
          description: C(status.degradedMachineCount).
          type: int
          returned: always
          sample: 0
    conditions:
      description:
        - The pool's conditions by type (C(Updated), C(Updating), C(Degraded), C(NodeDegraded),
          C(RenderDegraded), ...), each with C(status), C(reason), C(message) and
          C(last_transition_time).
      type: dict
      returned: always
      sample:
        Updated:
          status: "True"
          reason: ""
          message: All nodes are updated with MachineConfig rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
          last_transition_time: "2026-11-22T10:12:03Z"
        Updating:
          status: "False"
          reason: ""
          message: ""
          last_transition_time: "2026-11-22T10:12:03Z"
        Degraded:
          status: "False"
          reason: ""
          message: ""
          last_transition_time: "2026-11-22T09:00:00Z"
    verdict:
      description: The rollout verdict.
      type: dict
      returned: always
      contains:
        state:
          description:
            - V(done) (every node runs the target config), V(progressing) (rolling out),
              V(render_pending) (no rendered config yet), V(paused) (C(spec.paused) with
              nodes not on the target) or V(degraded) (a node fails toward the target, the
              render failed, or the pool reports another degraded condition).
          type: str
          returned: always
          sample: progressing
        done:
          description: Whether RV(pools[].verdict.state) is V(done).
          type: bool
          returned: always
          sample: false
        message:
          description: One sentence that says where the rollout stands.
          type: str
          returned: always
          sample: >-
            Pool worker is rolling out rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514: 1 of 3 nodes
            updated; pending: worker-1 (Working, rendered-worker-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a ->
            rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514), worker-2 (Done,
            rendered-worker-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a)
        reasons:
          description: Every condition of a finished rollout that does not hold yet; empty when done.
          type: list
          elements: str
          returned: always
          sample: ["condition Updated is False, not True", "1 of 3 machines updated, 1 ready"]
        render_done:
          description: Whether the pool has a rendered target config.
          type: bool
          returned: always
          sample: true
        target_config:
          description: The target rendered config the verdict was judged against.
          type: str
          returned: always
          sample: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
        current_config:
          description: C(status.configuration.name) when judged.
          type: str
          returned: always
          sample: rendered-worker-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a
        pending_nodes:
          description: Nodes not yet Done on the target config (empty without O(include_nodes)).
          type: list
          elements: str
          returned: always
          sample: ["worker-1", "worker-2"]
        degraded_nodes:
          description: Nodes failing toward the target config, with the daemon's reason.
          type: list
          elements: dict
          returned: always
          sample:
            - name: worker-1
              state: Degraded
              reason: "failed to update OS to registry.example.com/os@sha256:0b8b...: error running rpm-ostree rebase ..."
              desired_config: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
              current_config: rendered-worker-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a
    nodes:
      description: The nodes the pool manages, sorted by name.
      type: list
      elements: dict
      returned: when O(include_nodes=true)
      contains:
        name:
          description: Node name.
          type: str
          returned: always
          sample: worker-0
        desired_config:
          description: Annotation C(machineconfiguration.openshift.io/desiredConfig), set by the node controller.
          type: str
          returned: always
          sample: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
        current_config:
          description: Annotation C(machineconfiguration.openshift.io/currentConfig), set by the daemon once applied.
          type: str
          returned: always
          sample: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
        state:
          description: Annotation C(machineconfiguration.openshift.io/state) (C(Done), C(Working), C(Degraded), C(Unreconcilable)).
          type: str
          returned: always
          sample: Done
        reason:
          description: Annotation C(machineconfiguration.openshift.io/reason), the daemon's error when degraded.
          type: str
          returned: always
          sample: ""
        ready:
          description: Whether the node is Ready (and reports no disk pressure or unavailable network).
          type: bool
          returned: always
          sample: true
        zone:
          description: Label C(topology.kubernetes.io/zone); the node controller updates zones in order.
          type: str
          returned: always
          sample: zone-a
        unschedulable:
          description: C(spec.unschedulable) (cordoned, for example while drained for an update).
          type: bool
          returned: always
          sample: false
"""

from ansible_collections.okd.machine_os.plugins.module_utils.mco.client import RBAC_DOC
from ansible_collections.okd.machine_os.plugins.module_utils.mco.info import machine_config_pool_info
from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import CLUSTER_REQUIRED, run_module


def argument_spec():
    return dict(
        name=dict(type="str"),
        include_nodes=dict(type="bool", default=True),
    )


def main():
    run_module(
        argument_spec(),
        machine_config_pool_info,
        cluster=CLUSTER_REQUIRED,
        rbac_doc=RBAC_DOC,
        supports_check_mode=True,
    )


if __name__ == "__main__":
    main()
