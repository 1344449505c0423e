# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A client of the OCI distribution API (https://github.com/opencontainers/distribution-spec).

One ``RegistryClient`` talks to any number of registries through one ``requests.Session``
(connection pooling per host), and carries:

* auth: credentials from ``AuthStore`` (auth files, pull secrets, options), sent as Basic
  or exchanged for Bearer tokens (cached per registry, credentials and scope) as each
  registry's ``WWW-Authenticate`` challenge asks;
* TLS: verified by default against the default CA bundle plus ``ca_file``; unverified TLS
  or plain HTTP only for the registries listed in ``insecure_registries``;
* retries with exponential backoff on 408/429/5xx and connection failures, honouring
  ``Retry-After`` (``RetryPolicy``);
* manifests by tag or digest (GET/HEAD/PUT, every byte digest-checked), tag listing;
* blobs: streamed GET verified on the fly (resumed with ``Range`` after a dropped
  connection), HEAD, cross-repository mount, monolithic, chunked and streamed uploads,
  and registry-to-registry copy in constant memory.

Errors are the ``errors`` module's classes, with messages for the user; credentials and
tokens never appear in them, nor in the ``log`` callback's lines.

``requests`` is imported under a guard: modules check ``HAS_REQUESTS`` and fail with
``missing_required_lib('requests')`` (it is a dependency of the kubernetes client).
"""

import errno
import json
import os
import re
import ssl
import tempfile
import threading
import time
import traceback
import warnings
import weakref
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ansible_collections.okd.machine_os.plugins.module_utils.registry import auth as _auth
from ansible_collections.okd.machine_os.plugins.module_utils.registry.blobs import (
    CHUNK_SIZE,
    ChunkReader,
    bytes_chunks,
    file_chunks,
    file_digest,
    verified_chunks,
    write_verified_file,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    AuthenticationError,
    BlobUnknownError,
    DeniedError,
    DigestMismatchError,
    ManifestError,
    ManifestUnknownError,
    NotFoundError,
    RegistryError,
    RegistryResponseError,
    RegistryUnavailableError,
    RegistryUnreachableError,
    StorageFullError,
    TLSError,
    UntrustedCertificateError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import (
    MANIFEST_ACCEPT,
    MAX_MANIFEST_SIZE,
    Descriptor,
    Platform,
    parse_manifest,
    select_platform,
    sha256_digest,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import (
    Reference,
    api_host,
    validate_digest,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.retry import RETRY_STATUSES, RetryPolicy
from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import EnvironmentOnceSession

try:
    import requests
    import requests.adapters
    import requests.certs
    import requests.exceptions

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by ansible-test's import sanity test
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

try:
    from urllib3.exceptions import InsecureRequestWarning
except ImportError:  # pragma: no cover
    InsecureRequestWarning = None

USER_AGENT = "okd.machine_os-registry-client/1"
DEFAULT_TIMEOUT = (15.0, 120.0)  # (connect, read between bytes) seconds
DEFAULT_UPLOAD_CHUNK_SIZE = None  # None: monolithic uploads; an int: PATCH chunks
SMALL_BLOB_SIZE = 16 * 1024  # blobs up to this size are read into memory
MAX_ERROR_BODY = 64 * 1024
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UPLOAD_RANGE = re.compile(r"(?:bytes=)?(\d+)-(\d+)")


def _require_requests():
    if not HAS_REQUESTS:
        raise RegistryError(
            "the Python library requests is required to talk to registries: "
            "install it (pip install requests) on the controller"
        )


@dataclass
class BlobPush:
    """The outcome of putting a blob into a repository."""

    digest: str
    size: int
    action: str  # "exists", "mounted", "uploaded"
    mounted_from: str = None


class _Endpoint:
    """What the client learned about one registry: scheme, TLS verification, auth scheme."""

    def __init__(self, registry, host, insecure, verify):
        self.registry = registry
        self.host = host
        self.insecure = insecure
        self.scheme = None if insecure else "https"
        self.verify = False if insecure else verify
        self.auth_scheme = None  # "basic" or "bearer" once a challenge was seen
        self.challenge = None  # the Bearer challenge (realm, service)
        self.lock = threading.Lock()

    @property
    def base_url(self):
        return f"{self.scheme or 'https'}://{self.host}"


def _causes(exc, depth=0):
    """exc and the exceptions it wraps (requests -> urllib3 -> ssl/socket), depth-first."""
    if exc is None or depth > 8:
        return
    yield exc
    seen = []
    for inner in (getattr(exc, "reason", None), exc.__cause__, exc.__context__, *getattr(exc, "args", ())):
        if isinstance(inner, BaseException) and inner is not exc and inner not in seen:
            seen.append(inner)
            yield from _causes(inner, depth + 1)


def _first_cause(exc, kinds):
    for cause in _causes(exc):
        if isinstance(cause, kinds):
            return cause
    return None


_DROPPED = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def _connection_dropped(exc):
    """Whether the peer closed or reset an established connection (worth a retry)."""
    return _first_cause(exc, _DROPPED) is not None


def _describe_chain(exc):
    return " <- ".join(f"{type(c).__name__}({getattr(c, 'reason', '') or ''})" for c in _causes(exc))


def _registry_error_codes(response):
    """(codes, messages) of a distribution-spec error body, never more than a few."""
    codes, messages = [], []
    try:
        body = response.content[:MAX_ERROR_BODY]
    except Exception:  # pylint: disable=broad-except  # the body of an error is best effort
        body = b""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        for error in (data.get("errors") or [])[:5]:
            if isinstance(error, dict):
                if error.get("code"):
                    codes.append(str(error["code"])[:64])
                if error.get("message"):
                    messages.append(str(error["message"])[:200])
    return codes, messages


def _reports_out_of_space(response):
    """True when an error answer says the registry's storage is full: HTTP 507, or an error
    body naming ENOSPC (distribution's filesystem driver puts the errno, 28, in the detail:
    ``"detail": {"DriverName": "filesystem", "Enclosed": {"Op": "write", ..., "Err": 28}}``)."""
    if response.status_code == 507:
        return True
    if response.status_code < 500:
        return False
    try:
        body = response.content[:MAX_ERROR_BODY]
    except Exception:  # pylint: disable=broad-except  # the body of an error is best effort
        return False
    if b"no space left on device" in body.lower():
        return True
    try:
        data = json.loads(body)
    except ValueError:
        return False
    for error in (data.get("errors") or [])[:5] if isinstance(data, dict) else ():
        detail = error.get("detail") if isinstance(error, dict) else None
        enclosed = detail.get("Enclosed") if isinstance(detail, dict) else None
        if isinstance(enclosed, dict) and enclosed.get("Err") == errno.ENOSPC:
            return True
    return False


def _combined_ca_bundle(ca_file):
    """A temp file with the default CA bundle plus ``ca_file``: trust both."""
    if not os.path.exists(ca_file):
        raise TLSError(f"ca_file {ca_file} does not exist: pass the path of a PEM CA bundle")
    try:
        ssl.create_default_context(cafile=ca_file)
    except (ssl.SSLError, OSError, ValueError):
        raise TLSError(f"ca_file {ca_file} holds no usable PEM certificate: pass a PEM CA bundle") from None
    with open(ca_file, "rb") as handle:
        extra = handle.read()
    default = b""
    default_path = requests.certs.where()
    if default_path and os.path.exists(default_path):
        with open(default_path, "rb") as handle:
            default = handle.read()
    fd, path = tempfile.mkstemp(prefix="okd-registry-ca-", suffix=".pem")
    with os.fdopen(fd, "wb") as handle:
        handle.write(default + b"\n" + extra + b"\n")
    return path


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def normalize_insecure_registries(entries):
    """``insecure_registries`` entries as hosts: schemes and paths dropped, lower case."""
    result = set()
    for entry in entries or ():
        text = str(entry).strip().lower()
        if "://" in text:
            text = text.split("://", 1)[1]
        text = text.split("/", 1)[0]
        if text:
            result.add(text)
    return result


def _is_insecure(registry, insecure):
    host = registry.lower()
    if host in insecure:
        return True
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return bare in insecure


def _loggable(url):
    """A URL without its query (upload state tokens): what the debug log shows."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _as_reference(ref):
    return ref if isinstance(ref, Reference) else Reference.parse(ref)


