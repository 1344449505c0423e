# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Build engines (buildah, podman): choice, argv assembly, inspect parsing, redaction (pure).

Commands are argv lists, never shell strings. Both engines take the same options for what
os_image_build needs: ``build`` (``-f``, ``-t``, ``--iidfile``, ``--build-arg``,
``--secret id=..,src=..``, ``--label``, ``--squash``, ``--isolation``, ``--authfile``,
``--cert-dir``, ``--tls-verify=false``), ``push --digestfile``, and the global
``--storage-driver``. Image inspection differs: ``buildah inspect --type image`` prints one
object (the config under ``OCIv1``), ``podman image inspect`` a list of objects.
"""

import json
import shlex

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError

ENGINES = ("buildah", "podman")
REDACTED = "********"
# options whose value is a credential
_SECRET_VALUE_OPTIONS = ("--creds",)


class EngineError(MachineOSError):
    """No usable engine, or output an engine should not have printed."""


def choose_engine(choice, which):
    """(name, path) of the engine to use. ``choice`` is auto, buildah or podman; ``which(name)``
    returns a path or None. ``auto`` prefers buildah (no daemon, no extra layer of CLI)."""
    names = ENGINES if choice in (None, "auto") else (choice,)
    for name in names:
        path = which(name)
        if path:
            return name, path
    if choice in (None, "auto"):
        raise EngineError(
            "no build engine found: neither buildah nor podman is on the PATH of the host the task "
            "runs on. Install one of them (apt-get/dnf install buildah) or set engine"
        )
    raise EngineError(
        f"engine {choice} was asked for but is not on the PATH of the host the task runs on: install "
        f"it or set engine: auto"
    )


def _global(path, storage_driver):
    argv = [path]
    if storage_driver:
        argv += ["--storage-driver", storage_driver]
    return argv


def _registry_options(auth_file, cert_dir, tls_verify):
    argv = []
    if auth_file:
        argv += ["--authfile", auth_file]
    if cert_dir:
        argv += ["--cert-dir", cert_dir]
    if not tls_verify:
        argv.append("--tls-verify=false")
    return argv


def build_command(
    path,
    *,
    containerfile,
    context,
    tag,
    iidfile,
    storage_driver="vfs",
    isolation="chroot",
    build_args=None,
    secrets=None,
    labels=None,
    squash=False,
    auth_file=None,
    cert_dir=None,
    tls_verify=True,
):
    """``<engine> build`` argv (the same for buildah and podman)."""
    argv = [*_global(path, storage_driver), "build"]
    if isolation:
        argv += ["--isolation", isolation]
    argv += _registry_options(auth_file, cert_dir, tls_verify)
    argv += ["-f", containerfile, "-t", tag, "--iidfile", iidfile]
    for name, value in sorted((build_args or {}).items()):
        argv += ["--build-arg", f"{name}={'' if value is None else value}"]
    for secret in secrets or ():
        argv += ["--secret", f"id={secret['id']},src={secret['src']}"]
    for name, value in sorted((labels or {}).items()):
        argv += ["--label", f"{name}={'' if value is None else value}"]
    if squash:
        argv.append("--squash")
    argv.append(context)
    return argv


def inspect_command(name, path, image_id, storage_driver="vfs"):
    """argv printing the built image's config as JSON."""
    if name == "buildah":
        return [*_global(path, storage_driver), "inspect", "--type", "image", image_id]
    return [*_global(path, storage_driver), "image", "inspect", image_id]


def push_command(
    path, image_id, destination, digestfile, storage_driver="vfs", auth_file=None, cert_dir=None, tls_verify=True
):
    """``<engine> push --digestfile`` argv, pushing ``image_id`` to ``docker://<destination>``."""
    return [
        *_global(path, storage_driver),
        "push",
        *_registry_options(auth_file, cert_dir, tls_verify),
        "--digestfile",
        digestfile,
        image_id,
        f"docker://{destination}",
    ]


def parse_inspect(name, text):
    """{architecture, os, labels} of the image an inspect command printed."""
    try:
        data = json.loads(text)
    except ValueError:
        raise EngineError(f"{name} printed an image description that is not JSON") from None
    if isinstance(data, list):
        if not data:
            raise EngineError(f"{name} found no image to inspect")
        data = data[0]
    if not isinstance(data, dict):
        raise EngineError(f"{name} printed an unexpected image description")
    if isinstance(data.get("OCIv1"), dict):  # buildah inspect --type image
        oci = data["OCIv1"]
        config = oci.get("config") or {}
        return {
            "architecture": oci.get("architecture"),
            "os": oci.get("os"),
            "labels": dict(config.get("Labels") or {}),
        }
    config = data.get("Config") or {}  # podman image inspect
    labels = data.get("Labels") or config.get("Labels") or {}
    return {"architecture": data.get("Architecture"), "os": data.get("Os"), "labels": dict(labels)}


def redact(argv, secret_values=()):
    """``argv`` as one shell-quoted string with credentials replaced by ``********``: the
    value after a credential option, and any occurrence of ``secret_values``."""
    words = []
    hide_next = False
    for word in argv:
        word = str(word)
        if hide_next:
            word, hide_next = REDACTED, False
        elif word in _SECRET_VALUE_OPTIONS:
            hide_next = True
        elif any(word.startswith(option + "=") for option in _SECRET_VALUE_OPTIONS):
            word = word.split("=", 1)[0] + "=" + REDACTED
        for value in secret_values:
            if value:
                word = word.replace(value, REDACTED)
        words.append(word)
    return shlex.join(words)


def output_tail(stdout, stderr, lines=40):
    """The last ``lines`` lines of an engine's output (stdout, then stderr)."""
    text = "\n".join(part.rstrip("\n") for part in (stdout or "", stderr or "") if part and part.strip())
    return "\n".join(text.splitlines()[-lines:])
