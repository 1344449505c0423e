"""Semantic versions as the CVO compares them (github.com/blang/semver, via pkg/payload/precondition)."""

from ..payload import _SEMVER, _semver_key


def valid(version):
    return bool(version) and bool(_SEMVER.match(version))


def key(version):
    """Sort key: pre-releases before their release, numeric identifiers as numbers."""
    return _semver_key(version)


def minor(version):
    """(major, minor) of a valid version."""
    match = _SEMVER.match(version)
    return int(match.group(1)), int(match.group(2))
