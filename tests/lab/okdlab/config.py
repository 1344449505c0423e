"""Where the lab lives and what it exposes: one JSON file, `lab.json`, in the state dir.

Everything that talks to the lab (tests, demo, Molecule, benchmarks, the simulator) reads
`load()`; only `labctl up` writes it.  Ports and paths can be moved with environment
variables so two labs (or a busy port) can coexist:

  OKD_LAB_DIR        state dir (default ~/.cache/okd-machine-os/lab)
  OKD_LAB_CACHE      binary/venv cache (default ~/.cache/okd-machine-os)
  OKD_LAB_PORT_BASE  first of the consecutive ports used (default 15000: base … base+7)
  OKD_LAB_MCO        the MCO controllers at `labctl up`: real or simulator (okdlab.mco)
"""

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.environ.get("OKD_LAB_CACHE") or os.path.join(base, "okd-machine-os")


def collections_dir(repo):
    """The ansible_collections tree hack/bootstrap.sh links `repo` into (one per checkout)."""
    if os.environ.get("OKD_COLLECTIONS"):
        return os.environ["OKD_COLLECTIONS"]
    return os.path.join(cache_dir(), "collections", hashlib.sha256(repo.encode()).hexdigest()[:12])


def ansible_env(lab, repo, **extra):
    """os.environ plus what ansible needs to reach `lab` with the collection checked out
    at `repo`: its collection tree, the cluster (K8S_AUTH_*), the registries' auth file."""
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=collections_dir(repo),
        K8S_AUTH_KUBECONFIG=lab.kubeconfig,
        REGISTRY_AUTH_FILE=lab.auth_file,
        OKD_LAB_JSON=os.path.join(lab.state_dir, "lab.json"),
        OKD_LAB_CA=lab.ca_file,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    env.update(extra)
    return env


def state_dir():
    return os.environ.get("OKD_LAB_DIR") or os.path.join(cache_dir(), "lab")


def port_base():
    return int(os.environ.get("OKD_LAB_PORT_BASE", "15000"))


@dataclass
class Registry:
    """One docker-registry instance: `host` is `127.0.0.1:<port>` as used in pullspecs."""

    name: str
    host: str
    username: str
    password: str
    data_dir: str

    @property
    def url(self):
        return "https://" + self.host


@dataclass
class Lab:
    state_dir: str
    ca_file: str  # lab CA (PEM): signs the registries' and apiserver's certs
    kubeconfig: str  # cluster-admin (system:masters client certificate)
    apiserver: str  # https://127.0.0.1:<port>
    auth_file: str  # docker/podman auth file with both registries' credentials
    registries: dict = field(default_factory=dict)  # name -> Registry ("upstream", "mirror")
    release: dict = field(default_factory=dict)  # filled by the payload writer (see payload.py)
    simulator: dict = field(default_factory=dict)  # the MCO simulator's timings
    updates: dict = field(default_factory=dict)  # graph URL, signature store, keys (okdlab/releases.py)
    # the MCO implementation driving the lab and, with the real controller built, its versions,
    # binaries and feature gates (okdlab.mco)
    mco: dict = field(default_factory=dict)

    def registry(self, name):
        return self.registries[name]

    def save(self):
        data = asdict(self)
        path = os.path.join(self.state_dir, "lab.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path


def load(path=None):
    """The running lab's description; raises FileNotFoundError with a hint if it is down."""
    path = path or os.path.join(state_dir(), "lab.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"no lab description at {path}: run `tests/lab/labctl up` first") from None
    data["registries"] = {k: Registry(**v) for k, v in data.get("registries", {}).items()}
    return Lab(**data)
