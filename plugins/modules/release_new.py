#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: release_new
short_description: Build a release payload from another one, like oc adm release new --from-release
version_added: 0.1.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Reads the release O(from_release), replaces or drops components, renames it and pushes
    the new payload to O(to_image), as C(oc adm release new --from-release) does, without
    the C(oc) binary.
  - The new image is the cluster-version-operator image (the component whose digest equals
    the C(io.openshift.release.base-image-digest) label) plus one gzip tar layer holding
    C(release-manifests/) (C(image-references), C(release-metadata) and the input's
    manifests); its labels are C(io.openshift.release) and
    C(io.openshift.release.base-image-digest) only.
  - Replaced components are annotated C(io.openshift.release.override=true); the
    ImageStream gets C(release.openshift.io/from-release) when components were replaced.
  - With nothing to change, the input is rebuilt with its creation time and must come out
    with its own digest, as C(oc) verifies; otherwise the task fails and says why.
  - Fails, pushing nothing, on a malformed pullspec, an unknown tag in O(replacements) or
    O(exclude), a digest in O(to_image) or a registry error.
extends_documentation_fragment:
  - okd.machine_os.registry_auth
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_registry
options:
  from_release:
    description:
      - Pullspec of the release to start from, by tag or digest (single architecture).
    type: str
    required: true
  to_image:
    description:
      - Repository to push the new release to, C(registry/repository[:tag]).
      - The tag defaults to the release name. A digest is not allowed.
    type: str
    required: true
  replacements:
    description:
      - Component tag name to the pullspec of the image to use instead, for example
        C(prometheus) to C(quay.io/me/prometheus:fix). Tags are resolved to digests.
      - A replaced tag's annotations are reset to the new image's C(io.openshift.build.*)
        labels plus C(io.openshift.release.override=true), as C(oc) does.
    type: dict
    default: {}
  exclude:
    description:
      - Component tag names to leave out of the new release.
    type: list
    elements: str
    default: []
  name:
    description:
      - The new release name (a semantic version); defaults to the input's.
    type: str
  previous:
    description:
      - Versions that may update to this one (replaces the input's list).
    type: list
    elements: str
  next:
    description:
      - Versions this one may update to (replaces the input's list).
    type: list
    elements: str
  metadata:
    description:
      - The C(metadata) object of C(release-metadata) (replaces the input's).
    type: dict
attributes:
  check_mode:
    support: full
    details: Computes the new release and its digest; pushes nothing.
  diff_mode:
    support: none
    details: No diff is reported.
  idempotent:
    support: full
    details: Not changed when O(to_image) already holds the computed digest.
requirements:
  - python >= 3.11
  - requests
seealso:
  - module: okd.machine_os.release_info
"""

EXAMPLES = r"""
- name: Replace prometheus in a release and push it to a mirror
  okd.machine_os.release_new:
    from_release: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    replacements:
      prometheus: registry.example.com/me/prometheus:fix
    name: 4.19.0-fix.1
    to_image: registry.example.com/me/release
  register: new_release

- name: Verify a release reproduces from its inputs
  okd.machine_os.release_new:
    from_release: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    to_image: registry.example.com/me/release:4.19.0
  check_mode: true
"""

RETURN = r"""
digest:
  description: Digest of the new release image manifest.
  returned: success
  type: str
  sample: sha256:e4ecda62e6765162777289c7f1f8c3534dd27c55bebc4211bc107da20e3d3bc0
pullspec:
  description: The new release by digest, C(registry/repository@digest).
  returned: success
  type: str
  sample: registry.example.com/me/release@sha256:e4ecda62e6765162777289c7f1f8c3534dd27c55bebc4211bc107da20e3d3bc0
tag_pullspec:
  description: The new release by tag.
  returned: success
  type: str
  sample: registry.example.com/me/release:4.19.0-fix.1
name:
  description: The release name.
  returned: success
  type: str
  sample: 4.19.0-fix.1
created:
  description: The image config's creation time.
  returned: success
  type: str
  sample: "2026-11-01T00:00:00Z"
reproduced:
  description: Whether nothing was changed, so the input was rebuilt to its own digest.
  returned: success
  type: bool
  sample: false
image_references:
  description: The C(image-references) ImageStream written.
  returned: success
  type: dict
  sample: {"kind": "ImageStream", "apiVersion": "image.openshift.io/v1", "metadata": {"name": "4.19.0"}}
release_metadata:
  description: The C(release-metadata) document written.
  returned: success
  type: dict
  sample: {"kind": "cincinnati-metadata-v0", "version": "4.19.0", "previous": []}
"""

from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import run_module
from ansible_collections.okd.machine_os.plugins.module_utils.registry.args import (
    registry_auth_argument_spec,
    registry_auth_required_together,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.actions import release_new


def argument_spec():
    spec = {
        "from_release": {"type": "str", "required": True},
        "to_image": {"type": "str", "required": True},
        "replacements": {"type": "dict", "default": {}},
        "exclude": {"type": "list", "elements": "str", "default": []},
        "name": {"type": "str"},
        "previous": {"type": "list", "elements": "str"},
        "next": {"type": "list", "elements": "str"},
        "metadata": {"type": "dict"},
    }
    spec.update(registry_auth_argument_spec())
    return spec


def main():
    run_module(
        argument_spec(),
        release_new,
        required_together=registry_auth_required_together(),
        supports_check_mode=True,
    )


if __name__ == "__main__":
    main()