class RegistryClient:
    """Talks to registries; see the module docstring. Use as a context manager or ``close()``."""

    def __init__(
        self,
        auth=None,
        *,
        ca_file=None,
        insecure_registries=(),
        retry=None,
        timeout=DEFAULT_TIMEOUT,
        chunk_size=CHUNK_SIZE,
        upload_chunk_size=DEFAULT_UPLOAD_CHUNK_SIZE,
        log=None,
        sleep=time.sleep,
        max_connections=16,
        user_agent=USER_AGENT,
    ):
        _require_requests()
        self.auth = auth if auth is not None else _auth.AuthStore()
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.chunk_size = chunk_size
        self.upload_chunk_size = upload_chunk_size
        self.insecure_registries = normalize_insecure_registries(insecure_registries)
        self._log = log
        self._sleep = sleep
        self._tokens = _auth.TokenCache()
        self._endpoints = {}
        self._endpoints_lock = threading.Lock()
        self._verify = True
        self._bundle = None
        if ca_file:
            self._bundle = _combined_ca_bundle(os.path.expanduser(ca_file))
            self._verify = self._bundle
            self._finalizer = weakref.finalize(self, _unlink_quietly, self._bundle)
        self.session = EnvironmentOnceSession()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=max_connections, pool_maxsize=max_connections, max_retries=0
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = user_agent
        if self.insecure_registries and InsecureRequestWarning is not None:
            # the user listed these registries as insecure: don't warn on every request
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)

    @classmethod
    def from_params(cls, params, **kwargs):
        """A client from the options of ``registry_auth_argument_spec()`` (module params)."""
        store = _auth.AuthStore.load(
            auth_file=params.get("auth_file"),
            username=params.get("registry_username"),
            password=params.get("registry_password"),
        )
        return cls(
            store, ca_file=params.get("ca_file"), insecure_registries=params.get("insecure_registries") or (), **kwargs
        )

    def __repr__(self):
        return f"RegistryClient(registries={sorted(self._endpoints)!r}, insecure={sorted(self.insecure_registries)!r})"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.session.close()
        if self._bundle:
            self._finalizer()
            self._bundle = None

    # ------------------------------------------------------------------ plumbing

    def _debug(self, message):
        if self._log is not None:
            self._log(message)

    def _endpoint(self, registry):
        with self._endpoints_lock:
            endpoint = self._endpoints.get(registry)
            if endpoint is None:
                insecure = _is_insecure(registry, self.insecure_registries)
                endpoint = _Endpoint(registry, api_host(registry), insecure, self._verify)
                self._endpoints[registry] = endpoint
            return endpoint

    def _verify_for_url(self, url):
        """TLS verification for a URL outside the registry API (token realm, redirects)."""
        host = urlsplit(url).netloc.lower()
        return False if _is_insecure(host, self.insecure_registries) else self._verify

    def _credentials(self, endpoint, repository):
        return self.auth.lookup(endpoint.registry, repository)

    @staticmethod
    def _cache_id(endpoint, creds):
        if creds is None:
            return endpoint.registry + "|anonymous"
        return f"{endpoint.registry}|{creds.source}|{creds.key}"

    def _authorization(self, endpoint, repository, scopes, refresh=False):
        """The Authorization header value for a request, fetching a token when needed."""
        creds = self._credentials(endpoint, repository)
        if endpoint.auth_scheme == "basic":
            return creds.basic_authorization() if creds is not None else None
        if endpoint.auth_scheme != "bearer" or endpoint.challenge is None:
            return None
        cache_id = self._cache_id(endpoint, creds)
        with endpoint.lock:
            token = None if refresh else self._tokens.get(cache_id, scopes)
            if token is None:
                token, expires_at = self._fetch_token(endpoint, creds, scopes)
                self._tokens.put(cache_id, scopes, token, expires_at)
        return "Bearer " + token

    def _fetch_token(self, endpoint, creds, scopes):
        challenge = endpoint.challenge
        request = _auth.token_request(challenge, scopes, creds)
        realm_host = urlsplit(request.url).netloc or request.url
        headers = {"Accept": "application/json"}
        if request.authorization:
            headers["Authorization"] = request.authorization
        self._debug(f"token request to {realm_host} for {endpoint.registry} scopes {' '.join(scopes) or '-'}")
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    request.method,
                    request.url,
                    params=request.params,
                    data=request.form,
                    headers=headers,
                    timeout=self.timeout,
                    verify=self._verify_for_url(request.url),
                    allow_redirects=True,
                )
            except requests.exceptions.RequestException as exc:
                if isinstance(exc, requests.exceptions.SSLError) or not self.retry.should_retry_error(attempt):
                    raise self._transport_error(exc, endpoint, what=f"token service {realm_host}") from None
                self._sleep(self.retry.delay(attempt))
                attempt += 1
                continue
            if response.status_code in RETRY_STATUSES and self.retry.should_retry_status(response.status_code, attempt):
                self._sleep(self.retry.delay(attempt, response.headers.get("Retry-After")))
                response.close()
                attempt += 1
                continue
            break
        if response.status_code in (401, 403):
            source = creds.source if creds is not None else None
            if source:
                raise AuthenticationError(
                    f"authentication failed for {endpoint.registry}: its token service {realm_host} rejected "
                    f"the credentials from {source} (HTTP {response.status_code}): check the auth file / "
                    f"credentials for {endpoint.registry}",
                    registry=endpoint.registry,
                    status=response.status_code,
                )
            raise AuthenticationError(
                f"authentication failed for {endpoint.registry}: its token service {realm_host} refused an "
                f"anonymous token (HTTP {response.status_code}) and no credentials for {endpoint.registry} were "
                f"found in {self.auth.describe(endpoint.registry)}: pass auth_file or registry_username/"
                f"registry_password",
                registry=endpoint.registry,
                status=response.status_code,
            )
        if response.status_code != 200:
            raise RegistryResponseError(
                f"the token service {realm_host} of {endpoint.registry} answered HTTP {response.status_code}",
                registry=endpoint.registry,
                status=response.status_code,
            )
        try:
            return _auth.parse_token_response(response.json())
        except ValueError as exc:
            raise RegistryResponseError(
                f"the token service {realm_host} of {endpoint.registry} gave an unusable answer: {exc}",
                registry=endpoint.registry,
            ) from None

    def _on_unauthorized(self, endpoint, response, repository, scopes, sent_auth):
        """Learn the auth scheme from a 401; return True to retry, or raise AuthenticationError."""
        challenges = _auth.parse_www_authenticate(response.headers.get("WWW-Authenticate", ""))
        by_scheme = {c.scheme: c for c in challenges}
        creds = self._credentials(endpoint, repository)
        bearer = by_scheme.get("bearer")
        if bearer is not None and bearer.realm:
            if sent_auth and endpoint.auth_scheme == "bearer" and bearer.params.get("error") == "insufficient_scope":
                if creds is None:
                    raise self._auth_failed(endpoint, None, False)
                raise DeniedError(
                    f"access to {endpoint.registry}/{repository} was denied: the credentials from "
                    f"{creds.source if creds else 'no source (anonymous)'} do not grant {' '.join(scopes)}",
                    registry=endpoint.registry,
                    status=401,
                )
            # challenge before scheme: a reader that sees "bearer" always finds the challenge.
            # Retry in every case: first challenge, a request sent before another thread
            # learned the scheme (it went without a token), or a token to refresh.
            endpoint.challenge = bearer
            endpoint.auth_scheme = "bearer"
            return True
        if "basic" in by_scheme:
            # Retry with the credentials unless they were just sent under Basic and refused.
            # A request sent without them - the scheme still unknown, learned meanwhile by
            # another thread's first 401 - is not a "no credentials" failure.
            sent_basic = sent_auth and endpoint.auth_scheme == "basic"
            endpoint.auth_scheme = "basic"
            if creds is not None and creds.basic_authorization() and not sent_basic:
                return True
        raise self._auth_failed(endpoint, creds, sent_auth)

    def _auth_failed(self, endpoint, creds, sent_auth):
        if creds is None or not sent_auth:
            return AuthenticationError(
                f"authentication failed for {endpoint.registry}: it requires credentials and none for it were "
                f"found in {self.auth.describe(endpoint.registry)}{self._helper_hint(endpoint)}: add them to the "
                f"auth file (podman login {endpoint.registry}) or pass registry_username/registry_password",
                registry=endpoint.registry,
                status=401,
            )
        return AuthenticationError(
            f"authentication failed for {endpoint.registry} (HTTP 401): it rejected the credentials from "
            f"{creds.source}: check the auth file / credentials for {endpoint.registry}",
            registry=endpoint.registry,
            status=401,
        )

    def _helper_hint(self, endpoint):
        helper = self.auth.credential_helper(endpoint.registry)
        if not helper:
            return ""
        return (
            f" ({helper[0]} delegates it to the credential helper docker-credential-{helper[1]}, "
            f"which this collection does not run)"
        )

    def _transport_error(self, exc, endpoint, what=None):
        """Translate a requests exception into the user-facing error."""
        what = what or endpoint.registry
        if _connection_dropped(exc):
            return RegistryUnreachableError(
                f"the connection to {what} ({endpoint.base_url}) was closed or reset during the request: "
                f"check the registry (and any proxy in front of it), then try again",
                registry=endpoint.registry,
            )
        cert_error = _first_cause(exc, ssl.SSLCertVerificationError)
        if cert_error is not None:
            reason = getattr(cert_error, "verify_message", None) or "verification failed"
            return UntrustedCertificateError(
                f"the certificate of {what} is not trusted ({reason}): pass ca_file or list "
                f"{endpoint.registry} in insecure_registries",
                registry=endpoint.registry,
            )
        if isinstance(exc, requests.exceptions.SSLError) or _first_cause(exc, ssl.SSLError) is not None:
            reason = getattr(_first_cause(exc, ssl.SSLError), "reason", None) or "handshake failed"
            return TLSError(
                f"the TLS handshake with {what} failed ({reason}): if it serves plain HTTP, list "
                f"{endpoint.registry} in insecure_registries",
                registry=endpoint.registry,
            )
        if _first_cause(exc, ConnectionRefusedError) is not None:
            why = "connection refused"
        elif _first_cause(exc, OSError) is not None and "resolution" in str(exc).lower():
            why = "its host name does not resolve"
        elif isinstance(exc, requests.exceptions.Timeout) or _first_cause(exc, TimeoutError) is not None:
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

    def _ensure_scheme(self, endpoint):
        """For an insecure registry: HTTPS (unverified) if it speaks TLS, else plain HTTP."""
        if endpoint.scheme is not None:
            return
        try:
            self.session.get(f"https://{endpoint.host}/v2/", timeout=self.timeout, verify=False).close()
            endpoint.scheme = "https"
        except requests.exceptions.SSLError:
            endpoint.scheme = "http"
        except requests.exceptions.RequestException:
            endpoint.scheme = "https"  # unreachable: the real request reports it
        self._debug(f"{endpoint.registry} is insecure: using {endpoint.scheme}")

    def _request(
        self,
        method,
        registry,
        url,
        *,
        repository=None,
        scopes=(),
        headers=None,
        body=None,
        ok=(200,),
        stream=False,
        what=None,
        reference=None,
        not_found=NotFoundError,
        retry=True,
        params=None,
        allow_redirects=True,
    ):
        """One API call with auth, retries and error translation; returns the response.

        ``url`` is a path (``/v2/...``) or an absolute URL (an upload Location). ``body`` is
        None, bytes, or a callable returning a fresh body for each attempt.
        """
        endpoint = self._endpoint(registry)
        self._ensure_scheme(endpoint)
        what = what or f"{method} {url}"
        attempt = 0
        auth_retries = 0
        refresh = False
        while True:
            full_url = url if "://" in url else endpoint.base_url + url
            request_headers = dict(headers or {})
            authorization = self._authorization(endpoint, repository, list(scopes), refresh=refresh)
            if authorization:
                request_headers["Authorization"] = authorization
            data = body() if callable(body) else body
            try:
                response = self.session.request(
                    method,
                    full_url,
                    headers=request_headers,
                    data=data,
                    params=params,
                    stream=stream,
                    timeout=self.timeout,
                    verify=endpoint.verify,
                    allow_redirects=allow_redirects,
                )
            except requests.exceptions.RequestException as exc:
                if (
                    endpoint.insecure
                    and endpoint.scheme == "https"
                    and isinstance(exc, requests.exceptions.SSLError)
                    and "://" not in url
                ):
                    endpoint.scheme = "http"
                    continue
                retriable = _connection_dropped(exc) or not isinstance(
                    exc, (requests.exceptions.SSLError, requests.exceptions.InvalidURL)
                )
                if retry and retriable and self.retry.should_retry_error(attempt):
                    delay = self.retry.delay(attempt)
                    self._debug(
                        f"{method} {_loggable(full_url)}: {type(exc).__name__}, retry {attempt + 1} in {delay:.1f}s"
                    )
                    self._sleep(delay)
                    attempt += 1
                    continue
                self._debug(f"{method} {_loggable(full_url)}: {_describe_chain(exc)}")
                raise self._transport_error(exc, endpoint) from None
            status = response.status_code
            self._debug(f"{method} {_loggable(full_url)} -> {status}")
            if status == 401 and auth_retries < 2:
                sent = bool(authorization)
                response.close()
                if self._on_unauthorized(endpoint, response, repository, list(scopes), sent):
                    auth_retries += 1
                    refresh = sent
                    continue
            refresh = False
            if (
                status in RETRY_STATUSES
                and retry
                and self.retry.should_retry_status(status, attempt)
                and not _reports_out_of_space(response)
            ):
                delay = self.retry.delay(attempt, response.headers.get("Retry-After"))
                self._debug(f"{method} {_loggable(full_url)}: HTTP {status}, retry {attempt + 1} in {delay:.1f}s")
                response.close()
                self._sleep(delay)
                attempt += 1
                continue
            if status in ok:
                return response
            raise self._status_error(response, endpoint, what, reference, not_found, repository, attempt)

    def _status_error(self, response, endpoint, what, reference, not_found, repository, attempt):
        status = response.status_code
        codes, messages = _registry_error_codes(response)
        full = _reports_out_of_space(response)
        response.close()
        info = ", ".join(codes) + (": " + messages[0] if messages else "")
        paren = f", {info}" if info else ""
        kwargs = {"registry": endpoint.registry, "reference": reference, "status": status, "codes": codes}
        if status == 401:
            creds = self._credentials(endpoint, repository)
            error = self._auth_failed(endpoint, creds, True)
            error.reference, error.codes = reference, codes
            return error
        if status == 403:
            creds = self._credentials(endpoint, repository)
            source = creds.source if creds is not None else "no credentials (anonymous)"
            return DeniedError(
                f"{what} was denied by {endpoint.registry} (HTTP 403{paren}): the credentials "
                f"from {source} lack permission for {repository or 'this'}",
                **kwargs,
            )
        if status == 404:
            return not_found(f"{what}: not found on {endpoint.registry} (HTTP 404{paren})", **kwargs)
        if status == 400 and ("DIGEST_INVALID" in codes or "SIZE_INVALID" in codes):
            return DigestMismatchError(
                f"{what}: {endpoint.registry} refused the content because it does not "
                f"match its digest or size (HTTP 400{paren})",
                **kwargs,
            )
        if status == 400 and "MANIFEST_BLOB_UNKNOWN" in codes:
            return BlobUnknownError(
                f"{what}: {endpoint.registry} refused the manifest because blobs it "
                f"references are missing from {repository} (HTTP 400{paren}): push "
                f"the blobs first",
                **kwargs,
            )
        if status == 400 and ("MANIFEST_INVALID" in codes or "TAG_INVALID" in codes):
            return ManifestError(f"{what}: {endpoint.registry} refused the manifest (HTTP 400{paren})", **kwargs)
        if full:
            return StorageFullError(
                f"{what}: {endpoint.registry} is out of storage space (HTTP {status}"
                f"{paren and ', ' + info}, no space left on device)",
                **kwargs,
            )
        if status in RETRY_STATUSES:
            error = RegistryUnavailableError(
                f"{what}: {endpoint.registry} answered HTTP {status}{paren and ' (' + info + ')'} after "
                f"{attempt + 1} attempt{'s' if attempt else ''}: try again later",
                **kwargs,
            )
            error.retry_after = response.headers.get("Retry-After")
            return error
        return RegistryResponseError(
            f"{what}: {endpoint.registry} answered HTTP {status}{paren and ' (' + info + ')'}", **kwargs
        )

    # ------------------------------------------------------------------ registry

    def ping(self, registry):
        """GET /v2/ with authentication: proves the registry answers and accepts our credentials."""
        response = self._request("GET", registry, "/v2/", what=f"the API root of {registry}")
        response.close()
        return True

    # ------------------------------------------------------------------ manifests

    def get_manifest(self, ref, accept=MANIFEST_ACCEPT):
        """The manifest (ImageManifest or ImageIndex) of ``ref``, its bytes digest-checked.

        By digest: the bytes must hash to it. By tag: they must hash to the
        ``Docker-Content-Digest`` the registry announced, when it did.
        """
        ref = _as_reference(ref)
        response = self._request(
            "GET",
            ref.registry,
            f"/v2/{ref.repository}/manifests/{ref.ref}",
            repository=ref.repository,
            scopes=[_auth.repository_scope(ref.repository)],
            headers={"Accept": accept},
            what=f"manifest {ref}",
            reference=ref,
            not_found=ManifestUnknownError,
            stream=True,
        )
        try:
            length = int(response.headers.get("Content-Length") or 0)
            if length > MAX_MANIFEST_SIZE:
                raise ManifestError(
                    f"manifest {ref} is {length} bytes, more than the {MAX_MANIFEST_SIZE} a manifest may have",
                    registry=ref.registry,
                    reference=ref,
                )
            raw = response.raw.read(MAX_MANIFEST_SIZE + 1, decode_content=True)
        finally:
            response.close()
        if len(raw) > MAX_MANIFEST_SIZE:
            raise ManifestError(
                f"manifest {ref} is larger than {MAX_MANIFEST_SIZE} bytes", registry=ref.registry, reference=ref
            )
        expected = ref.digest
        announced = response.headers.get("Docker-Content-Digest")
        if expected is None and announced and announced.startswith("sha256:"):
            expected = announced
        try:
            return parse_manifest(raw, response.headers.get("Content-Type"), expected, where=f"manifest {ref}")
        except RegistryError as exc:
            exc.registry, exc.reference = ref.registry, ref
            raise

    def head_manifest(self, ref, accept=MANIFEST_ACCEPT):
        """The Descriptor of ``ref`` (media type, digest, size) or None if it does not exist."""
        ref = _as_reference(ref)
        try:
            response = self._request(
                "HEAD",
                ref.registry,
                f"/v2/{ref.repository}/manifests/{ref.ref}",
                repository=ref.repository,
                scopes=[_auth.repository_scope(ref.repository)],
                headers={"Accept": accept},
                what=f"manifest {ref}",
                reference=ref,
                not_found=ManifestUnknownError,
            )
        except NotFoundError:
            return None
        response.close()
        digest = response.headers.get("Docker-Content-Digest")
        media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip() or None
        size = response.headers.get("Content-Length")
        if not digest or not digest.startswith("sha256:") or size is None:
            manifest = self.get_manifest(ref, accept)
            return manifest.descriptor
        if ref.digest and digest != ref.digest:
            raise DigestMismatchError(
                f"manifest {ref}: the registry announced digest {digest}",
                expected=ref.digest,
                actual=digest,
                registry=ref.registry,
                reference=ref,
            )
        return Descriptor(media_type=media_type, digest=validate_digest(digest), size=int(size))

    def resolve(self, ref):
        """The digest ``ref`` points at (a tag resolved; a digest checked to exist)."""
        ref = _as_reference(ref)
        descriptor = self.head_manifest(ref)
        if descriptor is None:
            raise ManifestUnknownError(
                f"manifest {ref}: not found on {ref.registry} (HTTP 404): check the repository and the tag or digest",
                registry=ref.registry,
                reference=ref,
                status=404,
            )
        return descriptor.digest

    def get_image_manifest(self, ref, platform=None):
        """(ImageManifest, ImageIndex or None): an index resolved to ``platform`` (default linux/amd64)."""
        ref = _as_reference(ref)
        manifest = self.get_manifest(ref)
        if not manifest.is_index:
            return manifest, None
        entry = select_platform(manifest, platform or Platform())
        return self.get_manifest(ref.by_digest(entry.digest)), manifest

    def put_manifest(self, ref, manifest, media_type=None):
        """Push manifest bytes (or an ImageManifest/ImageIndex) to ``ref``'s tag or digest.

        Returns the digest; the one the registry announces must be the bytes' own.
        """
        ref = _as_reference(ref)
        raw = manifest.raw if hasattr(manifest, "raw") else manifest
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        media_type = media_type or getattr(manifest, "media_type", None)
        if not media_type:
            media_type = parse_manifest(raw).media_type
        digest = sha256_digest(raw)
        if ref.digest and ref.digest != digest:
            raise DigestMismatchError(
                f"manifest for {ref} hashes to {digest}, not to the digest it is pushed by",
                expected=ref.digest,
                actual=digest,
                registry=ref.registry,
                reference=ref,
            )
        target = ref.digest or ref.tag or digest
        response = self._request(
            "PUT",
            ref.registry,
            f"/v2/{ref.repository}/manifests/{target}",
            repository=ref.repository,
            scopes=[_auth.repository_scope(ref.repository, True)],
            headers={"Content-Type": media_type},
            body=raw,
            ok=(200, 201, 202),
            what=f"pushing manifest {ref}",
            reference=ref,
            not_found=ManifestUnknownError,
        )
        response.close()
        announced = response.headers.get("Docker-Content-Digest")
        if announced and announced.startswith("sha256:") and announced != digest:
            raise DigestMismatchError(
                f"pushing manifest {ref}: the registry stored it as {announced}, not {digest}",
                expected=digest,
                actual=announced,
                registry=ref.registry,
                reference=ref,
            )
        return digest

    def list_tags(self, ref, page_size=1000):
        """Every tag of ``ref``'s repository (following ``Link`` pagination)."""
        ref = _as_reference(ref)
        tags = []
        url = f"/v2/{ref.repository}/tags/list"
        params = {"n": page_size}
        while url:
            response = self._request(
                "GET",
                ref.registry,
                url,
                repository=ref.repository,
                params=params,
                scopes=[_auth.repository_scope(ref.repository)],
                reference=ref,
                what=f"listing the tags of {ref.name}",
                not_found=ManifestUnknownError,
            )
            try:
                data = response.json()
            except ValueError:
                raise RegistryResponseError(
                    f"listing the tags of {ref.name}: the answer is not JSON", registry=ref.registry, reference=ref
                ) from None
            finally:
                response.close()
            tags.extend(data.get("tags") or [])
            link = response.links.get("next", {}).get("url")
            url, params = (urljoin(response.url, link), None) if link else (None, None)
        return tags

    # ------------------------------------------------------------------ blobs

    def blob_exists(self, ref, digest):
        """The blob's size if ``digest`` exists in ``ref``'s repository, else None."""
        ref = _as_reference(ref)
        validate_digest(digest)
        try:
            response = self._request(
                "HEAD",
                ref.registry,
                f"/v2/{ref.repository}/blobs/{digest}",
                repository=ref.repository,
                scopes=[_auth.repository_scope(ref.repository)],
                what=f"blob {digest} in {ref.name}",
                reference=ref,
                not_found=BlobUnknownError,
            )
        except NotFoundError:
            return None
        response.close()
        length = response.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else 0

    def _raw_blob_stream(self, ref, digest):
        """The blob's bytes in chunks, resuming with Range after a dropped connection."""
        offset = 0
        attempt = 0
        path = f"/v2/{ref.repository}/blobs/{digest}"
        while True:
            headers = {"Accept-Encoding": "identity"}
            if offset:
                headers["Range"] = f"bytes={offset}-"
            response = self._request(
                "GET",
                ref.registry,
                path,
                repository=ref.repository,
                scopes=[_auth.repository_scope(ref.repository)],
                headers=headers,
                ok=(200, 206),
                stream=True,
                what=f"blob {digest} in {ref.name}",
                reference=ref,
                not_found=BlobUnknownError,
            )
            try:
                skip = 0
                if offset:
                    match = _CONTENT_RANGE.match(response.headers.get("Content-Range") or "")
                    if response.status_code == 206 and match and int(match.group(1)) == offset:
                        skip = 0
                    elif response.status_code == 200:
                        skip = offset  # the registry ignored Range: drop what we have
                    else:
                        raise RegistryResponseError(
                            f"blob {digest} in {ref.name}: the registry resumed at the wrong offset",
                            registry=ref.registry,
                            reference=ref,
                        )
                for chunk in response.iter_content(self.chunk_size):
                    if skip:
                        if len(chunk) <= skip:
                            skip -= len(chunk)
                            continue
                        chunk = chunk[skip:]
                        skip = 0
                    offset += len(chunk)
                    yield chunk
                return
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
            ) as exc:
                if not self.retry.should_retry_error(attempt):
                    raise self._transport_error(exc, self._endpoint(ref.registry)) from None
                delay = self.retry.delay(attempt)
                self._debug(
                    f"blob {digest}: stream broke at {offset} bytes ({type(exc).__name__}), resuming in {delay:.1f}s"
                )
                self._sleep(delay)
                attempt += 1
            finally:
                response.close()

    def iter_blob(self, ref, digest, size=None):
        """The blob's bytes as a generator of chunks, verified on the fly.

        DigestMismatchError is raised before the last chunk when the bytes don't match
        ``digest`` (or ``size``): a consumer never gets the whole of a bad blob.
        """
        ref = _as_reference(ref)
        validate_digest(digest)
        return verified_chunks(self._raw_blob_stream(ref, digest), digest, size, what=f"blob {digest} from {ref.name}")

    def get_blob(self, ref, digest, max_size=MAX_MANIFEST_SIZE):
        """A small blob (a config) in memory, verified; larger than ``max_size`` is an error."""
        chunks = []
        total = 0
        for chunk in self.iter_blob(ref, digest):
            total += len(chunk)
            if total > max_size:
                raise RegistryResponseError(
                    f"blob {digest} in {_as_reference(ref).name} is larger than {max_size} bytes: stream it instead",
                    registry=_as_reference(ref).registry,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def get_json_blob(self, ref, digest, max_size=MAX_MANIFEST_SIZE):
        """A JSON blob (an image config) parsed."""
        raw = self.get_blob(ref, digest, max_size)
        try:
            return json.loads(raw)
        except ValueError:
            raise ManifestError(
                f"blob {digest} in {_as_reference(ref).name} is not valid JSON", registry=_as_reference(ref).registry
            ) from None

    def download_blob(self, ref, digest, path, size=None):
        """Write the blob to ``path`` (only once verified); return its size."""
        ref = _as_reference(ref)
        validate_digest(digest)
        return write_verified_file(
            self._raw_blob_stream(ref, digest), path, digest, size, what=f"blob {digest} from {ref.name}"
        )

    # ------------------------------------------------------------------ uploads

    def _upload_path(self, ref):
        return f"/v2/{ref.repository}/blobs/uploads/"

    def _location(self, response, ref):
        location = response.headers.get("Location")
        if not location:
            raise RegistryResponseError(
                f"blob upload to {ref.name}: the registry sent no Location", registry=ref.registry, reference=ref
            )
        return urljoin(response.url, location)

    def _start_upload(self, ref, digest=None, mount_from=None):
        """POST an upload (or a mount); returns ("mounted", None) or ("upload", location)."""
        params = None
        scopes = [_auth.repository_scope(ref.repository, True)]
        if mount_from:
            params = {"mount": digest, "from": mount_from}
            scopes.append(_auth.repository_scope(mount_from))
        response = self._request(
            "POST",
            ref.registry,
            self._upload_path(ref),
            repository=ref.repository,
            scopes=scopes,
            params=params,
            ok=(201, 202),
            body=b"",
            headers={"Content-Length": "0"},
            what=f"starting a blob upload to {ref.name}",
            reference=ref,
        )
        response.close()
        if response.status_code == 201:
            return "mounted", None
        return "upload", self._location(response, ref)

    def _cancel_upload(self, ref, location):
        if not location:
            return
        try:
            self._request(
                "DELETE",
                ref.registry,
                location,
                repository=ref.repository,
                scopes=[_auth.repository_scope(ref.repository, True)],
                ok=(200, 202, 204, 404),
                retry=False,
                what="cancelling an upload",
            ).close()
        except RegistryError:
            pass

    def mount_blob(self, ref, digest, from_repository):
        """Cross-repository mount of ``digest`` from ``from_repository`` (same registry).

        True when mounted (HTTP 201); False when the registry declined (HTTP 202: the
        upload session it opened instead is cancelled).
        """
        ref = _as_reference(ref)
        validate_digest(digest)
        outcome, location = self._start_upload(ref, digest, from_repository)
        if outcome == "mounted":
            return True
        self._cancel_upload(ref, location)
        return False

    def _check_committed(self, response, ref, digest):
        announced = response.headers.get("Docker-Content-Digest")
        if announced and announced.startswith("sha256:") and announced != digest:
            raise DigestMismatchError(
                f"blob upload to {ref.name}: the registry stored {announced}, not {digest}",
                expected=digest,
                actual=announced,
                registry=ref.registry,
                reference=ref,
            )

    def _push_stream(self, ref, digest, size, open_stream, mount_from=None):
        """POST (or mount), then one PUT ?digest= carrying the stream; restarted on failures.

        ``open_stream()`` gives a fresh iterator of chunks for each attempt. An exception
        from it (a DigestMismatchError) aborts the PUT before its end: nothing is committed.
        """
        attempt = 0
        while True:
            outcome, location = self._start_upload(ref, digest, mount_from)
            if outcome == "mounted":
                return BlobPush(digest, size, "mounted", mounted_from=mount_from)
            mounted_from, mount_from = mount_from, None  # declined: don't ask again on a retry
            readers = []

            def make_body(readers=readers):
                # called again only when the PUT is re-sent after a 401 (token refresh)
                for previous in readers:
                    previous.close()
                readers.append(ChunkReader(open_stream(), size))
                return readers[-1]

            try:
                response = self._request(
                    "PUT",
                    ref.registry,
                    location,
                    repository=ref.repository,
                    scopes=[_auth.repository_scope(ref.repository, True)],
                    params={"digest": digest},
                    headers={"Content-Type": "application/octet-stream"},
                    body=make_body,
                    ok=(201, 204),
                    what=f"uploading blob {digest} to {ref.name}",
                    reference=ref,
                    retry=False,
                )
                response.close()
                self._check_committed(response, ref, digest)
                sent = readers[-1].bytes_read
                self._debug(
                    f"uploaded blob {digest} ({sent} bytes) to {ref.name}"
                    + (f" (mount from {mounted_from} declined)" if mounted_from else "")
                )
                return BlobPush(digest, sent, "uploaded")
            except (RegistryUnavailableError, RegistryUnreachableError) as exc:
                for reader in readers:
                    reader.close()
                self._cancel_upload(ref, location)
                if not self.retry.should_retry_error(attempt):
                    raise
                delay = self.retry.delay(attempt, getattr(exc, "retry_after", None))
                self._debug(f"uploading blob {digest}: {exc}; restarting in {delay:.1f}s")
                self._sleep(delay)
                attempt += 1
            except BaseException:
                for reader in readers:
                    reader.close()
                self._cancel_upload(ref, location)
                raise

    def _upload_status(self, ref, location):
        """(bytes the registry holds for an upload session, the session's new Location)."""
        response = self._request(
            "GET",
            ref.registry,
            location,
            repository=ref.repository,
            scopes=[_auth.repository_scope(ref.repository, True)],
            ok=(204, 200),
            what=f"the upload status in {ref.name}",
            reference=ref,
        )
        response.close()
        match = _UPLOAD_RANGE.fullmatch(response.headers.get("Range") or "")
        return (int(match.group(2)) + 1 if match else 0), self._location(response, ref)

    def _push_chunks(self, ref, digest, size, read_range, chunk_size, mount_from=None):
        """Chunked upload: PATCH with Content-Range per chunk, then PUT ?digest=.

        A failed PATCH is resumed from the offset the registry reports (GET on the session).
        """
        outcome, location = self._start_upload(ref, digest, mount_from)
        if outcome == "mounted":
            return BlobPush(digest, size, "mounted", mounted_from=mount_from)
        try:
            offset = 0
            attempt = 0
            while offset < size:
                start, length = offset, min(chunk_size, size - offset)
                headers = {
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(length),
                    "Content-Range": f"{start}-{start + length - 1}",
                }
                try:
                    response = self._request(
                        "PATCH",
                        ref.registry,
                        location,
                        repository=ref.repository,
                        scopes=[_auth.repository_scope(ref.repository, True)],
                        headers=headers,
                        body=lambda s=start, n=length: ChunkReader(read_range(s, n), n),
                        ok=(202, 204),
                        what=f"uploading blob {digest} to {ref.name}",
                        reference=ref,
                        retry=False,
                    )
                except (RegistryUnavailableError, RegistryUnreachableError) as exc:
                    if not self.retry.should_retry_error(attempt):
                        raise
                    self._sleep(self.retry.delay(attempt, getattr(exc, "retry_after", None)))
                    attempt += 1
                    # a failed PATCH may have stored part of the chunk: ask where the session is
                    offset, location = self._upload_status(ref, location)
                    continue
                response.close()
                location = self._location(response, ref)
                offset = start + length
            response = self._request(
                "PUT",
                ref.registry,
                location,
                repository=ref.repository,
                scopes=[_auth.repository_scope(ref.repository, True)],
                params={"digest": digest},
                headers={"Content-Length": "0"},
                body=b"",
                ok=(201, 204),
                what=f"completing the upload of blob {digest} to {ref.name}",
                reference=ref,
            )
            response.close()
            self._check_committed(response, ref, digest)
        except BaseException:
            self._cancel_upload(ref, location)
            raise
        self._debug(f"uploaded blob {digest} ({size} bytes, chunks of {chunk_size}) to {ref.name}")
        return BlobPush(digest, size, "uploaded")

    def upload_blob(
        self, ref, data, digest=None, size=None, *, chunk_size=None, mount_from=None, verify=True, known_missing=False
    ):
        """Put a blob (bytes or a file path) into ``ref``'s repository unless it is there.

        ``known_missing``: the caller has just seen the repository lack the blob (a mirror's
        plan), so the HEAD that would skip the upload is not sent again.

        Without ``digest`` it is computed first. ``mount_from`` (a repository of the same
        registry) is tried before uploading. ``chunk_size`` (else the client's
        ``upload_chunk_size``) selects a chunked upload for larger blobs; otherwise one PUT.
        The bytes are checked against ``digest`` on the fly (``verify=False`` leaves that to
        the registry, which refuses a mismatch: DigestMismatchError either way).
        Returns a BlobPush (action ``exists``, ``mounted`` or ``uploaded``).
        """
        ref = _as_reference(ref)
        given = digest
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(data)
            total = len(data)

            def read_range(start, length):
                return bytes_chunks(data[start : start + length], self.chunk_size)

            def whole_digest():
                return sha256_digest(data)
        else:
            path = os.fspath(data)
            total = os.path.getsize(path)

            def read_range(start, length):
                return file_chunks(path, self.chunk_size, start, length)

            def whole_digest():
                return file_digest(path, self.chunk_size)[0]

        digest = validate_digest(given) if given is not None else whole_digest()
        if size is not None and size != total:
            raise DigestMismatchError(
                f"blob {digest} for {ref.name} has {total} bytes, not {size}: not pushed",
                expected=digest,
                registry=ref.registry,
                reference=ref,
            )
        existing = None if known_missing else self.blob_exists(ref, digest)
        if existing is not None:
            return BlobPush(digest, total, "exists")
        chunk_size = chunk_size or self.upload_chunk_size
        if chunk_size and total > chunk_size:
            if verify and given is not None:
                # chunks are sent (and retried) one by one: check the whole before the first
                actual = whole_digest()
                if actual != digest:
                    raise DigestMismatchError(
                        f"blob for {ref.name} hashes to {actual}, not to {digest}: not pushed",
                        expected=digest,
                        actual=actual,
                        registry=ref.registry,
                        reference=ref,
                    )
            return self._push_chunks(ref, digest, total, read_range, chunk_size, mount_from)

        def open_stream():
            chunks = read_range(0, total)
            if verify and given is not None:
                return verified_chunks(chunks, digest, total, what=f"blob {digest} for {ref.name}")
            return chunks

        return self._push_stream(ref, digest, total, open_stream, mount_from)

    def copy_blob(self, source, target, digest, size=None, mount_from=None, known_missing=False):
        """Copy a blob from ``source``'s repository to ``target``'s in constant memory.

        Skipped when ``target`` has it (not asked again with ``known_missing``: the caller has
        just seen it lack the blob); mounted when ``mount_from`` (or ``source``'s
        repository, on the same registry) lets the registry link it; otherwise streamed from
        source to target with the digest checked on the fly (a mismatch aborts the upload
        before its end, so nothing is committed). A failed transfer restarts from scratch
        (new GET, new upload) up to the retry policy's count. Returns a BlobPush.
        """
        source, target = _as_reference(source), _as_reference(target)
        validate_digest(digest)
        existing = None if known_missing else self.blob_exists(target, digest)
        if existing is not None:
            return BlobPush(digest, existing if size is None else size, "exists")
        if mount_from is None and source.registry == target.registry and source.repository != target.repository:
            mount_from = source.repository
        return self._push_stream(target, digest, size, lambda: self.iter_blob(source, digest, size), mount_from)
