"""labctl: bring the okd.machine_os lab up, down, or report on it.

labctl up [--size small|large|realistic] [--node-update-seconds S]   start everything (idempotent)
labctl down                                                stop everything, delete state
labctl status                                              processes, endpoints, pools
labctl env                                                 shell exports for the lab
labctl upgrade --release ocp_next                          simulate a cluster upgrade
"""

import argparse
import os
import shutil
import sys
import time

from . import config, kube, pki, procs, registries

PROCESSES = (
    "cluster-version-operator",
    "simulator",
    "kube-apiserver",
    "etcd",
    "registry-upstream",
    "registry-mirror",
    "updates",
)


def _run_dir(state):
    return os.path.join(state, "run")


def _api_client(lab):
    from kubernetes import config as kconfig  # pylint: disable=import-outside-toplevel

    return kconfig.new_client_from_config(config_file=lab.kubeconfig)


def _healthy(state):
    run = _run_dir(state)
    return all(procs.pid_of(run, name) for name in PROCESSES) and os.path.exists(os.path.join(state, "lab.json"))


def up(args):
    state = config.state_dir()
    if _healthy(state):
        print(f"lab is already up ({state}); `labctl down` first to start afresh")
        return 0
    if os.path.exists(state):
        down(args, quiet=True)  # a half-up lab from a crash: start clean
    try:
        lab = _bring_up(state, args)
    except BaseException:
        print("lab start-up failed; stopping what was started", file=sys.stderr)
        down(args, quiet=True, keep_logs=True)
        raise
    print(
        f"lab is up in {time.monotonic() - args.t0:.1f}s: {lab.apiserver}, "
        f"registries {', '.join(r.host for r in lab.registries.values())}; "
        f"kubeconfig {lab.kubeconfig}"
    )
    return 0


def _tools():
    missing = [t for t in ("docker-registry", "htpasswd", "openssl") if not shutil.which(t)]
    if missing:
        raise procs.LabError(f"missing tools: {', '.join(missing)}; run hack/bootstrap.sh")
    return kube.binaries()


def _bring_up(state, args):
    # imported here so `labctl down/status` work even where kubernetes isn't importable
    from . import oci, payload, seed  # pylint: disable=import-outside-toplevel
    from .cvo import setup as cvo  # pylint: disable=import-outside-toplevel

    apiserver_bin, etcd_bin = _tools()
    os.makedirs(state, mode=0o700, exist_ok=True)
    run = _run_dir(state)
    base = config.port_base()
    certs = pki.ensure(os.path.join(state, "pki"))
    regs = registries.start(state, run, certs, (base + 1, base + 2))
    auth_file = os.path.join(state, "auth.json")
    registries.write_auth_file(auth_file, regs)
    etcd_url = kube.start_etcd(state, run, etcd_bin, base + 4, base + 5)
    url = kube.start_apiserver(state, run, apiserver_bin, certs, etcd_url, base + 3)
    kubeconfig = kube.write_kubeconfig(os.path.join(state, "kubeconfig"), url, certs)
    lab = config.Lab(
        state_dir=state,
        ca_file=certs["ca"],
        kubeconfig=kubeconfig,
        apiserver=url,
        auth_file=auth_file,
        registries=regs,
        simulator={
            "node_update_seconds": args.node_update_seconds,
            "render_delay": args.render_delay,
            "tick": args.tick,
        },
    )
    api_client = _api_client(lab)
    seed.install_crds(api_client)
    upstream = regs["upstream"]
    writer = oci.RegistryClient(upstream.host, auth=(upstream.username, upstream.password), ca_file=certs["ca"])
    lab.release = payload.write_lab_releases(writer, upstream.host, size=args.size)
    _start_updates(lab, writer, upstream.host, certs, base + 6)
    seed.seed(api_client, lab, lab.release["ocp"])
    lab.save()
    start_simulator(lab)
    cvo.start(api_client, lab)  # the lab's cluster-version-operator (okdlab/cvo/)
    _wait_pools_updated(api_client, run, timeout=60)
    cvo.wait_ready(api_client, lab)
    return lab


def _start_updates(lab, writer, host, certs, port):
    """More releases, an update graph and a signature store for image sets (okdlab/releases.py)."""
    from . import releases, updates  # pylint: disable=import-outside-toplevel

    lab.updates = releases.prepare(lab.state_dir, writer, host, lab.release)
    lab.updates["graph_url"], lab.updates["signature_store"] = updates.start(
        _run_dir(lab.state_dir), port, lab.updates["root"], certs
    )


def start_simulator(lab):
    run = _run_dir(lab.state_dir)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sim = lab.simulator
    procs.start(
        run,
        "simulator",
        [
            sys.executable,
            "-m",
            "okdlab.simulator",
            "--kubeconfig",
            lab.kubeconfig,
            "--ca-file",
            lab.ca_file,
            "--tick",
            str(sim["tick"]),
            "--node-update-seconds",
            str(sim["node_update_seconds"]),
            "--render-delay",
            str(sim["render_delay"]),
        ],
        env=env,
    )


