#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: image_set_mirror
short_description: Mirror the releases of an oc-mirror ImageSetConfiguration, verified, with their upgrade paths
version_added: 0.1.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Reads an oc-mirror v2 C(ImageSetConfiguration) (C(mirror.openshift.io/v2alpha1)), from a file
    (O(image_set_file)) or inline (O(image_set)), selects the releases it names from the update
    graph (Cincinnati), verifies every release signature, and mirrors the releases and the
    additional images to a registry, without oc-mirror.
  - 'Supported keys: C(mirror.platform.channels[]) (C(name), C(type) C(ocp)|C(okd), C(minVersion),
    C(maxVersion), C(shortestPath), C(full)), C(mirror.platform.architectures) or
    C(mirror.platform.platforms), C(mirror.platform.release), C(mirror.additionalImages[])
    (C(name), C(targetRepo), C(targetTag)) and C(mirror.blockedImages[]) (C(name), a regular
    expression matched against each image''s source pullspec).'
  - Any other key fails the task with its path (for example C(mirror.platform.channels[0].minVersio));
    keys oc-mirror has but this module does not implement yet (C(operators), C(helm),
    C(platform.graph), C(archiveSize), ...) fail with C(not supported yet). oc-mirror ignores
    unknown keys silently.
  - Releases are selected per channel and architecture as oc-mirror selects them - no bound,
    the channel head (every release with C(full)); C(minVersion) alone, up to the head;
    C(maxVersion) alone, from the channel's first release; both, the whole range; with
    C(shortestPath), only the releases on the shortest upgrade path. The upgrade path
    (unconditional edges preferred) and the conditional edges between the selected releases, with
    their risks, are returned.
  - Each release's signature is fetched from O(signature_store_url) or O(signature_dir) and
    verified against O(signature_public_key) (an OpenPGP signature of the C(atomic container
    signature) naming the release digest) before anything is mirrored. A release without a
    signature, or with none that verifies, fails the task and nothing is mirrored, unless
    O(skip_signature_verification) is set.
  - Mirroring is the engine of M(okd.machine_os.release_mirror) - one plan over every image of
    the set, each unique blob moved once, release images pushed last. Destinations are
    oc-mirror v2's - C(<to>/openshift/release-images:<version>-<arch>) for a release,
    C(<to>/openshift/release:<version>-<arch>-<component>) for its components,
    C(<to>/<targetRepo or the source repository>:<targetTag or the source tag>) for an additional
    image (tag C(sha256-<hex>) for one given by digest). Multi-architecture images are mirrored
    whole.
  - Returns (and with O(output_dir) writes) an ImageDigestMirrorSet and an ImageTagMirrorSet for
    every image of the set, the mapping and the release signature ConfigMaps the
    cluster-version operator reads.
