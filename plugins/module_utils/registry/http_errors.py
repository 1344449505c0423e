# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a failed request means for the user: requests exceptions and error answers turned
into the ``errors`` module's classes, with messages that name the registry and the fix.

* Exceptions: the chain requests -> urllib3 -> ssl/socket is searched for the real cause
  (refused, name resolution, timeout, untrusted certificate, TLS handshake, dropped
  connection).
* Answers: the status and the distribution spec's error body (``{"errors": [{"code",
  "message", "detail"}]}``, distribution-spec ``spec.md`` "Error Codes") pick the class.
  A registry whose storage is full says so with HTTP 507 or, for distribution's filesystem
  driver, a 5xx whose detail holds ``ENOSPC``.

Messages never quote request headers or bodies we sent; at most a few registry error
codes and the first registry message (truncated) are shown.
"""

import errno
import json
import ssl

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    BlobUnknownError,
    DeniedError,
    DigestMismatchError,
    ManifestError,
    NotFoundError,
    RegistryResponseError,
    RegistryUnavailableError,
    RegistryUnreachableError,
    StorageFullError,
    TLSError,
    UntrustedCertificateError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.retry import RETRY_STATUSES
from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import requests

MAX_ERROR_BODY = 64 * 1024
_DROPPED = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def causes(exc, depth=0):
    """exc and the exceptions it wraps (requests -> urllib3 -> ssl/socket), depth-first."""
    if exc is None or depth > 8:
        return
    yield exc
    seen = []
    for inner in (getattr(exc, "reason", None), exc.__cause__, exc.__context__, *getattr(exc, "args", ())):
        if isinstance(inner, BaseException) and inner is not exc and inner not in seen:
            seen.append(inner)
            yield from causes(inner, depth + 1)


def first_cause(exc, kinds):
    """The first exception of ``kinds`` in ``exc``'s chain, or None."""
    for cause in causes(exc):
        if isinstance(cause, kinds):
            return cause
    return None


def connection_dropped(exc):
    """Whether the peer closed or reset an established connection (worth a retry)."""
    return first_cause(exc, _DROPPED) is not None


def is_retriable(exc):
    """Whether a requests exception may go away on a retry: not a TLS or URL problem,
    unless the TLS layer only saw the connection drop."""
    fatal = (requests.exceptions.SSLError, requests.exceptions.InvalidURL)
    return connection_dropped(exc) or not isinstance(exc, fatal)


def describe_chain(exc):
    """``Outer(reason) <- Inner(reason)``: the chain's types, for the debug log."""
    return " <- ".join(f"{type(c).__name__}({getattr(c, 'reason', '') or ''})" for c in causes(exc))


def transport_error(exc, endpoint, what=None):
    """The RegistryError for a requests exception on a request to ``endpoint``.

    ``what`` names the peer when it is not the registry itself (its token service).
    """
    what = what or endpoint.registry
    if connection_dropped(exc):
        return RegistryUnreachableError(
            f"the connection to {what} ({endpoint.base_url}) was closed or reset during the request: "
            f"check the registry (and any proxy in front of it), then try again",
            registry=endpoint.registry,
        )
    cert_error = first_cause(exc, ssl.SSLCertVerificationError)
    if cert_error is not None:
        reason = getattr(cert_error, "verify_message", None) or "verification failed"
        return UntrustedCertificateError(
            f"the certificate of {what} is not trusted ({reason}): pass ca_file or list "
            f"{endpoint.registry} in insecure_registries",
            registry=endpoint.registry,
        )
    if isinstance(exc, requests.exceptions.SSLError) or first_cause(exc, ssl.SSLError) is not None:
        reason = getattr(first_cause(exc, ssl.SSLError), "reason", None) or "handshake failed"
        return TLSError(
            f"the TLS handshake with {what} failed ({reason}): if it serves plain HTTP, list "
            f"{endpoint.registry} in insecure_registries",
            registry=endpoint.registry,
        )
    if first_cause(exc, ConnectionRefusedError) is not None:
        why = "connection refused"
    elif first_cause(exc, OSError) is not None and "resolution" in str(exc).lower():
        why = "its host name does not resolve"
    elif isinstance(exc, requests.exceptions.Timeout) or first_cause(exc, TimeoutError) is not None:
        why = "timed out"
    elif isinstance(exc, requests.exceptions.ConnectionError):
        why = "the connection failed or was reset"
    else:
        why = type(exc).__name__
    return RegistryUnreachableError(
        f"the registry {what} is unreachable at {endpoint.base_url}: {why}: check the host and port, "
        f"and that it is running",
        registry=endpoint.registry,
    )


