# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Plain HTTPS GETs for the update graph and the signature store, with the registries' TLS trust.

The session is the registry client's (``registry/session.py``: proxies and CA bundle variables
read once), and TLS trust is the registry options' (``registry/endpoint.py`` ``Endpoints``:
``ca_file`` added to the default bundle, ``insecure_registries`` hosts not verified), so one
private CA covers the mirror registry, a local update service and a local signature store.
Connection failures and 5xx answers are retried a few times with a short backoff.
"""

import time

from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import ImageSetError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.endpoint import Endpoints
from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import registry_session, requests

USER_AGENT = "okd.machine_os-image-set/1"


class WebError(ImageSetError):
    """A GET that got no answer (connection, TLS, timeout); ``reason`` says which."""


class WebClient:
    def __init__(self, ca_file=None, insecure_hosts=(), connect_timeout=15, read_timeout=60, retries=2):
        self.endpoints = Endpoints(ca_file, insecure_hosts)
        self.session = registry_session(max_connections=8, user_agent=USER_AGENT)
        self.timeout = (connect_timeout, read_timeout)
        self.retries = max(0, int(retries))

    def close(self):
        self.session.close()

    def get(self, url, params=None, accept=None, max_bytes=None):
        """(HTTP status, body bytes, content type) of GET ``url``; WebError without an answer.

        A body longer than ``max_bytes`` is cut there (the caller judges it)."""
        headers = {"Accept": accept} if accept else {}
        attempt = 0
        while True:
            try:
                with self.session.get(
                    url,
                    params=params,
                    headers=headers,
                    timeout=self.timeout,
                    verify=self.endpoints.verify_for_url(url),
                    stream=True,
                ) as response:
                    if response.status_code >= 500 and attempt < self.retries:
                        raise _Retry(f"HTTP {response.status_code}")
                    body = response.raw.read(max_bytes + 1, decode_content=True) if max_bytes else response.content
                    return response.status_code, body, response.headers.get("Content-Type", "")
            except _Retry:
                pass
            except requests.exceptions.SSLError as exc:
                raise WebError(
                    f"TLS failed ({_first_line(exc)}): pass ca_file with the CA that signed it", url=url
                ) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if attempt >= self.retries:
                    raise WebError(f"no answer after {attempt + 1} attempts ({_first_line(exc)})", url=url) from None
            attempt += 1
            time.sleep(min(2.0, 0.25 * 2**attempt))


class _Retry(Exception):
    pass


def _first_line(exc):
    text = str(exc)
    # urllib3 wraps the reason in "HTTPSConnectionPool(...): Max retries exceeded ... (Caused by X)"
    if "Caused by " in text:
        text = text.split("Caused by ", 1)[1].rstrip(")")
    return text.splitlines()[0][:300] if text else type(exc).__name__