extends_documentation_fragment:
  - okd.machine_os.registry_auth
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_registry
options:
  image_set_file:
    description:
      - Path of the ImageSetConfiguration (YAML).
      - Exactly one of O(image_set_file) and O(image_set) is required.
    type: path
  image_set:
    description:
      - The ImageSetConfiguration as a dictionary (C(apiVersion), C(kind), C(mirror)).
    type: dict
  to:
    description:
      - The destination registry and namespace, without tag, for example
        C(mirror.example.com:5000/ocp) (oc-mirror's C(docker://) destination without the prefix).
    type: str
    required: true
  graph_url:
    description:
      - The update service's graph endpoint, asked C(GET <graph_url>?channel=<name>&arch=<arch>)
        with C(Accept application/json) (what C(UPDATE_URL_OVERRIDE) is to oc-mirror).
      - Default C(https://api.openshift.com/api/upgrades_info/v1/graph) for C(ocp) channels and
        C(https://origin-release.ci.openshift.org/graph) for C(okd) channels.
      - Its TLS certificate is verified against the default CA bundle plus O(ca_file); a host
        listed in O(insecure_registries) is not verified.
    type: str
  signature_store_url:
    description:
      - Base URL of the release signature store; a release's signatures are read from
        C(<signature_store_url>/sha256=<hex>/signature-<N>), N from 1 until a 404, at most 10.
      - Default C(https://mirror.openshift.com/pub/openshift-v4/signatures/openshift/release).
      - Mutually exclusive with O(signature_dir).
    type: str
  signature_dir:
    description:
      - A directory with the signatures in the store layout, C(sha256=<hex>/signature-<N>),
        for a controller that cannot reach the store.
    type: path
  signature_public_key:
    description:
      - File with the OpenPGP public key(s) (armored or binary) that sign the releases. A
        signature made by any of them is accepted.
      - Required unless O(skip_signature_verification) is set.
    type: path
  skip_signature_verification:
    description:
      - Mirror the releases without verifying their signatures. The signatures found are still
        returned as ConfigMaps, unverified.
    type: bool
    default: false
  parallelism:
    description:
      - How many blobs, manifests and HEAD requests are in flight at once.
    type: int
    default: 8
  output_dir:
    description:
      - Write C(idms.yaml), C(itms.yaml), C(mapping.txt) and C(signature-configmaps.yaml) into this
        directory (created if needed). Files whose content did not change are not rewritten.
        Nothing is written in check mode.
    type: path
attributes:
  check_mode:
    support: full
    details:
      - Asks the graph, verifies the signatures, reads the payloads and computes the plan (images
        and blobs missing, bytes to move); writes nothing.
  diff_mode:
    support: none
    details: Nothing to diff; the plan is returned in RV(plan).
  idempotent:
    support: full
    details: A re-run with everything present moves nothing and reports no change.
requirements:
  - python >= 3.11
  - pysequoia (Python bindings of Sequoia-PGP), to verify release signatures
notes:
  - O(ca_file) and O(insecure_registries) also apply to O(graph_url) and O(signature_store_url).
  - One auth file (O(auth_file)) holds the credentials of both the source and the destination
    registries.
  - Not implemented yet - archives (registry to disk to registry), pruning, IDMS/ITMS
    accumulated over runs, the UpdateService manifest, operator catalogs.
seealso:
  - module: okd.machine_os.release_mirror
  - name: oc-mirror v2 ImageSetConfiguration
    description: The image set format this module reads.
    link: https://github.com/openshift/oc-mirror/tree/main/docs
"""

EXAMPLES = r"""
- name: Mirror every 4.19 release from 4.19.0 on, verified against Red Hat's release key
  okd.machine_os.image_set_mirror:
    image_set:
      apiVersion: mirror.openshift.io/v2alpha1
      kind: ImageSetConfiguration
      mirror:
        platform:
          channels:
            - name: stable-4.19
              minVersion: 4.19.0
        additionalImages:
          - name: registry.redhat.io/ubi9/ubi:latest
    to: mirror.example.com:5000/ocp
    signature_public_key: /etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release
    auth_file: /home/admin/pull-secret-and-mirror.json
    ca_file: /etc/pki/ca-trust/source/anchors/mirror-ca.pem
    output_dir: /home/admin/mirror-config
  register: mirrored

- name: Show the upgrade path and the risky edges
  ansible.builtin.debug:
    msg: "{{ mirrored.channels | map(attribute='upgrade_path') }} / {{ mirrored.channels | map(attribute='conditional_edges') }}"

- name: The same image set file oc-mirror reads, in check mode (the plan only)
  okd.machine_os.image_set_mirror:
    image_set_file: /home/admin/isc.yaml
    to: mirror.example.com:5000/ocp
    signature_public_key: /home/admin/release-key.asc
  check_mode: true
  register: plan

- name: A disconnected controller - local update service, signatures copied into a directory
  okd.machine_os.image_set_mirror:
    image_set_file: /home/admin/isc.yaml
    to: mirror.example.com:5000/ocp
    graph_url: https://updates.example.com/api/upgrades_info/v1/graph
    signature_dir: /home/admin/signatures
    signature_public_key: /home/admin/release-key.asc
"""

RETURN = r"""
channels:
  description: Per channel and architecture, the releases selected and how they connect.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The channel.
      type: str
      sample: stable-4.20
    type:
      description: C(ocp) or C(okd).
      type: str
      sample: ocp
    arch:
      description: The architecture asked of the graph.
      type: str
      sample: amd64
    versions:
      description: The versions selected, ascending.
      type: list
      elements: str
      sample: ["4.19.1", "4.19.2", "4.20.0"]
    upgrade_path:
      description:
        - The shortest upgrade path from the range's first to its last version, over unconditional
          edges when there is one; null when the graph has no path.
      type: list
      elements: str
      sample: ["4.19.1", "4.19.2", "4.20.0"]
    upgrade_steps:
      description: The edges of RV(channels[].upgrade_path), each with C(from), C(to), C(conditional) and C(risks).
      type: list
      elements: dict
      sample: [{"from": "4.19.1", "to": "4.19.2", "conditional": false, "risks": []}]
    conditional_edges:
      description:
        - The conditional edges between the selected versions - updates recommended only where none of
          their risks applies - with the risks as the graph gives them (C(name), C(message), C(url),
          C(matchingRules)).
      type: list
      elements: dict
      sample:
        - from: 4.19.1
          to: 4.20.0
          risks:
            - name: EtcdDefragStall
              message: etcd may stall during defragmentation after this update.
              url: https://issues.example/OCPBUGS-1
              matchingRules: [{"type": "PromQL", "promql": {"promql": "group(etcd_server_has_leader)"}}]
releases:
  description: Every release of the set, with its signature verdict.
  returned: success, and when the task fails on signatures
  type: list
  elements: dict
  contains:
    version:
      description: The release version.
      type: str
      sample: 4.19.1
    arch:
      description: The architecture in the destination tag (C(x86_64), C(aarch64), C(multi), ...).
      type: str
      sample: x86_64
    digest:
      description: The release image's digest.
      type: str
      sample: sha256:740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4
    source:
      description: The source release by digest.
      type: str
      sample: quay.io/openshift-release-dev/ocp-release@sha256:740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4
    channels:
      description: The channels that selected it.
      type: list
      elements: str
      sample: ["stable-4.19", "fast-4.20"]
    destination:
      description: The mirrored release by digest (null when blocked).
      type: str
      sample: mirror.example.com:5000/ocp/openshift/release-images@sha256:740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4
    destination_tag:
      description: The mirrored release by tag.
      type: str
      sample: mirror.example.com:5000/ocp/openshift/release-images:4.19.1-x86_64
    signature:
      description:
        - The signature verdict - C(status) (C(verified), C(missing), C(invalid) or C(skipped)), C(reason),
          C(signatures) (how many were found), C(signer) (fingerprint), C(docker_reference) (the identity
          signed), C(creator), C(timestamp) and C(location) (URL or file of the signature that verified).
      type: dict
      sample:
        status: verified
        reason: null
        signatures: 1
        signer: 567e347ad0044ade55ba8a5f199e2f91fd431d51
        docker_reference: quay.io/openshift-release-dev/ocp-release:4.19.1-x86_64
        location: https://mirror.openshift.com/pub/openshift-v4/signatures/openshift/release/sha256=7401.../signature-1
additional_images:
  description: The additional images and where they went.
  returned: success
  type: list
  elements: dict
  sample:
    - name: registry.redhat.io/ubi9/ubi:latest
      source: registry.redhat.io/ubi9/ubi@sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809
      destination: mirror.example.com:5000/ocp/ubi9/ubi:latest
blocked:
  description: Images left out by C(blockedImages), with the pattern that matched.
  returned: success
  type: list
  elements: dict
  sample: [{"image": "quay.io/example/tool@sha256:...", "name": "quay.io/example/tool:1", "pattern": "example/tool"}]
plan:
  description: What the destination lacked when the run started (in check mode, what would be copied).
  returned: success
  type: dict
  sample: {"images_total": 42, "images_missing": 42, "blobs_total": 60, "blobs_missing": 60,
           "bytes_missing": 81234567, "mounts": 3, "manifests_missing": 42}
copied:
  description: What this run moved - blobs, bytes, mounted blobs, manifests.
  returned: success
  type: dict
  sample: {"blobs": 60, "bytes": 81234567, "mounted": 3, "manifests": 42}
mapping:
  description: C(<source by digest>=<destination:tag>) per image, like oc-mirror's C(mapping.txt).
  returned: success
  type: list
  elements: str
  sample:
    - "quay.io/openshift-release-dev/ocp-release@sha256:740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4\
      =mirror.example.com:5000/ocp/openshift/release-images:4.19.1-x86_64"
idms:
  description: The ImageDigestMirrorSet (C(config.openshift.io/v1)) for every source repository of the set.
  returned: success
  type: dict
  sample:
    apiVersion: config.openshift.io/v1
    kind: ImageDigestMirrorSet
    metadata: {"name": "image-set"}
    spec:
      imageDigestMirrors:
        - {"source": "quay.io/openshift-release-dev/ocp-release", "mirrors": ["mirror.example.com:5000/ocp/openshift/release-images"]}
        - {"source": "quay.io/openshift-release-dev/ocp-v4.0-art-dev", "mirrors": ["mirror.example.com:5000/ocp/openshift/release"]}
itms:
  description: The ImageTagMirrorSet with the same sources and mirrors.
  returned: success
  type: dict
  sample:
    apiVersion: config.openshift.io/v1
    kind: ImageTagMirrorSet
    metadata: {"name": "image-set"}
    spec:
      imageTagMirrors:
        - {"source": "registry.redhat.io/ubi9/ubi", "mirrors": ["mirror.example.com:5000/ocp/ubi9/ubi"]}
signature_configmaps:
  description:
    - One release signature ConfigMap per release with signatures, as C(oc adm release mirror) writes it and
      the cluster-version operator reads it - namespace C(openshift-config-managed), label
      C(release.openshift.io/verification-signatures), C(binaryData) keys C(sha256-<hex>-<N>).
  returned: success
  type: list
  elements: dict
  sample:
    - apiVersion: v1
      kind: ConfigMap
      metadata:
        name: sha256-740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4
        namespace: openshift-config-managed
        labels: {"release.openshift.io/verification-signatures": ""}
      binaryData:
        sha256-740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4-1: owGbwMvMwMEYdOzLoajv...
files:
  description: The files in O(output_dir) (empty without it, and in check mode).
  returned: success
  type: list
  elements: str
  sample: ["/home/admin/mirror-config/idms.yaml", "/home/admin/mirror-config/signature-configmaps.yaml"]
elapsed_seconds:
  description: How long the run took.
  returned: success
  type: float
  sample: 12.5
"""

from ansible_collections.okd.machine_os.plugins.module_utils.imageset.run import image_set_mirror
from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import run_module
from ansible_collections.okd.machine_os.plugins.module_utils.registry.args import (
    registry_auth_argument_spec,
    registry_auth_required_together,
)


def argument_spec():
    spec = {
        "image_set_file": {"type": "path"},
        "image_set": {"type": "dict"},
        "to": {"type": "str", "required": True},
        "graph_url": {"type": "str"},
        "signature_store_url": {"type": "str"},
        "signature_dir": {"type": "path"},
        "signature_public_key": {"type": "path"},
        "skip_signature_verification": {"type": "bool", "default": False},
        "parallelism": {"type": "int", "default": 8},
        "output_dir": {"type": "path"},
    }
    spec.update(registry_auth_argument_spec())
    return spec


def main():
    run_module(
        argument_spec(),
        image_set_mirror,
        mutually_exclusive=[["image_set_file", "image_set"], ["signature_store_url", "signature_dir"]],
        required_one_of=[["image_set_file", "image_set"]],
        required_together=registry_auth_required_together(),
        supports_check_mode=True,
    )


if __name__ == "__main__":
    main()
