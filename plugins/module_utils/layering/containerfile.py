# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Containerfile of os_image_build: normalised, put FROM the base by digest, hashed (pure).

* ``normalize_containerfile``: a leading byte-order mark dropped, CRLF and CR line ends made
  LF, trailing newlines collapsed to exactly one. Nothing else is touched (whitespace can
  matter inside heredocs).
* ``with_base``: the **final stage's** ``FROM`` (the last ``FROM`` instruction: the stage
  whose result is the image) gets the base by digest as its image, keeping ``--platform``
  style flags and ``AS name``; a Containerfile without ``FROM`` gets ``FROM <base>`` as its
  first instruction (after parser directives). Earlier stages (builders) are left alone.
* ``containerfile_sha256``: sha256 (hex) of the canonical JSON
  ``{"build_args": {...}, "containerfile": <normalised text as given, before the FROM
  rewrite>, "labels": {...}, "squash": bool, "version": 1}`` (keys sorted, separators
  ``,`` and ``:``, UTF-8). The base is not part of it (it has its own label), so a new base
  with the same Containerfile is told apart from a changed Containerfile. Secret contents
  and the context directory's files are not hashed.
"""

import hashlib
import json
import re

HASH_VERSION = 1

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_FROM = re.compile(r"^(?P<head>\s*FROM\s+)(?P<flags>(?:--\S+\s+)*)(?P<image>\S+)(?P<tail>.*)$", re.IGNORECASE)
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


def normalize_containerfile(text):
    """The text as hashed and built: no BOM, LF line ends, exactly one final newline."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def _parser_directives(lines):
    """(number of leading parser-directive lines, escape character)."""
    escape = "\\"
    count = 0
    for line in lines:
        match = _DIRECTIVE.match(line)
        if not match:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("`", "\\"):
            escape = match.group(2)
        count += 1
    return count, escape


def instruction_lines(text):
    """Indexes of the lines of ``text`` that start an instruction (not continuation lines,
    comments or heredoc bodies)."""
    lines = text.split("\n")
    skip, escape = _parser_directives(lines)
    starts = []
    continued = False
    heredoc_ends = []
    for index, line in enumerate(lines):
        if index < skip:
            continue
        if heredoc_ends:
            if line.strip() == heredoc_ends[0]:
                heredoc_ends.pop(0)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # blank lines and comments neither start nor end an instruction
        if not continued:
            starts.append(index)
        heredoc_ends.extend(match.group(3) for match in _HEREDOC.finditer(line))
        continued = stripped.endswith(escape)
    return starts


def from_instructions(text):
    """[(line index, image)] of the FROM instructions of ``text``."""
    lines = text.split("\n")
    result = []
    for index in instruction_lines(text):
        match = _FROM.match(lines[index])
        if match:
            result.append((index, match.group("image")))
    return result


def with_base(text, base_pullspec):
    """(Containerfile text to build, the image the final FROM named or None when prepended)."""
    text = normalize_containerfile(text)
    lines = text.split("\n")
    froms = from_instructions(text)
    if not froms:
        skip, _escape = _parser_directives(lines)
        lines.insert(skip, f"FROM {base_pullspec}")
        return "\n".join(lines), None
    index, replaced = froms[-1]
    match = _FROM.match(lines[index])
    lines[index] = f"{match.group('head')}{match.group('flags')}{base_pullspec}{match.group('tail')}"
    return "\n".join(lines), replaced


def canonical_inputs(text, build_args=None, labels=None, squash=False):
    """The document containerfile_sha256 hashes (see the module docstring)."""
    return {
        "build_args": {str(k): "" if v is None else str(v) for k, v in (build_args or {}).items()},
        "containerfile": normalize_containerfile(text),
        "labels": {str(k): "" if v is None else str(v) for k, v in (labels or {}).items()},
        "squash": bool(squash),
        "version": HASH_VERSION,
    }


def containerfile_sha256(text, build_args=None, labels=None, squash=False):
    """Hex sha256 of canonical_inputs(...) as compact, key-sorted JSON."""
    document = canonical_inputs(text, build_args, labels, squash)
    data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()
