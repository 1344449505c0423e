"""labctl: bring the okd.machine_os lab up, down, or report on it.

labctl up [--size small|large|realistic] [--node-update-seconds S]   start everything (idempotent)
labctl down                                                stop everything, delete state
labctl status                                              processes, endpoints, pools
labctl env                                                 shell exports for the lab
labctl upgrade --release ocp_next                          simulate a cluster upgrade
labctl mco real|simulator [--restart]                      switch (or restart) the MCO controllers

The MCO controllers (render, node, drain, template) are the real machine-config-controller
(`real`, run by okdlab.mco_supervisor) or the simulator's (`simulator`); OKD_LAB_MCO picks one
at `up`.  The node daemon stand-in is always the simulator's (process `simulator`).
"""

import argparse
import os
import shutil
import signal
import sys
import time

from . import config, kube, mco, mco_supervisor, pki, procs, registries

# stop order: controllers first, then the apiserver they talk to; `mob` (machine-os-builder)
# and `job-runner` run only when started for on-cluster layering (okdlab.builder)
PROCESSES = (
    "job-runner",
    "mob",
    "cluster-version-operator",
    "mcc",
    "simulator",
    "kube-apiserver",
    "etcd",
    "registry-upstream",
    "registry-mirror",
    "updates",
)
OPTIONAL_PROCESSES = ("job-runner", "mob")


def _processes(implementation):
    """The processes a lab driven by `implementation` always runs."""
    return tuple(p for p in PROCESSES if p not in OPTIONAL_PROCESSES and (p != "mcc" or implementation == "real"))


def _implementation(state):
    """The implementation the lab at `state` runs (from lab.json), None if it has none."""
    try:
        return config.load(os.path.join(state, "lab.json")).mco.get("implementation", "simulator")
    except FileNotFoundError:
        return None


def _run_dir(state):
    return os.path.join(state, "run")


def _api_client(lab):
    from kubernetes import config as kconfig  # pylint: disable=import-outside-toplevel

    return kconfig.new_client_from_config(config_file=lab.kubeconfig)


def _healthy(state):
    run = _run_dir(state)
    implementation = _implementation(state)
    return implementation is not None and all(procs.pid_of(run, name) for name in _processes(implementation))


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
    implementation = mco.implementation_wanted()
    bins = mco.binaries()
    if implementation == "real":
        mco.require_built(bins)
        procs.require_free(mco.metrics_port(), "the machine-config-controller's metrics")
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
        mco=_mco_description(bins, implementation),
    )
    api_client = _api_client(lab)
    # with the real controller built, the CRDs of its openshift/api, so that either
    # implementation can drive the lab (and `labctl mco` can switch between them)
    seed.install_crds(api_client, bins.crds() if lab.mco.get("raw") else None)
    upstream = regs["upstream"]
    writer = oci.RegistryClient(upstream.host, auth=(upstream.username, upstream.password), ca_file=certs["ca"])
    lab.release = payload.write_lab_releases(writer, upstream.host, size=args.size)
    _start_updates(lab, writer, upstream.host, certs, base + 6)
    seed.seed(api_client, lab, lab.release["ocp"], implementation)
    lab.save()
    start_controllers(lab)
    cvo.start(api_client, lab)  # the lab's cluster-version-operator (okdlab/cvo/)
    # the real controller: ~2 s to lead and render, then each pool's nodes firstboot at once
    _wait_pools_updated(api_client, run, timeout=60 if implementation == "simulator" else 120)
    cvo.wait_ready(api_client, lab)
    return lab


def _start_updates(lab, writer, host, certs, port):
    """More releases, an update graph and a signature store for image sets (okdlab/releases.py)."""
    from . import releases, updates  # pylint: disable=import-outside-toplevel

    lab.updates = releases.prepare(lab.state_dir, writer, host, lab.release)
    lab.updates["graph_url"], lab.updates["signature_store"] = updates.start(
        _run_dir(lab.state_dir), port, lab.updates["root"], certs
    )


