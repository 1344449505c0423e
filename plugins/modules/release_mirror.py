#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: release_mirror
short_description: Mirror an OpenShift/OKD release to a registry or a directory, with IDMS/ICSP output
version_added: 0.1.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Copies a release payload and every component image its C(image-references) names to a
    mirror registry (registry to registry), to an OCI image layout directory (registry to
    directory, for an air gap), or from such a directory to a registry (directory to
    registry), like C(oc adm release mirror) and oc-mirror v2, without either binary.
  - Destination names are those of C(oc adm release mirror) - each component goes to
    C(<to>:<version>-<arch>-<component>), the release to C(<to>:<version>-<arch>) (or
    O(to_release_image)), with C(amd64) written C(x86_64) and C(arm64) C(aarch64); a
    multi-architecture release (a manifest list) is mirrored whole as C(<version>-multi).
  - The module first asks the destination what it already has (HEAD requests), then
    plans - images missing, unique blobs missing, bytes to move - and then executes the
    plan in parallel - each unique blob moves once across all images (a cross-repository
    mount inside the destination registry instead of a second upload), streamed and checked
    against its digest; manifests are pushed after their blobs; the release image goes
    last, so a present release tag means a complete mirror.
  - A re-run with everything present moves nothing and reports C(changed=false); a run that
    was interrupted is completed by the next one.
  - When the source has a sigstore signature of the release (tag C(sha256-<hex>.sig)), it is
    copied next to the mirrored release.
  - From GPG release signature files (O(signature_files)), builds the release signature
    ConfigMap exactly as C(oc adm release mirror) does, returns it, writes it to O(output_dir)
    and, with O(apply), creates it in the cluster.
  - With O(apply), creates or updates the ImageDigestMirrorSet (and whatever else
    O(apply_kinds) names) in the cluster through the kubernetes.core client, after the mirror
    is complete.
  - Returns (and with O(output_dir) writes) the ImageDigestMirrorSet, ImageTagMirrorSet,
    ImageContentSourcePolicy, install-config C(imageDigestSources) snippet and the
    source to destination mapping.
