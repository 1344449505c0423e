# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Small release payloads in memory (image-references, release-metadata, layers, images),
shaped as ``oc adm release new`` writes them (research/release-mirror.md §1), exposed as
pytest fixtures."""

import gzip
import hashlib
import io
import json
import os
import tarfile

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.blobs import bytes_chunks, verified_chunks
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import parse_manifest

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CONTENT = "quay.example/ocp/content"


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def pullspec(tag):
    return f"{CONTENT}@{digest_of(tag.encode())}"


def tag_entry(name, versions=None, display=None, source=None, commit=None, spec=None):
    annotations = {}
    if commit:
        annotations["io.openshift.build.commit.id"] = commit
    if source:
        annotations["io.openshift.build.source-location"] = source
    if versions is not None:
        annotations["io.openshift.build.versions"] = versions
    if display is not None:
        annotations["io.openshift.build.version-display-names"] = display
    return {
        "name": name,
        "annotations": annotations,
        "from": {"kind": "DockerImage", "name": spec or pullspec(name)},
        "generation": None,
        "importPolicy": {},
        "referencePolicy": {"type": ""},
    }


def image_references_doc(name="4.19.0", tags=None):
    if tags is None:
        tags = [
            tag_entry("cli", "kubectl=1.32.5", "kubectl=Kubectl", "https://github.com/openshift/oc", "a" * 40),
            tag_entry(
                "hyperkube",
                "kubernetes=1.32.5",
                "kubernetes=Kubernetes",
                "https://github.com/openshift/kubernetes",
                "b" * 40,
            ),
            tag_entry(
                "rhel-coreos",
                "machine-os=9.6.20261101-0",
                "machine-os=Red Hat Enterprise Linux CoreOS",
                "https://github.com/openshift/os",
                "c" * 40,
            ),
            tag_entry(
                "cluster-version-operator",
                source="https://github.com/openshift/cluster-version-operator",
                commit="d" * 40,
            ),
        ]
    return {
        "kind": "ImageStream",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": name, "creationTimestamp": "2026-11-01T00:00:00Z"},
        "spec": {"lookupPolicy": {"local": False}, "tags": tags},
        "status": {"dockerImageRepository": ""},
    }


def release_metadata_doc(version="4.19.0", previous=(), metadata=None):
    doc = {"kind": "cincinnati-metadata-v0", "version": version, "previous": list(previous)}
    if metadata is not None:
        doc["metadata"] = metadata
    return doc


def tar_bytes(files, prefix="release-manifests/", compress=True, directory=True):
    """A (gzip) tar of {name: bytes} under ``prefix``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        if directory and prefix:
            info = tarfile.TarInfo(prefix.rstrip("/"))
            info.type, info.mode = tarfile.DIRTYPE, 0o777
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size, info.mode = len(data), 0o444
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw


def release_files(name="4.19.0", version=None, manifests=3, extra=None, tags=None):
    files = {
        "image-references": json.dumps(image_references_doc(name, tags), indent=2).encode(),
        "release-metadata": json.dumps(
            release_metadata_doc(
                version or name,
                metadata={
                    "url": "https://example.com/errata/1",
                    "io.openshift.upgrades.graph.release.channels": "stable-4.19,fast-4.19",
                },
            )
        ).encode(),
    }
    for index in range(manifests):
        files[f"0000_50_operator-{index}_00_namespace.yaml"] = (
            f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{index}\n".encode()
        )
    files.update(extra or {})
    return files


def _json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


class MemorySource:
    """A release source over in-memory blobs, with the interface of source.RegistrySource."""

    kind = "registry"

    def __init__(self, layers, config=None, image="quay.example/ocp/release:4.19.0", arch="amd64", listed=False):
        self.image = image
        self.blobs = {}
        config = config or {
            "architecture": arch,
            "os": "linux",
            "created": "2026-11-01T00:00:00.123456789Z",
            "config": {"Labels": {"io.openshift.release": "4.19.0"}},
        }
        config_bytes = _json(config)
        self.blobs[digest_of(config_bytes)] = config_bytes
        for layer in layers:
            self.blobs[digest_of(layer)] = layer
        self.manifest_bytes = _json(
            {
                "schemaVersion": 2,
                "mediaType": DOCKER_MANIFEST,
                "config": {"mediaType": DOCKER_CONFIG, "size": len(config_bytes), "digest": digest_of(config_bytes)},
                "layers": [{"mediaType": DOCKER_LAYER, "size": len(b), "digest": digest_of(b)} for b in layers],
            }
        )
        self.index = None
        if listed:
            self.index = parse_manifest(
                _json(
                    {
                        "schemaVersion": 2,
                        "mediaType": DOCKER_LIST,
                        "manifests": [
                            {
                                "mediaType": DOCKER_MANIFEST,
                                "size": len(self.manifest_bytes),
                                "digest": digest_of(self.manifest_bytes),
                                "platform": {"architecture": arch, "os": "linux"},
                            }
                        ],
                    }
                )
            )

    def resolve(self):
        return parse_manifest(self.manifest_bytes), self.index

    def read_config(self, descriptor):
        return json.loads(self.blobs[descriptor.digest])

    def blob_chunks(self, descriptor):
        return verified_chunks(bytes_chunks(self.blobs[descriptor.digest], 1024), descriptor.digest, descriptor.size)

    def pull_from(self, digest):
        return "quay.example/ocp/release@" + digest


def write_layout(path, images, ref_names=None):
    """An OCI image layout at ``path`` with one index.json entry per MemorySource in ``images``."""
    os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(path, "oci-layout"), "w", encoding="utf-8") as handle:
        json.dump({"imageLayoutVersion": "1.0.0"}, handle)
    entries = []
    for index, source in enumerate(images):
        blobs = dict(source.blobs)
        blobs[digest_of(source.manifest_bytes)] = source.manifest_bytes
        for digest, data in blobs.items():
            with open(os.path.join(path, "blobs", "sha256", digest.split(":")[1]), "wb") as handle:
                handle.write(data)
        entry = {
            "mediaType": DOCKER_MANIFEST,
            "size": len(source.manifest_bytes),
            "digest": digest_of(source.manifest_bytes),
        }
        if ref_names:
            entry["annotations"] = {"org.opencontainers.image.ref.name": ref_names[index]}
        entries.append(entry)
    with open(os.path.join(path, "index.json"), "w", encoding="utf-8") as handle:
        json.dump(
            {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}, handle
        )
    return path


class Builders:
    """The helpers above, handed to tests as one fixture."""

    digest_of = staticmethod(digest_of)
    pullspec = staticmethod(pullspec)
    tag_entry = staticmethod(tag_entry)
    image_references_doc = staticmethod(image_references_doc)
    release_metadata_doc = staticmethod(release_metadata_doc)
    tar_bytes = staticmethod(tar_bytes)
    release_files = staticmethod(release_files)
    MemorySource = MemorySource
    write_layout = staticmethod(write_layout)


@pytest.fixture
def build():
    return Builders
