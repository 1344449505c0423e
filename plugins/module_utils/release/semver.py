# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Semantic versions (semver.org 2.0.0) as ``oc`` and the CVO read them (github.com/blang/semver).

``MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]``: numbers without leading zeros, pre-release
identifiers separated by dots (numeric ones without leading zeros), no ``v`` prefix.
"""

import re
from dataclasses import dataclass

_NUMBER = r"(?:0|[1-9]\d*)"
_PRE_ID = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"({_NUMBER})\.({_NUMBER})\.({_NUMBER})"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
FORMAT = "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], like 4.19.0 or 4.19.0-okd-scos.0"


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple = ()
    build: tuple = ()

    @classmethod
    def parse(cls, text):
        """The version ``text`` holds; ValueError (naming it) if it is not a semantic version."""
        match = _SEMVER.fullmatch(text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{text!r} is not a semantic version ({FORMAT})")
        return cls(
            int(match.group(1)),
            int(match.group(2)),
            int(match.group(3)),
            tuple(match.group(4).split(".")) if match.group(4) else (),
            tuple(match.group(5).split(".")) if match.group(5) else (),
        )

    def without_build(self):
        return Version(self.major, self.minor, self.patch, self.prerelease)

    def sort_key(self):
        """Precedence as semver.org orders it: a pre-release sorts before its release,
        numeric identifiers compare as numbers and before alphanumeric ones."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, pre)

    def __str__(self):
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text


def is_semver(text):
    try:
        Version.parse(text)
    except ValueError:
        return False
    return True


def sort_versions(versions):
    """``versions`` sorted by semver precedence, as ``oc``'s sortSemanticVersions does: if
    one of them is not a semantic version, the list comes back unchanged."""
    try:
        parsed = [Version.parse(v) for v in versions]
    except ValueError:
        return list(versions)
    return [str(v) for v in sorted(parsed, key=Version.sort_key)]
