"""Synthetic OpenShift/OKD release payloads, written into a lab registry with okdlab.oci.

Format-faithful to what `oc adm release new` produces and what the CVO and `oc adm release
info/mirror` read (openshift/oc pkg/cli/admin/release/new.go, image_mapper.go; the CVO's
pkg/payload/payload.go):

* component images (Docker schema2, gzip layers) in one content repository, pushed by digest,
  their config labels carrying `io.openshift.build.*`; operator images are labelled
  `io.openshift.release.operator=true` and carry `manifests/*.yaml` in their last layer;
* a bootable OS image (`rhel-coreos`, `stream-coreos`, ...): a tiny busybox rootfs that
  buildah can run `RUN` steps in, labelled `ostree.bootable=true` / `containers.bootc=1`;
* the release image = the cluster-version-operator image's layers + one appended layer with
  `release-manifests/` (`image-references`, `release-metadata`, the operators' manifests),
  its labels replaced by `io.openshift.release` and `io.openshift.release.base-image-digest`.

Everything is deterministic (seeded PRNG, reproducible tars and gzip), so writing the same
release twice yields the same digests, and releases that share components share blobs.
"""

import copy
import datetime
import gzip
import io
import json
import random
import re
import shutil
import struct
import tarfile
from dataclasses import dataclass, field
from functools import cached_property

from . import oci, profiles
from .procs import LabError

LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
DEFAULT_CREATED = "2026-11-01T00:00:00Z"
TAR_MTIME = 1793491200  # DEFAULT_CREATED: component layers never depend on the release
GZIP_LEVEL = 6  # Go's compress/gzip default, as real builders use
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
KUBE_VERSION = "1.32.5"  # what OpenShift 4.19 ships

LABEL_COMMIT_ID = "io.openshift.build.commit.id"
LABEL_COMMIT_REF = "io.openshift.build.commit.ref"
LABEL_SOURCE = "io.openshift.build.source-location"
LABEL_VERSIONS = "io.openshift.build.versions"
LABEL_DISPLAY_NAMES = "io.openshift.build.version-display-names"
LABEL_OPERATOR = "io.openshift.release.operator"
LABEL_RELEASE = "io.openshift.release"
LABEL_BASE_DIGEST = "io.openshift.release.base-image-digest"
# The labels `oc adm release new` copies into image-references tag annotations, in order.
ANNOTATION_LABELS = (LABEL_COMMIT_ID, LABEL_COMMIT_REF, LABEL_SOURCE, LABEL_VERSIONS, LABEL_DISPLAY_NAMES)

CVO_TAG = "cluster-version-operator"
# Real component tags of a 4.19 payload, in the order they are taken; the OS tag goes second.
CORE_TAGS = (
    CVO_TAG,
    "hyperkube",
    "cli",
    "machine-config-operator",
    "cluster-network-operator",
    "etcd",
    "cluster-etcd-operator",
    "cluster-kube-apiserver-operator",
    "cluster-ingress-operator",
    "haproxy-router",
    "cluster-dns-operator",
    "coredns",
    "pod",
    "cluster-authentication-operator",
    "oauth-server",
    "cluster-monitoring-operator",
    "prometheus",
    "cluster-image-registry-operator",
    "docker-registry",
    "console-operator",
    "console",
    "cluster-storage-operator",
    "cluster-config-operator",
    "cluster-kube-scheduler-operator",
    "cluster-kube-controller-manager-operator",
    "cluster-openshift-apiserver-operator",
    "openshift-apiserver",
    "service-ca-operator",
    "cluster-samples-operator",
    "insights-operator",
    "cluster-node-tuning-operator",
    "machine-api-operator",
    "cluster-autoscaler-operator",
    "multus-cni",
    "ovn-kubernetes",
    "cluster-csi-snapshot-controller-operator",
    "operator-lifecycle-manager",
    "cluster-olm-operator",
    "cluster-baremetal-operator",
    "must-gather",
)
PAD_STEMS = ("csi-driver", "cloud-controller-manager", "network-tools", "storage-plugin", "observability")
SOURCE_REPOS = {
    "hyperkube": "kubernetes",
    "pod": "kubernetes",
    "cli": "oc",
    "haproxy-router": "router",
    "docker-registry": "image-registry",
    "operator-lifecycle-manager": "operator-framework-olm",
    "must-gather": "must-gather",
    "multus-cni": "multus-cni",
}
COMPONENT_VERSIONS = {
    "hyperkube": (f"kubernetes={KUBE_VERSION}", "kubernetes=Kubernetes"),
    "cli": (f"kubectl={KUBE_VERSION}", "kubectl=Kubectl"),
}


