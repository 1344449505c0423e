"""The lab's own minimal OCI distribution client (stdlib + `requests` only).

The lab writes and checks registry content with this client rather than with the
collection's, so the collection is always tested against an independent implementation
of the distribution API (https://github.com/opencontainers/distribution-spec).

Covers what the lab needs: manifests and blobs (get, head, monolithic upload, cross-repo
mount), HTTP Basic auth (docker-registry + htpasswd) and Bearer token auth, TLS verified
against a CA file.  Every body read is checked against its digest.
"""

import base64
import hashlib
import re
from urllib.parse import urljoin

import requests

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST_TYPES = (DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX)

TIMEOUT = 60
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class RegistryError(Exception):
    """A registry answered with an error (status set) or could not be reached (status None).

    The message carries the registry's own error text, never credentials.
    """

    def __init__(self, message, status=None):
        super().__init__(f"{message} (HTTP {status})" if status else message)
        self.status = status
        self.message = message


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_pullspec(spec):
    """Split `host/repo[:tag|@sha256:..]` into (host, repo, ref); the tag defaults to `latest`.

    A first component without `.`/`:` that is not `localhost` is a Docker Hub repository,
    as container tools read it.
    """
    name, ref = spec, None
    if "@" in spec:
        name, ref = spec.split("@", 1)
    else:
        last = spec.rsplit("/", 1)[-1]
        if ":" in last:
            name, ref = spec.rsplit(":", 1)
    first, _unused, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, repo = first, rest
    else:
        host, repo = "docker.io", name if "/" in name else "library/" + name
    if not repo:
        raise ValueError(f"no repository in pullspec {spec!r}")
    return host, repo, ref or "latest"


def auth_for(host, dockerconfig):
    """(user, password) for `host` from a docker config / pull secret `{"auths": {...}}`, or None."""
    auths = (dockerconfig or {}).get("auths") or {}
    for key in (host, "https://" + host, "http://" + host, "https://" + host + "/v1/"):
        entry = auths.get(key)
        if not entry:
            continue
        if entry.get("auth"):
            user, _unused, password = base64.b64decode(entry["auth"]).decode("utf-8").partition(":")
            return user, password
        if entry.get("username"):
            return entry["username"], entry.get("password", "")
    return None


def _error_text(resp):
    """The registry's `errors[]` as one line, else the start of its body."""
    try:
        errors = resp.json().get("errors") or []
        text = "; ".join(f"{e.get('code', '')}: {e.get('message', '')}".strip(": ") for e in errors)
    except (ValueError, AttributeError):
        text = ""
    return text or resp.text[:200].strip() or resp.reason or "error"


def _parse_challenge(header):
    """('basic'|'bearer', {param: value}) from a WWW-Authenticate header."""
    scheme, _unused, params = (header or "").strip().partition(" ")
    return scheme.lower(), dict(_CHALLENGE_PARAM.findall(params))


