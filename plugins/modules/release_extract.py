#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: release_extract
short_description: Write the manifests and metadata of an OpenShift/OKD release payload to a directory
version_added: 0.1.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Reads C(release-manifests/) of a release payload image (from a registry or an OCI
    image layout directory) and writes its files to a directory on the controller, like
    C(oc adm release extract --to DIR) or C(oc adm release extract --file NAME).
  - Only the release image's manifest, config and last layer are downloaded, each checked
    against its digest; nothing is written before the whole layer is verified.
  - A file is written only when its content (or mode) differs from what is on disk, so a
    second run reports no change. Files are written with mode C(0644).
  - With neither O(image) nor O(from_dir), extracts the release the connected cluster runs
    (C(ClusterVersion/version) C(status.desired.image)).
extends_documentation_fragment:
  - okd.machine_os.registry_auth
  - kubernetes.core.k8s_auth_options
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_cluster_registry
options:
  image:
    description:
      - Pullspec of the release image, by tag or digest.
      - Mutually exclusive with O(from_dir).
    type: str
  from_dir:
    description:
      - Read the release from an OCI image layout directory instead of a registry, as in
        M(okd.machine_os.release_info) (C(DIR) or C(DIR:NAME)).
      - Mutually exclusive with O(image).
    type: path
  platform:
    description:
      - The platform to read from a multi-architecture release, as C(os/arch[/variant]) or
        C(arch). Defaults to C(linux/amd64).
    type: str
  to:
    description:
      - Directory to write the files to; created (mode C(0755)) if missing.
    type: path
    required: true
  what:
    description:
      - V(manifests) writes what C(oc adm release extract) writes, that is C(image-references),
        C(release-metadata) and every C(.yaml), C(.yml) and C(.json) file of
        C(release-manifests/). It is the default when neither O(what) nor O(files) is set.
      - V(image-references) or V(release-metadata) writes only that file.
      - Mutually exclusive with O(files).
    type: str
    choices: [manifests, image-references, release-metadata]
  files:
    description:
      - Names of files in C(release-manifests/) to write, for example
        C(0000_50_cluster-ingress-operator_02-deployment.yaml).
      - A name the payload does not have fails the task, naming it and listing similar names.
      - Mutually exclusive with O(what).
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    details: Reads the payload and compares it with the directory; reports the files that would be written and writes nothing.
  diff_mode:
    support: full
    details: Shows the files, each with its sha256, before and after.
  idempotent:
    support: full
    details: Unchanged files are not rewritten; a second run reports no change.
requirements:
  - python >= 3.11
  - kubernetes >= 24.2.0 (only to read the cluster's release)
notes:
  - Files are written byte for byte as they are in the payload. C(oc adm release extract)
    re-serialises each manifest as YAML, so its files differ in formatting but hold the
    same objects.
  - Like C(oc adm release info), only the last layer of the release image is read, the
    one C(oc adm release new) appends with C(release-manifests/).
seealso:
  - module: okd.machine_os.release_info
"""

EXAMPLES = r"""
- name: Write the manifests of a release
  okd.machine_os.release_extract:
    image: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    to: /srv/releases/4.19.0

- name: Only the image-references of the cluster's own release
  okd.machine_os.release_extract:
    what: image-references
    to: /tmp/current-release

- name: Two manifests, from a release mirrored to a directory
  okd.machine_os.release_extract:
    from_dir: /srv/mirror/release
    files:
      - 0000_50_cluster-ingress-operator_02-deployment.yaml
      - release-metadata
    to: /tmp/ingress
  register: extracted

- name: What was written
  ansible.builtin.debug:
    msg: "{{ extracted.written }}"
"""

RETURN = r"""
name:
  description: The release name (C(release-metadata) C(version)).
  returned: success
  type: str
  sample: 4.19.0
digest:
  description: The release digest (the manifest list's for a multi-architecture release).
  returned: success
  type: str
  sample: sha256:e4ecda62e6765162777289c7f1f8c3534dd27c55bebc4211bc107da20e3d3bc0
to:
  description: The directory, as an absolute path.
  returned: success
  type: str
  sample: /srv/releases/4.19.0
files:
  description: Every selected file, in payload order.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The name in C(release-manifests/).
      type: str
      returned: always
      sample: release-metadata
    path:
      description: Where it is (or would be) written.
      type: str
      returned: always
      sample: /srv/releases/4.19.0/release-metadata
    state:
      description: V(create) (new file), V(update) (content or mode differed) or V(unchanged).
      type: str
      returned: always
      sample: create
    size:
      description: Size in bytes.
      type: int
      returned: always
      sample: 312
    sha256:
      description: Digest of the content.
      type: str
      returned: always
      sample: sha256:3b0f2a1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a
written:
  description: Names of the files written (in check mode, that would be written).
  returned: success
  type: list
  elements: str
  sample: ["image-references", "release-metadata"]
unchanged:
  description: Names of the files that already had this content and mode.
  returned: success
  type: list
  elements: str
  sample: []
"""

from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import CLUSTER_OPTIONAL, run_module
from ansible_collections.okd.machine_os.plugins.module_utils.release.actions import release_extract
from ansible_collections.okd.machine_os.plugins.module_utils.release.extract import WHAT_CHOICES
from ansible_collections.okd.machine_os.plugins.module_utils.release.loader import (
    release_source_argument_spec,
    release_source_module_kwargs,
)


def main():
    run_module(
        release_source_argument_spec(
            {
                "to": {"type": "path", "required": True},
                "what": {"type": "str", "choices": list(WHAT_CHOICES)},
                "files": {"type": "list", "elements": "str"},
            }
        ),
        release_extract,
        cluster=CLUSTER_OPTIONAL,
        **release_source_module_kwargs(mutually_exclusive=[["what", "files"]], supports_check_mode=True),
    )


if __name__ == "__main__":
    main()
