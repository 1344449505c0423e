"""Benchmark: release_mirror versus a `skopeo copy --all` loop and `oc adm release mirror`.

Run on demand (not a test):  hack/bench.sh release_mirror  (or with the venv active:
`python benchmarks/release_mirror.py`).  It uses its own large lab (OKD_LAB_DIR=/tmp/okd-bench-lab,
ports 17000+, the 180-image release) and brings it up unless it is running.  Every peer
mirrors the lab's release from the upstream registry to the mirror registry (both on loopback,
TLS + htpasswd) into a fresh repository namespace of its own, so each cold run is really cold:

  engine        the collection's engine in-process (mirror.run.mirror_release), cold then warm
  module        `ansible localhost -m okd.machine_os.release_mirror` (whole process), cold then warm
  skopeo        `skopeo copy --all` once per component + once for the release image, in sequence
                (what existing Ansible roles run)
  oc            `oc adm release mirror` (the real oc, built by tests/lab/build/build-oc.sh), cold then warm
  oc-mirror v2  not run: see OC_MIRROR_REASON
  token         the engine (cold, warm) and the skopeo loop again, into a third registry: a TLS
                docker-registry with the distribution token auth (Bearer JWTs, okdlab.token_registry)
                as production mirror registries (Quay, Harbor, mirror-registry) use, since htpasswd
                costs the lab's mirror a bcrypt check on every request; the source stays upstream.
                The registries' CPU seconds during engine cold and the skopeo loop are printed too.

It also measures the mirror registry's ingest rate (one ~256 MiB random blob, one monolithic
PUT, with the collection's client and with curl) and the peak RSS of a subprocess that copies a
1 GiB blob versus a 10 MiB blob with RegistryClient.copy_blob (what the engine calls per blob).
"""

import argparse
import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import benchlab
from benchlab import REPO

from okdlab import config, procs, token_registry

MIB = 1024 * 1024
OC_MIRROR_REASON = (
    "not obtainable here: the Go module proxy refuses github.com/openshift/oc-mirror/v2 "
    '(403 "This module version is not available"), so it cannot be built from its Go module'
)

# Run in a subprocess: copy one blob upstream -> mirror with the collection's client, print peak RSS.
COPY_BLOB_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
auth_file, ca_file, source, target, digest, size = sys.argv[2:8]
start = time.perf_counter()
with RegistryClient(AuthStore.load(auth_file=auth_file), ca_file=ca_file) as client:
    push = client.copy_blob(source, target, digest, int(size))
