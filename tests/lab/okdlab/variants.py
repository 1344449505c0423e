"""Broken variants of the lab's OS image, for fault tests and benchmarks.

A variant is the OS image with its config changed (layers mounted from the source, so a
push costs only a config and a manifest): without the bootable labels, or claiming
another architecture. The MCO simulator's daemon degrades a node that is pointed at one.
"""

import copy
import json

from . import oci
from .simulator import image_check

DEFAULT_REPO = "okdlab-test/os-variants"


def drop_bootable_labels(config):
    labels = config.setdefault("config", {}).get("Labels") or {}
    for label in image_check.BOOTABLE_LABELS:
        labels.pop(label, None)
    config["config"]["Labels"] = labels


def claim_arm64(config):
    config["architecture"] = "arm64"


def push_os_variant(lab, source, tag, mutate, repo=DEFAULT_REPO):
    """Push `source` (an amd64 image or a list holding one) with its config changed by
    `mutate` to <upstream>/<repo>:<tag>; return the variant's pullspec by digest."""
    upstream = lab.registry("upstream")
    host, src_repo, ref = oci.parse_pullspec(source)
    client = oci.RegistryClient(host, auth=(upstream.username, upstream.password), ca_file=lab.ca_file)
    body, media_type = client.get_manifest(src_repo, ref)[:2]
    manifest = json.loads(body)
    if "manifests" in manifest:
        amd64 = next(m for m in manifest["manifests"] if m["platform"]["architecture"] == "amd64")
        body, media_type = client.get_manifest(src_repo, amd64["digest"])[:2]
        manifest = json.loads(body)
    for layer in manifest["layers"]:
        if not client.mount_blob(repo, layer["digest"], src_repo):
            client.put_blob(repo, client.get_blob(src_repo, layer["digest"]), layer["digest"])
    config = json.loads(client.get_blob(src_repo, manifest["config"]["digest"]))
    mutate(config)
    config_bytes = json.dumps(config).encode()
    manifest = copy.deepcopy(manifest)
    manifest["config"]["digest"] = client.put_blob(repo, config_bytes)
    manifest["config"]["size"] = len(config_bytes)
    digest = client.put_manifest(repo, tag, json.dumps(manifest).encode(), media_type)
    return f"{host}/{repo}@{digest}"