@dataclass(frozen=True)
class OSFlavour:
    """How one OS image tag names itself (labels, os-release)."""

    display: str
    os_id: str
    id_like: str
    source: str


OS_FLAVOURS = {
    "rhel-coreos": OSFlavour("Red Hat Enterprise Linux CoreOS", "rhcos", "rhel fedora", "openshift/os"),
    "rhel-coreos-8": OSFlavour("Red Hat Enterprise Linux CoreOS", "rhcos", "rhel fedora", "openshift/os"),
    "machine-os-content": OSFlavour("Red Hat Enterprise Linux CoreOS", "rhcos", "rhel fedora", "openshift/os"),
    "stream-coreos": OSFlavour("CentOS Stream CoreOS", "scos", "rhel fedora", "openshift/os"),
    "centos-stream-coreos-9": OSFlavour("CentOS Stream CoreOS", "scos", "rhel fedora", "openshift/os"),
    "fedora-coreos": OSFlavour("Fedora CoreOS", "fedora", "", "coreos/fedora-coreos-config"),
}

LAB_SIZES = {
    "small": {"n_images": 12, "unique_layer_kib": 64},
    "large": {"n_images": 180, "unique_layer_kib": 2048},
    # shaped like a real OCP payload: shared base layers, skewed own layers, a chunked OS image
    "realistic": {"n_images": 180, "unique_layer_kib": 0, "profile": "realistic"},
}
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


# -- reproducible layers ---------------------------------------------------------------------
def tar_file(data, mode=0o644):
    return ("file", data, mode)


def tar_symlink(target):
    return ("symlink", target, 0o777)


def tar_dir(mode=0o755):
    return ("dir", b"", mode)


def build_tar(members, mtime=TAR_MTIME):
    """A reproducible tar of {path: tar_file/tar_symlink/tar_dir}.

    Sorted names, implicit parent directories, one fixed mtime, uid/gid 0 and no user
    names: the same members always give the same bytes, hence the same diff_id.
    """
    entries = dict(members)
    for name in list(entries):
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            entries.setdefault("/".join(parts[:i]), tar_dir())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(entries):
            kind, data, mode = entries[name]
            info = tarfile.TarInfo(name)
            info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = mtime, mode, 0, 0, "", ""
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, data
            else:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if kind == "file" else None)
    return buf.getvalue()


@dataclass(frozen=True)
class Layer:
    """A gzip layer blob with its digest (of the blob) and diff_id (of the tar)."""

    blob: bytes
    digest: str
    diff_id: str

    @property
    def descriptor(self):
        return {"mediaType": LAYER_TYPE, "size": len(self.blob), "digest": self.digest}


def make_layer(members, mtime=TAR_MTIME):
    """gzip with mtime 0 and a fixed level, so the blob digest is as reproducible as the tar."""
    tar = build_tar(members, mtime)
    blob = gzip.compress(tar, compresslevel=GZIP_LEVEL, mtime=0)
    return Layer(blob, oci.sha256_digest(blob), oci.sha256_digest(tar))


def _random_bytes(seed, arch, name, kib):
    """Incompressible but deterministic content: blob sizes are what the knobs say."""
    return random.Random(f"okdlab:{seed}:{arch}:{name}").randbytes(kib * 1024)


