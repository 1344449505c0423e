# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""okd.machine_os.os_image_build: resolve the base, skip when up to date, build, check, push.

``OsImageBuild(params, ...).run()`` returns the module's result (``changed`` included) or
raises BuildError / the registry client's RegistryError / ReleaseError. I/O is injected:
``run_command(argv) -> (rc, stdout, stderr)`` (``module.run_command``), ``which(name)``
(``module.get_bin_path``) and ``cluster_release()`` (the cluster's release pullspec), so the
flow is testable without a module. :func:`os_image_build` is the module's action.

Steps: the base is resolved to a digest (registry client); the Containerfile's final FROM is
put on it (containerfile.with_base); the destination tag's image config is read and, when
its ``machine-os.okd.io/base-image-digest`` and ``machine-os.okd.io/containerfile-sha256``
labels equal the base digest and the input hash, nothing is built. Otherwise: ``build``,
``inspect`` (the result must keep ``ostree.bootable``/``containers.bootc`` and the base's
architecture, else nothing is pushed), ``push --digestfile``.
"""

import base64
import json
import os
import shutil
import tempfile

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import KubernetesError
from ansible_collections.okd.machine_os.plugins.module_utils.layering.base import (
    BUILD_LABELS,
    BuildError,
    bootable_problem,
    build_labels,
    host_platform,
    is_up_to_date,
    read_existing,
    resolve_base,
)
from ansible_collections.okd.machine_os.plugins.module_utils.layering.containerfile import (
    containerfile_sha256,
    with_base,
)
from ansible_collections.okd.machine_os.plugins.module_utils.layering.engine import (
    EngineError,
    build_command,
    choose_engine,
    inspect_command,
    output_tail,
    parse_inspect,
    push_command,
    redact,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import (
    HAS_REQUESTS,
    RegistryClient,
    _is_insecure,
    normalize_insecure_registries,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.release.cluster import cluster_release_image
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import ReleaseError

CHECK_MODE_WORKDIR = "<workdir>"
CHECK_MODE_IMAGE_ID = "<image id>"
TAIL_LINES = 40


def read_containerfile(params):
    """The Containerfile text from ``containerfile`` or ``containerfile_path``."""
    if params.get("containerfile") is not None:
        return params["containerfile"]
    path = params["containerfile_path"]
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(
            f"containerfile_path {path}: cannot read it: {exc}. Give the path of a UTF-8 "
            f"Containerfile on the host the task runs on"
        ) from None


def check_inputs(params):
    """Problems the user can fix in the options, before anything is contacted."""
    labels = params.get("labels") or {}
    reserved = sorted(set(labels) & set(BUILD_LABELS))
    if reserved:
        raise BuildError(
            f"labels: {', '.join(reserved)} is set by the module (base image and Containerfile hash): "
            f"remove it from labels"
        )
    for index, secret in enumerate(params.get("secrets") or ()):
        secret_id, src = secret.get("id"), secret.get("src")
        if not secret_id or any(ch in secret_id for ch in ",= "):
            raise BuildError(
                f"secrets[{index}].id {secret_id!r}: must be a non-empty name without ',', '=' or "
                f"spaces (it is used as RUN --mount=type=secret,id=NAME)"
            )
        if "," in src:
            raise BuildError(f"secrets[{index}] (id {secret_id}): src must not contain ','")
        if not os.path.isfile(src):
            raise BuildError(f"secrets[{index}] (id {secret_id}): src {src} is not a file on the host the task runs on")
    context = params.get("context")
    if context and not os.path.isdir(context):
        raise BuildError(f"context {context}: not a directory on the host the task runs on")
    destination = parse_destination(params["image"])
    return destination


def parse_destination(image):
    """The destination as ``registry/repository:tag`` (``latest`` when no tag is given)."""
    ref = Reference.parse(image)
    if ref.digest:
        raise BuildError(f"image {image}: give a repository with an optional tag to push to, not a digest")
    return ref.with_tag(ref.tag or "latest")


def auth_file_for(username, password, registries):
    """The content of an auth file giving ``username``/``password`` for each registry."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return {"auths": {registry: {"auth": token} for registry in sorted(set(registries))}}


def _write(path, data, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)


def _read_first_line(path, what):
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip()
    except OSError as exc:
        raise BuildError(f"{what}: the engine did not write {path}: {exc}") from None
    if not value:
        raise BuildError(f"{what}: the engine wrote an empty {path}")
    return value


def _registry_context(exc):
    kwargs = exc.fail_kwargs()
    kwargs.pop("msg", None)
    return kwargs


class OsImageBuild:
    """One run of os_image_build; see the module docstring."""

    def __init__(self, params, *, check_mode, run_command, which, cluster_release=None, machine=None):
        self.params = params
        self.check_mode = check_mode
        self.run_command = run_command
        self.which = which
        self.cluster_release = cluster_release
        self.platform = host_platform(machine)
        self.secret_values = [v for v in (params.get("registry_password"),) if v]
        self.insecure = normalize_insecure_registries(params.get("insecure_registries") or ())
        self.labels = {}

    # ------------------------------------------------------------------ plan

    def _tls_verify(self, registry):
        return not _is_insecure(registry, self.insecure)

    def _commands(self, engine, path, workdir, image_id, base_ref, destination, context):
        params = self.params
        driver = params.get("storage_driver")
        auth_file = params.get("auth_file")
        if params.get("registry_username"):
            auth_file = os.path.join(workdir, "auth.json")
        cert_dir = os.path.join(workdir, "certs") if params.get("ca_file") else None
        build = build_command(
            path,
            containerfile=os.path.join(workdir, "Containerfile"),
            context=context,
            tag=str(destination),
            iidfile=os.path.join(workdir, "iid"),
            storage_driver=driver,
            isolation=params.get("isolation"),
            build_args=params.get("build_args"),
            secrets=params.get("secrets"),
            labels=self.labels,
            squash=params.get("squash"),
            auth_file=auth_file,
            cert_dir=cert_dir,
            tls_verify=self._tls_verify(base_ref.registry),
        )
        inspect = inspect_command(engine, path, image_id, storage_driver=driver)
        push = push_command(
            path,
            image_id,
            str(destination),
            os.path.join(workdir, "digest"),
            storage_driver=driver,
            auth_file=auth_file,
            cert_dir=cert_dir,
            tls_verify=self._tls_verify(destination.registry),
        )
        return build, inspect, push

    def _redacted(self, commands):
        return [redact(argv, self.secret_values) for argv in commands]

    # ------------------------------------------------------------------ run

    def run(self):
        params = self.params
        destination = check_inputs(params)
        text = read_containerfile(params)
        try:
            engine, path = choose_engine(params.get("engine"), self.which)
        except EngineError as exc:
            raise BuildError(str(exc), engine=params.get("engine")) from None
        with RegistryClient.from_params(params) as client:
            try:
                base = resolve_base(
                    client,
                    self.platform,
                    base_image=params.get("base_image"),
                    release_image=params.get("release_image"),
                    cluster_release=self.cluster_release,
                )
            except RegistryError as exc:
                what = (
                    f"the base image {params['base_image']}"
                    if params.get("base_image")
                    else f"the release {params['release_image']} or its OS image"
                    if params.get("release_image")
                    else "the cluster's release or its OS image"
                )
                raise BuildError(f"cannot read {what}: {exc.message}", **_registry_context(exc)) from None
            try:
                existing = read_existing(client, destination, self.platform)
            except RegistryError as exc:
                raise BuildError(
                    f"cannot read the destination {destination} to tell whether it is up to date: {exc.message}",
                    **_registry_context(exc),
                ) from None
        containerfile_hash = containerfile_sha256(
            text, params.get("build_args"), params.get("labels"), params.get("squash")
        )
        self.labels = build_labels(base, containerfile_hash, params.get("labels"))
        build_text, replaced_from = with_base(text, base.pullspec)
        result = {
            "base_image": base.pullspec,
            "base_digest": base.digest,
            "base_source": base.source,
            "release_image": base.release_image,
            "os_image_tag": base.os_image_tag,
            "containerfile_sha256": containerfile_hash,
            "replaced_from": replaced_from,
            "labels": self.labels,
            "tag_pullspec": str(destination),
            "engine": engine,
            "built": False,
            "pushed": False,
            "commands": [],
        }
        up_to_date = existing is not None and is_up_to_date(existing.labels, base.digest, containerfile_hash)
        if up_to_date and not params.get("force"):
            by_digest = str(destination.by_digest(existing.digest))
            result.update(image=by_digest, digest=existing.digest, changed=False, up_to_date=True)
            if self.check_mode:
                result["would_build"] = False
            return result
        result["up_to_date"] = False
        if self.check_mode:
            commands = self._commands(
                engine,
                path,
                CHECK_MODE_WORKDIR,
                CHECK_MODE_IMAGE_ID,
                Reference.parse(base.pullspec),
                destination,
                params.get("context") or os.path.join(CHECK_MODE_WORKDIR, "context"),
            )
            result.update(changed=True, would_build=True, image=None, digest=None, commands=self._redacted(commands))
            return result
        workdir = tempfile.mkdtemp(prefix="okd-os-image-build-")
        try:
            return self._build_and_push(result, engine, path, workdir, base, destination, build_text)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _prepare(self, workdir, base, destination, build_text):
        params = self.params
        _write(os.path.join(workdir, "Containerfile"), build_text, 0o644)
        if params.get("ca_file"):
            os.mkdir(os.path.join(workdir, "certs"), 0o700)
            try:
                shutil.copyfile(params["ca_file"], os.path.join(workdir, "certs", "ca.crt"))
            except OSError as exc:
                raise BuildError(f"ca_file {params['ca_file']}: cannot read it: {exc}") from None
        if params.get("registry_username"):
            registries = [Reference.parse(base.pullspec).registry, destination.registry]
            content = auth_file_for(params["registry_username"], params["registry_password"], registries)
            _write(os.path.join(workdir, "auth.json"), json.dumps(content))
        context = params.get("context")
        if not context:
            context = os.path.join(workdir, "context")
            os.mkdir(context, 0o755)
        return context

    def _run(self, argv, result, what):
        result["commands"].append(redact(argv, self.secret_values))
        rc, stdout, stderr = self.run_command(argv)
        if rc != 0:
            tail = output_tail(stdout, stderr, TAIL_LINES)
            for value in self.secret_values:
                tail = tail.replace(value, "********")
            raise BuildError(
                f"{what} failed ({result['engine']} exited with {rc}); the last lines of its output:\n{tail}",
                build_output_tail=tail,
                rc=rc,
                commands=result["commands"],
                base_image=result["base_image"],
                tag_pullspec=result["tag_pullspec"],
                pushed=False,
            )
        return stdout

    def _build_and_push(self, result, engine, path, workdir, base, destination, build_text):
        context = self._prepare(workdir, base, destination, build_text)
        build, _inspect, _push = self._commands(
            engine, path, workdir, CHECK_MODE_IMAGE_ID, Reference.parse(base.pullspec), destination, context
        )
        self._run(build, result, f"building {destination} FROM {base.pullspec}")
        image_id = _read_first_line(os.path.join(workdir, "iid"), "the build")
        image_id = image_id.split(":", 1)[1] if image_id.startswith("sha256:") else image_id
        result["built"] = True
        _build, inspect, push = self._commands(
            engine, path, workdir, image_id, Reference.parse(base.pullspec), destination, context
        )
        try:
            built = parse_inspect(engine, self._run(inspect, result, f"inspecting the built image {image_id}"))
        except EngineError as exc:
            raise BuildError(f"inspecting the built image {image_id}: {exc}", commands=result["commands"]) from None
        problem = bootable_problem(built, base)
        if problem:
            raise BuildError(
                problem,
                built_architecture=built.get("architecture"),
                base_architecture=base.architecture,
                base_image=base.pullspec,
                pushed=False,
                built=True,
                commands=result["commands"],
            )
        self._run(push, result, f"pushing the built image to {destination}")
        digest = _read_first_line(os.path.join(workdir, "digest"), "the push")
        result.update(image=str(destination.by_digest(digest)), digest=digest, pushed=True, changed=True)
        return result


# ---------------------------------------------------------------------- the action


def _cluster_release(ctx):
    """A callable returning the cluster's release pullspec (ClusterVersion version)."""

    def read():
        try:
            return cluster_release_image(
                ctx.client(why="reading the cluster's release (no base_image or release_image given)")
            )
        except KubernetesError as exc:
            raise exc.reworded(
                f"no base_image or release_image given, and the cluster's release cannot be read: {exc.message}. "
                "Or pass base_image or release_image"
            ) from None
        except ReleaseError as exc:
            # release/cluster.py's hints name release_info's options: keep only the cause
            why = exc.message.split(": pass image", 1)[0]
            raise BuildError(
                f"no base_image or release_image given, and the cluster's release cannot be read: "
                f"{why}. Pass base_image or release_image, or working connection options "
                f"(kubeconfig, context, host)"
            ) from None

    return read


def os_image_build(ctx):
    """The module's action: ``ctx`` is a :class:`~..module_runner.ModuleContext`."""
    ctx.require("requests", HAS_REQUESTS, reason="to talk to registries")
    build = OsImageBuild(
        ctx.params,
        check_mode=ctx.check_mode,
        run_command=ctx.run_command,
        which=ctx.which,
        cluster_release=_cluster_release(ctx),
    )
    try:
        return build.run()
    except (BuildError, KubernetesError):
        raise
    except ReleaseError as exc:
        raise exc.prefixed("cannot find the base OS image") from None
    except RegistryError as exc:
        raise exc.prefixed("os_image_build") from None
