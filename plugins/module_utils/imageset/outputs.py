# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a cluster needs to use a mirrored image set: IDMS, ITMS, signature ConfigMaps, the mapping.

The objects are built by the release mirror's ``mirror/outputs.py`` (one implementation of
each shape); here only the sources are gathered across every release and additional image:
each release repository -> ``<to>/openshift/release-images``, each component repository ->
``<to>/openshift/release``, each additional image's repository -> its destination repository.

Signature ConfigMaps are those ``oc adm release mirror`` writes (library-go
``pkg/verify/configmap.go`` ``GetSignaturesAsConfigmap``), one per release: name
``sha256-<hex>``, namespace ``openshift-config-managed``, label
``release.openshift.io/verification-signatures``, ``binaryData`` keys ``sha256-<hex>-<N>``,
which is what the cluster-version operator's ConfigMap store reads (library-go
``pkg/verify/store/configmap/configmap.go``: only ``binaryData`` keys with the
``sha256-<hex>`` prefix).
"""

from ansible_collections.okd.machine_os.plugins.module_utils.mirror import outputs as mirror_outputs
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.plan import RELEASE

IDMS_FILE = mirror_outputs.IDMS_FILE
ITMS_FILE = mirror_outputs.ITMS_FILE
MAPPING_FILE = mirror_outputs.MAPPING_FILE
SIGNATURE_CONFIGMAPS_FILE = "signature-configmaps.yaml"
OBJECT_NAME = "image-set"


def mirror_sources(images):
    """[{source, mirrors}] for ``images`` (MirrorImages): release repositories first, each source once."""
    entries, order = {}, []
    for image in sorted(images, key=lambda i: i.kind != RELEASE):
        source = image.source.name
        if source not in entries:
            entries[source] = []
            order.append(source)
        if image.repo not in entries[source]:
            entries[source].append(image.repo)
    return [{"source": source, "mirrors": entries[source]} for source in order]


def build(images, name=OBJECT_NAME):
    """{idms, itms, mapping} for every image of the set."""
    sources = mirror_sources(images)
    return {
        "idms": mirror_outputs.idms(name, sources),
        "itms": mirror_outputs.itms(name, sources),
        "mapping": mirror_outputs.mapping_lines(images),
    }


def signature_configmaps(releases):
    """One ConfigMap per release with signatures: ``releases`` is [(digest, [bytes, ...])]."""
    return [mirror_outputs.signature_configmap(digest, found) for digest, found in releases if found]


def render_files(result):
    """{file name: text} of the outputs in ``result``."""
    files = {
        IDMS_FILE: mirror_outputs.dump(result["idms"]),
        ITMS_FILE: mirror_outputs.dump(result["itms"]),
        MAPPING_FILE: "".join(line + "\n" for line in result["mapping"]),
    }
    if result["signature_configmaps"]:
        files[SIGNATURE_CONFIGMAPS_FILE] = "---\n".join(
            mirror_outputs.dump(configmap) for configmap in result["signature_configmaps"]
        )
    return files


def write_files(directory, files):
    return mirror_outputs.write_files(directory, files)