elapsed = time.perf_counter() - start
print(json.dumps({"action": push.action, "bytes": push.size, "seconds": elapsed,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


LABS = {  # one lab per payload profile (tests/lab/okdlab/profiles.py), each with its own ports
    "large": ("/tmp/okd-bench-lab", 17000),
    "realistic": ("/tmp/okd-bench-lab-realistic", 17100),
}


def _lab(profile="large"):
    state_dir, port_base = LABS[profile]
    return benchlab.lab(state_dir, port_base, size=profile)


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc


def _cpu_seconds(pid):
    """user + system CPU seconds a process has used so far (/proc/<pid>/stat utime + stime)."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_used(pid, fn):
    """(fn's value, CPU seconds process ``pid`` used meanwhile, or None when unknown)."""
    before = _cpu_seconds(pid)
    value = fn()
    after = _cpu_seconds(pid)
    return value, (after - before if before is not None and after is not None else None)


def _cpu_note(seconds):
    return f"{seconds:.1f} s" if seconds is not None else "n/a"


@contextlib.contextmanager
def _token_mirror(lab, tmp):
    """A TLS docker-registry with token auth (the lab's serving certificate and storage
    settings, so that only the auth differs from the lab's mirror; data under ``tmp``) and
    an auth file with the lab's credentials plus its user: (registry, auth file)."""
    pki = os.path.dirname(lab.ca_file)
    user, password = "bench-user", secrets.token_urlsafe(12)
    workdir = os.path.join(tmp, "token-registry")
    with token_registry.running(
        workdir,
        data_dir=os.path.join(workdir, "data"),
        cert_file=os.path.join(pki, "serving.crt"),
        key_file=os.path.join(pki, "serving.key"),
        users={user: (password, ["pull", "push"])},
    ) as registry:
        with open(lab.auth_file, encoding="utf-8") as f:
            auth = json.load(f)
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        auth.setdefault("auths", {})[registry.host] = {"auth": basic}
        auth_file = os.path.join(tmp, "token-auth.json")
        with open(os.open(auth_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
            json.dump(auth, f)
        yield registry, auth_file


def _prime_page_cache(lab):
    """Read the upstream registry's files once so that no peer pays the first disk reads
    (not the 1 GiB blobs earlier runs of this benchmark left there: the release has none)."""
    total = 0
    for root, _dirs, files in os.walk(lab.registry("upstream").data_dir):
        for name in files:
            if os.path.getsize(os.path.join(root, name)) > 512 * MIB:
                continue
            with open(os.path.join(root, name), "rb") as f:
                while chunk := f.read(4 * MIB):
                    total += len(chunk)
    return total


def _random_file(path, size):
    """Write ``size`` random bytes to ``path`` in 4 MiB pieces; return its sha256 digest."""
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(4 * MIB, left))
            digest.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return "sha256:" + digest.hexdigest()


class Bench:
    """The lab, the collection's imports and the per-run namespace."""

    def __init__(self, lab, run_id):
        self.lab = lab
        self.run_id = run_id
        self.upstream = lab.registry("upstream").host
        self.mirror = lab.registry("mirror").host
        self.release = lab.release["ocp"]["pullspec"]
        sys.path.insert(0, config.collections_dir(REPO))
        # pylint: disable=import-outside-toplevel
        from ansible_collections.okd.machine_os.plugins.module_utils.mirror.run import mirror_release
        from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore
        from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient

        self.auth_store, self.client_class, self.mirror_release = AuthStore, RegistryClient, mirror_release

    def client(self, **kwargs):
        return self.client_class(self.auth_store.load(auth_file=self.lab.auth_file), ca_file=self.lab.ca_file, **kwargs)

    def dest(self, peer, mirror=None):
        return f"{mirror or self.mirror}/bench-{self.run_id}-{peer}/openshift4"

    def params(self, peer, mirror=None, auth_file=None):
        return {
            "from_release": self.release,
            "to": self.dest(peer, mirror),
            "auth_file": auth_file or self.lab.auth_file,
            "ca_file": self.lab.ca_file,
            "parallelism": 8,
        }

    # -- release_mirror ---------------------------------------------------------------
    def engine(self, warm_runs, peer="engine", mirror=None, auth_file=None, cpu_pid=None):
        """(cold seconds, cold result, [warm seconds], CPU seconds process ``cpu_pid`` used during cold)."""
        params = self.params(peer, mirror, auth_file)
        (cold_s, cold), cold_cpu = _cpu_used(cpu_pid, lambda: _timed(lambda: self.mirror_release(params)))
        assert cold["changed"], cold
        warm = []
        for _run_index in range(warm_runs):
            seconds, result = _timed(lambda: self.mirror_release(params))
            assert not result["changed"] and result["copied"]["blobs"] == 0, result
            warm.append(seconds)
        return cold_s, cold, warm, cold_cpu

    def module(self, warm_runs):
        env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=config.collections_dir(REPO),
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
            ANSIBLE_STDOUT_CALLBACK="json",
        )
        p = self.params("module")
        cmd = [
            os.path.join(os.path.dirname(sys.executable), "ansible"),
            "localhost",
            "-m",
            "okd.machine_os.release_mirror",
            "-a",
            f"from_release={p['from_release']} to={p['to']} auth_file={p['auth_file']} ca_file={p['ca_file']}",
        ]

        def once():
            out = json.loads(_run(cmd, env=env).stdout)
            return out["plays"][0]["tasks"][0]["hosts"]["localhost"]

        cold_s, cold = _timed(once)
        assert cold.get("changed") and not cold.get("failed"), cold.get("msg")
        warm = []
        for _run_index in range(warm_runs):
            seconds, result = _timed(once)
            assert not result.get("changed") and not result.get("failed"), result.get("msg")
            warm.append((seconds, result["elapsed_seconds"]))
        return cold_s, cold, warm

    # -- peers ------------------------------------------------------------------------
    def skopeo(self, images, version_arch, cert_dir, peer="skopeo", mirror=None, auth_file=None):
        """One `skopeo copy --all` per component and one for the release, as roles do.

        containers/image keeps a blob-info cache (where it has seen each blob) and mounts known
        blobs from other repositories of the destination registry instead of uploading them: a
        machine that ran this benchmark before would give skopeo earlier peers' namespaces to
        mount from. So the loop gets a cache of its own, empty at the start and kept across its
        processes (as one admin's loop would have): XDG_DATA_HOME for a user, a bind mount over
        /var/lib/containers/cache in a private mount namespace for root.
        """
        dest = self.dest(peer, mirror)
        cache = tempfile.mkdtemp(prefix="okd-bench-skopeo-cache-")
        wrap, env = [], dict(os.environ)
        if os.geteuid() == 0:
            os.makedirs("/var/lib/containers/cache", exist_ok=True)
            wrap = [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                'mount --bind "$0" /var/lib/containers/cache && exec "$@"',
                cache,
            ]
        else:
            env["XDG_DATA_HOME"] = cache
        base = [
            *wrap,
            "skopeo",
            "copy",
            "--all",
            "--quiet",
            "--authfile",
            auth_file or self.lab.auth_file,
            "--src-cert-dir",
            cert_dir,
            "--dest-cert-dir",
            cert_dir,
        ]
        start = time.perf_counter()
        try:
            for name, pullspec in images.items():
                _run([*base, f"docker://{pullspec}", f"docker://{dest}:{version_arch}-{name}"], env=env)
            _run([*base, f"docker://{self.release}", f"docker://{dest}:{version_arch}"], env=env)
            return time.perf_counter() - start
        finally:
            shutil.rmtree(cache, ignore_errors=True)

    def oc(self, oc, version_arch, runs):
        dest = self.dest("oc")
        cmd = [
            oc,
            "adm",
            "release",
            "mirror",
            "--from",
            self.release,
            "--to",
            dest,
            "--to-release-image",
            f"{dest}:{version_arch}",
            "-a",
            self.lab.auth_file,
            f"--certificate-authority={self.lab.ca_file}",
        ]
        samples = []
        for _run_index in range(runs):
            seconds, proc = _timed(lambda: _run(cmd))
            rate = [
                line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if "Mirroring completed" in line
            ]
            samples.append((seconds, rate[0].split("info: ")[-1] if rate else ""))
        return samples

    # -- registry ingest and memory ---------------------------------------------------
    def ingest(self, tmp, size):
        path = os.path.join(tmp, "ingest.bin")
        digest = _random_file(path, size)
        with self.client() as client:
            seconds, push = _timed(
                lambda: client.upload_blob(
                    f"{self.mirror}/bench-{self.run_id}-ingest/py", path, digest, size, verify=False
                )
            )
        assert push.action == "uploaded", push
        curl_s = None
        if shutil.which("curl"):
            curl_s = self._curl_put(path, digest)
        os.unlink(path)
        return seconds, curl_s

    def _curl_put(self, path, digest):
        """One monolithic PUT by curl (POST for the session, then PUT ?digest= with the file)."""
        reg = self.lab.registry("mirror")
        base = ["curl", "-sS", "--fail", "--cacert", self.lab.ca_file, "-K", "-"]
        creds = f'user = "{reg.username}:{reg.password}"\n'
        repo = f"bench-{self.run_id}-ingest/curl"
        proc = subprocess.run(
            [*base, "-X", "POST", "-D", "-", "-o", "/dev/null", f"https://{reg.host}/v2/{repo}/blobs/uploads/"],
            input=creds,
            capture_output=True,
            text=True,
            check=True,
        )
        location = next(
            line.split(":", 1)[1].strip() for line in proc.stdout.splitlines() if line.lower().startswith("location:")
        )
        if location.startswith("/"):
            location = f"https://{reg.host}{location}"
        url = f"{location}{'&' if '?' in location else '?'}digest={digest}"
        start = time.perf_counter()
        subprocess.run(
            [*base, "-o", "/dev/null", "-H", "Content-Type: application/octet-stream", "-T", path, url],
            input=creds,
            capture_output=True,
            text=True,
            check=True,
        )
        return time.perf_counter() - start

    def rss_copy(self, tmp, size, label):
        """Push a one-layer image of ``size`` random bytes to upstream (file, chunked upload),
        then copy its layer to mirror in a subprocess; the child's report."""
        path = os.path.join(tmp, f"layer-{label}.bin")
        digest = _random_file(path, size)
        source = f"{self.upstream}/bench-{self.run_id}-scratch/{label}"
        with self.client() as client:
            client.upload_blob(source, path, digest, size, chunk_size=64 * MIB)
            config_doc = json.dumps(
                {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [digest]}}
            ).encode()
            config_digest = "sha256:" + hashlib.sha256(config_doc).hexdigest()
            client.upload_blob(source, config_doc, config_digest)
            manifest = {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": config_digest,
                    "size": len(config_doc),
                },
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size}],
            }
            client.put_manifest(
                f"{source}:latest", json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json"
            )
        os.unlink(path)
        target = f"{self.mirror}/bench-{self.run_id}-scratch/{label}"
        proc = _run(
            [
                sys.executable,
                "-c",
                COPY_BLOB_CHILD,
                config.collections_dir(REPO),
                self.lab.auth_file,
                self.lab.ca_file,
                source,
                target,
                digest,
                str(size),
            ]
        )
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        assert report["action"] == "uploaded" and report["bytes"] == size, report
        return report


