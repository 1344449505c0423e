# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The registry client's errors: one small hierarchy, messages written for the user.

Every message says what failed, why, and what to do, in one sentence a module can hand to
``fail_json`` unchanged (``module.fail_json(**err.fail_kwargs())``). None of them is a
programming error, so none deserves a traceback. Messages never contain credentials,
tokens, Authorization headers or auth-file content: callers build them from registry
hosts, repository names, digests, HTTP statuses and the registry's own error codes.
"""

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError


class _InContext:
    """An attribute that is also a ``context`` key, so ``fail_kwargs()`` reports it.

    ``shown(value)`` is what the context holds (a Reference as its string); an empty value
    (None, ``[]``) is left out of the context.
    """

    def __init__(self, key, shown=None, empty=None):
        self.key = key
        self.shown = shown or (lambda value: value)
        self.empty = empty

    def __set_name__(self, owner, name):
        self.slot = "_" + name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__.get(self.slot)
        return self.empty() if value is None and self.empty is not None else value

    def __set__(self, instance, value):
        instance.__dict__[self.slot] = value
        if value is None or value == []:
            instance.context.pop(self.key, None)
        else:
            instance.context[self.key] = self.shown(value)


class RegistryError(MachineOSError):
    """Base class. ``str(err)`` is the user-facing message; ``registry``, ``reference``,
    ``status`` and ``codes`` (the registry's error codes) are attributes and context keys
    (``codes`` as ``registry_error_codes``, ``reference`` as its string)."""

    registry = _InContext("registry")
    reference = _InContext("reference", shown=str)
    status = _InContext("status")
    codes = _InContext("registry_error_codes", shown=list, empty=list)

    def __init__(self, message, *, registry=None, reference=None, status=None, codes=None, **context):
        super().__init__(message, **context)
        self.registry = registry
        self.reference = reference
        self.status = status
        self.codes = list(codes or [])


class RegistryOptionError(RegistryError):
    """A registry option (``registry_retries``, a timeout) with a value out of range."""


class InvalidReferenceError(RegistryError, ValueError):
    """A malformed image reference (pullspec); the message quotes it and says why."""


class AuthFileError(RegistryError):
    """An auth file / pull secret that cannot be read or parsed (never quotes its content)."""


class AuthenticationError(RegistryError):
    """HTTP 401: the registry or its token service rejected the credentials (or got none)."""


class DeniedError(RegistryError):
    """HTTP 403: authenticated, but not allowed to do this on this repository."""


class NotFoundError(RegistryError):
    """HTTP 404: base of the "unknown" errors."""


class ManifestUnknownError(NotFoundError):
    """No manifest for this tag or digest (or no such repository)."""


class BlobUnknownError(NotFoundError):
    """No blob with this digest in the repository."""


class TLSError(RegistryError):
    """The TLS handshake failed (not a certificate trust problem)."""


class UntrustedCertificateError(TLSError):
    """The registry's certificate does not verify against the trusted CAs."""


class RegistryUnreachableError(RegistryError):
    """Connection refused, name resolution failure, timeouts: nothing answered."""


class RegistryUnavailableError(RegistryError):
    """The registry kept answering 429/5xx until the retries ran out."""


class RegistryResponseError(RegistryError):
    """Any other unexpected answer (status, missing header, malformed body)."""


class StorageFullError(RegistryResponseError):
    """The registry could not store what it was sent: its storage is full (HTTP 507, or a
    5xx whose error detail says ENOSPC). Not retried: waiting does not free space."""


class DigestMismatchError(RegistryError):
    """Bytes received do not hash to the digest (or size) they were requested by."""

    def __init__(self, message, *, expected=None, actual=None, **kwargs):
        super().__init__(message, **kwargs)
        self.expected = expected
        self.actual = actual


class ManifestError(RegistryError):
    """A manifest that cannot be parsed or has an unsupported media type."""


class PlatformNotFoundError(RegistryError):
    """No entry of a manifest list / image index matches the requested platform."""

    def __init__(self, message, *, available=None, **kwargs):
        super().__init__(message, available_platforms=list(available or []), **kwargs)
        self.available = list(available or [])
