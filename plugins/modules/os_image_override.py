#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: os_image_override
short_description: Override the OS image of a MachineConfigPool, wait for the rollout, or roll it back
version_added: 0.1.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Creates, updates or deletes the MachineConfig that sets C(spec.osImageURL) for one
    MachineConfigPool, the way Red Hat documents "out-of-cluster" CoreOS layering, and waits
    until the Machine Config Operator has rendered it and every node of the pool runs it.
  - The MachineConfig carries the pool's role label, the label
    C(app.kubernetes.io/managed-by=okd.machine_os) and C(spec.osImageURL) only. Its name must
    sort after the pool's template MachineConfigs (C(00-<role>), C(01-<role>-*)), since the
    render takes the last C(osImageURL) in name order.
  - O(state=absent) deletes it (only a MachineConfig carrying the managed-by label), which
    rolls the pool back to the OS image of the cluster's release.
  - Before writing, the module checks that the image exists and can be pulled with the
    cluster pull secret (C(openshift-config/pull-secret)), which is what every node uses.
  - The wait watches the pool and its nodes through the API server; it fails as soon as a
    node reports C(Degraded) for the new configuration (with the node's reason), reports a
    paused pool instead of waiting on it, and on timeout says which nodes are pending.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - okd.machine_os.wait_options
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_cluster
options:
  pool:
    description:
      - Name of the MachineConfigPool, for example C(worker) or a custom pool like C(infra).
      - The module fails when the pool does not exist, and lists the existing pools.
    type: str
    required: true
  image:
    description:
      - The OS image pullspec, by digest (C(registry/repo@sha256:...)).
      - Required with O(state=present).
    type: str
  state:
    description:
      - V(present) creates or updates the override; V(absent) deletes it (a rollback).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - Name of the MachineConfig. Defaults to C(99-<pool>-os-image-override).
      - Must sort after the pool's template MachineConfigs, or the module refuses it.
    type: str
  allow_tag:
    description:
      - Accept a tag reference in O(image).
      - Every node pulls the image on its own, so a tag that moves during the rollout leaves
        nodes on different images. Use a digest.
    type: bool
    default: false
  verify_image:
    description:
      - Check, before writing anything, that O(image) exists and can be pulled with the
        cluster pull secret (its manifest and its config are read).
      - A missing image or refused credentials fail the task and change nothing.
      - A warning is returned when the image config lacks the C(ostree.bootable) or
        C(containers.bootc) label, without which the nodes cannot rebase.
    type: bool
    default: true
  ca_file:
    description:
      - PEM file with CA certificates to trust, in addition to the default bundle, when
        O(verify_image) contacts the registry.
    type: path
  insecure_registries:
    description:
      - Registries (C(host) or C(host:port)) to contact without TLS verification when
        O(verify_image) contacts them.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    details: Writes are server-side dry runs; nothing is created, changed or deleted and nothing is waited for.
  diff_mode:
    support: full
    details: Shows the MachineConfig before and after.
  idempotent:
    support: full
    details: A MachineConfig that already points at O(image) is left alone (C(changed=false)).
requirements:
  - python >= 3.11
  - kubernetes >= 24.2.0
  - requests
notes:
  - The least privilege the module needs is in C(docs/rbac/os-image-override-clusterrole.yaml)
    of the collection; a 403 from the API server names the verb and resource that were refused.
  - Concurrent writers are detected, not overwritten; every write is conditional on the
    resourceVersion read. Running the module with another O(image) while an override of
    ours exists is an explicit update, reported as changed with the previous image in
    RV(previous_image) and in the diff.
  - An overridden pool is not moved to the new release's OS by a cluster upgrade.
"""

EXAMPLES = r"""
- name: Roll a layered OS image out to the worker pool
  okd.machine_os.os_image_override:
    pool: worker
    image: quay.example.com/os/layered@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
  register: override

- name: Show when each node was done
  ansible.builtin.debug:
    msg: "{{ override.timeline | map(attribute='done_at') | list }}"

- name: Create the override without waiting, with a private registry CA
  okd.machine_os.os_image_override:
    pool: infra
    image: registry.internal:5000/os/layered@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
    ca_file: /etc/pki/registry-ca.pem
    wait: false

- name: Roll back to the release's OS image
  okd.machine_os.os_image_override:
    pool: worker
    state: absent
    wait_timeout: 3600
"""

RETURN = r"""
name:
  description: Name of the override MachineConfig.
  returned: always
  type: str
  sample: 99-worker-os-image-override
operation:
  description: What was done (in check mode, what would be done) to the MachineConfig.
  returned: always
  type: str
  sample: create
machine_config:
  description: The override MachineConfig after the task (the dry-run result in check mode); null when absent.
  returned: always
  type: dict
  sample:
    apiVersion: machineconfiguration.openshift.io/v1
    kind: MachineConfig
    metadata:
      name: 99-worker-os-image-override
      labels:
        machineconfiguration.openshift.io/role: worker
        app.kubernetes.io/managed-by: okd.machine_os
    spec:
      osImageURL: quay.example.com/os/layered@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
previous_image:
  description: C(spec.osImageURL) of the override before the task; null when there was none.
  returned: always
  type: str
  sample: quay.example.com/os/layered@sha256:1c9c5e1f3f4a1b2d7a3ce7a0e2c2d8a9f4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9
expected_os_image:
  description:
    - The C(osImageURL) the pool's rendered config must end up with; O(image), or after
      O(state=absent) the release's default OS image (or the image of another MachineConfig
      that still overrides it, with a warning).
  returned: always
  type: str
  sample: quay.io/okd/scos-content@sha256:a83f84b9b94005e469612c4f7e285336b8c2a5050c095ee1323e4b377eda02bc