def _error_body(response):
    try:
        return response.content[:MAX_ERROR_BODY]
    except Exception:  # pylint: disable=broad-except  # the body of an error is best effort
        return b""


def _json_or_none(body):
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _error_entries(data):
    """The first few entries of a distribution-spec error body's ``errors`` list."""
    if not isinstance(data, dict):
        return []
    return [error for error in (data.get("errors") or [])[:5] if isinstance(error, dict)]


def registry_error_codes(response):
    """(codes, messages) of a distribution-spec error body, never more than a few."""
    codes, messages = [], []
    for error in _error_entries(_json_or_none(_error_body(response))):
        if error.get("code"):
            codes.append(str(error["code"])[:64])
        if error.get("message"):
            messages.append(str(error["message"])[:200])
    return codes, messages


def reports_out_of_space(response):
    """True when an error answer says the registry's storage is full: HTTP 507, or an error
    body naming ENOSPC (distribution's filesystem driver puts the errno, 28, in the detail:
    ``"detail": {"DriverName": "filesystem", "Enclosed": {"Op": "write", ..., "Err": 28}}``)."""
    if response.status_code == 507:
        return True
    if response.status_code < 500:
        return False
    body = _error_body(response)
    if b"no space left on device" in body.lower():
        return True
    for error in _error_entries(_json_or_none(body)):
        detail = error.get("detail")
        enclosed = detail.get("Enclosed") if isinstance(detail, dict) else None
        if isinstance(enclosed, dict) and enclosed.get("Err") == errno.ENOSPC:
            return True
    return False


def status_error(
    response, endpoint, what, *, reference=None, repository=None, not_found=NotFoundError, source=None, attempts=1
):
    """The RegistryError for an unexpected answer (any status but 401, which ``token.py``
    explains); closes the response. ``source``: where the credentials came from (None:
    anonymous); ``attempts``: how many times the request was sent."""
    status = response.status_code
    codes, messages = registry_error_codes(response)
    full = reports_out_of_space(response)
    response.close()
    info = ", ".join(codes) + (": " + messages[0] if messages else "")
    paren = f", {info}" if info else ""
    kwargs = {"registry": endpoint.registry, "reference": reference, "status": status, "codes": codes}
    registry = endpoint.registry
    if status == 403:
        return DeniedError(
            f"{what} was denied by {registry} (HTTP 403{paren}): the credentials "
            f"from {source or 'no credentials (anonymous)'} lack permission for {repository or 'this'}",
            **kwargs,
        )
    if status == 404:
        return not_found(f"{what}: not found on {registry} (HTTP 404{paren})", **kwargs)
    if status == 400 and ("DIGEST_INVALID" in codes or "SIZE_INVALID" in codes):
        return DigestMismatchError(
            f"{what}: {registry} refused the content because it does not match its digest or size (HTTP 400{paren})",
            **kwargs,
        )
    if status == 400 and "MANIFEST_BLOB_UNKNOWN" in codes:
        return BlobUnknownError(
            f"{what}: {registry} refused the manifest because blobs it references are missing from "
            f"{repository} (HTTP 400{paren}): push the blobs first",
            **kwargs,
        )
    if status == 400 and ("MANIFEST_INVALID" in codes or "TAG_INVALID" in codes):
        return ManifestError(f"{what}: {registry} refused the manifest (HTTP 400{paren})", **kwargs)
    if full:
        return StorageFullError(
            f"{what}: {registry} is out of storage space (HTTP {status}{paren and ', ' + info}, no space left on device)",
            **kwargs,
        )
    if status in RETRY_STATUSES:
        error = RegistryUnavailableError(
            f"{what}: {registry} answered HTTP {status}{paren and ' (' + info + ')'} after "
            f"{attempts} attempt{'s' if attempts > 1 else ''}: try again later",
            **kwargs,
        )
        error.retry_after = response.headers.get("Retry-After")
        return error
    return RegistryResponseError(f"{what}: {registry} answered HTTP {status}{paren and ' (' + info + ')'}", **kwargs)


def check_stored_digest(response, digest, ref, what):
    """DigestMismatchError when a write's answer announces (``Docker-Content-Digest``) another digest."""
    announced = response.headers.get("Docker-Content-Digest")
    if announced and announced.startswith("sha256:") and announced != digest:
        raise DigestMismatchError(
            f"{what}: the registry stored {announced}, not {digest}",
            expected=digest,
            actual=announced,
            registry=ref.registry,
            reference=ref,
        )
