# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a cluster needs to use a mirrored release, as data (pure) and as files.

* ImageDigestMirrorSet (``config.openshift.io/v1``, ``spec.imageDigestMirrors``), the
  current way (``oc adm release mirror --print-mirror-instructions=idms``, oc-mirror v2's
  ``idms-oc-mirror.yaml``);
* ImageTagMirrorSet (``spec.imageTagMirrors``), for pulls by tag;
* ImageContentSourcePolicy (``operator.openshift.io/v1alpha1``,
  ``spec.repositoryDigestMirrors``), for clusters older than 4.13;
* the install-config ``imageDigestSources`` snippet;
* the mapping, ``<source by digest>=<destination:tag>`` per line, like oc-mirror's
  ``dry-run/mapping.txt``.

Sources are the release's repository, mirrored to the release destination repository, and
every distinct component repository of ``image-references``, mirrored to ``to``
(openshift/oc pkg/cli/admin/release/mirror.go ``printICSPInstructions``,
``printIDMSInstructions``).
"""

import base64
import os
import re

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None
    HAS_YAML = False

IDMS_FILE = "idms.yaml"
ITMS_FILE = "itms.yaml"
ICSP_FILE = "icsp.yaml"
INSTALL_CONFIG_FILE = "install-config-snippet.yaml"
MAPPING_FILE = "mapping.txt"
SIGNATURE_CONFIGMAP_FILE = "signature-configmap.yaml"

SIGNATURE_NAMESPACE = "openshift-config-managed"
SIGNATURE_LABEL = "release.openshift.io/verification-signatures"

_NOT_NAME = re.compile(r"[^a-z0-9.-]+")


def object_name(version):
    """A DNS-1123 subdomain for the objects: ``release-<version>`` (lower case, [a-z0-9.-])."""
    text = _NOT_NAME.sub("-", f"release-{version}".lower()).strip("-.")
    return text[:253].rstrip("-.")


def mirror_sources(release_source_repo, release_mirror_repo, content_source_repos, content_mirror_repo):
    """[{source, mirrors}]: the release repository first, then each content repository once."""
    entries = {}
    order = []

    def add(source, mirror):
        if source not in entries:
            entries[source] = []
            order.append(source)
        if mirror not in entries[source]:
            entries[source].append(mirror)

    add(release_source_repo, release_mirror_repo)
    for repo in content_source_repos:
        add(repo, content_mirror_repo)
    return [{"source": source, "mirrors": list(entries[source])} for source in order]


def idms(name, sources):
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ImageDigestMirrorSet",
        "metadata": {"name": name},
        "spec": {"imageDigestMirrors": [dict(e, mirrors=list(e["mirrors"])) for e in sources]},
    }


def itms(name, sources):
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ImageTagMirrorSet",
        "metadata": {"name": name},
        "spec": {"imageTagMirrors": [dict(e, mirrors=list(e["mirrors"])) for e in sources]},
    }


def icsp(name, sources):
    return {
        "apiVersion": "operator.openshift.io/v1alpha1",
        "kind": "ImageContentSourcePolicy",
        "metadata": {"name": name},
        "spec": {"repositoryDigestMirrors": [dict(e, mirrors=list(e["mirrors"])) for e in sources]},
    }


def install_config(sources):
    """The ``imageDigestSources`` section of install-config.yaml."""
    return {"imageDigestSources": [{"mirrors": list(e["mirrors"]), "source": e["source"]} for e in sources]}


def mapping_lines(images):
    """``<source by digest>=<destination repo:tag>`` for each image (MirrorImage-like objects)."""
    return [f"{image.source}={image.destination}" for image in images]


def build_outputs(version, release_source_repo, release_mirror_repo, content_source_repos, content_mirror_repo, images):
    """Every output as data: {idms, itms, icsp, install_config, mapping}."""
    name = object_name(version)
    sources = mirror_sources(release_source_repo, release_mirror_repo, content_source_repos, content_mirror_repo)
    return {
        "idms": idms(name, sources),
        "itms": itms(name, sources),
        "icsp": icsp(name, sources),
        "install_config": install_config(sources),
        "mapping": mapping_lines(images),
    }


def signature_configmap(digest, signatures):
    """The release signature ConfigMap, as ``oc adm release mirror`` builds it (library-go
    ``verify.GetSignaturesAsConfigmap``): name ``sha256-<hex>`` of the release digest in
    ``openshift-config-managed``, labelled ``release.openshift.io/verification-signatures: ""``,
    each signature (bytes, in order) under ``binaryData`` key ``sha256-<hex>-<N>`` from 1, base64."""
    algorithm, _sep, hexdigest = digest.partition(":")
    prefix = f"{algorithm}-{hexdigest}"
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": prefix, "namespace": SIGNATURE_NAMESPACE, "labels": {SIGNATURE_LABEL: ""}},
        "binaryData": {
            f"{prefix}-{index}": base64.b64encode(data).decode("ascii")
            for index, data in enumerate(signatures, start=1)
        },
    }


def dump(document):
    return yaml.safe_dump(document, default_flow_style=False, sort_keys=False)


def render_files(outputs):
    """{file name: text} of the outputs."""
    return {
        IDMS_FILE: dump(outputs["idms"]),
        ITMS_FILE: dump(outputs["itms"]),
        ICSP_FILE: dump(outputs["icsp"]),
        INSTALL_CONFIG_FILE: dump(outputs["install_config"]),
        MAPPING_FILE: "".join(line + "\n" for line in outputs["mapping"]),
    }


def write_files(directory, files):
    """Write {name: text} into ``directory`` (created), each only if its content differs.

    Returns (paths of every file, paths actually written). Writes are atomic (temp + rename).
    """
    os.makedirs(directory, exist_ok=True)
    paths, written = [], []
    for name, text in files.items():
        path = os.path.join(directory, name)
        paths.append(path)
        data = text.encode("utf-8")
        try:
            with open(path, "rb") as handle:
                if handle.read() == data:
                    continue
        except OSError:
            pass
        tmp = path + ".tmp"
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        written.append(path)
    return paths, written