def _wait_pools_updated(api_client, run_dir, timeout):
    """The fresh cluster converges (render + firstboot) before the lab is called up."""
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel

    custom = k8s.CustomObjectsApi(api_client)
    deadline = time.monotonic() + timeout
    pending = []
    while time.monotonic() < deadline:
        pools = custom.list_cluster_custom_object("machineconfiguration.openshift.io", "v1", "machineconfigpools")[
            "items"
        ]
        pending = [p["metadata"]["name"] for p in pools if not _updated(p)]
        if pools and not pending:
            return
        time.sleep(0.2)
    raise procs.LabError(
        f"pools {pending} did not converge within {timeout}s after seeding: see the "
        f"simulator log {procs.log_file(run_dir, 'simulator')}"
    )


def _updated(pool):
    conds = {c["type"]: c["status"] for c in pool.get("status", {}).get("conditions", [])}
    return conds.get("Updated") == "True" and pool["status"].get("machineCount", 0) > 0


def down(args=None, quiet=False, keep_logs=False):  # pylint: disable=unused-argument
    state = config.state_dir()
    run = _run_dir(state)
    stopped = [name for name in PROCESSES if procs.stop(run, name)]
    if os.path.isdir(state):
        if keep_logs:
            for entry in os.listdir(state):
                if entry != "run":
                    shutil.rmtree(os.path.join(state, entry), ignore_errors=True)
        else:
            shutil.rmtree(state, ignore_errors=True)
    if not quiet:
        print(f"lab is down (stopped: {', '.join(stopped) or 'nothing was running'})")
    return 0


def status(args):  # pylint: disable=unused-argument
    state = config.state_dir()
    run = _run_dir(state)
    ok = True
    for name in PROCESSES:
        pid = procs.pid_of(run, name)
        ok &= pid is not None
        print(f"{name:18} {'running pid ' + str(pid) if pid else 'NOT RUNNING'}")
    if not ok:
        print("lab is not (fully) up: `labctl up`")
        return 1
    lab = config.load()
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel

    custom = k8s.CustomObjectsApi(_api_client(lab))
    print(f"apiserver          {lab.apiserver}\nkubeconfig         {lab.kubeconfig}")
    for reg in lab.registries.values():
        print(f"registry {reg.name:9} {reg.host}")
    print(f"release            {lab.release['ocp']['pullspec']}")
    cv = custom.get_cluster_custom_object("config.openshift.io", "v1", "clusterversions", "version")
    last = (cv.get("status", {}).get("history") or [{}])[0]
    conds = {c["type"]: c for c in cv.get("status", {}).get("conditions", [])}
    print(
        f"clusterversion     {last.get('version')} {last.get('state')}; "
        f"{conds.get('Progressing', {}).get('message', '')}"
    )
    for pool in custom.list_cluster_custom_object("machineconfiguration.openshift.io", "v1", "machineconfigpools")[
        "items"
    ]:
        st = pool.get("status", {})
        conds = {c["type"]: c["status"] for c in st.get("conditions", [])}
        print(
            f"pool {pool['metadata']['name']:13} {st.get('configuration', {}).get('name', '-')} "
            f"updated={conds.get('Updated')} updating={conds.get('Updating')} "
            f"degraded={conds.get('Degraded')} {st.get('updatedMachineCount')}/{st.get('machineCount')}"
        )
    return 0


def env(args):  # pylint: disable=unused-argument
    lab = config.load()
    print(f"export K8S_AUTH_KUBECONFIG='{lab.kubeconfig}'")
    print(f"export KUBECONFIG='{lab.kubeconfig}'")
    print(f"export REGISTRY_AUTH_FILE='{lab.auth_file}'")
    print(f"export OKD_LAB_CA='{lab.ca_file}'")
    print(f"export OKD_LAB_RELEASE='{lab.release['ocp']['pullspec']}'")
    print(f"export OKD_LAB_JSON='{os.path.join(lab.state_dir, 'lab.json')}'")
    if lab.updates:  # image sets: update graph, signature store, the key that signs the releases
        print(f"export OKD_LAB_GRAPH_URL='{lab.updates['graph_url']}'")
        print(f"export OKD_LAB_SIGNATURE_STORE='{lab.updates['signature_store']}'")
        print(f"export OKD_LAB_RELEASE_KEY='{lab.updates['public_key']}'")
    return 0


def upgrade(args):
    from . import seed  # pylint: disable=import-outside-toplevel

    lab = config.load()
    if args.release not in lab.release:
        raise procs.LabError(f"no lab release {args.release!r}; choose from {sorted(lab.release)}")
    seed.set_release(_api_client(lab), lab, lab.release[args.release])
    print(f"cluster now reports release {lab.release[args.release]['version']}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="labctl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up")
    p_up.add_argument("--size", choices=("small", "large", "realistic"), default="small")
    p_up.add_argument(
        "--node-update-seconds", type=float, default=float(os.environ.get("OKD_LAB_NODE_UPDATE_SECONDS", "0.5"))
    )
    p_up.add_argument("--render-delay", type=float, default=0.3)
    p_up.add_argument("--tick", type=float, default=0.1)
    p_up.set_defaults(func=up)
    sub.add_parser("down").set_defaults(func=down)
    sub.add_parser("status").set_defaults(func=status)
    sub.add_parser("env").set_defaults(func=env)
    p_upg = sub.add_parser("upgrade")
    p_upg.add_argument("--release", default="ocp_next")
    p_upg.set_defaults(func=upgrade)
    args = parser.parse_args(argv)
    args.t0 = time.monotonic()
    try:
        return args.func(args)
    except (procs.LabError, FileNotFoundError) as e:
        print(f"labctl {args.command}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
