# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real registries for the registry client's integration tests, beside the lab's two.

* ``token_registry``: a Debian ``docker-registry`` configured for the distribution token
  auth (``auth.token``), over plain HTTP, with a small token service of ours that signs
  RS256 JWTs (x5c header) for users and identity tokens, and records what it was asked.
  The lab's registries use htpasswd (Basic), so the Bearer flow needs this one.
* ``FaultProxy``: a TLS-terminating TCP proxy in front of a lab registry that answers
  chosen requests itself (503 + Retry-After, 429), resets connections, or cuts a response
  short, and relays everything else unchanged; one request per connection.
"""

import base64
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

import pytest

TOKEN_SERVICE = "okd-test-registry"
TOKEN_ISSUER = "okd-test-issuer"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenService:
    """The distribution token spec's authorization server, small: users, identity tokens,
    per-user actions; replies with ``token`` or ``access_token`` (``reply_key``)."""

    def __init__(self, workdir):
        # pylint: disable=import-outside-toplevel  # cryptography ships with ansible-core
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
        from cryptography.x509.oid import NameOID

        self._hashes, self._padding = hashes, padding
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TOKEN_ISSUER)])
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(self.key, hashes.SHA256()))
        self.cert_der = cert.public_bytes(serialization.Encoding.DER)
        self.cert_file = os.path.join(workdir, "token-signer.crt")
        with open(self.cert_file, "wb") as handle:
            handle.write(cert.public_bytes(serialization.Encoding.PEM))
        self.users = {}             # name -> (password, actions)
        self.identity_tokens = {}   # refresh token -> user name
        self.requests = []          # (method, user or None, [scopes])
        self.issued = []            # every token handed out
        self.reply_key = "token"
        self.expires_in = 300
        self.port = free_port()
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self._server = None

    def sign(self, subject, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self.cert_der).decode()]}
        claims = {"iss": TOKEN_ISSUER, "sub": subject or "", "aud": TOKEN_SERVICE, "exp": now + self.expires_in,
                  "nbf": now - 30, "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        signature = self.key.sign(signing_input.encode(), self._padding.PKCS1v15(), self._hashes.SHA256())
        return signing_input + "." + _b64url(signature)

    def _grant(self, user, scopes):
        allowed = self.users[user][1] if user else []
        access = []
        for scope in scopes:
            for item in scope.split():
                kind, _sep, rest = item.partition(":")
                name, _sep, actions = rest.rpartition(":")
                granted = [a for a in actions.split(",") if a in allowed]
                if kind == "repository" and name:
                    access.append({"type": "repository", "name": name, "actions": granted})
        return access

    def handle(self, handler):
        """(status, body) for a token request."""
        url = urllib.parse.urlsplit(handler.path)
        query = urllib.parse.parse_qs(url.query)
        user = None
        if handler.command == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(handler.rfile.read(length).decode())
            if form.get("grant_type") != ["refresh_token"]:
                return 400, {"error": "unsupported_grant_type"}
            user = self.identity_tokens.get((form.get("refresh_token") or [""])[0])
            if user is None:
                return 401, {"error": "invalid_grant"}
            scopes = (form.get("scope") or [""])[0].split()
            self.requests.append(("POST", user, scopes))
        else:
            auth = handler.headers.get("Authorization") or ""
            if auth.startswith("Basic "):
                name, _sep, password = base64.b64decode(auth[6:]).decode().partition(":")
                if self.users.get(name, (None,))[0] != password:
                    return 401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}
                user = name
            scopes = query.get("scope") or []
            self.requests.append(("GET", user, scopes))
        if (query.get("service") or [TOKEN_SERVICE])[0] != TOKEN_SERVICE and handler.command == "GET":
            return 400, {"error": "wrong service"}
        token = self.sign(user, self._grant(user, scopes))
        self.issued.append(token)
        return 200, {self.reply_key: token, "expires_in": self.expires_in,
                     "issued_at": datetime.now(timezone.utc).isoformat()}

    def start(self):
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                status, body = service.handle(self)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *args):      # keep pytest's output clean
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()


REGISTRY_CONFIG = """\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {data}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
auth:
  token:
    realm: {realm}
    service: {service}
    issuer: {issuer}
    rootcertbundle: {bundle}
"""


class TokenRegistry:
    def __init__(self, host, service, process):
        self.host = host
        self.tokens = service
        self.process = process


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory):
    """A real docker-registry with Bearer token auth, over plain HTTP, and its token service."""
    binary = shutil.which("docker-registry")
    if not binary:
        pytest.skip("docker-registry is not installed (hack/bootstrap.sh installs it)")
    workdir = str(tmp_path_factory.mktemp("token-registry"))
    service = TokenService(workdir)
    service.users = {"writer": ("writer-pass-123", ["pull", "push"]), "reader": ("reader-pass-456", ["pull"])}
    service.identity_tokens = {"refresh-token-789": "writer"}
    service.start()
    port = free_port()
    config = os.path.join(workdir, "config.yml")
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(REGISTRY_CONFIG.format(data=os.path.join(workdir, "data"), port=port, realm=service.realm,
                                            service=TOKEN_SERVICE, issuer=TOKEN_ISSUER, bundle=service.cert_file))
    log = open(os.path.join(workdir, "registry.log"), "wb")     # pylint: disable=consider-using-with
    process = subprocess.Popen([binary, "serve", config], stdout=log, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    if process.poll() is not None:
        log.close()
        with open(os.path.join(workdir, "registry.log"), encoding="utf-8", errors="replace") as handle:
            pytest.fail(f"the token-auth registry did not start:\n{handle.read()[-2000:]}")
    yield TokenRegistry(f"127.0.0.1:{port}", service, process)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()
    service.stop()


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
        self.requests = []          # (method, path, fault name or "relayed")
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
                upstream.sendall(size_line + b"\r\n" + buffer[:size + 2])
                buffer = buffer[size + 2:]
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
                client.sendall(f"HTTP/1.1 {fault[1]} Injected Fault\r\nContent-Length: 0\r\n{extra}"
                               f"Connection: close\r\n\r\n".encode())
                return
            lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
            lines.append(b"Connection: close")
            host, port = self.upstream.rsplit(":", 1)
            upstream = self._client_ctx.wrap_socket(socket.create_connection((host, int(port))),
                                                    server_hostname=host)
            upstream.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
            self._relay_body(head, rest, client, upstream)
            limit = fault[1] if fault and fault[0] == "truncate" else None
            sent = 0
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                if limit is not None and sent + len(chunk) > limit:
                    client.sendall(chunk[:limit - sent])
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
