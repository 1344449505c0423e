#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cluster_version_update
short_description: Update an OpenShift/OKD cluster to a release and watch it through
version_added: 0.2.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Requests a cluster update from the cluster-version-operator, like C(oc adm upgrade --to),
    C(--to-image --allow-explicit-upgrade) and C(oc adm upgrade channel), with the same
    client-side guards, then watches the ClusterVersion, the ClusterOperators and every
    MachineConfigPool until the update is done, and returns a timeline.
  - A O(version) must be a recommended update (in C(status.availableUpdates)), or a
    conditional update accepted with O(allow_not_recommended) (its risks are returned).
  - An O(image) must be by digest (unless O(force)); one that is not a recommended update needs
    O(allow_explicit) and is requested without a version, as C(--allow-explicit-upgrade) does.
    This is how a cluster moves onto a custom release.
  - Like C(oc), the module refuses while the ClusterVersion is C(Invalid), C(Failing) or
    C(Progressing), unless O(allow_upgrade_with_warnings). C(Upgradeable=False) is only
    reported, since the cluster-version-operator itself refuses minor updates then, unless forced.
  - The write is a merge patch of C(spec.desiredUpdate) (C(version), C(image), C(force)) and,
    with O(channel), of C(spec.channel).
  - With O(wait), fails as soon as the cluster-version-operator refuses the release
    (C(ReleaseAccepted=False), with its condition text, e.g. an unverifiable signature),
    reports C(Failing=True), or a pool is degraded (with the nodes' reasons). A paused pool
    is reported, not waited on.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_cluster
options:
  version:
    description:
      - The release version to update to, for example C(4.19.1).
      - Must be in C(status.availableUpdates), or a conditional update with O(allow_not_recommended).
    type: str
  image:
    description:
      - The release image to update to, by digest (C(...@sha256:<64 hex>)).
      - Needs O(allow_explicit) unless it is one of the recommended updates.
    type: str
  channel:
    description:
      - The update channel to set (C(spec.channel)), for example C(stable-4.19); an empty
        string clears it.
      - A channel the current release is not in needs O(allow_explicit_channel).
    type: str
  allow_explicit:
    description:
      - Allow an O(image) that is not a recommended update (C(oc adm upgrade --allow-explicit-upgrade)).
    type: bool
    default: false
  allow_not_recommended:
    description:
      - Allow a conditional update that is not recommended (C(--allow-not-recommended)); its
        risks are returned in RV(request.risks) and warned about.
    type: bool
    default: false
  allow_upgrade_with_warnings:
    description:
      - Request the update although the cluster is C(Invalid), C(Failing) or already
        C(Progressing) (C(--allow-upgrade-with-warnings)); a new target supersedes one in progress.
    type: bool
    default: false
  allow_explicit_channel:
    description:
      - Allow a O(channel) that is not in C(status.desired.channels) (C(--allow-explicit-channel)).
    type: bool
    default: false
  force:
    description:
      - Request the update with C(force) (C(oc adm upgrade --force)), so that the cluster-version-operator
        skips the signature verification (the history entry gets C(verified=false) and the reason
        in C(acceptedRisks)) and forces through blocking preconditions. Warned about loudly.
      - Also allows an O(image) by tag.
    type: bool
    default: false
  wait:
    description:
      - Watch the update until it is done (or refused, failing, or paused).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait; the update goes on in the cluster after that, and the failure says what is pending.
    type: int
    default: 3600
  wait_for_pools:
    description:
      - Also wait for every MachineConfigPool to roll out the new release's OS image (worker pools
        do not gate the ClusterVersion's C(Completed)).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details: Reports the request it would make (RV(request)) and why it is allowed; writes nothing.
  diff_mode:
    support: none
    details: RV(request.patch) is the change.
  idempotent:
    support: full
    details: At (or already moving to) the target, nothing is requested and RV(changed) is false.
requirements:
  - python >= 3.11
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
notes:
  - Needs C(get) and C(patch) on C(clusterversions), and with O(wait) C(list)/C(watch) on
    C(clusterversions), C(clusteroperators), C(machineconfigpools), C(nodes) and C(get) on
    C(machineconfigs) and C(controllerconfigs); see
    C(docs/rbac/cluster-version-update-clusterrole.yaml) in the collection.
seealso:
  - module: okd.machine_os.cluster_version_info
  - module: okd.machine_os.machine_config_pool_info
"""

EXAMPLES = r"""
- name: Update to the next recommended version and wait for every pool
  okd.machine_os.cluster_version_update:
    version: 4.19.1
  register: update

- name: Show when each pool was done
  ansible.builtin.debug:
    msg: "{{ update.timeline.pools | map(attribute='done_at') | list }}"

- name: Accept a conditional update (its risks are in update.request.risks)
  okd.machine_os.cluster_version_update:
    version: 4.19.2
    allow_not_recommended: true

- name: Move onto a custom release (built with release_new), by digest
  okd.machine_os.cluster_version_update:
    image: registry.example.com/ocp/release@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
    allow_explicit: true

- name: An unsigned custom release, skipping the signature check (recorded in the history)
  okd.machine_os.cluster_version_update:
    image: registry.example.com/ocp/release@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
    allow_explicit: true
    force: true

- name: What would be requested, and why it is allowed
  okd.machine_os.cluster_version_update:
    version: 4.19.1
  check_mode: true
  register: plan

- name: Switch channel only
  okd.machine_os.cluster_version_update:
    channel: fast-4.19
"""

RETURN = r"""
changed:
  description: Whether a request was written (in check mode, would be).
  returned: always
  type: bool
  sample: true
request:
  description: What was (or, in check mode, would be) requested, and why.
  returned: always
  type: dict
  contains:
    target:
      description: The target C(version) (empty for an explicit image) and C(image).
      type: dict
      returned: always
      sample: {"version": "4.19.1", "image": "quay.io/openshift-release-dev/ocp-release@sha256:8bd4..."}
    patch:
      description: The merge patch of the ClusterVersion; null when nothing is to be requested.
      type: dict
      returned: always
      sample: {"spec": {"desiredUpdate": {"architecture": "", "version": "4.19.1", "image": "quay.io/...@sha256:8bd4...", "force": false}}}
    reasons:
      description: Why the request is allowed (or why nothing is requested).
      type: list
      elements: str
      returned: always
      sample: ["4.19.1 is a recommended update (in status.availableUpdates)"]
    risks:
      description: The risks of a conditional update (name, message, url, matching_rules).
      type: list
      elements: dict
      returned: always
      sample:
        - name: LabSkipAhead
          message: Updating straight from 4.19.0 to 4.19.2 skips a lab data migration.
          url: https://okd-lab.example/risks/LabSkipAhead
          matching_rules: ["Always"]
    channel_change:
      description: C([before, after]) when the channel changes, else null.
      type: list
      elements: str
      returned: always
      sample: ["stable-4.19", "fast-4.19"]
before:
  description: The release before the task (C(status.desired) version and image).
  returned: always
  type: dict
  sample: {"version": "4.19.0", "image": "quay.io/openshift-release-dev/ocp-release@sha256:8c7f..."}
cluster_version:
  description: The ClusterVersion at the end, as M(okd.machine_os.cluster_version_info) returns it.
  returned: always
  type: dict
  sample: {"version": "4.19.1", "updating": false, "history": [{"state": "Completed", "version": "4.19.1", "verified": true}]}
progress:
  description: How the wait ended; C(phase) is C(done), C(paused), C(rejected), C(failed), C(requested), C(updating) or C(pools).
  returned: when O(wait) and a target is requested
  type: dict
  sample: {"phase": "done", "message": "cluster version 4.19.1 is Completed and every pool is updated"}
timeline:
  description:
    - When the request was made and accepted, each ClusterOperator reached the new version, the update
      completed, and each pool (with its nodes) was done.
  returned: when O(wait) and a target is requested
  type: dict
  sample:
    requested_at: "2026-12-02T13:33:38.100000Z"
    accepted_at: "2026-12-02T13:33:39.900000Z"
    completed_at: "2026-12-02T13:33:55.300000Z"
    operators: [{"name": "dns", "at": "2026-12-02T13:33:40.300000Z"}, {"name": "machine-config", "at": "2026-12-02T13:33:55.200000Z"}]
    pools:
      - pool: master
        target: rendered-master-e4c7a9d1d4508bb85844c2459ee81340
        state: done
        done_at: "2026-12-02T13:33:55.100000Z"
        degraded_at: null
        message: Pool master is updated to rendered-master-e4c7a9d1d4508bb85844c2459ee81340 on all 3 nodes.
        nodes: [{"name": "master-0", "targeted_at": "2026-12-02T13:33:41.000000Z", "done_at": "2026-12-02T13:33:45.000000Z", "state": "done"}]
pools:
  description: The final rollout verdict of every pool (see M(okd.machine_os.machine_config_pool_info)).
  returned: when O(wait) and a target is requested
  type: dict
  sample: {"worker": {"state": "done", "done": true, "message": "Pool worker is updated to rendered-worker-e4c7... on all 3 nodes."}}
elapsed_seconds:
  description: Seconds the wait took.
  returned: when O(wait) and a target is requested
  type: float
  sample: 17.42
"""

from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.api import RBAC_DOC
from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.runner import cluster_version_update
from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import CLUSTER_REQUIRED, run_module


def argument_spec():
    return dict(
        version=dict(type="str"),
        image=dict(type="str"),
        channel=dict(type="str"),
        allow_explicit=dict(type="bool", default=False),
        allow_not_recommended=dict(type="bool", default=False),
        allow_upgrade_with_warnings=dict(type="bool", default=False),
        allow_explicit_channel=dict(type="bool", default=False),
        force=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
        wait_for_pools=dict(type="bool", default=True),
    )


def main():
    run_module(
        argument_spec(),
        cluster_version_update,
        cluster=CLUSTER_REQUIRED,
        rbac_doc=RBAC_DOC,
        supports_check_mode=True,
        mutually_exclusive=[("version", "image")],
        required_one_of=[("version", "image", "channel")],
    )


if __name__ == "__main__":
    main()
