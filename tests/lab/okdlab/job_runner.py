"""python -m okdlab.job_runner --kubeconfig K --namespace NS --work-dir D --ca-file CA
[--path-prefix DIR] [--once]

A stand-in for the kubelet for batch Jobs: the lab has no node that runs pods, so this runs
each new Job's pod on the host, one container after the other (init containers first), and
writes the Job's status back as the Job controller would.  Made for the build Jobs of the real
machine-os-builder (MCO pkg/controller/build/buildrequest/buildrequest.go toBuildahPod: bash
scripts, ConfigMap/Secret/emptyDir volumes, no image content needed but buildah's).

How a container runs here:
* volumes are laid out as files under the Job's work dir (ConfigMap keys, Secret `items`,
  emptyDir); every mountPath in the script is replaced by its directory, subPath mounts by
  the file;
* `su -m <user> << 'EOF' ... EOF` (the build pod drops root for the build) runs the heredoc's
  body directly; the lines before it (p11-kit extraction into the image's trust store) are
  the image's business and are skipped;
* buildah gets a containers storage of the Job's own (vfs, CONTAINERS_STORAGE_CONF) and trusts
  the lab CA (`--cert-dir`, where the pod trusts the cluster's bundle); HOME is the work dir's;
* `machine-os-builder` is on PATH with KUBECONFIG set (the pod's in-cluster config).

Status: Active=1 while running; success -> succeeded=1 with the Complete condition (and
SuccessCriteriaMet, which the apiserver requires first); a failure -> failed=backoffLimit+1
with Failed (a deterministic build failure would fail every retry the same way).
The container's output is in <work dir>/<job>/<container>.log and the runner's log.
"""

import argparse
import base64
import datetime
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading

log = logging.getLogger("okdlab.job_runner")
SU_HEREDOC = re.compile(r"^su\s+-m\s+\S+\s*<<\s*'?(\w+)'?\s*$", re.M)


def now():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- pure part ----------------------------------------------------------------------------------
def build_user_part(script):
    """The body of the script's `su -m <user> << 'EOF'` heredoc, or the script if it has none."""
    match = SU_HEREDOC.search(script)
    if not match:
        return script
    body = script[match.end() :]
    end = re.search(rf"^{re.escape(match.group(1))}\s*$", body, re.M)
    return body[: end.start()] if end else body


def rewrite_paths(script, mounts):
    """Replace each mount path of `mounts` ({container path: host path}) in `script`, longest
    first (so /tmp/done does not eat /tmp/done-x)."""
    for path in sorted(mounts, key=len, reverse=True):
        script = re.sub(re.escape(path) + r"(?=[/\s\"':]|$)", mounts[path], script)
    return script


def add_cert_dir(script, cert_dir):
    """buildah trusts the lab CA where the pod trusts the cluster's bundle."""
    return re.sub(r"\bbuildah (bud|build|pull)\b", rf"buildah \1 --cert-dir {cert_dir}", script)


def volume_files(volume, objects):
    """{relative path: bytes} for a ConfigMap/Secret/emptyDir volume; None if an optional source is
    missing; raises LookupError for a missing required one.  `objects` maps
    ("configMap"|"secret", name) to the object's dict."""
    if "emptyDir" in volume:
        return {}
    for kind, name_key, data_key in (("configMap", "name", "data"), ("secret", "secretName", "data")):
        source = volume.get(kind)
        if source is None:
            continue
        obj = objects.get((kind, source[name_key]))
        if obj is None:
            if source.get("optional"):
                return None
            raise LookupError(f"{kind} {source[name_key]} of volume {volume['name']} not found")
        data = {
            k: (base64.b64decode(v) if kind == "secret" else v.encode()) for k, v in (obj.get(data_key) or {}).items()
        }
        if kind == "configMap":
            data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
        items = source.get("items")
        if items:
            return {item["path"]: data[item["key"]] for item in items if item["key"] in data}
        return data
    raise LookupError(f"volume {volume['name']}: only configMap, secret and emptyDir volumes are laid out")


def job_status_success(start_time):
    t = now()
    return {
        "startTime": start_time,
        "completionTime": t,
        "succeeded": 1,
        "active": 0,
        "ready": 0,
        "terminating": 0,
        "uncountedTerminatedPods": {},
        "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
             "message": "Reached expected number of succeeded pods", "lastProbeTime": t, "lastTransitionTime": t},
            {"type": "Complete", "status": "True", "reason": "CompletionsReached",
             "message": "Reached expected number of succeeded pods", "lastProbeTime": t, "lastTransitionTime": t},
        ],
    }  # fmt: skip


def job_status_failed(start_time, backoff_limit):
    t = now()
    message = "Job has reached the specified backoff limit"
    return {
        "startTime": start_time,
        "failed": backoff_limit + 1,
        "active": 0,
        "ready": 0,
        "terminating": 0,
        "uncountedTerminatedPods": {},
        "conditions": [
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": message,
             "lastProbeTime": t, "lastTransitionTime": t},
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": message,
             "lastProbeTime": t, "lastTransitionTime": t},
        ],
    }  # fmt: skip


