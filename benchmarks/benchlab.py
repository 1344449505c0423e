"""What every benchmark needs: the repository, the lab it runs against, the real oc.

Each benchmark keeps a lab of its own (OKD_LAB_DIR / OKD_LAB_PORT_BASE, overridable) and
brings it up unless it is running, so a second run reuses it.
"""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "lab"))

from okdlab import config  # noqa: E402  pylint: disable=wrong-import-position


def lab(state_dir, port_base, size=None):
    """The lab at ``state_dir`` (ports from ``port_base``), started with ``labctl up`` if it is down."""
    os.environ.setdefault("OKD_LAB_DIR", state_dir)
    os.environ.setdefault("OKD_LAB_PORT_BASE", str(port_base))
    labctl = os.path.join(REPO, "tests", "lab", "labctl")
    env = dict(os.environ, OKD_PYTHON=sys.executable)
    if subprocess.run([labctl, "status"], env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run([labctl, "up"] + (["--size", size] if size else []), env=env, check=True)
    return config.load()


def oc():
    """The path of the real oc, built by tests/lab/build/build-oc.sh if it is not yet."""
    script = os.path.join(REPO, "tests", "lab", "build", "build-oc.sh")
    subprocess.run(["bash", script], check=True, capture_output=True)
    return subprocess.run(["bash", script, "path"], check=True, capture_output=True, text=True).stdout.strip()
