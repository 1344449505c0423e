"""Retrieve and load a release payload from its registry, as the CVO does (CVO pkg/cvo/
updatepayload.go retrieves, pkg/payload/payload.go LoadUpdate reads release-manifests/).

What the lab CVO keeps of a payload: its version (release-metadata, image-references name),
the manifests (counted for "N of M done"), the ClusterOperators it declares with their
``status.versions`` (pkg/cvo/internal/operatorstatus.go waits on exactly those), the
verification ConfigMap, and the OS image (the tag machine-config-operator hands to the MCO:
MCO install/0000_80_machine-config_05_osimageurl.yaml takes it from image-references).
"""

import gzip
import io
import json
import tarfile
from dataclasses import dataclass, field

import yaml

from .. import oci
from ..payload import OS_FLAVOURS
from .verify import VERIFICATION_CONFIG_MAP


class PayloadError(Exception):
    pass


@dataclass
class Payload:
    image: str
    digest: str
    version: str
    architecture: str
    manifests: list = field(default_factory=list)  # file names, sorted (the run levels' order)
    cluster_operators: dict = field(default_factory=dict)  # name -> declared status.versions
    verification: dict = None  # the release-verification ConfigMap
    os_image: str = ""
    os_image_tag: str = ""
    images: dict = field(default_factory=dict)

    def release(self):
        """The dict okdlab.seed.hand_release_to_mco takes (as payload.write_release returns)."""
        return {
            "version": self.version,
            "pullspec": self.image,
            "digest": self.digest,
            "os_image": self.os_image,
            "os_image_tag": self.os_image_tag,
        }


def _select_manifest(client, repo, body, media_type, arch):
    if media_type in (oci.DOCKER_LIST, oci.OCI_INDEX):
        doc = json.loads(body)
        entry = next(
            (m for m in doc.get("manifests") or [] if (m.get("platform") or {}).get("architecture") == arch), None
        )
        if entry is None:
            raise PayloadError(f"the release has no {arch} image")
        body, media_type, _digest = client.get_manifest(repo, entry["digest"])
    return json.loads(body)


def load(image, dockerconfig, ca_file, arch="amd64"):
    """Read ``image`` (by digest or tag) from its registry with the cluster pull secret."""
    host, repo, ref = oci.parse_pullspec(image)
    client = oci.RegistryClient(host, auth=oci.auth_for(host, dockerconfig), ca_file=ca_file)
    try:
        body, media_type, digest = client.get_manifest(repo, ref)
        manifest = _select_manifest(client, repo, body, media_type, arch)
        layer = client.get_blob(repo, manifest["layers"][-1]["digest"])
    except oci.RegistryError as e:
        raise PayloadError(str(e)) from None
    files = {}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer))) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("release-manifests/"):
                files[member.name.split("/", 1)[1]] = tar.extractfile(member).read()
    if "image-references" not in files:
        raise PayloadError(f"{image} is not a release image: no release-manifests/image-references")
    refs = json.loads(files["image-references"])
    meta = json.loads(files.get("release-metadata") or b"{}")
    images = {t["name"]: t["from"]["name"] for t in refs["spec"]["tags"]}
    os_tag = next((t for t in OS_FLAVOURS if t in images), "")
    result = Payload(
        image=image,
        digest=digest,
        version=meta.get("version") or refs["metadata"]["name"],
        architecture=(meta.get("metadata") or {}).get("release.openshift.io/architecture") or arch,
        images=images,
        os_image=images.get(os_tag, ""),
        os_image_tag=os_tag,
    )
    for name in sorted(files):
        if not name.endswith((".yaml", ".yml")):
            continue
        result.manifests.append(name)
        for doc in yaml.safe_load_all(files[name]):
            if not doc:
                continue
            if doc.get("kind") == "ClusterOperator":
                result.cluster_operators[doc["metadata"]["name"]] = (doc.get("status") or {}).get("versions") or []
            annotations = (doc.get("metadata") or {}).get("annotations") or {}
            if doc.get("kind") == "ConfigMap" and VERIFICATION_CONFIG_MAP in annotations and not result.verification:
                result.verification = doc
    return result