# -- images ----------------------------------------------------------------------------------
def _json_bytes(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass
class Image:
    """A single-arch Docker schema2 image, built in memory; digests are computed, not pushed."""

    layers: list
    config: dict

    @cached_property
    def config_bytes(self):
        return _json_bytes(self.config)

    @cached_property
    def manifest(self):
        return _json_bytes(
            {
                "schemaVersion": 2,
                "mediaType": oci.DOCKER_MANIFEST,
                "config": {
                    "mediaType": CONFIG_TYPE,
                    "size": len(self.config_bytes),
                    "digest": oci.sha256_digest(self.config_bytes),
                },
                "layers": [layer.descriptor for layer in self.layers],
            }
        )

    @property
    def digest(self):
        return oci.sha256_digest(self.manifest)

    @property
    def labels(self):
        return self.config["config"]["Labels"]


def _platform(arch):
    return {"architecture": arch, "os": "linux", **({"variant": "v8"} if arch == "arm64" else {})}


def image_config(arch, created, layers, labels, history, **runtime):
    """A container config as docker/buildah write it: one history entry per layer."""
    return {
        **_platform(arch),
        "created": created,
        "config": {"Env": [PATH_ENV], "Labels": dict(labels), **runtime},
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        "history": [{"created": created, "created_by": step} for step in history],
    }


def manifest_list(entries):
    """A Docker manifest list over [(arch, digest, size)]."""
    return _json_bytes(
        {
            "schemaVersion": 2,
            "mediaType": oci.DOCKER_LIST,
            "manifests": [
                {"mediaType": oci.DOCKER_MANIFEST, "size": size, "digest": digest, "platform": _platform(arch)}
                for arch, digest, size in entries
            ],
        }
    )


class _Pusher:
    """Pushes into one repository, sending each blob at most once per write."""

    def __init__(self, client, repo):
        self.client, self.repo, self.present = client, repo, set()

    def blob(self, data, digest):
        if digest not in self.present:
            self.client.put_blob(self.repo, data, digest)
            self.present.add(digest)

    def mounted(self, layer, from_repo):
        """Layers of the CVO image already live in the content repo: mount, upload if declined."""
        if layer.digest in self.present:
            return
        if not self.client.mount_blob(self.repo, layer.digest, from_repo):
            self.client.put_blob(self.repo, layer.blob, layer.digest)
        self.present.add(layer.digest)

    def image(self, image, reference=None, mount_from=None):
        for layer in image.layers:
            if mount_from:
                self.mounted(layer, mount_from)
            else:
                self.blob(layer.blob, layer.digest)
        self.blob(image.config_bytes, oci.sha256_digest(image.config_bytes))
        return self.client.put_manifest(self.repo, reference or image.digest, image.manifest, oci.DOCKER_MANIFEST)

    def manifest_list(self, body, reference=None):
        return self.client.put_manifest(self.repo, reference or oci.sha256_digest(body), body, oci.DOCKER_LIST)


# -- components ------------------------------------------------------------------------------
def component_tags(os_tag, n_images):
    """The payload's tag names: CVO, the OS tag, real component names, then padding."""
    if n_images < 2:
        raise ValueError("a payload needs at least the cluster-version-operator and the OS image")
    tags = [CVO_TAG, os_tag] + [t for t in CORE_TAGS[1:] if t != os_tag]
    n = 0
    while len(tags) < n_images:
        n += 1
        tags.append(f"{PAD_STEMS[n % len(PAD_STEMS)]}-operator-{n}")
    return tags[:n_images]


def is_operator(tag):
    """Operator images opt in to contributing manifests (the CVO itself does not: its Dockerfile has no label)."""
    return tag != CVO_TAG and (tag.endswith("-operator") or "-operator-" in tag)


def _commit_id(seed, tag):
    return random.Random(f"okdlab:{seed}:commit:{tag}").randbytes(20).hex()


def build_labels(tag, seed, branch, source=None):
    labels = {
        LABEL_COMMIT_ID: _commit_id(seed, tag),
        LABEL_COMMIT_REF: branch,
        LABEL_SOURCE: "https://github.com/" + (source or "openshift/" + SOURCE_REPOS.get(tag, tag)),
    }
    if tag in COMPONENT_VERSIONS:
        labels[LABEL_VERSIONS], labels[LABEL_DISPLAY_NAMES] = COMPONENT_VERSIONS[tag]
    if is_operator(tag):
        labels[LABEL_OPERATOR] = "true"
    return labels


def placeholder_image(tag):
    """What operator manifests reference before `release new` substitutes the release pullspec."""
    return f"quay.io/openshift/origin-{tag}:v4.0"


def operator_manifests(tag):
    """A few valid manifests (kind + apiVersion) an operator ships in `manifests/`.

    One name already starts with `0000_` (kept by `release new`), the others are renamed;
    the operator's own `image-references` drives image substitution and is not copied.
    """
    ns = "openshift-" + tag.removeprefix("cluster-")
    include = '    include.release.openshift.io/self-managed-high-availability: "true"\n'
    files = {
        f"0000_50_{tag}_00_namespace.yaml": f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  annotations:\n{include}"
        f'  labels:\n    openshift.io/cluster-monitoring: "true"\n',
        "01-serviceaccount.yaml": f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {tag}\n  namespace: {ns}\n"
        f"  annotations:\n{include}",
        "02-deployment.yaml": f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {tag}\n  namespace: {ns}\n"
        f"  annotations:\n{include}spec:\n  replicas: 1\n  selector:\n    matchLabels:\n"
        f"      app: {tag}\n  template:\n    metadata:\n      labels:\n        app: {tag}\n"
        f"    spec:\n      serviceAccountName: {tag}\n      containers:\n      - name: operator\n"
        f"        image: {placeholder_image(tag)}\n        env:\n        - name: RELEASE_VERSION\n"
        f'          value: "0.0.1-snapshot"\n',
        "03-clusteroperator.yaml": f"apiVersion: config.openshift.io/v1\nkind: ClusterOperator\nmetadata:\n"
        f"  name: {tag.removeprefix('cluster-').removesuffix('-operator')}\n  annotations:\n{include}"
        f'status:\n  versions:\n  - name: operator\n    version: "0.0.1-snapshot"\n',
        "image-references": json.dumps(
            {
                "kind": "ImageStream",
                "apiVersion": "image.openshift.io/v1",
                "spec": {"tags": [{"name": tag, "from": {"kind": "DockerImage", "name": placeholder_image(tag)}}]},
            },
            indent=2,
        )
        + "\n",
    }
    return {name: text.encode("utf-8") for name, text in files.items()}


def cvo_manifests():
    """The CVO's own `/manifests` (read by the CVO from its image, rendered as templates)."""
    prefix = "0000_00_cluster-version-operator_"
    files = {
        prefix + "00_namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: openshift-cluster-version\n",
        prefix
        + "01_clusterversions-Default.crd.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
        "  name: clusterversions.config.openshift.io\n",
        prefix
        + "03_deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cluster-version-operator\n"
        "  namespace: openshift-cluster-version\nspec:\n  template:\n    spec:\n      containers:\n"
        "      - name: cluster-version-operator\n        image: '{{.ReleaseImage}}'\n",
    }
    return {name: text.encode("utf-8") for name, text in files.items()}


@dataclass
class _Knobs:
    """What every component image of one write shares."""

    seed: int
    arch: str
    created: str
    branch: str
    unique_kib: int
    profile: str = "uniform"

    def random_layer(self, name, kib, path):
        return profiles.random_layer(self.seed, self.arch, name, kib, path, make_layer, tar_file, Layer)

    @cached_property
    def base_layers(self):
        """The layers every component image starts from."""
        if self.profile == "realistic":
            return [self.random_layer(n, kib, f"usr/lib64/okdlab/{n}.so") for n, kib in profiles.BASE_LAYERS]
        return [self.base]

    @cached_property
    def base(self):
        """The "base OS userland" every component image starts from."""
        kib = max(256, 4 * self.unique_kib)
        return make_layer(
            {
                "etc/redhat-release": tar_file(b"Red Hat Enterprise Linux release 9.6 (Plow)\n"),
                "etc/passwd": tar_file(b"root:x:0:0:root:/root:/bin/bash\n"),
                "usr/lib64/libc.so.6": tar_file(_random_bytes(self.seed, self.arch, "base", kib), 0o755),
                "tmp": tar_dir(0o1777),
            }
        )

    @cached_property
    def shared(self):
        """Intermediate layers (runtimes, tools) each shared by a third of the images."""
        if self.profile == "realistic":
            return [self.random_layer(n, kib, f"usr/share/okdlab/{n}/payload") for n, kib in profiles.SHARED_LAYERS]
        return [
            make_layer(
                {
                    f"usr/share/okdlab/{name}/payload": tar_file(
                        _random_bytes(self.seed, self.arch, name, 2 * self.unique_kib)
                    )
                }
            )
            for name in ("ca-trust", "tools", "runtime")
        ]


def build_component(tag, index, knobs):
    """base + one shared layer + the component's binary [+ its manifests as the last layer]."""
    if knobs.profile == "realistic":
        own = [
            knobs.random_layer(f"{tag}-{i}", kib, f"usr/bin/{tag}" if i == 0 else f"usr/share/{tag}/data-{i}")
            for i, kib in enumerate(profiles.own_layer_kib(knobs.seed, tag))
        ]
    else:
        own = [
            make_layer(
                {f"usr/bin/{tag}": tar_file(_random_bytes(knobs.seed, knobs.arch, tag, knobs.unique_kib), 0o755)}
            )
        ]
    layers = [*knobs.base_layers, knobs.shared[index % len(knobs.shared)], *own]
    history = [*(["base-rhel9"] * len(knobs.base_layers)), "shared", *([f"COPY {tag} /usr/bin/"] * len(own))]
    runtime = {"Entrypoint": [f"/usr/bin/{tag}"]}
    if tag == CVO_TAG:
        layers.append(make_layer({f"manifests/{n}": tar_file(d) for n, d in cvo_manifests().items()}))
        history.append("COPY install /manifests")
    elif is_operator(tag):
        layers.append(make_layer({f"manifests/{n}": tar_file(d) for n, d in operator_manifests(tag).items()}))
        history.append("COPY manifests /manifests")
    labels = build_labels(tag, knobs.seed, knobs.branch)
    return Image(layers, image_config(knobs.arch, knobs.created, layers, labels, history, **runtime))


# -- the bootable OS image -------------------------------------------------------------------
BUSYBOX_APPLETS = (
    "sh",
    "echo",
    "cat",
    "mkdir",
    "touch",
    "ls",
    "rm",
    "cp",
    "true",
    "test",
    "env",
    "sed",
    "grep",
    "chmod",
    "ln",
    "mv",
    "sleep",
    "uname",
    "id",
    "printf",
    "head",
)


def _is_static_elf(data):
    """True for an ELF64 little-endian executable without a PT_INTERP (dynamic loader) header."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return False
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3 for i in range(phnum))


def read_busybox():
    """Debian's static busybox: the rootfs has no libc, so a dynamic one could not run there."""
    path = shutil.which("busybox") or "/bin/busybox"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise LabError(f"cannot read busybox ({e}): `apt-get install busybox-static`") from None
    if not _is_static_elf(data):
        raise LabError(f"{path} is not a static executable: `apt-get install busybox-static`")
    return data


def os_rootfs(os_tag, os_version, arch, busybox):
    """Members of a minimal bootable-looking rootfs in which `RUN` steps work."""
    flavour = OS_FLAVOURS.get(os_tag, OS_FLAVOURS["rhel-coreos"])
    os_release = (
        f'NAME="{flavour.display}"\nID="{flavour.os_id}"\nID_LIKE="{flavour.id_like}"\n'
        f'VERSION="{os_version}"\nOSTREE_VERSION="{os_version}"\n'
        f'PRETTY_NAME="{flavour.display} {os_version}"\n'
    )
    members = {
        "bin/busybox": tar_file(busybox, 0o755),
        "usr/bin/env": tar_symlink("../../bin/busybox"),
        "usr/lib/os-release": tar_file(os_release.encode("utf-8")),
        "usr/lib/okdlab/build": tar_file(f"{os_tag} {os_version} {arch}\n".encode()),
        "etc/os-release": tar_symlink("../usr/lib/os-release"),
        "etc/passwd": tar_file(b"root:x:0:0:root:/root:/bin/sh\n"),
        "etc/group": tar_file(b"root:x:0:\n"),
        "tmp": tar_dir(0o1777),
        "var/tmp": tar_dir(0o1777),
    }
    members.update({f"bin/{applet}": tar_symlink("busybox") for applet in BUSYBOX_APPLETS})
    members.update({d: tar_dir() for d in ("root", "dev", "proc", "sys", "run", "usr/bin", "var")})
    return members


def build_os_image(os_tag, os_version, knobs, busybox):
    flavour = OS_FLAVOURS.get(os_tag, OS_FLAVOURS["rhel-coreos"])
    layers = [make_layer(os_rootfs(os_tag, os_version, knobs.arch, busybox))]
    if knobs.profile == "realistic":  # rpm-ostree's chunked layout: the content split over ~50 layers
        layers += [
            knobs.random_layer(f"{os_tag}-chunk-{i}", kib, f"usr/lib/okdlab-chunks/{i:02d}")
            for i, kib in enumerate(profiles.os_chunk_kib(knobs.seed))
        ]
    labels = build_labels(os_tag, knobs.seed, knobs.branch, source=flavour.source)
    labels[LABEL_COMMIT_ID] = _commit_id(knobs.seed, f"{os_tag}:{os_version}")
    labels.update(
        {
            "ostree.bootable": "true",
            "containers.bootc": "1",
            LABEL_VERSIONS: f"machine-os={os_version}",
            LABEL_DISPLAY_NAMES: f"machine-os={flavour.display}",
            "org.opencontainers.image.version": os_version,
        }
    )
    history = ["rootfs (busybox)"] + ["ostree chunk"] * (len(layers) - 1)
    return Image(layers, image_config(knobs.arch, knobs.created, layers, labels, history, Cmd=["/bin/sh"]))


# -- release-manifests/ ----------------------------------------------------------------------
def release_manifest_name(tag, filename, taken=()):
    """`release new`'s rule: `0000_50_<tag>_<file>` unless the name starts with `0000_`;
    a collision gets `_<n>` before the extension."""
    name = filename if filename.startswith("0000_") else f"0000_50_{tag}_{filename}"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 0
    while name in taken:
        n += 1
        name = f"{stem}_{n}{dot}{ext}"
    return name


def image_references(version, created, tags, extra_annotations=None):
    """The `image.openshift.io/v1` ImageStream of `release-manifests/image-references`.

    `tags` is [(name, pullspec by digest, annotations)]; fields and order as oc serializes them.
    """
    metadata = {"name": version, "creationTimestamp": created}
    if extra_annotations:
        metadata["annotations"] = dict(extra_annotations)
    return {
        "kind": "ImageStream",
        "apiVersion": "image.openshift.io/v1",
        "metadata": metadata,
        "spec": {
            "lookupPolicy": {"local": False},
            "tags": [
                {
                    "name": name,
                    "annotations": dict(annotations),
                    "from": {"kind": "DockerImage", "name": pullspec},
                    "generation": None,
                    "importPolicy": {},
                    "referencePolicy": {"type": ""},
                }
                for name, pullspec, annotations in sorted(tags)
            ],
        },
        "status": {"dockerImageRepository": ""},
    }


def _semver_key(version):
    match = _SEMVER.match(version)
    if not match:
        raise ValueError(f"{version!r} is not a semantic version (the CVO requires one)")
    core = tuple(int(match.group(i)) for i in (1, 2, 3))
    pre = match.group(4)
    # a pre-release sorts before its release; numeric identifiers compare as numbers
    return core, pre is None, [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in (pre or "").split(".")]


def release_metadata(version, previous=(), metadata=None):
    """Cincinnati metadata as `release new` writes it (previous sorted by semver)."""
    _semver_key(version)
    doc = {"kind": "cincinnati-metadata-v0", "version": version, "previous": sorted(previous, key=_semver_key)}
    if metadata:
        doc["metadata"] = dict(metadata)
    return doc


def _substitute(data, images, version):
    """`release new`'s copy-time substitutions: placeholder pullspecs and 0.0.1-snapshot."""
    text = data.decode("utf-8")
    for tag, pullspec in images.items():
        text = text.replace(placeholder_image(tag), pullspec)
    return text.replace("0.0.1-snapshot", version).encode("utf-8")


UPDATE_KEYS_MANIFEST = "0000_90_cluster-update-keys_configmap.yaml"
VERIFICATION_CONFIG_MAP_ANNOTATION = "release.openshift.io/verification-config-map"


def update_keys_manifest(public_key_armored):
    """The `release-verification` ConfigMap every payload carries (openshift/cluster-update-keys
    manifests.rhel/0000_90_cluster-update-keys_configmap.yaml): the key the CVO verifies the next
    release with (library-go pkg/verify/configmap.go reads `verifier-public-key-*` from the
    first ConfigMap of the running payload annotated `release.openshift.io/verification-config-map`).
    The lab's key is okdlab.signing's "release" key; no `store-*`: the lab serves signatures
    from ConfigMaps in openshift-config-managed."""
    indented = "".join(f"    {line}\n" for line in public_key_armored.strip().splitlines())
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: release-verification\n"
        "  namespace: openshift-config-managed\n  annotations:\n"
        '    include.release.openshift.io/self-managed-high-availability: "true"\n'
        f'    {VERIFICATION_CONFIG_MAP_ANNOTATION}: ""\n'
        f"data:\n  verifier-public-key-okd-lab: |\n{indented}"
    ).encode()


