# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one import of kubernetes.core and of the kubernetes client library.

Every other file of the collection reaches the API server through :mod:`.client` and builds
its module through :mod:`..module_runner`; neither the kubernetes library nor kubernetes.core
is imported anywhere else. Both are optional at import time (``ansible-test sanity --test
import`` runs without them): a module that needs them fails with ``missing_required_lib``
when it runs, through :class:`..errors.MissingDependencyError`.

kubernetes.core gives the connection options (``AUTH_ARG_SPEC``, the
``kubernetes.core.k8s_auth_options`` doc fragment, ``K8S_AUTH_*`` fallbacks that AWX's
OpenShift credential injects), ``AnsibleK8SModule`` and ``get_api_client``.
"""

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

    HAS_KUBERNETES_CORE = True
except ImportError:
    HAS_KUBERNETES_CORE = False
    AUTH_ARG_SPEC = {}
    AnsibleK8SModule = None
    get_api_client = None

    class CoreException(Exception):  # type: ignore[no-redef]
        """Stand-in: kubernetes.core is absent, nothing raises it."""


try:
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError, ResourceNotUniqueError

    HAS_KUBERNETES = True
except ImportError:
    HAS_KUBERNETES = False

    class DynamicApiError(Exception):  # type: ignore[no-redef]
        """Stand-in: the kubernetes library is absent, nothing raises it."""

    class ApiException(Exception):  # type: ignore[no-redef]
        """Stand-in: the kubernetes library is absent, nothing raises it."""

    class ResourceNotFoundError(Exception):  # type: ignore[no-redef]
        """Stand-in: the kubernetes library is absent, nothing raises it."""

    class ResourceNotUniqueError(Exception):  # type: ignore[no-redef]
        """Stand-in: the kubernetes library is absent, nothing raises it."""


try:
    from urllib3.exceptions import HTTPError as Urllib3Error
except ImportError:

    class Urllib3Error(Exception):  # type: ignore[no-redef]
        """Stand-in: urllib3 is absent, nothing raises it."""


__all__ = [
    "AUTH_ARG_SPEC",
    "HAS_KUBERNETES",
    "HAS_KUBERNETES_CORE",
    "AnsibleK8SModule",
    "ApiException",
    "CoreException",
    "DynamicApiError",
    "ResourceNotFoundError",
    "ResourceNotUniqueError",
    "Urllib3Error",
    "get_api_client",
]
