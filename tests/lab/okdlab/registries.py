"""The lab's two registries: Debian's `docker-registry` (CNCF distribution), TLS + htpasswd.

"upstream" holds the synthetic releases (the public registry's stand-in); "mirror" is the
disconnected site's registry.  Each has its own user, so a wrong auth file is visible.
"""

import base64
import json
import os
import secrets
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request

from . import procs
from .config import Registry

NAMES = ("upstream", "mirror")

# every docker-registry of the lab (okdlab.token_registry's too): logging and storage
BASE_CONFIG = """\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {data_dir}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
"""

CONFIG = (
    BASE_CONFIG
    + """\
http:
  addr: {host}
  tls:
    certificate: {cert}
    key: {key}
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: okd-lab-{name}
    path: {htpasswd}
"""
)


def _binary():
    path = shutil.which("docker-registry")
    if not path:
        raise procs.LabError(
            "docker-registry is not installed: run hack/bootstrap.sh (or `apt-get install docker-registry`)"
        )
    return path


def _htpasswd(path, user, password):
    # bcrypt is the only hash distribution's htpasswd backend accepts
    proc = subprocess.run(["htpasswd", "-Bbn", user, password], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise procs.LabError(f"htpasswd failed ({proc.stderr.strip()}): install apache2-utils (hack/bootstrap.sh)")
    with open(path, "w", encoding="utf-8") as f:
        f.write(proc.stdout)


def start(state_dir, run_dir, pki_paths, ports):
    """Start both registries; return {name: Registry}."""
    binary = _binary()
    result = {}
    for name, port in zip(NAMES, ports, strict=False):
        procs.require_free(port, f"the {name} registry")
        reg_dir = os.path.join(state_dir, "registries", name)
        data_dir = os.path.join(reg_dir, "data")
        os.makedirs(data_dir, exist_ok=True)
        user, password = f"{name}-user", secrets.token_urlsafe(12)
        htpasswd = os.path.join(reg_dir, "htpasswd")
        _htpasswd(htpasswd, user, password)
        config = os.path.join(reg_dir, "config.yml")
        host = f"127.0.0.1:{port}"
        with open(config, "w", encoding="utf-8") as f:
            f.write(
                CONFIG.format(
                    data_dir=data_dir,
                    host=host,
                    cert=pki_paths["serving_cert"],
                    key=pki_paths["serving_key"],
                    name=name,
                    htpasswd=htpasswd,
                )
            )
        procs.start(run_dir, f"registry-{name}", [binary, "serve", config])
        result[name] = Registry(name=name, host=host, username=user, password=password, data_dir=data_dir)
    for name, reg in result.items():
        procs.wait_until(
            run_dir,
            f"registry-{name}",
            lambda r=reg: answers(r, pki_paths["ca"]),
            20,
            f"the {name} registry (docker-registry on {reg.host})",
        )
    return result


def answers(registry, ca_file):
    """True when /v2/ answers 401 (auth required) over verified TLS: up and configured."""
    ctx = ssl.create_default_context(cafile=ca_file)
    try:
        urllib.request.urlopen(f"https://{registry.host}/v2/", context=ctx, timeout=2)  # pylint: disable=consider-using-with
    except urllib.error.HTTPError as e:
        return e.code == 401
    return False


def stop(run_dir):
    for name in NAMES:
        procs.stop(run_dir, f"registry-{name}")


def write_auth_file(path, registries):
    """A docker/podman auth file (the `auths` shape OpenShift pull secrets use too)."""
    auths = {}
    for reg in registries.values():
        token = base64.b64encode(f"{reg.username}:{reg.password}".encode()).decode()
        auths[reg.host] = {"auth": token}
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"auths": auths}, f, indent=2)
    os.chmod(path, 0o600)
    return {"auths": auths}