def lab_update_keys():
    """{UPDATE_KEYS_MANIFEST: bytes} for the lab's release key (generated once, cached)."""
    from . import signing  # pylint: disable=import-outside-toplevel  # gpg only when a payload is written

    key = signing.Key("release").ensure()
    with open(key.public_key_file, encoding="ascii") as f:
        return {UPDATE_KEYS_MANIFEST: update_keys_manifest(f.read())}


def release_layer(version, created, refs, metadata, *, operators, images, extra_manifests=None):
    """The one layer `release new` appends: release-manifests/ with all files mode 0444.

    `operators` maps tag -> {filename: bytes} (their `manifests/`), processed in sorted order;
    `extra_manifests` ({filename: bytes}) are added as they are (the update keys).
    """
    mtime = _epoch(created)
    files = {
        "image-references": json.dumps(refs, indent=2).encode("utf-8"),
        "release-metadata": json.dumps(metadata, indent=2).encode("utf-8"),
        **(extra_manifests or {}),
    }
    for tag in sorted(operators):
        for filename, data in sorted(operators[tag].items()):
            if filename == "image-references":
                continue
            files[release_manifest_name(tag, filename, files)] = _substitute(data, images, version)
    members = {f"release-manifests/{n}": tar_file(d, 0o444) for n, d in files.items()}
    members["release-manifests"] = tar_dir(0o777)
    return make_layer(members, mtime)


