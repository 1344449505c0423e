# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real registries for the registry client's integration tests, beside the lab's two.

* ``token_registry``: a Debian ``docker-registry`` configured for the distribution token
  auth (``auth.token``), over plain HTTP, with a small token service of ours that signs
  RS256 JWTs (x5c header) for users and identity tokens, and records what it was asked
  (both from okdlab.token_registry, which the benchmarks use too).
  The lab's registries use htpasswd (Basic), so the Bearer flow needs this one.
* ``FaultProxy``: a TLS-terminating TCP proxy in front of a lab registry that answers
  chosen requests itself (503 + Retry-After, 429), resets connections, or cuts a response
  short, and relays everything else unchanged; one request per connection.
"""

import contextlib
import os
import socket
import ssl
import struct
import threading

import pytest

from okdlab import token_registry as token_lab


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory):
    """A real docker-registry with Bearer token auth, over plain HTTP, and its token service
    (okdlab.token_registry: writer can pull and push, reader can pull, one identity token)."""
    if not token_lab.binary():
        pytest.skip("docker-registry is not installed (hack/bootstrap.sh installs it)")
    workdir = str(tmp_path_factory.mktemp("token-registry"))
    users = {"writer": ("writer-pass-123", ["pull", "push"]), "reader": ("reader-pass-456", ["pull"])}
    with contextlib.ExitStack() as stack:
        try:
            registry = stack.enter_context(
                token_lab.running(workdir, users=users, identity_tokens={"refresh-token-789": "writer"})
            )
        except token_lab.TokenRegistryError as exc:
            pytest.fail(str(exc))
        yield registry


# ---------------------------------------------------------------------------- fault proxy


class FaultProxy:
    """TLS in front, TLS to ``upstream``; ``decide(method, path)`` picks a fault or None.

    Faults: ``("status", code, {header: value})`` answers by itself, ``("reset",)`` closes
    the connection without answering, ``("truncate", n)`` relays only n bytes of the answer.
    Each request gets ``Connection: close``, so every request arrives on a new connection.
    """

    def __init__(self, upstream, ca_file, cert_file, key_file, decide=None):
        self.upstream = upstream
        self.decide = decide or (lambda method, path: None)
        self.requests = []  # (method, path, fault name or "relayed")
        self._server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_ctx.load_cert_chain(cert_file, key_file)
        self._client_ctx = ssl.create_default_context(cafile=ca_file)
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.host = f"127.0.0.1:{self._sock.getsockname()[1]}"
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        self._stopped = True
        self._sock.close()

    def _serve(self):
        while not self._stopped:
            try:
                conn, _address = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_head(sock):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None, b""
            data += chunk
        head, _sep, rest = data.partition(b"\r\n\r\n")
        return head, rest

    @staticmethod
    def _relay_body(head, rest, client, upstream):
        """Forward the request body (Content-Length or chunked) as it arrives."""
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _sep, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            buffer = rest
            while True:
                while b"\r\n" not in buffer:
                    buffer += client.recv(65536)
                size_line, _sep, buffer = buffer.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                while len(buffer) < size + 2:
                    buffer += client.recv(65536)
                upstream.sendall(size_line + b"\r\n" + buffer[: size + 2])
                buffer = buffer[size + 2 :]
                if size == 0:
                    return
        remaining = int(headers.get("content-length") or 0) - len(rest)
        if rest:
            upstream.sendall(rest)
        while remaining > 0:
            chunk = client.recv(min(remaining, 1 << 20))
            if not chunk:
                return
            upstream.sendall(chunk)
            remaining -= len(chunk)

    def _handle(self, raw):
        try:
            client = self._server_ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        upstream = None
        try:
            head, rest = self._read_head(client)
            if head is None:
                return
            method, path, _version = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            fault = self.decide(method, path)
            self.requests.append((method, path, fault[0] if fault else "relayed"))
            if fault and fault[0] == "reset":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if fault and fault[0] == "status":
                extra = "".join(f"{k}: {v}\r\n" for k, v in (fault[2] if len(fault) > 2 else {}).items())
                client.sendall(
                    f"HTTP/1.1 {fault[1]} Injected Fault\r\nContent-Length: 0\r\n{extra}"
                    f"Connection: close\r\n\r\n".encode()
                )
                return
            lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
            lines.append(b"Connection: close")
            host, port = self.upstream.rsplit(":", 1)
            upstream = self._client_ctx.wrap_socket(socket.create_connection((host, int(port))), server_hostname=host)
            upstream.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
            self._relay_body(head, rest, client, upstream)
            limit = fault[1] if fault and fault[0] == "truncate" else None
            sent = 0
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                if limit is not None and sent + len(chunk) > limit:
                    client.sendall(chunk[: limit - sent])
                    break
                client.sendall(chunk)
                sent += len(chunk)
        except (OSError, ValueError):
            pass
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass


@pytest.fixture
def fault_proxy(lab):
    """A factory: ``fault_proxy(decide, registry="upstream")`` -> a FaultProxy in front of it."""
    pki = os.path.dirname(lab.ca_file)
    cert, key = os.path.join(pki, "serving.crt"), os.path.join(pki, "serving.key")
    if not (os.path.exists(cert) and os.path.exists(key)):
        pytest.skip(f"the lab's serving certificate is not at {pki}")
    proxies = []

    def make(decide=None, registry="upstream"):
        proxy = FaultProxy(lab.registries[registry].host, lab.ca_file, cert, key, decide)
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()