def _mco_description(bins, implementation):
    """lab.json `mco`: the implementation, and the real controller's identity when built."""
    desc = {"implementation": implementation}
    if bins.built() and os.path.exists(bins.featuregates_file):
        raw, hash_ = bins.versions()
        desc.update(raw=raw, hash=hash_, dir=bins.dir, featuregates=bins.featuregates())
    return desc


def start_controllers(lab):
    """The node daemons, and the controllers of the lab's implementation."""
    if lab.mco.get("implementation", "simulator") == "real":
        start_supervisor(lab)
        start_simulator(lab, controllers="daemon")
    else:
        start_simulator(lab, controllers="all")


def start_simulator(lab, controllers="all"):
    run = _run_dir(lab.state_dir)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sim = lab.simulator
    argv = [
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
        "--controllers",
        controllers,
    ]
    if lab.mco.get("raw"):
        argv += ["--controller-version", lab.mco["raw"], "--controller-hash", lab.mco["hash"]]
    procs.start(run, "simulator", argv, env=env)


def start_supervisor(lab):
    """The real machine-config-controller under okdlab.mco_supervisor (restarts it on exit)."""
    run = _run_dir(lab.state_dir)
    bins = mco.Binaries(lab.mco["dir"])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    streams_cache = os.path.join(lab.state_dir, "mcc-streams-cache")
    os.makedirs(streams_cache, exist_ok=True)
    procs.start(
        run,
        "mcc",
        [
            sys.executable,
            "-m",
            "okdlab.mco_supervisor",
            "--kubeconfig",
            lab.kubeconfig,
            "--binary",
            bins.controller,
            "--templates",
            bins.templates,
            "--metrics-port",
            str(mco.metrics_port()),
            "--state-file",
            _supervisor_state_file(lab.state_dir),
            "--streams-cache",
            streams_cache,
        ],
        env=env,
    )


def _supervisor_state_file(state):
    return os.path.join(_run_dir(state), "mcc.json")


def _list_pools(api_client):
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel

    custom = k8s.CustomObjectsApi(api_client)
    return custom.list_cluster_custom_object("machineconfiguration.openshift.io", "v1", "machineconfigpools")["items"]


def _wait_pools_updated(api_client, run_dir, timeout, settle=False):
    """The cluster converges (render + firstboot, or a rollout) before the lab is called up.

    With `settle` (after a switch of controllers), each pool must first move to a new rendered
    config, or SETTLE_SECONDS pass without one (the new controllers' render delay + start-up)."""
    before = {p["metadata"]["name"]: _target(p) for p in _list_pools(api_client)} if settle else {}
    started = time.monotonic()
    deadline = started + timeout
    pending = []
    while time.monotonic() < deadline:
        pools = _list_pools(api_client)
        waited = time.monotonic() - started
        pending = [
            p["metadata"]["name"]
            for p in pools
            if not _updated(p)
            or (settle and _target(p) == before.get(p["metadata"]["name"]) and waited < SETTLE_SECONDS)
        ]
        if pools and not pending:
            return
        time.sleep(0.2)
    logs = [procs.log_file(run_dir, n) for n in ("mcc", "simulator") if os.path.exists(procs.log_file(run_dir, n))]
    raise procs.LabError(f"pools {pending} did not converge within {timeout}s: see {' and '.join(logs)}")


SETTLE_SECONDS = 20


def _target(pool):
    return (pool.get("spec", {}).get("configuration") or {}).get("name")


def _updated(pool):
    """Updated=True for the pool's current target, every machine counted updated."""
    st = pool.get("status", {})
    conds = {c["type"]: c["status"] for c in st.get("conditions", [])}
    return (
        conds.get("Updated") == "True"
        and st.get("machineCount", 0) > 0
        and st.get("updatedMachineCount") == st.get("machineCount")
        and (st.get("configuration") or {}).get("name") == _target(pool)
    )


