# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where an image set's images go, as the mirror engine's ``MirrorImage``s (pure but for nothing).

Destinations follow oc-mirror v2 (``internal/pkg/release/local_stored_collector.go``
``preparePathComponents``/``prepareTag``), so a registry mirrored by oc-mirror and one mirrored
by this module look the same:

* a release image goes to ``<to>/openshift/release-images:<version>-<arch>``;
* its components to ``<to>/openshift/release:<version>-<arch>-<component>`` (oc's tag names,
  ``mirror/naming.py``);
* an additional image to ``<to>/<targetRepo or its own repository path>:<targetTag or its tag>``,
  an image given by digest only to tag ``sha256-<hex>``.

The mirror engine (``mirror/plan.py``, ``mirror/execute.py``) moves every unique blob once across
all of them and pushes the release images last.
"""

from ansible_collections.okd.machine_os.plugins.module_utils.mirror.naming import component_tag, release_tag
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.plan import COMPONENT, RELEASE, MirrorImage
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference

RELEASE_REPOSITORY = "openshift/release-images"
COMPONENT_REPOSITORY = "openshift/release"


def destination(to, path):
    """``<to>/<path>`` as a repository Reference (``to`` is a Reference without tag)."""
    return to.with_repository(f"{to.repository}/{path}".strip("/"))


def release_images(to, version, arch, release_ref, release_digest, references):
    """The MirrorImages of one release: its components (``references`` {name: pullspec by
    digest}, image-references order) then the release image itself."""
    component_repo = destination(to, COMPONENT_REPOSITORY)
    release_repo = destination(to, RELEASE_REPOSITORY)
    images = []
    for name, pullspec in references.items():
        ref = Reference.parse(pullspec)
        images.append(
            MirrorImage(
                name,
                COMPONENT,
                ref,
                ref.digest,
                component_repo.name,
                component_tag(version, arch, name),
                component_repo.registry,
            )
        )
    images.append(
        MirrorImage(
            version,
            RELEASE,
            release_ref.by_digest(release_digest),
            release_digest,
            release_repo.name,
            release_tag(version, arch),
            release_repo.registry,
        )
    )
    return images


def digest_tag(digest):
    """``sha256-<hex>``: the tag of an image mirrored by digest only."""
    algorithm, _sep, hexdigest = digest.partition(":")
    return f"{algorithm}-{hexdigest}"


def additional_image(to, entry, source_ref, digest):
    """The MirrorImage of an ``additionalImages`` entry whose source ``source_ref`` resolved to ``digest``."""
    target = destination(to, entry.target_repo or source_ref.repository)
    tag = entry.target_tag or source_ref.tag or digest_tag(digest)
    return MirrorImage(entry.name, COMPONENT, source_ref.by_digest(digest), digest, target.name, tag, target.registry)