image_check:
  description: What O(verify_image) found.
  returned: when the image was verified
  type: dict
  contains:
    image:
      description: The pullspec checked.
      type: str
      returned: always
      sample: quay.example.com/os/layered@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
    digest:
      description: Digest of the manifest (or index) the pullspec names.
      type: str
      returned: always
      sample: sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
    manifest_digest:
      description: Digest of the image manifest for the nodes' platform.
      type: str
      returned: always
      sample: sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
    architecture:
      description: Architecture in the image config.
      type: str
      returned: always
      sample: amd64
    bootable:
      description: Whether the image config has the C(ostree.bootable) or C(containers.bootc) label.
      type: bool
      returned: always
      sample: true
pool:
  description: The rollout verdict at the end of the wait (as in M(okd.machine_os.machine_config_pool_info)).
  returned: when waited
  type: dict
  sample:
    state: done
    done: true
    message: Pool worker is updated to rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514 on all 3 nodes.
    reasons: []
    render_done: true
    target_config: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
    current_config: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
    pending_nodes: []
    degraded_nodes: []
timeline:
  description: Per node of the pool, in the order they were targeted, when it was targeted, done or degraded (UTC).
  returned: when waited
  type: list
  elements: dict
  contains:
    name:
      description: Node name.
      type: str
      returned: always
      sample: worker-0
    target:
      description: The rendered config the node was moving to.
      type: str
      returned: always
      sample: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
    state:
      description: V(done), V(degraded), V(updating) or V(pending) (not targeted yet).
      type: str
      returned: always
      sample: done
    targeted_at:
      description: When the node was first seen with the target as its desiredConfig.
      type: str
      returned: always
      sample: "2026-11-22T10:12:03.120000Z"
    done_at:
      description: When it was first seen Done on the target; null if not.
      type: str
      returned: always
      sample: "2026-11-22T10:14:41.502000Z"
    degraded_at:
      description: When it was first seen Degraded toward the target; null if not.
      type: str
      returned: always
      sample: null
    reason:
      description: The daemon's reason when degraded.
      type: str
      returned: always
      sample: ""
elapsed_seconds:
  description: Seconds spent waiting.
  returned: when waited
  type: float
  sample: 154.2
rendered_config:
  description: The pool's target rendered config before the change and at the end of the wait (null when not waited).
  returned: always
  type: dict
  sample:
    before: rendered-worker-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a
    after: rendered-worker-5c3a4b2f1f0e6d9c8b7a695847362514
"""

from ansible_collections.okd.machine_os.plugins.module_utils.mco.args import wait_arg_spec
from ansible_collections.okd.machine_os.plugins.module_utils.mco.override import RBAC_DOC, os_image_override
from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import CLUSTER_REQUIRED, run_module


def argument_spec():
    spec = wait_arg_spec()
    spec.update(
        pool=dict(type="str", required=True),
        image=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str"),
        allow_tag=dict(type="bool", default=False),
        verify_image=dict(type="bool", default=True),
        ca_file=dict(type="path"),
        insecure_registries=dict(type="list", elements="str", default=[]),
    )
    return spec


def main():
    run_module(
        argument_spec(),
        os_image_override,
        cluster=CLUSTER_REQUIRED,
        rbac_doc=RBAC_DOC,
        required_if=[("state", "present", ["image"])],
        supports_check_mode=True,
    )


if __name__ == "__main__":
    main()
