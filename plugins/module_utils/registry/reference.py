# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Image references (pullspecs): the docker reference grammar, normalised.

The grammar is the one of github.com/distribution/reference (``regexp.go``) and its
normalisation (``normalize.go``), which podman, skopeo, CRI-O and ``oc`` all read the
same way::

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ domain "/" ] path
    domain     := host [ ":" port ]          host: DNS name, IPv4 or "[" IPv6 "]"
    path       := component ( "/" component )*
    component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
    tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
    digest     := "sha256:" 64 lowercase hex  (the only algorithm this collection accepts)

The first path element is a registry host only if it contains "." or ":", is
``localhost``, or has upper-case letters; otherwise the reference is a Docker Hub one
(``docker.io``, with ``library/`` added to single-component names). ``index.docker.io``
is normalised to ``docker.io``.
"""

import re
from dataclasses import dataclass, replace

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import InvalidReferenceError

DEFAULT_REGISTRY = "docker.io"
LEGACY_DEFAULT_REGISTRY = "index.docker.io"
# where the Docker Hub's distribution API answers (auth files still key it as docker.io)
DOCKER_HUB_API_HOST = "registry-1.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
REPOSITORY_MAX_LENGTH = 255

_EXPECTED = "expected [registry[:port]/]repository[:tag][@sha256:<64 hex>]"

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(
    r"(?:" + _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*|\[[a-fA-F0-9:.]+\])(?::([0-9]+))?"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
_ANY_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}")
_HEX64 = re.compile(r"[a-f0-9]{64}")


def _fail(text, why):
    raise InvalidReferenceError(f"invalid image reference {text!r}: {why}; {_EXPECTED}", reference=text)


def validate_digest(digest, text=None):
    """Return ``digest`` if it is ``sha256:<64 lowercase hex>``, else raise InvalidReferenceError."""
    if isinstance(digest, str) and _DIGEST.fullmatch(digest):
        return digest
    shown = digest if text is None else text
    if isinstance(digest, str) and _ANY_DIGEST.fullmatch(digest):
        if digest.lower().startswith("sha256:"):
            why = f"digest {digest!r} must be sha256: followed by 64 lowercase hex digits"
        else:
            why = f"digest {digest!r} uses an unsupported algorithm (only sha256 is accepted)"
    else:
        why = f"digest {digest!r} is not sha256:<64 lowercase hex>"
    return _fail(shown, why)


def validate_tag(tag, text=None):
    """Return ``tag`` if it is a valid tag (1-128 of [A-Za-z0-9_.-], not starting with . or -)."""
    if isinstance(tag, str) and _TAG.fullmatch(tag):
        return tag
    return _fail(
        tag if text is None else text,
        f"tag {tag!r} is not valid (1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-')",
    )


def _validate_domain(domain, text):
    match = _DOMAIN.fullmatch(domain)
    if not match:
        _fail(text, f"registry host {domain!r} is not a valid host[:port]")
    port = match.group(1)
    if port is not None and not 0 < int(port) < 65536:
        _fail(text, f"registry port {port} is out of range 1-65535")


def _validate_repository(repository, text):
    if not repository:
        _fail(text, "the repository name is empty")
    if len(repository) > REPOSITORY_MAX_LENGTH:
        _fail(text, f"the repository name is longer than {REPOSITORY_MAX_LENGTH} characters")
    if repository.lower() != repository:
        _fail(text, f"repository name {repository!r} must be lowercase")
    for component in repository.split("/"):
        if not _COMPONENT.fullmatch(component):
            if not component:
                _fail(text, f"repository name {repository!r} has an empty path component")
            _fail(
                text,
                f"repository path component {component!r} is not valid (lowercase letters "
                f"and digits, separated by '.', '_', '__' or '-')",
            )


def _split_domain(name):
    first, slash, rest = name.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost" and first.lower() == first):
        domain, remainder = DEFAULT_REGISTRY, name
    else:
        domain, remainder = first, rest
    if domain == LEGACY_DEFAULT_REGISTRY:
        domain = DEFAULT_REGISTRY
    if domain == DEFAULT_REGISTRY and "/" not in remainder:
        remainder = OFFICIAL_REPO_PREFIX + remainder
    return domain, remainder


@dataclass(frozen=True)
class Reference:
    """A normalised image reference.

    ``registry`` is ``host[:port]`` as written (``docker.io`` for Docker Hub),
    ``repository`` the path inside it; ``tag`` and ``digest`` are optional, and both may be
    set (``repo:tag@sha256:...``), in which case the digest is what gets pulled.
    """

    registry: str
    repository: str
    tag: str = None
    digest: str = None

    @classmethod
    def parse(cls, text):
        """Parse and normalise ``text``; raise InvalidReferenceError naming it if malformed."""
        if not isinstance(text, str):
            raise InvalidReferenceError(
                f"invalid image reference {text!r}: not a string; {_EXPECTED}", reference=str(text)
            )
        if not text:
            _fail(text, "it is empty")
        if any(ch.isspace() for ch in text):
            _fail(text, "it contains whitespace")
        if "://" in text:
            _fail(text, "remove the scheme or transport prefix (like https:// or docker://)")
        name, at, digest = text.partition("@")
        if at:
            if "@" in digest:
                _fail(text, "it contains more than one '@'")
            validate_digest(digest, text)
        else:
            digest = None
        tag = None
        colon = name.rfind(":")
        if colon > name.rfind("/"):
            name, tag = name[:colon], name[colon + 1 :]
            validate_tag(tag, text)
        if not name:
            _fail(text, "the repository name is empty")
        if _HEX64.fullmatch(name):
            _fail(text, "a 64-hex-digit string is an image ID, not a repository name")
        registry, repository = _split_domain(name)
        _validate_domain(registry, text)
        _validate_repository(repository, text)
        return cls(registry=registry, repository=repository, tag=tag, digest=digest)

    @property
    def name(self):
        """``registry/repository``, without tag or digest."""
        return f"{self.registry}/{self.repository}"

    @property
    def ref(self):
        """What goes after ``/manifests/``: the digest if set, else the tag, else ``latest``."""
        return self.digest or self.tag or DEFAULT_TAG

    @property
    def api_host(self):
        """The host the distribution API answers on (Docker Hub's differs from its name)."""
        return api_host(self.registry)

    def by_digest(self, digest):
        """The same repository by ``digest`` (the tag dropped): the pullspec to return."""
        return replace(self, tag=None, digest=validate_digest(digest))

    def with_tag(self, tag):
        """The same repository by ``tag`` (any digest dropped)."""
        return replace(self, tag=validate_tag(tag), digest=None)

    def with_repository(self, repository, registry=None):
        """Another repository (and optionally registry), with neither tag nor digest."""
        ref = Reference(registry=registry or self.registry, repository=repository)
        _validate_domain(ref.registry, str(ref))
        _validate_repository(ref.repository, str(ref))
        return ref

    def __str__(self):
        text = self.name
        if self.tag:
            text += ":" + self.tag
        if self.digest:
            text += "@" + self.digest
        return text


def parse_reference(text):
    """Module-level alias of ``Reference.parse``."""
    return Reference.parse(text)


def as_reference(ref):
    """``ref`` if it is a Reference, else the Reference a pullspec string parses to."""
    return ref if isinstance(ref, Reference) else Reference.parse(ref)


def api_host(registry):
    """``registry-1.docker.io`` for Docker Hub, the registry itself otherwise."""
    if registry in (DEFAULT_REGISTRY, LEGACY_DEFAULT_REGISTRY):
        return DOCKER_HUB_API_HOST
    return registry
