"""The roles' Molecule scenarios (extensions/molecule, default driver) against the lab,
each with Molecule's idempotence step: a second converge must report no change."""

import os
import subprocess
import sys

import pytest

from okdlab import config

pytestmark = pytest.mark.lab
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = sorted(os.listdir(os.path.join(REPO, "extensions", "molecule")))
SCENARIOS = [s for s in SCENARIOS if os.path.isfile(os.path.join(REPO, "extensions", "molecule", s, "molecule.yml"))]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(lab, scenario):
    env = config.ansible_env(
        lab,
        REPO,
        ANSIBLE_FORCE_COLOR="0",
        NO_COLOR="1",
        PY_COLORS="0",
        MOLECULE_EPHEMERAL_DIRECTORY=os.path.join(lab.state_dir, "molecule", scenario),
    )
    molecule = os.path.join(os.path.dirname(sys.executable), "molecule")
    proc = subprocess.run(
        [molecule, "test", "-s", scenario], cwd=REPO, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"molecule test -s {scenario} failed:\n{output[-6000:]}"
    assert "idempotence" in output.lower()
