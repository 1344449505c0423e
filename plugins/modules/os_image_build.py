#!/usr/bin/python

# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: os_image_build
short_description: Build a layered OS image FROM a release's OS image by digest, and push it
version_added: 0.1.0
author:
  - okd.machine_os maintainers (@okd-project)
description:
  - Builds a container image from a Containerfile on top of a bootable OS image (the
    C(rhel-coreos), C(stream-coreos), ... image of an OpenShift/OKD release) with buildah or
    podman, checks that the result can still boot a node, pushes it and returns it by digest,
    ready for C(okd.machine_os.os_image_override).
  - 'The base is, in this order: O(base_image); the OS image of the release O(release_image)
    (its C(rhel-coreos), C(rhel-coreos-8), C(machine-os-content), C(stream-coreos),
    C(centos-stream-coreos-9) or C(fedora-coreos) tag, as C(okd.machine_os.release_info)
    finds it); or, with neither, the OS image of the release the cluster runs
    (C(ClusterVersion/version) C(status.desired.image)), read with the Kubernetes connection
    options. The base is resolved to a digest with the registry client (a manifest list to
    the image for this host''s architecture).'
  - 'The build is FROM the base by digest: the B(last) C(FROM) instruction of the
    Containerfile (the final stage, whose result is the image) gets the base pullspec by
    digest as its image; its flags (C(--platform=...)) and C(AS name) are kept, and whatever
    image it named is ignored (C(FROM scratch) or C(FROM base) are fine placeholders).
    Earlier stages (builders) are left as written. A Containerfile without C(FROM) gets
    C(FROM <base by digest>) as its first instruction. RV(replaced_from) returns the image
    that was replaced.'
  - 'The image gets three labels: C(machine-os.okd.io/base-image) (the base by digest),
    C(machine-os.okd.io/base-image-digest) and C(machine-os.okd.io/containerfile-sha256)
    (RV(containerfile_sha256)). Before building, the image the destination tag holds is read
    from the registry; when its two last labels equal the base digest and the hash, nothing is
    built or pushed (C(changed=false)), unless O(force).'
  - 'RV(containerfile_sha256) is the hex sha256 of the compact, key-sorted JSON
    C({"build_args": O(build_args), "containerfile": TEXT, "labels": O(labels), "squash":
    O(squash), "version": 1}) where TEXT is the Containerfile as given (before the C(FROM)
    rewrite) with a byte-order mark dropped, CRLF/CR line ends made LF and the trailing newlines
    collapsed to one; build arg and label values are strings. Files of O(context) and secret
    contents are not hashed: use O(force) to rebuild when only those change.'
  - After the build, the image must still carry C(ostree.bootable) or C(containers.bootc) and
    the base's architecture, else the task fails and nothing is pushed (nodes refuse to rebase
    to such an image and the pool degrades).
  - The push uses C(--digestfile), so RV(image) is exactly what was pushed.
  - A failing build fails the task with the last 40 lines of the engine's output in C(msg) and
    C(build_output_tail).
extends_documentation_fragment:
  - okd.machine_os.registry_auth
  - kubernetes.core.k8s_auth_options
  - okd.machine_os.attributes
  - okd.machine_os.attributes.actiongroup_registry
options:
  image:
    description:
      - Where to push the built image, C(registry/repository[:tag]) (tag C(latest) if none).
      - Not a digest; the result by digest is returned in RV(image).
    type: str
    required: true
  base_image:
    description:
      - Pullspec (tag or digest) of the image to build on. Mutually exclusive with
        O(release_image).
    type: str
  release_image:
    description:
      - Pullspec of a release payload whose OS image is the base. Mutually exclusive with
        O(base_image).
    type: str
  containerfile:
    description:
      - The Containerfile, inline. Exactly one of O(containerfile) and O(containerfile_path).
    type: str
  containerfile_path:
    description:
      - Path of the Containerfile on the host the task runs on.
    type: path
  context:
    description:
      - The build context directory (what C(COPY) and C(ADD) read).
      - Defaults to an empty temporary directory, also with O(containerfile_path).
    type: path
  build_args:
    description:
      - C(--build-arg) name to value. Part of RV(containerfile_sha256); do not put secrets here,
        use O(secrets).
    type: dict
    default: {}
  secrets:
    description:
      - Build secrets, each passed as C(--secret id=ID,src=SRC) and read in the Containerfile
        with C(RUN --mount=type=secret,id=ID ...) (entitlement certificates, for example).
      - Their content is never read by the module, logged or returned.
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: The secret's name.
        type: str
        required: true
      src:
        description: Path of the file holding the secret, on the host the task runs on.
        type: path
        required: true
  squash:
    description:
      - Squash the layers the build adds into one (C(--squash)); the base's layers are kept.
    type: bool
    default: false
  engine:
    description:
      - The build engine. C(auto) uses buildah if it is on the PATH, else podman.
    type: str
    choices: [auto, buildah, podman]
    default: auto
  storage_driver:
    description:
      - The containers-storage driver (C(--storage-driver)). C(vfs) works everywhere
        (containers, no fuse); C(overlay) is faster where it is available.
      - Set it to an empty string to use the one in C(storage.conf).
    type: str
    default: vfs
  isolation:
    description:
      - How C(RUN) steps are isolated (C(--isolation)). C(chroot) needs no user namespaces or
        OCI runtime.
    type: str
    choices: [chroot, oci, rootless]
    default: chroot
  labels:
    description:
      - Extra labels for the image. The three C(machine-os.okd.io/) labels are set by the
        module and cannot be given here.
    type: dict
    default: {}
  force:
    description:
      - Build and push even when the destination already holds an image with the same base
        digest and Containerfile hash.
    type: bool
    default: false
