#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: release_info
short_description: Read an OpenShift/OKD release payload, like oc adm release info
version_added: 0.1.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Reads a release payload image from a registry (or from an OCI image layout directory)
    and returns what C(oc adm release info -o json), C(--pullspecs), C(--commit-urls) and
    C(--image-for) show, as structured data, without the C(oc) binary.
  - Only the release image's manifest, config and last layer (the one holding
    C(release-manifests/)) are downloaded, each checked against its digest.
  - With neither O(image) nor O(from_dir), reads the release the connected cluster runs
    (C(ClusterVersion/version) C(status.desired.image)), like C(oc adm release info)
    without an argument; the Kubernetes connection options are only used then.
  - Fails, naming the input and the fix, on a malformed reference, a registry error
    (401, 403, 404, an untrusted certificate), an image that is not a release payload, a
    payload whose C(image-references) name differs from its C(release-metadata) version,
    or an unknown tag in O(image_for).
extends_documentation_fragment:
  - okd.machine_os.registry_auth
  - kubernetes.core.k8s_auth_options
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_cluster_registry
options:
  image:
    description:
      - Pullspec of the release image, by tag or digest, for example
        C(quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64) or
        C(quay.io/okd/scos-release@sha256:...).
      - Mutually exclusive with O(from_dir).
    type: str
  from_dir:
    description:
      - Read the release from an OCI image layout directory (C(oci-layout), C(index.json),
        C(blobs/sha256/...)) instead of a registry, as written by
        C(release_mirror), C(skopeo copy ... oci:DIR) or oc-mirror.
      - When the layout holds several images, the one whose config carries the
        C(io.openshift.release) label is read; name another with C(DIR:NAME), where NAME is
        its C(org.opencontainers.image.ref.name) annotation (skopeo's C(oci:DIR:NAME) form).
      - Mutually exclusive with O(image).
    type: path
  platform:
    description:
      - The platform to read from a multi-architecture release (a manifest list), as
        C(os/arch[/variant]) or C(arch), for example C(linux/arm64) or C(arm64).
      - C(x86_64) and C(aarch64) are accepted for C(amd64) and C(arm64).
      - Defaults to C(linux/amd64). Ignored for a single-architecture release.
    type: str
  image_for:
    description:
      - Component tag names (or one name) whose pullspec to return in RV(image_for), like
        C(oc adm release info --image-for=NAME), for example C(rhel-coreos) or C(cli).
      - A name the release does not have fails the task, listing similar tag names.
    type: list
    elements: str
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
  - kubernetes >= 24.2.0 (only to read the cluster's release)
notes:
  - The payload must name its components by digest in C(image-references), as every
    payload written by C(oc adm release new) does.
  - O(image_for), RV(images) and RV(commit_urls) come from C(image-references); component
    images themselves are not fetched.
seealso:
  - module: okd.machine_os.release_extract
"""

EXAMPLES = r"""
- name: Read a release
  okd.machine_os.release_info:
    image: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
  register: release

- name: Show its name, OS image and Kubernetes version
  ansible.builtin.debug:
    msg: >-
      {{ release.name }} ({{ release.digest }}) ships {{ release.os_image.pullspec }}
      and Kubernetes {{ release.component_versions.kubernetes.version }}

- name: The OS image and the oc image of the cluster's own release
  okd.machine_os.release_info:
    image_for:
      - rhel-coreos
      - cli
  register: cluster_release

- name: Use them
  ansible.builtin.debug:
    msg: "{{ cluster_release.image_for['rhel-coreos'] }}"

- name: Registry and cluster options set once for a block (group/okd.machine_os.registry and .cluster)
  module_defaults:
    group/okd.machine_os.registry:
      auth_file: /home/admin/pull-secret.json
      ca_file: /etc/pki/ca-trust/source/anchors/mirror-ca.pem
    group/okd.machine_os.cluster:
      kubeconfig: /home/admin/.kube/config
  block:
    - name: The cluster's release, read through the mirror's CA and pull secret
      okd.machine_os.release_info:
      register: cluster_release_info

    - name: Rebuild it with the same registry options (release_new is in the registry group only)
      okd.machine_os.release_new:
        from_release: "{{ cluster_release_info.pull_from }}"
        to_image: mirror.example.com:5000/okd/release:patched
        replacements:
          cli: mirror.example.com:5000/okd/cli@sha256:0c1b56f1e5ad41e1b9e86bd1a5deb6f8e1d0bb72bfc8ad3c0c9e5bc3f5c0b4c2

- name: The arm64 half of a multi-architecture OKD release, from a mirror with a private CA
  okd.machine_os.release_info:
    image: mirror.example.com:5000/okd/scos-release:4.19.0-okd-scos.0
    platform: linux/arm64
    ca_file: /etc/pki/ca-trust/source/anchors/mirror-ca.pem
    auth_file: /home/admin/pull-secret.json

- name: A release mirrored to a directory
  okd.machine_os.release_info:
    from_dir: /srv/mirror/release
"""

RETURN = r"""
name:
  description: The release name, C(release-metadata) C(version) (else C(image-references) C(metadata.name)).
  returned: success
  type: str
  sample: 4.19.0
digest:
  description: The release digest as oc shows it; for a multi-architecture release, the manifest list's.
  returned: success
  type: str
  sample: sha256:e4ecda62e6765162777289c7f1f8c3534dd27c55bebc4211bc107da20e3d3bc0
manifest_digest:
  description: Digest of the image manifest read (the chosen platform's for a multi-architecture release).
  returned: success
  type: str
  sample: sha256:e4ecda62e6765162777289c7f1f8c3534dd27c55bebc4211bc107da20e3d3bc0
list_digest:
  description: Digest of the manifest list the image was chosen from; null for a single-architecture release.
  returned: success
  type: str
  sample: null
created:
  description: The image config's creation time, UTC, RFC 3339, to the second.
  returned: success
  type: str
  sample: "2026-11-01T00:00:00Z"
os_arch:
  description: C(os/architecture) of the image config, or C(multi (os/architecture)) when chosen from a manifest list.
  returned: success
  type: str
  sample: linux/amd64
manifests:
  description: Number of C(.yaml), C(.yml) and C(.json) files in C(release-manifests/) of the last layer.
  returned: success
  type: int
  sample: 412
metadata_files:
  description: Other files of C(release-manifests/) (neither manifests nor the two metadata files).
  returned: success
  type: list
  elements: str
  sample: []
pull_from:
  description: The release by digest, C(registry/repository@digest) (null when read from O(from_dir)).
  returned: success
  type: str
  sample: quay.io/openshift-release-dev/ocp-release@sha256:e4ecda62e6765162777289c7f1f8c3534dd27c55bebc4211bc107da20e3d3bc0
metadata:
  description: The release metadata (C(release-metadata)); null when the payload has none.
  returned: success
  type: dict
  contains:
    version:
      description: The release version.
      type: str
      returned: always
      sample: 4.19.0
    previous:
      description: Versions that may update to this one, semver-sorted.
      type: list
      elements: str
      returned: always
      sample: ["4.18.12", "4.18.14"]
    next:
      description: Versions this one may update to, semver-sorted.
      type: list
      elements: str
      returned: always
      sample: []
    url:
      description: The errata or release notes URL (C(metadata.url)).
      type: str
      returned: always
      sample: https://access.redhat.com/errata/RHSA-2026:1234
    channels:
      description: Update channels (C(io.openshift.upgrades.graph.release.channels)).
      type: list
      elements: str
      returned: always
      sample: ["stable-4.19", "fast-4.19"]
    architecture:
      description: C(release.openshift.io/architecture), C(multi) for a multi-architecture payload.
      type: str
      returned: always
      sample: null
    metadata:
      description: The whole C(metadata) object.
      type: dict
      returned: always
      sample: {"url": "https://access.redhat.com/errata/RHSA-2026:1234"}
component_versions:
  description:
    - Component versions from the C(io.openshift.build.versions) annotations, as oc's
      C(Component Versions:) (C(kubectl) only from the C(cli) and C(cli-artifacts) tags).
    - C(version) is the one oc reports; C(versions) lists every value seen (several for
      C(machine-os) when a payload carries several OS images); C(tags) the tags that
      reported the key.
  returned: success
  type: dict
  sample:
    kubernetes: {"version": "1.32.5", "display_name": "Kubernetes", "versions": ["1.32.5"], "tags": ["hyperkube"]}
    machine-os:
      version: 9.6.20261101-0
      display_name: Red Hat Enterprise Linux CoreOS
      versions: ["9.6.20261101-0"]
      tags: ["rhel-coreos"]
images:
  description: Component tag name to pullspec (by digest), like C(--pullspecs).
  returned: success
  type: dict
  sample:
    cli: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:7c136c73d8ea91ef4cd2ae5c10e90f8d2184f2132cebafab5b0d8d00d9d287a3
commit_urls:
  description:
    - Component tag name to the source commit, like C(--commit-urls), that is
      C(https://github.com/<org>/<repo>/commit/<id>) for GitHub sources, else
      C(<source location> <commit id>); null when the tag names neither.
  returned: success
  type: dict
  sample:
    cli: https://github.com/openshift/oc/commit/2b6f5d0b0c6d2a2f1c7e1a8b6f1e1e5a4d3c2b1a
os_image:
  description: The bootable OS image (C(rhel-coreos), C(stream-coreos), ... tag); null if the payload has none.
  returned: success
  type: dict
  sample:
    tag: rhel-coreos
    pullspec: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
image_for:
  description: O(image_for) name to pullspec.
  returned: when O(image_for) is set
  type: dict
  sample:
    rhel-coreos: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0b8b4d0e2e3f0a1c6f2bd6f9d1b1c7f8e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8
release_warnings:
  description:
    - The payload's warnings, as oc lists them under C(Warnings:) (conflicting component
      versions, invalid version annotations, a missing C(release-metadata)).
    - They are also shown as task warnings.
  returned: success
  type: list
  elements: str
  sample: []
notices:
  description: What oc only prints to stderr (several kubectl versions across tags).
  returned: success
  type: list
  elements: str
  sample: []
info:
  description:
    - The document C(oc adm release info -o json) prints, same keys
      (C(image), C(digest), C(contentDigest), C(listDigest), C(config), C(metadata),
      C(references), C(versions), C(displayVersions), C(versionsTags), C(images),
      C(warnings)).
    - C(config) and C(references) are the image config and C(image-references) as stored.
  returned: success
  type: dict
  sample:
    image: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    digest: sha256:e4ecda62e6765162777289c7f1f8c3534dd27c55bebc4211bc107da20e3d3bc0
    contentDigest: sha256:e4ecda62e6765162777289c7f1f8c3534dd27c55bebc4211bc107da20e3d3bc0
    listDigest: ""
    config: {"architecture": "amd64", "os": "linux", "created": "2026-11-01T00:00:00Z"}
    metadata: {"kind": "cincinnati-metadata-v0", "version": "4.19.0", "previous": []}
    references: {"kind": "ImageStream", "apiVersion": "image.openshift.io/v1", "metadata": {"name": "4.19.0"}}
    versions: null
    displayVersions: {"kubernetes": {"Version": "1.32.5", "DisplayName": "Kubernetes"}}
    versionsTags: {"kubernetes": ["hyperkube"]}
    images: null
    warnings: null
"""

from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import CLUSTER_OPTIONAL, run_module
from ansible_collections.okd.machine_os.plugins.module_utils.release.actions import release_info
from ansible_collections.okd.machine_os.plugins.module_utils.release.loader import (
    release_source_argument_spec,
    release_source_module_kwargs,
)


def main():
    run_module(
        release_source_argument_spec({"image_for": {"type": "list", "elements": "str"}}),
        release_info,
        cluster=CLUSTER_OPTIONAL,
        **release_source_module_kwargs(supports_check_mode=True),
    )


if __name__ == "__main__":
    main()
