# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport's retry loop against a dead port: as many attempts as the policy allows."""

import socket

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryUnreachableError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.transport import loggable


@pytest.fixture
def dead_port():
    """A loopback port bound but not listening: every connection is refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def count_attempts(client):
    """Count the HTTP requests the client's session sends (each one attempt)."""
    attempts = []
    send = client.session.request

    def counting(method, url, **kwargs):
        attempts.append((method, url))
        return send(method, url, **kwargs)

    client.session.request = counting
    return attempts


@pytest.mark.parametrize("retries, sleeps", [(0, 0), (2, 2)])
def test_a_dead_port_is_tried_retries_plus_one_times(dead_port, retries, sleeps):
    waits = []
    params = {"registry_retries": retries, "registry_connect_timeout": 1, "insecure_registries": []}
    with RegistryClient.from_params(params, sleep=waits.append) as client:
        attempts = count_attempts(client)
        with pytest.raises(RegistryUnreachableError, match="connection refused"):
            client.ping(dead_port)
    assert attempts == [("GET", f"https://{dead_port}/v2/")] * (retries + 1)
    assert len(waits) == sleeps


def test_the_debug_log_never_shows_a_query():
    assert loggable("https://r.example/v2/a/blobs/uploads/u?_state=SECRET&digest=x") == (
        "https://r.example/v2/a/blobs/uploads/u"
    )
