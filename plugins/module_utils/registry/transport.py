# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One API call to a registry: scheme, auth, retries, and the error a failure means.

``Transport`` is the base of ``RegistryClient``: it owns the session (``session.py``), the
registries' endpoints and TLS trust (``endpoint.py``), the auth flow (``token.py``) and the
retry policy (``retry.py``). ``_request`` sends a call, answers the registry's 401
challenges, retries 408/429/5xx answers and connection failures with backoff (honouring
``Retry-After``), and turns what is left into a RegistryError (``http_errors.py``).
The manifest, blob download and upload calls (``manifests.py``, ``downloads.py``,
``uploads.py``) are built on ``_repository_request``.
"""

import time
from urllib.parse import urlsplit

from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore
from ansible_collections.okd.machine_os.plugins.module_utils.registry.endpoint import Endpoints
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import NotFoundError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.http_errors import (
    describe_chain,
    is_retriable,
    registry_error_codes,
    reports_out_of_space,
    status_error,
    transport_error,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.retry import RetryPolicy
from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    USER_AGENT,
    registry_session,
    requests,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.token import Authorizer, repository_scope

DEFAULT_TIMEOUT = (float(DEFAULT_CONNECT_TIMEOUT), float(DEFAULT_READ_TIMEOUT))


def loggable(url):
    """A URL without its query (upload state tokens): what the debug log shows."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Transport:
    """Sends the client's requests; see the module docstring. ``close()`` when done.

    ``auth``: an AuthStore (none: anonymous). ``retry``: a RetryPolicy. ``timeout``: (connect,
    read) seconds. ``log``: a callable for debug lines (never with secrets). ``sleep``: the
    wait between retries (tests record it).
    """

    def __init__(
        self,
        auth=None,
        *,
        ca_file=None,
        insecure_registries=(),
        retry=None,
        timeout=DEFAULT_TIMEOUT,
        log=None,
        sleep=time.sleep,
        max_connections=16,
        user_agent=USER_AGENT,
    ):
        self.session = registry_session(max_connections, user_agent)
        self.auth = auth if auth is not None else AuthStore()
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._log = log
        self._sleep = sleep
        try:
            self.endpoints = Endpoints(ca_file, insecure_registries)
        except BaseException:
            self.session.close()
            raise
        self.insecure_registries = self.endpoints.insecure
        self.authorizer = Authorizer(self.auth, self._send_token_request, log=self._debug)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.session.close()
        self.endpoints.close()

    def _debug(self, message):
        if self._log is not None:
            self._log(message)

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

    def _send_token_request(self, endpoint, request, realm_host):
        """Send a TokenRequest to the token service, retried like an API call; the response."""
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    request.method,
                    request.url,
                    params=request.params,
                    data=request.form,
                    headers=request.headers(),
                    timeout=self.timeout,
                    verify=self.endpoints.verify_for_url(request.url),
                    allow_redirects=True,
                )
            except requests.exceptions.RequestException as exc:
                if isinstance(exc, requests.exceptions.SSLError) or not self.retry.should_retry_error(attempt):
                    raise transport_error(exc, endpoint, what=f"token service {realm_host}") from None
                self._sleep(self.retry.delay(attempt))
                attempt += 1
                continue
            if self.retry.should_retry_status(response.status_code, attempt):
                self._sleep(self.retry.delay(attempt, response.headers.get("Retry-After")))
                response.close()
                attempt += 1
                continue
            return response

    def _repository_request(self, method, ref, url, *, push=False, also_scopes=(), **kwargs):
        """``_request`` on ``ref``'s repository: its registry, its pull (or pull,push) scope."""
        scopes = [repository_scope(ref.repository, push), *also_scopes]
        return self._request(
            method, ref.registry, url, repository=ref.repository, scopes=scopes, reference=ref, **kwargs
        )

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
        None, bytes, or a callable returning a fresh body for each attempt. ``retry=False``
        sends it once (a caller that restarts a whole upload itself).
        """
        endpoint = self.endpoints(registry)
        self._ensure_scheme(endpoint)
        what = what or f"{method} {url}"
        attempt = 0
        auth_retries = 0
        refresh = False
        while True:
            full_url = url if "://" in url else endpoint.base_url + url
            request_headers = dict(headers or {})
            authorization = self.authorizer.authorization(endpoint, repository, list(scopes), refresh=refresh)
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
                if retry and is_retriable(exc) and self.retry.should_retry_error(attempt):
                    delay = self.retry.delay(attempt)
                    self._debug(
                        f"{method} {loggable(full_url)}: {type(exc).__name__}, retry {attempt + 1} in {delay:.1f}s"
                    )
                    self._sleep(delay)
                    attempt += 1
                    continue
                self._debug(f"{method} {loggable(full_url)}: {describe_chain(exc)}")
                raise transport_error(exc, endpoint) from None
            status = response.status_code
            self._debug(f"{method} {loggable(full_url)} -> {status}")
            if status == 401 and auth_retries < 2:
                sent = bool(authorization)
                response.close()
                challenge = response.headers.get("WWW-Authenticate", "")
                if self.authorizer.on_unauthorized(endpoint, challenge, repository, list(scopes), sent):
                    auth_retries += 1
                    refresh = sent
                    continue
            refresh = False
            if retry and self.retry.should_retry_status(status, attempt) and not reports_out_of_space(response):
                delay = self.retry.delay(attempt, response.headers.get("Retry-After"))
                self._debug(f"{method} {loggable(full_url)}: HTTP {status}, retry {attempt + 1} in {delay:.1f}s")
                response.close()
                self._sleep(delay)
                attempt += 1
                continue
            if status in ok:
                return response
            raise self._answer_error(response, endpoint, what, reference, not_found, repository, attempt + 1)

    def _answer_error(self, response, endpoint, what, reference, not_found, repository, attempts):
        """The RegistryError for an answer the call did not expect."""
        creds = self.authorizer.credentials(endpoint, repository)
        if response.status_code == 401:
            codes, _messages = registry_error_codes(response)
            response.close()
            error = self.authorizer.unauthorized_error(endpoint, creds, True)
            error.reference, error.codes = reference, codes
            return error
        return status_error(
            response,
            endpoint,
            what,
            reference=reference,
            repository=repository,
            not_found=not_found,
            source=creds.source if creds is not None else None,
            attempts=attempts,
        )
