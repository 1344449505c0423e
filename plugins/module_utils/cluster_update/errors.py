# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Errors of cluster updates; all derive from :class:`MachineOSError` (one ``fail_kwargs``)."""

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError


class ClusterUpdateError(MachineOSError):
    """Base class of the cluster update errors."""


class UpdateRefusedError(ClusterUpdateError):
    """Refused before anything was requested, as ``oc adm upgrade`` refuses (its guards)."""


class UpdateRejectedError(ClusterUpdateError):
    """The cluster-version-operator did not accept the request (ReleaseAccepted=False, Invalid=True)."""


class UpdateFailedError(ClusterUpdateError):
    """The update was accepted but fails: Failing=True, or a pool is degraded."""


class UpdateTimeoutError(ClusterUpdateError):
    """The wait ended before the update completed; the context says what is pending."""
