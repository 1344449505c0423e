#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cluster_version_info
short_description: Report the cluster's release, update history and available updates
version_added: 0.2.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Reads the ClusterVersion C(version) of an OpenShift/OKD cluster, like C(oc adm upgrade)
    without arguments, and returns it as structured data.
  - Returns the release the cluster runs or moves to, whether an update is in progress, the
    update history (newest first, with C(verified) and C(acceptedRisks)), the channel, the
    recommended updates and the conditional updates with their risks and C(Recommended)
    condition, and the cluster-version-operator's conditions.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_cluster
options: {}
attributes:
  check_mode:
    support: full
    details: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    details: Changes nothing.
  idempotent:
    support: full
    details: Reads only.
requirements:
  - python >= 3.11
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
notes:
  - Needs C(get) on C(clusterversions) (config.openshift.io); see
    C(docs/rbac/cluster-version-update-clusterrole.yaml) in the collection.
seealso:
  - module: okd.machine_os.cluster_version_update
"""

EXAMPLES = r"""
- name: Where does the cluster stand?
  okd.machine_os.cluster_version_info:
  register: cv

- name: Show the version and the recommended updates
  ansible.builtin.debug:
    msg: "{{ cv.cluster_version.version }} -> {{ cv.cluster_version.available_updates | map(attribute='version') | list }}"

- name: Show the risks of the conditional updates
  ansible.builtin.debug:
    msg: "{{ item.version }}: {{ item.risks | map(attribute='name') | list }} ({{ item.message }})"
  loop: "{{ cv.cluster_version.conditional_updates }}"
"""

RETURN = r"""
cluster_version:
  description: The ClusterVersion C(version).
  returned: success
  type: dict
  contains:
    version:
      description: C(status.desired.version), the release the cluster runs or moves to.
      type: str
      returned: always
      sample: 4.19.1
    image:
      description: C(status.desired.image), by digest.
      type: str
      returned: always
      sample: quay.io/openshift-release-dev/ocp-release@sha256:8bd429350b9a2bb7ae8aa6e2344e97991230989f3d6092c5f5712b4633afe9ce
    completed_version:
      description: The newest C(Completed) entry of the history.
      type: str
      returned: always
      sample: 4.19.0
    updating:
      description: Whether C(history[0]) is C(Partial) (an update is being applied).
      type: bool
      returned: always
      sample: false
    channel:
      description: C(spec.channel); empty when none is set.
      type: str
      returned: always
      sample: stable-4.19
    channels:
      description: C(status.desired.channels), the channels the current release is in.
      type: list
      elements: str
      returned: always
      sample: ["fast-4.19", "stable-4.19"]
    upstream:
      description: C(spec.upstream), the update service; empty for the default.
      type: str
      returned: always
      sample: ""
    cluster_id:
      description: C(spec.clusterID).
      type: str
      returned: always
      sample: 0b6c8a8e-3f1d-4a8e-9c1e-2f5d7f7e0a11
    desired_update:
      description: C(spec.desiredUpdate) as requested (null when none).
      type: dict
      returned: always
      sample: {"version": "4.19.1", "image": "quay.io/openshift-release-dev/ocp-release@sha256:8bd4...", "force": false}
    history:
      description: C(status.history), newest first.
      type: list
      elements: dict
      returned: always
      contains:
        state:
          description: C(Partial) or C(Completed).
          type: str
          returned: always
          sample: Completed
        version:
          description: Release version.
          type: str
          returned: always
          sample: 4.19.1
        image:
          description: Release image.
          type: str
          returned: always
          sample: quay.io/openshift-release-dev/ocp-release@sha256:8bd4...
        started_time:
          description: When the update began.
          type: str
          returned: always
          sample: "2026-12-02T13:33:39Z"
        completion_time:
          description: When it completed, or was superseded; null while it runs.
          type: str
          returned: always
          sample: "2026-12-02T13:33:55Z"
        verified:
          description: Whether the release signature was verified.
          type: bool
          returned: always
          sample: true
        accepted_risks:
          description: The risks accepted to start it (unverified signature, a forced precondition, a target not recommended).
          type: str
          returned: always
          sample: null
    available_updates:
      description: C(status.availableUpdates), the recommended updates, by version.
      type: list
      elements: dict
      returned: always
      sample: [{"version": "4.19.1", "image": "quay.io/...@sha256:8bd4...", "url": "https://...", "channels": ["stable-4.19"]}]
    conditional_updates:
      description: C(status.conditionalUpdates) with their risks and C(Recommended) status.
      type: list
      elements: dict
      returned: always
      sample:
        - version: 4.19.2
          image: quay.io/...@sha256:4464...
          url: https://okd.example/releases/4.19.2
          channels: ["stable-4.19"]
          recommended: "False"
          reason: LabSkipAhead
          message: Updating straight from 4.19.0 to 4.19.2 skips a lab data migration. https://okd-lab.example/risks/LabSkipAhead
          risks: [{"name": "LabSkipAhead", "message": "...", "url": "https://...", "matching_rules": ["Always"]}]
    conditions:
      description: The cluster-version-operator's conditions by type (Available, Progressing, Failing, ReleaseAccepted, Invalid, Upgradeable, RetrievedUpdates).
      type: dict
      returned: always
      sample:
        Progressing: {"status": "False", "reason": "", "message": "Cluster version is 4.19.1", "last_transition_time": "2026-12-02T13:33:55Z"}
    generation:
      description: C(metadata.generation).
      type: int
      returned: always
      sample: 3
    observed_generation:
      description: C(status.observedGeneration); lower than RV(cluster_version.generation) until the operator saw the spec.
      type: int
      returned: always
      sample: 3
"""

from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.api import RBAC_DOC
from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.runner import cluster_version_info
from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import CLUSTER_REQUIRED, run_module


def main():
    run_module({}, cluster_version_info, cluster=CLUSTER_REQUIRED, rbac_doc=RBAC_DOC, supports_check_mode=True)


if __name__ == "__main__":
    main()
