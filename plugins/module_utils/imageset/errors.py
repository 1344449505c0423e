# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What can go wrong with an image set, for the user: each message says what, why and what to do.

All derive from ``errors.MachineOSError``; ``fail_kwargs()`` gives ``fail_json`` the message,
the class name as ``error`` and the context keys (the key path at fault, the channel, the
release, the verdicts).
"""

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError


class ImageSetError(MachineOSError):
    """Base class of the image-set errors."""


class ImageSetConfigError(ImageSetError):
    """The ImageSetConfiguration is malformed: unknown key or apiVersion, wrong type, bad value."""


class NotSupportedError(ImageSetConfigError):
    """A key oc-mirror v2 knows that this collection does not implement yet (``operators``, ...)."""


class GraphError(ImageSetError):
    """The update graph endpoint is unreachable or answered something that is not a graph."""


class ChannelError(ImageSetError):
    """A channel the graph does not have, a version not in its channel, or a range that is empty."""


class SignatureError(ImageSetError):
    """A release signature that is missing or does not verify, or a key that cannot be used."""


class KeyringError(SignatureError):
    """The OpenPGP public key file cannot be read or holds no certificate."""


class SignatureStoreError(SignatureError):
    """The signature store could not be asked (connection failure, an answer other than 200 or 404)."""


class UnverifiedReleaseError(SignatureError):
    """One or more releases have no signature, or none that verifies against the keyring."""
