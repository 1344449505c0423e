"""The lab installs the openshift/api CRDs unmodified: each file's sha256 is the one
recorded in tests/lab/crds/README.md (the upstream table)."""

import glob
import gzip
import hashlib
import os
import re

CRD_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "crds")


def test_every_crd_is_byte_identical_to_upstream():
    with open(os.path.join(CRD_DIR, "README.md"), encoding="utf-8") as f:
        table = dict(re.findall(r"^\| `([^`]+\.crd\.yaml)` \|.*\| ([0-9a-f]{64}) \|$", f.read(), re.M))
    stored = sorted(glob.glob(os.path.join(CRD_DIR, "*.crd.yaml.gz")))
    assert len(table) == len(stored) == 10
    for path in stored:
        with gzip.open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        assert table[os.path.basename(path)[:-3]] == digest, path