extends_documentation_fragment:
  - okd.machine_os.registry_auth
  - kubernetes.core.k8s_auth_options
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_cluster_registry
options:
  from_release:
    description:
      - Pullspec of the release image to mirror, by tag or digest, for example
        C(quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64).
      - Mutually exclusive with O(from_dir).
    type: str
  from_dir:
    description:
      - A directory written by this module with O(to_dir); its release is pushed to O(to).
      - Every blob is hashed before anything is pushed; a directory with a missing or damaged
        blob is refused.
      - Mutually exclusive with O(from_release) and O(to_dir).
    type: path
  to:
    description:
      - The destination repository, without tag or digest, for example
        C(mirror.example.com:5000/ocp4/openshift4).
      - Required unless O(to_dir) is set. With O(to_dir), it names the registry the directory
        will be pushed to later, and is only used for the returned mirror configuration.
    type: str
  to_release_image:
    description:
      - Where the release image goes, C(repository[:tag]), when not in O(to); without a tag,
        C(<version>-<arch>) is used.
    type: str
  to_dir:
    description:
      - Write the release into this directory, as an OCI image layout (C(oci-layout),
        C(index.json), C(blobs/sha256/)) plus C(mirror-index.json), instead of a registry.
      - Images are named C(<version>-<arch>-<component>) and C(<version>-<arch>) in
        C(index.json) (C(org.opencontainers.image.ref.name)); skopeo and podman read them as
        C(oci:DIR:NAME).
      - Every manifest is kept with its original bytes, so digests stay those of the source. Tools built
        on containers/image only read OCI media types, so for a Docker schema2 image C(index.json) names
        an OCI rewrite of its manifest (same config and layers) and points at the original with the
        C(io.okd.machine-os.original.digest) annotation. O(from_dir) pushes the originals; a tool that
        copies C(oci:DIR:NAME) itself pushes the rewrite, under another digest than the mirror
        configuration names.
      - Carry the directory across the air gap and run the module again with O(from_dir).
    type: path
  parallelism:
    description:
      - How many blobs, manifests and HEAD requests are in flight at once.
    type: int
    default: 8
  output_dir:
    description:
      - Write C(idms.yaml), C(itms.yaml), C(icsp.yaml), C(install-config-snippet.yaml) and
        C(mapping.txt) into this directory (created if needed). Files whose content did not
        change are not rewritten. Nothing is written in check mode.
    type: path
  signatures:
    description:
      - Copy the release's sigstore signature tag (C(sha256-<hex>.sig)) when the source has one.
    type: bool
    default: true
  signature_files:
    description:
      - Release signature files (GPG-signed C(atomic container signature) blobs, as
        C(oc adm release mirror) fetches them from the signature store, any bytes) of the
        release being mirrored, in order.
      - They become the release signature ConfigMap (RV(signature_configmap)) - name
        C(sha256-<hex>) of the release digest, namespace C(openshift-config-managed), label
        C(release.openshift.io/verification-signatures), C(binaryData) keys
        C(sha256-<hex>-1), C(-2), ... - written as C(signature-configmap.yaml) in O(output_dir)
        and created in the cluster with O(apply).
      - The files are not verified; the cluster-version operator verifies them.
    type: list
    elements: path
  apply:
    description:
      - Create or update the objects O(apply_kinds) names (and the signature ConfigMap when
        O(signature_files) is set) in the cluster, through kubernetes.core's client and its
        connection options (O(kubeconfig), O(context), O(host), ... and their C(K8S_AUTH_*)
        environment variables). Requires the C(kubernetes) Python library.
      - Applied after the mirror is complete; an object whose spec (or C(binaryData)) is
        already as wanted is left alone. In check mode the writes are server-side dry runs.
      - Needs O(to) (the mirror configuration names the destination).
    type: bool
    default: false
  apply_kinds:
    description:
      - Which mirror configuration objects O(apply) creates or updates.
      - C(icsp) is for clusters before 4.13 only.
    type: list
    elements: str
    choices: [idms, itms, icsp]
    default: [idms]
attributes:
  check_mode:
    support: full
    details:
      - Computes the plan (images and blobs missing, bytes to move) and the outputs; writes nothing.
      - With O(apply), the objects are sent to the API server as server-side dry runs.
  diff_mode:
    support: none
    details: Nothing to diff; the plan is returned in RV(plan).
  idempotent:
    support: full
    details: A re-run with everything present moves nothing and reports no change.
requirements:
  - python >= 3.11
notes:
  - One auth file (O(auth_file)) holds the credentials of both the source and the destination registry.
  - A destination registry that refuses writes (read-only, out of space) fails the task with
    C(DestinationReadOnlyError) / C(DestinationFullError) naming the registry; the release
    tag, pushed last, is then not written.
seealso:
  - module: okd.machine_os.release_info
  - module: kubernetes.core.k8s
"""

EXAMPLES = r"""
- name: Mirror a release to the mirror registry and write the mirror configuration
  okd.machine_os.release_mirror:
    from_release: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    to: mirror.example.com:5000/ocp4/openshift4
    auth_file: /home/admin/pull-secret-and-mirror.json
    ca_file: /etc/pki/ca-trust/source/anchors/mirror-ca.pem
    output_dir: /home/admin/mirror-config
  register: mirror

- name: Show the ImageDigestMirrorSet to apply
  ansible.builtin.debug:
    var: mirror.idms

- name: What would be copied (check mode)
  okd.machine_os.release_mirror:
    from_release: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    to: mirror.example.com:5000/ocp4/openshift4
  check_mode: true
  register: plan

- name: Mirror, then apply the ImageDigestMirrorSet and the release signature ConfigMap
  okd.machine_os.release_mirror:
    from_release: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    to: mirror.example.com:5000/ocp4/openshift4
    signature_files:
      - /home/admin/signatures/signature-1
    output_dir: /home/admin/mirror-config
    apply: true
    kubeconfig: /home/admin/auth/kubeconfig

- name: Connected side of an air gap - write the release into a directory
  okd.machine_os.release_mirror:
    from_release: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    to_dir: /media/usb/release-4.19.0