def _epoch(timestamp):
    return int(datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


def release_image(cvo, layer, version, created):
    """The CVO image + the release layer; labels replaced as `release new` does."""
    config = copy.deepcopy(cvo.config)
    config["config"]["Labels"] = {LABEL_RELEASE: version, LABEL_BASE_DIGEST: cvo.digest}
    config["created"] = created
    config["history"] = [{"created": created, "comment": "Release image for OpenShift"}]
    config["rootfs"]["diff_ids"].append(layer.diff_id)
    return Image([*cvo.layers, layer], config)


# -- writing ---------------------------------------------------------------------------------
@dataclass
class _Arch:
    """What one architecture's component write left: digests, annotations, manifests, the CVO."""

    digests: dict = field(default_factory=dict)  # tag -> (manifest digest, manifest size)
    annotations: dict = field(default_factory=dict)
    operators: dict = field(default_factory=dict)
    cvo: Image = None


def _write_components(pusher, tags, knobs, *, os_tag, os_version, busybox):
    """Build and push every component of one arch, keeping only what the release needs."""
    out = _Arch()
    for index, tag in enumerate(tags):
        image = (
            build_os_image(os_tag, os_version, knobs, busybox) if tag == os_tag else build_component(tag, index, knobs)
        )
        pusher.image(image)
        out.digests[tag] = (image.digest, len(image.manifest))
        out.annotations[tag] = {k: image.labels[k] for k in ANNOTATION_LABELS if k in image.labels}
        if is_operator(tag):
            out.operators[tag] = operator_manifests(tag)
        if tag == CVO_TAG:
            out.cvo = image
    return out


def _push_lists(pusher, tags, per_arch):
    """One manifest list per component over its per-arch images; returns tag -> list digest."""
    return {
        tag: pusher.manifest_list(manifest_list([(arch, *built.digests[tag]) for arch, built in per_arch.items()]))
        for tag in tags
    }


def write_release(
    client,
    host,
    *,
    version,
    release_repo="okd/release",
    content_repo="okd/content",
    os_tag="rhel-coreos",
    os_version="9.6.20261101-0",
    n_images=12,
    unique_layer_kib=64,
    profile="uniform",
    arch="amd64",
    previous=(),
    multi_arch=False,
    seed=0,
    created=DEFAULT_CREATED,
    update_keys=True,
):
    """Write one release payload into the registry `client` talks to (`host` names it in pullspecs).

    Component images go to `content_repo` by digest; the release goes to `release_repo` by
    tag `<version>`.  With `multi_arch` (`arch` is then ignored) every component and the
    release are manifest lists over amd64 + arm64 images, image-references names the lists,
    and release-metadata says `release.openshift.io/architecture: multi`; the arm64 OS image
    carries the host's busybox, so it is inspectable but not runnable.

    Returns {"version", "pullspec" (release by digest), "tag_pullspec", "digest", "os_image_tag",
    "os_image" and "cvo_image" (by digest), "images" {tag: pullspec by digest}, "arch"
    ("multi" for a list)} and, with `multi_arch`, "arch_releases" {arch: per-arch release
    pullspec}.  The same arguments always give the same digests (with `update_keys`, the
    default, on one machine: the payload carries the lab release key, generated once per cache).
    """
    minor = ".".join(version.split(".")[:2])
    arches = ("amd64", "arm64") if multi_arch else (arch,)
    tags = component_tags(os_tag, n_images)
    busybox = read_busybox()
    content = _Pusher(client, content_repo)
    per_arch = {
        a: _write_components(
            content,
            tags,
            _Knobs(seed, a, DEFAULT_CREATED, f"release-{minor}", unique_layer_kib, profile),
            os_tag=os_tag,
            os_version=os_version,
            busybox=busybox,
        )
        for a in arches
    }
    first = per_arch[arches[0]]
    digests = (
        _push_lists(content, tags, per_arch)
        if multi_arch
        else {tag: digest for tag, (digest, _unused) in first.digests.items()}
    )
    images = {tag: f"{host}/{content_repo}@{digest}" for tag, digest in digests.items()}

    meta = {
        "url": f"https://okd.example/releases/{version}",
        "io.openshift.upgrades.graph.release.channels": f"stable-{minor},fast-{minor}",
    }
    if multi_arch:
        meta["release.openshift.io/architecture"] = "multi"
    refs = image_references(version, created, [(t, images[t], first.annotations[t]) for t in tags])
    layer = release_layer(
        version,
        created,
        refs,
        release_metadata(version, previous, meta),
        operators=first.operators,
        images=images,
        extra_manifests=lab_update_keys() if update_keys else None,
    )

    releases = _Pusher(client, release_repo)
    per_arch_release = {}
    for a, built in per_arch.items():
        rel = release_image(built.cvo, layer, version, created)
        per_arch_release[a] = (
            releases.image(rel, None if multi_arch else version, mount_from=content_repo),
            len(rel.manifest),
        )
    if multi_arch:
        digest = releases.manifest_list(manifest_list([(a, *d) for a, d in per_arch_release.items()]), version)
    else:
        digest = per_arch_release[arch][0]
    result = {
        "version": version,
        "pullspec": f"{host}/{release_repo}@{digest}",
        "tag_pullspec": f"{host}/{release_repo}:{version}",
        "digest": digest,
        "os_image_tag": os_tag,
        "os_image": images[os_tag],
        "cvo_image": images[CVO_TAG],
        "images": images,
        "arch": "multi" if multi_arch else arch,
    }
    if multi_arch:
        result["arch_releases"] = {a: f"{host}/{release_repo}@{d}" for a, (d, _unused) in per_arch_release.items()}
    return result


def write_lab_releases(client, host, size="small"):
    """The lab's releases: what the cluster runs, its successor with a new OS image, an OKD one,
    4.19.2 and an unsigned custom 4.19.1-custom (the lab CVO's update graph, okdlab/cvo/graph.py).

    `ocp` (4.19.0) and `ocp_next` (4.19.1) share every component but the OS image, so
    staleness and upgrade tests see exactly one changed digest.
    """
    knobs = LAB_SIZES[size]
    ocp = {
        "release_repo": "openshift-release-dev/ocp-release",
        "content_repo": "openshift-release-dev/ocp-v4.0-art-dev",
        "os_tag": "rhel-coreos",
        "seed": 0,
    }
    return {
        "ocp": write_release(client, host, version="4.19.0", os_version="9.6.20261101-0", **ocp, **knobs),
        "ocp_next": write_release(
            client,
            host,
            version="4.19.1",
            os_version="9.6.20261115-0",
            previous=("4.19.0",),
            created="2026-11-15T00:00:00Z",
            **ocp,
            **knobs,
        ),
        # the lab CVO's graph: 4.19.1 -> 4.19.2, and 4.19.0 -> 4.19.2 conditional (okdlab/cvo/graph.py);
        # written as okdlab/releases.py writes 4.19.2, so both give the same digest
        "ocp_next2": write_release(
            client,
            host,
            version="4.19.2",
            os_version="9.6.20261201-0",
            previous=("4.19.0", "4.19.1"),
            created="2026-12-01T00:00:00Z",
            **ocp,
            **knobs,
        ),
        # a custom build with its own OS image, never signed: the CVO refuses it without force
        "ocp_custom": write_release(
            client,
            host,
            version="4.19.1-custom",
            os_version="9.6.20261120-0",
            previous=("4.19.0",),
            created="2026-11-20T00:00:00Z",
            **ocp,
            **knobs,
        ),
        "okd": write_release(
            client,
            host,
            version="4.19.0-okd-scos.0",
            release_repo="okd/scos-release",
            content_repo="okd/scos-content",
            os_tag="stream-coreos",
            os_version="9.0.20261101-0",
            seed=1,
            **knobs,
        ),
    }