# -- the runner ---------------------------------------------------------------------------------
class Runner:
    def __init__(self, args):
        from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel
        from kubernetes import config as kconfig  # pylint: disable=import-outside-toplevel

        api_client = kconfig.new_client_from_config(config_file=args.kubeconfig)
        self.batch = k8s.BatchV1Api(api_client)
        self.core = k8s.CoreV1Api(api_client)
        self.args = args
        self.seen = set()
        self.stopping = threading.Event()

    def _objects(self, ns):
        out = {}
        for cm in self.core.list_namespaced_config_map(ns).items:
            out[("configMap", cm.metadata.name)] = {"data": cm.data, "binaryData": cm.binary_data}
        for sec in self.core.list_namespaced_secret(ns).items:
            out[("secret", sec.metadata.name)] = {"data": sec.data}
        return out

    def poll(self):
        ns = self.args.namespace
        resp = self.batch.list_namespaced_job(ns, _preload_content=False)
        for job in json.loads(resp.data)["items"]:
            uid = job["metadata"]["uid"]
            status = job.get("status") or {}
            if uid in self.seen or status.get("startTime") or job["metadata"].get("deletionTimestamp"):
                continue
            self.seen.add(uid)
            self.run_job(job)

    def _set_status(self, job, status):
        body = {"status": status}
        self.batch.patch_namespaced_job_status(job["metadata"]["name"], job["metadata"]["namespace"], body)

    def run_job(self, job):
        name, ns = job["metadata"]["name"], job["metadata"]["namespace"]
        started = now()
        log.info("job %s/%s: running its pod here", ns, name)
        self._set_status(job, {"startTime": started, "active": 1, "ready": 0})
        work = os.path.join(self.args.work_dir, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        spec = job["spec"]["template"]["spec"]
        ok = False
        try:
            volumes = self._lay_out_volumes(spec.get("volumes") or [], work, self._objects(ns))
            ok = all(
                self._run_container(c, volumes, work)
                for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])
            )
        except Exception:  # pylint: disable=broad-exception-caught
            log.exception("job %s/%s: could not run its pod", ns, name)
        backoff = job["spec"].get("backoffLimit", 6)
        status = job_status_success(started) if ok else job_status_failed(started, backoff)
        self._set_status(job, status)
        log.info("job %s/%s: %s", ns, name, "Complete" if ok else "Failed")

    def _lay_out_volumes(self, volumes, work, objects):
        out = {}
        for volume in volumes:
            files = volume_files(volume, objects)
            if files is None:
                continue
            root = os.path.join(work, "volumes", volume["name"])
            os.makedirs(root, exist_ok=True)
            for rel, data in files.items():
                path = os.path.join(root, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
            out[volume["name"]] = root
        return out

    def _run_container(self, container, volumes, work):
        name = container["name"]
        mounts = {}
        for mount in container.get("volumeMounts") or []:
            root = volumes.get(mount["name"])
            if root is None:
                continue  # an optional source that is absent: nothing mounted
            mounts[mount["mountPath"]] = os.path.join(root, mount["subPath"]) if mount.get("subPath") else root
        env = dict(os.environ)
        env.update({e["name"]: e.get("value", "") for e in container.get("env") or []})
        home = os.path.join(work, "home")
        os.makedirs(home, exist_ok=True)
        env_paths = {k: v for k, v in env.items() if k in ("BASE_IMAGE_PULL_CREDS", "FINAL_IMAGE_PUSH_CREDS")}
        for key, value in env_paths.items():
            env[key] = rewrite_paths(value, mounts)
        env["HOME"] = home
        storage = os.path.join(work, "storage")
        os.makedirs(storage, exist_ok=True)
        conf = os.path.join(work, "storage.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(f'[storage]\ndriver = "vfs"\ngraphroot = "{storage}/graph"\nrunroot = "{storage}/run"\n')
        env["CONTAINERS_STORAGE_CONF"] = conf
        env["KUBECONFIG"] = self.args.kubeconfig
        if self.args.path_prefix:
            env["PATH"] = self.args.path_prefix + os.pathsep + env.get("PATH", "")
        cert_dir = os.path.join(work, "certs")
        os.makedirs(cert_dir, exist_ok=True)
        shutil.copy(self.args.ca_file, os.path.join(cert_dir, "ca.crt"))
        mounts.setdefault("/var/run/secrets/kubernetes.io/serviceaccount", cert_dir)
        command = container.get("command") or []
        script = command[-1] if command[:2] == ["/bin/bash", "-c"] else None
        if script is None:
            log.error("container %s: only `/bin/bash -c <script>` commands are run here: %s", name, command)
            return False
        script = add_cert_dir(rewrite_paths(build_user_part(script), mounts), cert_dir)
        script_file = os.path.join(work, f"{name}.sh")
        with open(script_file, "w", encoding="utf-8") as f:
            f.write(script)
        log_path = os.path.join(work, f"{name}.log")
        log.info("container %s: bash %s (log %s)", name, script_file, log_path)
        with open(log_path, "wb") as out:
            proc = subprocess.run(
                ["bash", script_file], env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT, check=False
            )
        log.info("container %s: exit %d", name, proc.returncode)
        if proc.returncode != 0:
            with open(log_path, encoding="utf-8", errors="replace") as f:
                log.info("container %s: last lines:\n%s", name, "".join(f.readlines()[-15:]))
        return proc.returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m okdlab.job_runner", description=__doc__)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--namespace", default="openshift-machine-config-operator")
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--ca-file", required=True)
    parser.add_argument("--path-prefix", default="", help="prepended to PATH (machine-os-builder's directory)")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runner = Runner(args)
    signal.signal(signal.SIGTERM, lambda *_: runner.stopping.set())
    while not runner.stopping.is_set():
        try:
            runner.poll()
        except Exception as e:  # pylint: disable=broad-exception-caught
            log.warning("poll failed (retrying): %s", str(e).splitlines()[0])
        if args.once:
            break
        runner.stopping.wait(args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