- name: Disconnected side - push the directory to the mirror registry
  okd.machine_os.release_mirror:
    from_dir: /media/usb/release-4.19.0
    to: mirror.example.com:5000/ocp4/openshift4
    output_dir: /home/admin/mirror-config
"""

RETURN = r"""
release:
  description: The release mirrored.
  returned: success
  type: dict
  contains:
    version:
      description: The release version (C(image-references) C(metadata.name)).
      type: str
      returned: always
      sample: 4.19.0
    arch:
      description: The architecture in the destination tags.
      type: str
      returned: always
      sample: x86_64
    digest:
      description: The release image's digest (the manifest list's for a multi-architecture release).
      type: str
      returned: always
      sample: sha256:740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4
    source:
      description: The source release by digest.
      type: str
      returned: always
      sample: quay.io/openshift-release-dev/ocp-release@sha256:740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4
    destination:
      description: The mirrored release by digest (C(oci:DIR:NAME) for O(to_dir)).
      type: str
      returned: always
      sample: mirror.example.com:5000/ocp4/openshift4@sha256:740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4
    destination_tag:
      description: The mirrored release by tag.
      type: str
      returned: always
      sample: mirror.example.com:5000/ocp4/openshift4:4.19.0-x86_64
    signature:
      description: The mirrored sigstore signature tag, null when the source had none.
      type: str
      returned: always
      sample: null
plan:
  description: What the destination lacked when the run started (in check mode, what would be copied).
  returned: success
  type: dict
  contains:
    images_total:
      description: Images of the release (components, signature, the release image).
      type: int
      returned: always
      sample: 13
    images_missing:
      description: Images not (or not tagged) at the destination.
      type: int
      returned: always
      sample: 13
    blobs_total:
      description:
        - Unique blobs of the images not present at the destination.
        - An image whose destination tag already holds the source digest is not read from the source, so a
          run with nothing missing reports 0.
      type: int
      returned: always
      sample: 40
    blobs_missing:
      description: Blobs to transfer (each unique blob once per destination registry).
      type: int
      returned: always
      sample: 40
    bytes_missing:
      description: Bytes to transfer.
      type: int
      returned: always
      sample: 8123456
    mounts:
      description: Blobs to link by cross-repository mount instead of a transfer.
      type: int
      returned: always
      sample: 0
    manifests_missing:
      description: Manifests (and tags) to push.
      type: int
      returned: always
      sample: 13
copied:
  description: What this run moved.
  returned: success
  type: dict
  contains:
    blobs:
      description: Blobs transferred.
      type: int
      returned: always
      sample: 40
    bytes:
      description: Bytes transferred.
      type: int
      returned: always
      sample: 8123456
    mounted:
      description: Blobs linked by cross-repository mount.
      type: int
      returned: always
      sample: 0
    manifests:
      description: Manifests pushed (tags included).
      type: int
      returned: always
      sample: 13
mapping:
  description: C(<source by digest>=<destination:tag>) per image, like oc-mirror's C(mapping.txt).
  returned: success
  type: list
  elements: str
  sample:
    - "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:7c136c73d8ea91ef4cd2ae5c10e90f8d2184f2132cebafab5b0d8d00d9d287a3\
      =mirror.example.com:5000/ocp4/openshift4:4.19.0-x86_64-cli"
idms:
  description:
    - The ImageDigestMirrorSet (C(config.openshift.io/v1)) mapping the release repository and
      every component repository to the mirror; null for O(to_dir) without O(to).
  returned: success
  type: dict
  sample:
    apiVersion: config.openshift.io/v1
    kind: ImageDigestMirrorSet
    metadata: {"name": "release-4.19.0"}
    spec:
      imageDigestMirrors:
        - {"source": "quay.io/openshift-release-dev/ocp-release", "mirrors": ["mirror.example.com:5000/ocp4/openshift4"]}
        - {"source": "quay.io/openshift-release-dev/ocp-v4.0-art-dev", "mirrors": ["mirror.example.com:5000/ocp4/openshift4"]}