class RegistryClient:
    """One registry host; answers 401 challenges (Basic or Bearer) once per request."""

    def __init__(self, host, auth=None, ca_file=None, insecure=False, scheme="https"):
        self.host = host
        self.base = f"{scheme}://{host}/v2/"
        self._auth = tuple(auth) if auth else None
        self._authorization = None
        self._session = requests.Session()
        # passed on every request: requests lets REQUESTS_CA_BUNDLE override Session.verify
        self._verify = False if insecure else (ca_file or True)

    # -- transport ---------------------------------------------------------------------
    def _url(self, path):
        return path if path.startswith(("http://", "https://")) else self.base + path

    def _request(self, method, path, ok=(200,), **kwargs):
        """Send once, answer an auth challenge, resend; raise RegistryError unless status in ok."""
        url = self._url(path)
        resp = self._send(method, url, **kwargs)
        if resp.status_code == 401 and self._answer_challenge(resp):
            resp = self._send(method, url, **kwargs)
        if resp.status_code not in ok:
            raise RegistryError(f"{method} {url}: {_error_text(resp)}", resp.status_code)
        return resp

    def _send(self, method, url, headers=None, **kwargs):
        headers = dict(headers or {})
        if self._authorization:
            headers["Authorization"] = self._authorization
        try:
            return self._session.request(method, url, headers=headers, timeout=TIMEOUT, verify=self._verify, **kwargs)
        except requests.RequestException as e:
            raise RegistryError(f"{method} {url}: {e.__class__.__name__}: {e}") from None

    def _answer_challenge(self, resp):
        """Set the Authorization header the challenge asks for; False if we cannot answer."""
        scheme, params = _parse_challenge(resp.headers.get("WWW-Authenticate"))
        if scheme == "basic" and self._auth:
            token = base64.b64encode(":".join(self._auth).encode("utf-8")).decode("ascii")
            self._authorization = "Basic " + token
            return True
        if scheme == "bearer" and params.get("realm"):
            self._authorization = "Bearer " + self._bearer_token(params)
            return True
        return False

    def _bearer_token(self, params):
        query = {k: params[k] for k in ("service", "scope") if params.get(k)}
        try:
            resp = self._session.get(
                params["realm"], params=query, auth=self._auth, timeout=TIMEOUT, verify=self._verify
            )
        except requests.RequestException as e:
            raise RegistryError(f"token request to {params['realm']}: {e.__class__.__name__}: {e}") from None
        if resp.status_code != 200:
            raise RegistryError(f"token request to {params['realm']}: {_error_text(resp)}", resp.status_code)
        body = resp.json()
        token = body.get("token") or body.get("access_token")
        if not token:
            raise RegistryError(f"token request to {params['realm']}: no token in the answer")
        return token

    # -- manifests -----------------------------------------------------------------------
    def get_manifest(self, repo, reference, accept=MANIFEST_TYPES):
        """(body, media type, digest); the digest is computed and checked, not trusted."""
        resp = self._request("GET", f"{repo}/manifests/{reference}", headers={"Accept": ", ".join(accept)})
        body = resp.content
        digest = sha256_digest(body)
        expected = reference if reference.startswith("sha256:") else resp.headers.get("Docker-Content-Digest")
        if expected and expected != digest:
            raise RegistryError(f"manifest {repo}@{reference}: content digest {digest} != {expected}")
        media_type = (resp.headers.get("Content-Type") or "").split(";")[0].strip()
        return body, media_type, digest

    def put_manifest(self, repo, reference, body, media_type):
        """Push a manifest by tag or digest; return its digest."""
        digest = sha256_digest(body)
        resp = self._request(
            "PUT", f"{repo}/manifests/{reference}", ok=(201, 200), data=body, headers={"Content-Type": media_type}
        )
        answered = resp.headers.get("Docker-Content-Digest")
        if answered and answered != digest:
            raise RegistryError(f"manifest {repo}:{reference}: registry stored {answered}, sent {digest}")
        return digest

    # -- blobs -------------------------------------------------------------------------
    def get_blob(self, repo, digest):
        data = self._request("GET", f"{repo}/blobs/{digest}").content
        actual = sha256_digest(data)
        if actual != digest:
            raise RegistryError(f"blob {repo}@{digest}: content digest is {actual}")
        return data

    def blob_exists(self, repo, digest):
        return self._request("HEAD", f"{repo}/blobs/{digest}", ok=(200, 404)).status_code == 200

    def put_blob(self, repo, data, digest=None):
        """Monolithic upload (POST then PUT ?digest=); skipped when the blob is already there."""
        actual = sha256_digest(data)
        if digest and digest != actual:
            raise ValueError(f"blob content digest is {actual}, not {digest}")
        if self.blob_exists(repo, actual):
            return actual
        start = self._request("POST", f"{repo}/blobs/uploads/", ok=(202,))
        location = self._upload_location(start)
        sep = "&" if "?" in location else "?"
        self._request(
            "PUT",
            f"{location}{sep}digest={actual}",
            ok=(201,),
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        return actual

    def mount_blob(self, repo, digest, from_repo):
        """Cross-repository mount; False (and the opened upload cancelled) if the registry declines."""
        resp = self._request(
            "POST", f"{repo}/blobs/uploads/", ok=(201, 202), params={"mount": digest, "from": from_repo}
        )
        if resp.status_code == 201:
            return True
        self._request("DELETE", self._upload_location(resp), ok=(202, 204, 404))
        return False

    def _upload_location(self, resp):
        location = resp.headers.get("Location")
        if not location:
            raise RegistryError(f"upload to {resp.url}: no Location in the answer", resp.status_code)
        return urljoin(resp.url, location)
