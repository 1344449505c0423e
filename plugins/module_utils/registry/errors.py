# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The registry client's errors: one small hierarchy, messages written for the user.

Every message says what failed, why, and what to do, in one sentence a module can hand to
``fail_json`` unchanged (``module.fail_json(**err.fail_kwargs())``). None of them is a
programming error, so none deserves a traceback. Messages never contain credentials,
tokens, Authorization headers or auth-file content: callers build them from registry
hosts, repository names, digests, HTTP statuses and the registry's own error codes.
"""


class RegistryError(Exception):
    """Base class. ``str(err)`` is the user-facing message; the attributes give context."""

    def __init__(self, message, *, registry=None, reference=None, status=None, codes=None):
        super().__init__(message)
        self.message = message
        self.registry = registry
        self.reference = reference
        self.status = status
        self.codes = list(codes or [])

    def fail_kwargs(self):
        """Keyword arguments for ``module.fail_json``: ``msg`` plus the non-empty context."""
        result = {"msg": self.message}
        for key in ("registry", "reference", "status"):
            value = getattr(self, key)
            if value is not None:
                result[key] = str(value) if key == "reference" else value
        if self.codes:
            result["registry_error_codes"] = list(self.codes)
        return result


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
        super().__init__(message, **kwargs)
        self.available = list(available or [])

    def fail_kwargs(self):
        result = super().fail_kwargs()
        result["available_platforms"] = list(self.available)
        return result