def _mib_s(size, seconds):
    return size / MIB / seconds if seconds else float("nan")


def main():  # pylint: disable=too-many-locals,too-many-statements
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["module", "skopeo", "oc", "token", "ingest", "rss"],
        help="leave a part out (repeatable)",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(LABS),
        default="large",
        help="payload shape: large = 180 images of small unshared layers (per-request cost); realistic = "
        "shared base layers, skewed own layers, a 50-layer OS image, ~3.2 GiB (bytes as well)",
    )
    args = parser.parse_args()
    lab = _lab(args.profile)
    bench = Bench(lab, time.strftime("%Y%m%d%H%M%S"))
    tmp = tempfile.mkdtemp(prefix="okd-bench-mirror-")
    rows = []
    try:
        primed = _prime_page_cache(lab)
        print(
            f"release {bench.release}\nupstream {bench.upstream} -> mirror {bench.mirror}, "
            f"namespaces bench-{bench.run_id}-<peer>; page cache primed ({primed / MIB:.0f} MiB read)",
            flush=True,
        )

        mirror_pid = procs.pid_of(os.path.join(lab.state_dir, "run"), "registry-mirror")
        cold_s, cold, warm, cold_cpu = bench.engine(args.warm_runs, cpu_pid=mirror_pid)
        plan, copied = cold["plan"], cold["copied"]
        version_arch = f"{cold['release']['version']}-{cold['release']['arch']}"
        moved = copied["bytes"]
        print(
            f"plan: {plan['images_total']} images, {plan['blobs_total']} blob refs, "
            f"{plan['blobs_missing']} unique blobs to upload ({plan['bytes_missing'] / MIB:.1f} MiB), "
            f"{plan['mounts']} mounts, {plan['manifests_missing']} manifests",
            flush=True,
        )
        rows.append(("release_mirror engine, cold", cold_s, f"{_mib_s(moved, cold_s):.1f} MiB/s"))
        rows.append(
            ("release_mirror engine, warm", statistics.median(warm), "runs: " + ", ".join(f"{s:.2f}" for s in warm))
        )

        if "module" not in args.skip:
            m_cold_s, m_cold, m_warm = bench.module(args.warm_runs)
            rows.append(
                (
                    "release_mirror module via ansible, cold",
                    m_cold_s,
                    f"module's own elapsed {m_cold['elapsed_seconds']:.2f} s",
                )
            )
            rows.append(
                (
                    "release_mirror module via ansible, warm",
                    statistics.median(s for s, _e in m_warm),
                    f"module's own elapsed (median) {statistics.median(e for _s, e in m_warm):.2f} s",
                )
            )

        with bench.client() as client:
            # pylint: disable=import-outside-toplevel
            from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release
            from ansible_collections.okd.machine_os.plugins.module_utils.release.source import RegistrySource

            images = read_release(RegistrySource(client, bench.release)).references.images()
        cert_dir = os.path.join(tmp, "certs")
        os.makedirs(cert_dir)
        shutil.copy(lab.ca_file, os.path.join(cert_dir, "ca.crt"))
        skopeo_s = skopeo_cpu = None
        if "skopeo" not in args.skip:
            skopeo_s, skopeo_cpu = _cpu_used(mirror_pid, lambda: bench.skopeo(images, version_arch, cert_dir))
            rows.append((f"skopeo copy --all loop, cold ({len(images) + 1} processes)", skopeo_s, ""))
        oc_samples = None
        if "oc" not in args.skip:
            oc_samples = bench.oc(benchlab.oc(), version_arch, 2)
            rows.append(("oc adm release mirror, cold", oc_samples[0][0], oc_samples[0][1]))
            rows.append(("oc adm release mirror, warm", oc_samples[1][0], oc_samples[1][1]))

        token = None
        if "token" not in args.skip:
            token = {}
            with _token_mirror(lab, tmp) as (registry, token_auth):
                print(f"token-auth mirror {registry.url} (token service {registry.tokens.realm})", flush=True)
                where = {"mirror": registry.host, "auth_file": token_auth}
                issued = len(registry.tokens.issued)
                token["cold_s"], t_cold, t_warm, token["cold_cpu"] = bench.engine(
                    args.warm_runs, peer="token-engine", cpu_pid=registry.pid, **where
                )
                token["cold_tokens"] = len(registry.tokens.issued) - issued
                rows.append(
                    (
                        "release_mirror engine, cold, token-auth mirror",
                        token["cold_s"],
                        f"{_mib_s(t_cold['copied']['bytes'], token['cold_s']):.1f} MiB/s, "
                        f"{token['cold_tokens']} tokens issued",
                    )
                )
                rows.append(
                    (
                        "release_mirror engine, warm, token-auth mirror",
                        statistics.median(t_warm),
                        "runs: " + ", ".join(f"{s:.2f}" for s in t_warm),
                    )
                )
                if "skopeo" not in args.skip:
                    # the token service is a thread of this process, idle otherwise while skopeo runs
                    issued, own_cpu = len(registry.tokens.issued), time.process_time()
                    token["skopeo_s"], token["skopeo_cpu"] = _cpu_used(
                        registry.pid, lambda: bench.skopeo(images, version_arch, cert_dir, peer="token-skopeo", **where)
                    )
                    rows.append(
                        (
                            "skopeo copy --all loop, cold, token-auth mirror",
                            token["skopeo_s"],
                            f"{len(images) + 1} processes, {len(registry.tokens.issued) - issued} tokens "
                            f"issued (token service CPU {time.process_time() - own_cpu:.1f} s)",
                        )
                    )

        ingest = None
        if "ingest" not in args.skip:
            ingest = bench.ingest(tmp, 256 * MIB)
        rss = None
        if "rss" not in args.skip:
            rss = {"10 MiB": bench.rss_copy(tmp, 10 * MIB, "small"), "1 GiB": bench.rss_copy(tmp, 1024 * MIB, "large")}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{'what':58} {'seconds':>9}  notes")
    for what, seconds, note in rows:
        print(f"{what:58} {seconds:9.2f}  {note}")
    print(f"{'oc-mirror v2':58} {'-':>9}  {OC_MIRROR_REASON}")
    print(
        f"\nbytes moved by the engine cold: {moved / MIB:.1f} MiB in {copied['blobs']} blob uploads, "
        f"{copied['mounted']} mounts, {copied['manifests']} manifests"
    )
    if skopeo_s:
        print(f"ratio skopeo loop / engine cold = {skopeo_s / cold_s:.2f}x  (goal >= 3x)")
    if token and token.get("skopeo_s"):
        print(f"ratio skopeo loop / engine cold (token-auth mirror) = {token['skopeo_s'] / token['cold_s']:.2f}x")
    print(
        f"mirror registry CPU (htpasswd): engine cold {_cpu_note(cold_cpu)}"
        + (f", skopeo loop {_cpu_note(skopeo_cpu)}" if skopeo_s else "")
    )
    if token:
        print(
            f"mirror registry CPU (token auth): engine cold {_cpu_note(token['cold_cpu'])}"
            + (f", skopeo loop {_cpu_note(token['skopeo_cpu'])}" if token.get("skopeo_s") else "")
        )
    if oc_samples:
        print(f"ratio oc cold / engine cold     = {oc_samples[0][0] / cold_s:.2f}x")
        print(f"ratio oc warm / engine warm     = {oc_samples[1][0] / statistics.median(warm):.2f}x")
    print(f"engine warm median {statistics.median(warm):.2f} s  (goal <= 2 s)")
    if ingest:
        py_s, curl_s = ingest
        print(
            f"mirror registry ingest, one 256 MiB monolithic PUT: collection client {_mib_s(256 * MIB, py_s):.1f} MiB/s"
            + (f", curl {_mib_s(256 * MIB, curl_s):.1f} MiB/s" if curl_s else "")
        )
        best = max(_mib_s(256 * MIB, py_s), _mib_s(256 * MIB, curl_s) if curl_s else 0)
        print(
            f"engine cold achieved {_mib_s(moved, cold_s):.1f} MiB/s = "
            f"{_mib_s(moved, cold_s) / best * 100:.0f}% of the best single-blob ingest rate"
        )
    if rss:
        for label, report in rss.items():
            print(
                f"copy_blob subprocess, {label:6} blob: peak RSS {report['maxrss_kib'] / 1024:.1f} MiB, "
                f"{report['seconds']:.2f} s ({_mib_s(report['bytes'], report['seconds']):.1f} MiB/s)"
            )
        growth = (rss["1 GiB"]["maxrss_kib"] - rss["10 MiB"]["maxrss_kib"]) / 1024
        print(f"peak RSS growth from 10 MiB to 1 GiB blob: {growth:+.1f} MiB")


if __name__ == "__main__":
    main()
