# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Errors about release payloads: what is wrong with the payload (or the request), for the user.

Like the registry client's errors, each message says what failed, why and what to do, and
``fail_kwargs()`` gives ``module.fail_json`` the message plus context keys. Registry
problems (auth, TLS, 404, ...) stay ``registry.errors.RegistryError``s.
"""

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError


class ReleaseError(MachineOSError):
    """Base class of the payload errors."""


class PayloadError(ReleaseError):
    """The payload's release-manifests are malformed (bad JSON, wrong kind, bad versions)."""


class NotAReleaseError(PayloadError):
    """The image has no ``release-manifests/image-references`` in its last layer."""


class VersionMismatchError(PayloadError):
    """image-references ``metadata.name`` differs from release-metadata ``version``."""


class UnknownTagError(ReleaseError):
    """A component tag name that the payload does not have."""


class MissingFileError(ReleaseError):
    """A file name asked for that is not in the payload's release-manifests."""


class LayoutError(ReleaseError):
    """A directory that is not a usable OCI image layout, or a blob in it that is missing or bad."""