itms:
  description: The ImageTagMirrorSet with the same sources and mirrors; null for O(to_dir) without O(to).
  returned: success
  type: dict
  sample:
    apiVersion: config.openshift.io/v1
    kind: ImageTagMirrorSet
    metadata: {"name": "release-4.19.0"}
    spec:
      imageTagMirrors:
        - {"source": "quay.io/openshift-release-dev/ocp-release", "mirrors": ["mirror.example.com:5000/ocp4/openshift4"]}
icsp:
  description:
    - The ImageContentSourcePolicy (C(operator.openshift.io/v1alpha1)) for clusters before
      4.13; null for O(to_dir) without O(to).
  returned: success
  type: dict
  sample:
    apiVersion: operator.openshift.io/v1alpha1
    kind: ImageContentSourcePolicy
    metadata: {"name": "release-4.19.0"}
    spec:
      repositoryDigestMirrors:
        - {"source": "quay.io/openshift-release-dev/ocp-release", "mirrors": ["mirror.example.com:5000/ocp4/openshift4"]}
install_config:
  description: The install-config.yaml C(imageDigestSources) section; null for O(to_dir) without O(to).
  returned: success
  type: dict
  sample:
    imageDigestSources:
      - {"source": "quay.io/openshift-release-dev/ocp-release", "mirrors": ["mirror.example.com:5000/ocp4/openshift4"]}
signature_configmap:
  description:
    - The release signature ConfigMap built from O(signature_files) (as C(oc adm release
      mirror --release-image-signature-to-dir) writes it), null without O(signature_files).
  returned: success
  type: dict
  sample:
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: sha256-740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4
      namespace: openshift-config-managed
      labels: {"release.openshift.io/verification-signatures": ""}
    binaryData:
      sha256-740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4-1: owGbwMvMwMEYdOzLoajv...
applied:
  description: What O(apply) did to each object (C(created), C(updated) or C(unchanged)); empty without O(apply).
  returned: success
  type: list
  elements: dict
  sample:
    - {"kind": "ImageDigestMirrorSet", "name": "release-4.19.0", "action": "created"}
    - {"kind": "ConfigMap", "name": "sha256-740147c965ada4648be6629816fed8af4be1ad86773f5d288d440fdbf4c8bdf4",
       "action": "unchanged"}
files:
  description: The files in O(output_dir) (empty without it, and in check mode).
  returned: success
  type: list
  elements: str
  sample: ["/home/admin/mirror-config/idms.yaml", "/home/admin/mirror-config/mapping.txt"]
elapsed_seconds:
  description: How long the run took.
  returned: success
  type: float
  sample: 4.2
"""

from ansible_collections.okd.machine_os.plugins.module_utils.mirror.run import release_mirror
from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import CLUSTER_OPTIONAL, run_module
from ansible_collections.okd.machine_os.plugins.module_utils.registry.args import (
    registry_auth_argument_spec,
    registry_auth_required_together,
)

APPLY_KINDS = ("idms", "itms", "icsp")


def argument_spec():
    spec = {
        "from_release": {"type": "str"},
        "from_dir": {"type": "path"},
        "to": {"type": "str"},
        "to_release_image": {"type": "str"},
        "to_dir": {"type": "path"},
        "parallelism": {"type": "int", "default": 8},
        "output_dir": {"type": "path"},
        "signatures": {"type": "bool", "default": True},
        "signature_files": {"type": "list", "elements": "path"},
        "apply": {"type": "bool", "default": False},
        "apply_kinds": {"type": "list", "elements": "str", "choices": list(APPLY_KINDS), "default": ["idms"]},
    }
    spec.update(registry_auth_argument_spec())
    return spec


def main():
    run_module(
        argument_spec(),
        release_mirror,
        cluster=CLUSTER_OPTIONAL,
        mutually_exclusive=[["from_release", "from_dir"], ["from_dir", "to_dir"]],
        required_one_of=[["from_release", "from_dir"], ["to", "to_dir"]],
        required_together=registry_auth_required_together(),
        supports_check_mode=True,
    )


if __name__ == "__main__":
    main()
