"""A docker-registry with the distribution *token* auth (Bearer JWTs), beside the lab's two.

The lab's registries use htpasswd (Basic auth, a bcrypt check on every request); production
mirror registries (Quay, Harbor, the OpenShift mirror-registry) use the token auth instead.
This module gives both the registry client's integration tests and the benchmarks the same
one:

* ``TokenService``: the distribution token spec's authorization server, small: users,
  identity tokens, per-user actions; it signs RS256 JWTs (x5c header) and records what it
  was asked and what it handed out.
* ``running(workdir, ...)``: a context manager that starts a ``TokenService`` and a Debian
  ``docker-registry`` configured with ``auth: token`` on a given (or free) port and storage
  directory, over plain HTTP or, given a certificate and key, over TLS (the token service
  then serves HTTPS with the same pair); it yields a ``TokenRegistry`` and stops both.
"""

import base64
import contextlib
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta

from .registries import BASE_CONFIG

TOKEN_SERVICE = "okd-test-registry"
TOKEN_ISSUER = "okd-test-issuer"


class TokenRegistryError(RuntimeError):
    """The token-auth registry could not be started."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def binary():
    """The docker-registry executable, or None when it is not installed."""
    return shutil.which("docker-registry")


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenService:
    """The distribution token spec's authorization server, small: users, identity tokens,
    per-user actions; replies with ``token`` or ``access_token`` (``reply_key``).

    Plain HTTP unless ``start`` is given a certificate and key (then HTTPS)."""

    def __init__(self, workdir):
        # pylint: disable=import-outside-toplevel  # cryptography ships with ansible-core
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
        from cryptography.x509.oid import NameOID

        self._hashes, self._padding = hashes, padding
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TOKEN_ISSUER)])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.cert_der = cert.public_bytes(serialization.Encoding.DER)
        self.cert_file = os.path.join(workdir, "token-signer.crt")
        with open(self.cert_file, "wb") as handle:
            handle.write(cert.public_bytes(serialization.Encoding.PEM))
        self.users = {}  # name -> (password, actions)
        self.identity_tokens = {}  # refresh token -> user name
        self.requests = []  # (method, user or None, [scopes])
        self.issued = []  # every token handed out
        self.reply_key = "token"
        self.expires_in = 300
        self.port = free_port()
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self._server = None

    def sign(self, subject, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self.cert_der).decode()]}
        claims = {
            "iss": TOKEN_ISSUER,
            "sub": subject or "",
            "aud": TOKEN_SERVICE,
            "exp": now + self.expires_in,
            "nbf": now - 30,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
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
        return 200, {self.reply_key: token, "expires_in": self.expires_in, "issued_at": datetime.now(UTC).isoformat()}

    def start(self, cert_file=None, key_file=None):
        """Serve in a daemon thread; over HTTPS with ``cert_file``/``key_file`` when given."""
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

            def log_message(self, *args):  # keep pytest's output clean
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if cert_file:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert_file, key_file)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.realm = f"https://127.0.0.1:{self.port}/token"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


REGISTRY_CONFIG = (
    BASE_CONFIG
    + """\
http:
  addr: 127.0.0.1:{port}
{tls}auth:
  token:
    realm: {realm}
    service: {service}
    issuer: {issuer}
    rootcertbundle: {bundle}
"""
)

TLS_CONFIG = """\
  tls:
    certificate: {cert}
    key: {key}
"""


class TokenRegistry:
    """A running token-auth registry: ``host`` (``127.0.0.1:<port>``), ``tokens`` (its
    TokenService), ``process`` (the docker-registry Popen), ``url``, ``log_file``."""

    def __init__(self, host, service, process, url=None, log_file=None):
        self.host = host
        self.tokens = service
        self.process = process
        self.url = url or f"http://{host}"
        self.log_file = log_file

    @property
    def pid(self):
        return self.process.pid


def _wait_listening(process, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            if process.poll() is not None:
                return False
            time.sleep(0.1)
    return False


def _stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running(
    workdir, port=None, data_dir=None, cert_file=None, key_file=None, users=None, identity_tokens=None, timeout=20
):
    """Start a TokenService and a docker-registry (``auth: token``) on ``port`` (a free one
    when None) storing under ``data_dir`` (``<workdir>/data`` when None), over TLS with
    ``cert_file``/``key_file`` when given (the token service too) or plain HTTP otherwise;
    yield a TokenRegistry, then stop both.  ``workdir`` holds the config, the token signer's
    certificate and ``registry.log``.  ``users``: name -> (password, [actions]);
    ``identity_tokens``: refresh token -> user name.  Storage and logging are the lab
    registries' (okdlab.registries.BASE_CONFIG): only the auth differs.  Raises TokenRegistryError when
    docker-registry is missing or does not start."""
    executable = binary()
    if not executable:
        raise TokenRegistryError("docker-registry is not installed (hack/bootstrap.sh installs it)")
    if bool(cert_file) != bool(key_file):
        raise ValueError("TLS needs both cert_file and key_file")
    os.makedirs(workdir, exist_ok=True)
    port = port or free_port()
    data_dir = data_dir or os.path.join(workdir, "data")
    service = TokenService(workdir)
    service.users = dict(users or {})
    service.identity_tokens = dict(identity_tokens or {})
    service.start(cert_file, key_file)
    config = os.path.join(workdir, "config.yml")
    tls = TLS_CONFIG.format(cert=cert_file, key=key_file) if cert_file else ""
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(
            REGISTRY_CONFIG.format(
                data_dir=data_dir,
                port=port,
                tls=tls,
                realm=service.realm,
                service=TOKEN_SERVICE,
                issuer=TOKEN_ISSUER,
                bundle=service.cert_file,
            )
        )
    log_path = os.path.join(workdir, "registry.log")
    process = None
    try:
        with open(log_path, "ab") as log:
            # pylint: disable-next=consider-using-with
            process = subprocess.Popen(
                [executable, "serve", config], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        if not _wait_listening(process, port, timeout):
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                tail = handle.read()[-2000:]
            raise TokenRegistryError(f"the token-auth registry did not start on 127.0.0.1:{port}:\n{tail}")
        host = f"127.0.0.1:{port}"
        yield TokenRegistry(
            host, service, process, url=("https://" if cert_file else "http://") + host, log_file=log_path
        )
    finally:
        if process is not None:
            _stop(process)
        service.stop()
