"""Shared pytest fixtures: the collection on sys.path, and the running lab.

The `lab` fixture uses a lab that is already up (so a developer can keep one running
between runs), or starts one for the session and stops it at the end.
"""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "lab"))

from okdlab import config  # noqa: E402  pylint: disable=wrong-import-position

# `ansible_collections.okd.machine_os` resolves through the symlink hack/bootstrap.sh makes
COLLECTIONS = config.collections_dir(REPO)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

LABCTL = os.path.join(REPO, "tests", "lab", "labctl")


def _labctl(*args, check=True):
    env = dict(os.environ, OKD_PYTHON=sys.executable)
    return subprocess.run([LABCTL, *args], env=env, capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def lab():
    started = False
    if _labctl("status", check=False).returncode != 0:
        proc = _labctl("up", check=False)
        if proc.returncode != 0:
            pytest.fail(f"the lab did not come up:\n{proc.stdout}\n{proc.stderr}")
        started = True
    yield config.load()
    if started and not os.environ.get("OKD_LAB_KEEP"):
        _labctl("down", check=False)
