"""Stand-in for ansible-test's downloaded get-pip script.

ansible-test bootstraps pip in each sanity venv by running a get-pip script it downloads
from a host this network cannot reach; it uses a cached copy when one exists. This file is
that cached copy: it installs pip from the interpreter's bundled wheel (ensurepip) and then
runs pip with the arguments ansible-test gave, minus the flags ensurepip-era pip lacks.
ansible-test strips PIP_* variables, so the system CA bundle is passed explicitly.
"""

import ensurepip
import os
import subprocess
import sys

DROPPED = {"--no-setuptools", "--no-wheel", "--disable-pip-version-check"}


def main():
    ensurepip.bootstrap(upgrade=True)
    args = [a for a in sys.argv[1:] if a not in DROPPED]
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
    ca = "/etc/ssl/certs/ca-certificates.crt"
    if os.path.exists(ca):
        cmd += ["--cert", ca]
    if args:
        subprocess.check_call(cmd + args)


if __name__ == "__main__":
    main()