notes:
  - O(auth_file) (or O(registry_username)/O(registry_password), written to a private
    temporary auth file) is passed to the engine with C(--authfile) for pulling the base and
    pushing; O(ca_file) is copied to a temporary C(--cert-dir) as C(ca.crt); a registry in
    O(insecure_registries) gets C(--tls-verify=false) on the command that talks to it only
    (the build for the base's registry, the push for the destination's).
  - The engine runs as the user of the task; rootless builds need the usual subuid/subgid setup.
    Container storage follows the engine's configuration (C(CONTAINERS_STORAGE_CONF)).
attributes:
  check_mode:
    support: full
    details: Resolves the base, reads the destination and returns what would be built and the commands; runs nothing.
  diff_mode:
    support: none
    details: An image has no useful text diff; RV(commands) and RV(labels) say what is built.
  idempotent:
    support: full
    details: An up-to-date destination (same base digest and Containerfile hash labels) is left alone.
requirements:
  - python >= 3.11
  - buildah or podman on the host the task runs on
  - kubernetes >= 24.2.0 (only to read the cluster's release)
seealso:
  - module: okd.machine_os.release_info
"""

EXAMPLES = r"""
- name: Layer a package on the OS image of the cluster's release
  okd.machine_os.os_image_build:
    image: registry.example.com/os/worker-layered:4.19
    containerfile: |
      FROM base
      RUN rpm-ostree install libreswan && rpm-ostree cleanup -m && ostree container commit
    auth_file: /home/admin/pull-secret.json
  register: layered

- name: Use it by digest
  ansible.builtin.debug:
    msg: "osImageURL: {{ layered.image }}"

- name: Build FROM the OS image of a given release, with entitlement certificates
  okd.machine_os.os_image_build:
    release_image: quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64
    image: registry.example.com/os/worker-layered:4.19.0
    containerfile_path: files/Containerfile
    context: files/
    secrets:
      - id: entitlement
        src: /etc/pki/entitlement/1234.pem
    build_args:
      PACKAGES: libreswan ltrace
    squash: true
    ca_file: /etc/pki/ca-trust/source/anchors/registry-ca.pem

- name: FROM an explicit base, with podman
  okd.machine_os.os_image_build:
    base_image: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:69cf9251c36c4df35cd676657c7fc1cb7706a4dccdf5dab4743115e2cac48f3b
    image: registry.example.com/os/worker-layered:test
    containerfile: |
      RUN mkdir -p /etc/example && echo hello > /etc/example/hello
    engine: podman
    labels:
      org.opencontainers.image.source: https://git.example.com/os-layers
"""

RETURN = r"""
image:
  description: The built (or the up-to-date) image by digest, C(registry/repository@sha256:...); null in check mode when a build is due.
  returned: success
  type: str
  sample: registry.example.com/os/worker-layered@sha256:0c1ba0a45ac1914d6e24ac7bbdfde6ccf1753fe871c6227c08dd801c5734c7f8
digest:
  description: The digest of RV(image).
  returned: success
  type: str
  sample: sha256:0c1ba0a45ac1914d6e24ac7bbdfde6ccf1753fe871c6227c08dd801c5734c7f8
tag_pullspec:
  description: The destination by tag, as pushed.
  returned: success
  type: str
  sample: registry.example.com/os/worker-layered:4.19
base_image:
  description: The base by digest (the C(FROM) of the final stage).
  returned: success
  type: str
  sample: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:a83f84b9b94005e469612c4f7e285336b8c2a5050c095ee1323e4b377eda02bc
base_digest:
  description: The base's manifest digest (label C(machine-os.okd.io/base-image-digest)).
  returned: success
  type: str
  sample: sha256:a83f84b9b94005e469612c4f7e285336b8c2a5050c095ee1323e4b377eda02bc
base_source:
  description: Where the base came from, C(base_image), C(release_image) or C(cluster).
  returned: success
  type: str
  sample: release_image
release_image:
  description: The release the base was found in, by digest; null with O(base_image).
  returned: success
  type: str
  sample: quay.io/openshift-release-dev/ocp-release@sha256:e26512325b06c336b9a59144ec56e2500d8740126356b50247a130a82aa74e7e
os_image_tag:
  description: The release's OS image tag the base is; null with O(base_image).
  returned: success
  type: str
  sample: rhel-coreos
containerfile_sha256:
  description: Hash of the build inputs (see the description), label C(machine-os.okd.io/containerfile-sha256).
  returned: success
  type: str
  sample: 5d41402abc4b2a76b9719d911017c592a9d6f4e1c3f1a5e5b8c2c7d8e9f0a1b2
replaced_from:
  description: The image the final C(FROM) named before it was put on the base; null when C(FROM) was added.
  returned: success
  type: str
  sample: base
labels:
  description: The labels given to the image (O(labels) plus the three C(machine-os.okd.io/) labels).
  returned: success
  type: dict
  sample:
    machine-os.okd.io/base-image: quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:a83f84b9b94005e469612c4f7e285336b8c2a5050c095ee1323e4b377eda02bc
    machine-os.okd.io/base-image-digest: sha256:a83f84b9b94005e469612c4f7e285336b8c2a5050c095ee1323e4b377eda02bc
    machine-os.okd.io/containerfile-sha256: 5d41402abc4b2a76b9719d911017c592a9d6f4e1c3f1a5e5b8c2c7d8e9f0a1b2
engine:
  description: The engine used (or that would be used).
  returned: success
  type: str
  sample: buildah
up_to_date:
  description: Whether the destination already held an image with the same base digest and Containerfile hash.
  returned: success
  type: bool
  sample: false
built:
  description: Whether an image was built.
  returned: success
  type: bool
  sample: true
pushed:
  description: Whether an image was pushed.
  returned: success
  type: bool
  sample: true
would_build:
  description: In check mode, whether a run would build and push.
  returned: check mode
  type: bool
  sample: true
commands:
  description:
    - The commands run (in check mode, that would run), shell-quoted, credentials redacted.
      Temporary paths read C(<workdir>) and the image ID C(<image id>) in check mode.
  returned: success
  type: list
  elements: str
  sample:
    - >-
      buildah --storage-driver vfs build --isolation chroot --authfile /home/admin/pull-secret.json
      -f /tmp/okd-os-image-build-x/Containerfile -t registry.example.com/os/worker-layered:4.19
      --iidfile /tmp/okd-os-image-build-x/iid --label machine-os.okd.io/base-image-digest=sha256:a83f...
      /tmp/okd-os-image-build-x/context
    - buildah --storage-driver vfs inspect --type image 828412173bd1
    - >-
      buildah --storage-driver vfs push --authfile /home/admin/pull-secret.json
      --digestfile /tmp/okd-os-image-build-x/digest 828412173bd1
      docker://registry.example.com/os/worker-layered:4.19
build_output_tail:
  description: On a failed build, inspect or push, the last 40 lines of the engine's output.
  returned: failure
  type: str
  sample: "STEP 2/3: RUN false\nError: building at STEP \"RUN false\": exit status 1"
"""

from ansible_collections.okd.machine_os.plugins.module_utils.layering.image_build import os_image_build
from ansible_collections.okd.machine_os.plugins.module_utils.module_runner import CLUSTER_OPTIONAL, run_module
from ansible_collections.okd.machine_os.plugins.module_utils.registry.args import (
    registry_auth_argument_spec,
    registry_auth_required_together,
)


def argument_spec():
    spec = registry_auth_argument_spec()
    spec.update(
        {
            "image": {"type": "str", "required": True},
            "base_image": {"type": "str"},
            "release_image": {"type": "str"},
            "containerfile": {"type": "str"},
            "containerfile_path": {"type": "path"},
            "context": {"type": "path"},
            "build_args": {"type": "dict", "default": {}},
            "secrets": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "no_log": False,
                "options": {"id": {"type": "str", "required": True}, "src": {"type": "path", "required": True}},
            },
            "squash": {"type": "bool", "default": False},
            "engine": {"type": "str", "choices": ["auto", "buildah", "podman"], "default": "auto"},
            "storage_driver": {"type": "str", "default": "vfs"},
            "isolation": {"type": "str", "choices": ["chroot", "oci", "rootless"], "default": "chroot"},
            "labels": {"type": "dict", "default": {}},
            "force": {"type": "bool", "default": False},
        }
    )
    return spec


def main():
    run_module(
        argument_spec(),
        os_image_build,
        cluster=CLUSTER_OPTIONAL,
        mutually_exclusive=[["base_image", "release_image"], ["containerfile", "containerfile_path"]],
        required_one_of=[["containerfile", "containerfile_path"]],
        required_together=registry_auth_required_together(),
        supports_check_mode=True,
    )


if __name__ == "__main__":
    main()
