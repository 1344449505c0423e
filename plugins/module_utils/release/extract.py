# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""okd.machine_os.release_extract: choose release-manifests/ files, plan, write.

``select_files`` and ``plan_extract`` only read; ``apply_plan`` writes. A file is
rewritten only when its content (or mode) differs, atomically (a temp file renamed over
it), so ``changed`` is true exactly when something on disk changed.

What ``manifests`` selects is what ``oc adm release extract --to DIR`` writes:
``image-references``, ``release-metadata`` and every ``.yaml``/``.yml``/``.json`` file.
Unlike oc, which re-serialises each manifest as YAML, the files are written byte for byte
as they are in the payload.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass

from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import MissingFileError, ReleaseError
from ansible_collections.okd.machine_os.plugins.module_utils.release.payload import (
    IMAGE_REFERENCES,
    RELEASE_MANIFESTS,
    RELEASE_METADATA,
    close_names,
    is_manifest_name,
)

WHAT_MANIFESTS = "manifests"
WHAT_CHOICES = (WHAT_MANIFESTS, IMAGE_REFERENCES, RELEASE_METADATA)
FILE_MODE = 0o644
DIR_MODE = 0o755


def wanted(what=None, files=None):
    """``keep(name)`` for the reader: which release-manifests/ files to hold in memory."""
    if files:
        names = set(files)
        return lambda name: name in names
    what = what or WHAT_MANIFESTS
    if what == WHAT_MANIFESTS:
        return lambda name: name in (IMAGE_REFERENCES, RELEASE_METADATA) or is_manifest_name(name)
    return lambda name: name == what


def select_files(file_names, what=None, files=None, image=None):
    """The release-manifests/ names to write, in payload order (``files``: in the order given).

    MissingFileError names every requested file the payload lacks, with similar names.
    """
    present = list(file_names)
    if files:
        requested = list(dict.fromkeys(files))
    elif (what or WHAT_MANIFESTS) == WHAT_MANIFESTS:
        keep = wanted(what)
        return [n for n in present if keep(n)]
    else:
        requested = [what]
    missing = [n for n in requested if n not in present]
    if missing:
        where = f" of {image}" if image else ""
        hints = "; ".join(
            f"{n}: did you mean {', '.join(close)}?" if close else f"{n}: no similar name"
            for n, close in ((n, close_names(n, present)) for n in missing)
        )
        raise MissingFileError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the {RELEASE_MANIFESTS}/ "
            f"directory{where} ({hints}): it has {len(present)} files; pass names from that directory "
            f"(release_extract with what=manifests writes them all)",
            missing_files=missing,
            close_names={n: close_names(n, present) for n in missing},
        )
    return requested


@dataclass
class FilePlan:
    name: str
    path: str
    state: str  # "create", "update" or "unchanged"
    size: int
    sha256: str
    before_sha256: str = None

    def as_dict(self):
        return {"name": self.name, "path": self.path, "state": self.state, "size": self.size, "sha256": self.sha256}


def _sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _target_path(to, name):
    """``to/name``, refusing names that would land outside ``to``."""
    root = os.path.abspath(to)
    path = os.path.abspath(os.path.join(root, name))
    if os.path.commonpath([root, path]) != root or path == root:
        raise ReleaseError(
            f"the payload file name {name!r} points outside the target directory {to}: refusing to write it", file=name
        )
    return path


def plan_extract(to, contents, names):
    """A FilePlan per name: what writing ``contents[name]`` to ``to/name`` would change."""
    if os.path.exists(to) and not os.path.isdir(to):
        raise ReleaseError(f"to {to} exists and is not a directory: pass a directory path", to=to)
    plans = []
    for name in names:
        data = contents[name]
        path = _target_path(to, name)
        state, before = "create", None
        if os.path.isdir(path):
            raise ReleaseError(
                f"{path} is a directory, where the payload has the file {name}: remove it "
                f"or extract to another directory",
                path=path,
            )
        if os.path.exists(path):
            try:
                with open(path, "rb") as handle:
                    existing = handle.read()
                mode = os.stat(path).st_mode & 0o7777
            except OSError as exc:
                raise ReleaseError(f"cannot read {path} to compare it: {exc.strerror}", path=path) from None
            before = _sha256(existing)
            state = "unchanged" if existing == data and mode == FILE_MODE else "update"
        plans.append(
            FilePlan(name=name, path=path, state=state, size=len(data), sha256=_sha256(data), before_sha256=before)
        )
    return plans


def _write_file(path, data):
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".release-extract-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, FILE_MODE)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def apply_plan(to, plans, contents):
    """Write every planned file that is not unchanged; return whether ``to`` was created."""
    created = not os.path.isdir(to)
    try:
        os.makedirs(to, mode=DIR_MODE, exist_ok=True)
        for plan in plans:
            if plan.state != "unchanged":
                _write_file(plan.path, contents[plan.name])
    except OSError as exc:
        raise ReleaseError(
            f"cannot write to {to}: {exc.strerror or exc}: check that the directory is writable and the disk has space",
            to=to,
        ) from None
    return created


def diff_of(to, plans):
    """A --diff friendly view: one line per file with its digest, before and after."""
    before = "".join(f"{p.name} {p.before_sha256}\n" for p in plans if p.before_sha256)
    after = "".join(f"{p.name} {p.sha256}\n" for p in plans)
    return {
        "before_header": f"{to} (files before)",
        "after_header": f"{to} (files after)",
        "before": before,
        "after": after,
    }