def down(args=None, quiet=False, keep_logs=False):  # pylint: disable=unused-argument
    state = config.state_dir()
    run = _run_dir(state)
    stopped = [name for name in PROCESSES if procs.stop(run, name)]  # every one that may run
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
    implementation = _implementation(state) or "simulator"
    for name in _processes(implementation):
        pid = procs.pid_of(run, name)
        ok &= pid is not None
        detail = "running pid " + str(pid) if pid else "NOT RUNNING"
        if name == "mcc":
            name = "mcc supervisor"
            sup = mco_supervisor.read_state(_supervisor_state_file(state))
            if pid and sup:
                detail += (
                    f"; machine-config-controller pid {sup.get('pid') or '- (restarting)'}, "
                    f"restarts {sup.get('restarts', 0)}, last exit {sup.get('last_exit')}, "
                    f"payload version {sup.get('payload_version')}"
                )
        elif name == "simulator":
            detail += " (node daemons)" if implementation == "real" else " (all MCO controllers + node daemons)"
        print(f"{name:18} {detail}")
    if not ok:
        print("lab is not (fully) up: `labctl up`")
        return 1
    lab = config.load()
    mco_desc = lab.mco or {}
    print(
        f"mco                {implementation}"
        + (f" (machine-config-controller {mco_desc['raw']}-{mco_desc['hash']})" if mco_desc.get("raw") else "")
    )
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
    implementation = lab.mco.get("implementation", "simulator")
    seed.set_release(_api_client(lab), lab, lab.release[args.release], implementation)
    if implementation == "real":
        # the new release's controller: the supervisor restarts it with the new payload version
        pid = procs.pid_of(_run_dir(lab.state_dir), "mcc")
        if pid:
            os.kill(pid, signal.SIGHUP)
    print(f"cluster now reports release {lab.release[args.release]['version']}")
    return 0


def switch_mco(args):
    """Stop the lab's MCO controllers and start the other implementation's; wait for the pools.

    The two implementations stamp and name rendered configs differently, so the pools move to
    a new rendered config and roll out once after a switch."""
    from . import seed  # pylint: disable=import-outside-toplevel

    state = config.state_dir()
    lab = config.load()
    current = lab.mco.get("implementation", "simulator")
    if args.implementation == "real" and not lab.mco.get("raw"):
        raise procs.LabError(
            "this lab was started without the machine-config-controller built: build it "
            "(tests/lab/build/build-mco.sh), then `labctl down` and `labctl up`"
        )
    run = _run_dir(state)
    if current == args.implementation and not args.restart and all(procs.pid_of(run, n) for n in _processes(current)):
        print(f"lab already runs the {current} MCO controllers")
        return 0
    procs.stop(run, "mcc")
    procs.stop(run, "simulator")
    lab.mco["implementation"] = args.implementation
    lab.save()
    api_client = _api_client(lab)
    if args.implementation == "simulator":
        seed.seed_template_machine_configs(api_client, lab)
    else:
        procs.require_free(mco.metrics_port(), "the machine-config-controller's metrics")
    start_controllers(lab)
    _wait_pools_updated(api_client, run, timeout=args.timeout, settle=True)
    print(f"lab now runs the {args.implementation} MCO controllers ({time.monotonic() - args.t0:.1f}s)")
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
    p_mco = sub.add_parser("mco")
    p_mco.add_argument("implementation", choices=mco.IMPLEMENTATIONS)
    p_mco.add_argument("--timeout", type=float, default=300)
    p_mco.add_argument("--restart", action="store_true", help="restart the controllers even if they already run")
    p_mco.set_defaults(func=switch_mco)
    args = parser.parse_args(argv)
    args.t0 = time.monotonic()
    try:
        return args.func(args)
    except (procs.LabError, FileNotFoundError) as e:
        print(f"labctl {args.command}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
