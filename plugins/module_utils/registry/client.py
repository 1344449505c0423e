# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A client of the OCI distribution API (https://github.com/opencontainers/distribution-spec).

``RegistryClient`` is the one entry point: modules build it with ``from_params`` (the
``registry_auth`` options) and use it as a context manager. One client talks to any number
of registries through one ``requests.Session`` (connection pooling per host). Its parts,
one job per file:

* ``transport.py``: one API call: scheme, auth, retries, errors (the base class);
* ``token.py``: credentials sent as Basic or exchanged for Bearer tokens per scope;
* ``endpoint.py``: TLS trust (``ca_file``, ``insecure_registries``) and what is known of
  each registry; ``session.py``: the HTTP session; ``http_errors.py``: what a failure means;
* ``manifests.py``: manifests and indexes by tag or digest, tag listing;
* ``downloads.py``: blob HEAD and verified, resumable GET;
* ``uploads.py``: mount, monolithic and chunked uploads, registry-to-registry copy.

Errors are the ``errors`` module's classes, with messages for the user; credentials and
tokens never appear in them, nor in the ``log`` callback's lines.

``requests`` is imported under a guard: modules check ``HAS_REQUESTS`` and fail with
``missing_required_lib('requests')`` (it is a dependency of the kubernetes client).
"""

from ansible_collections.okd.machine_os.plugins.module_utils.registry.args import registry_client_options
from ansible_collections.okd.machine_os.plugins.module_utils.registry.auth import AuthStore
from ansible_collections.okd.machine_os.plugins.module_utils.registry.blobs import CHUNK_SIZE
from ansible_collections.okd.machine_os.plugins.module_utils.registry.endpoint import (
    is_insecure as _is_insecure,  # noqa: F401  # build/image_build.py imports it from here
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.endpoint import normalize_insecure_registries
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifests import ManifestClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.okd.machine_os.plugins.module_utils.registry.uploads import BlobPush, UploadClient

# what callers import from here, besides RegistryClient
__all__ = ["HAS_REQUESTS", "REQUESTS_IMPORT_ERROR", "BlobPush", "RegistryClient", "normalize_insecure_registries"]


class RegistryClient(ManifestClient, UploadClient):
    """Talks to registries; see the module docstring. Use as a context manager or ``close()``.

    ``auth``: an AuthStore (None: anonymous). ``chunk_size``: bytes per chunk of a blob
    stream; ``upload_chunk_size``: upload larger blobs in PATCH chunks of this size (None:
    one PUT). The other keyword arguments are ``Transport``'s: ``ca_file``,
    ``insecure_registries``, ``retry`` (a RetryPolicy), ``timeout`` ((connect, read)
    seconds), ``log``, ``sleep``, ``max_connections``, ``user_agent``.
    """

    def __init__(self, auth=None, *, chunk_size=CHUNK_SIZE, upload_chunk_size=None, **transport_options):
        super().__init__(auth, **transport_options)
        self.chunk_size = chunk_size
        self.upload_chunk_size = upload_chunk_size

    @classmethod
    def from_params(cls, params, **kwargs):
        """A client from the options of ``registry_auth_argument_spec()`` (module params).

        Raises RegistryOptionError for a retry or timeout option out of range, AuthFileError
        for an auth file that cannot be read.
        """
        options = registry_client_options(params)
        options.update(kwargs)
        store = AuthStore.load(
            auth_file=params.get("auth_file"),
            username=params.get("registry_username"),
            password=params.get("registry_password"),
        )
        return cls(
            store, ca_file=params.get("ca_file"), insecure_registries=params.get("insecure_registries") or (), **options
        )

    def __repr__(self):
        return f"RegistryClient(registries={self.endpoints.names()!r}, insecure={sorted(self.insecure_registries)!r})"
