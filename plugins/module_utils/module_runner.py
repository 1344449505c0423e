# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one module base: build the module, run one action, exit or fail in one place.

Every module of the collection is its documentation, an ``argument_spec`` and one call::

    run_module(argument_spec, os_image_override, cluster=CLUSTER_REQUIRED, supports_check_mode=True)

as kubernetes.core's ``k8s/runner.py`` ``run_module`` is for its modules. The action gets a
:class:`ModuleContext` (params, check mode, diff, warnings, the API client, commands) and
returns the result; any :class:`..errors.MachineOSError` it raises becomes ``fail_json`` here,
with ``msg``, ``error`` (the class name) and the error's context keys, the same in every module.
Nothing below ``module_utils/<domain>/`` calls ``fail_json`` or ``exit_json``.

``cluster`` says what the module needs of kubernetes.core: ``None`` (nothing),
``CLUSTER_OPTIONAL`` (its connection options, the cluster read only when asked, e.g. a
release module with no image reads the cluster's release) or ``CLUSTER_REQUIRED``.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError, MissingDependencyError
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.client import Client
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.core import (
    AUTH_ARG_SPEC,
    HAS_KUBERNETES,
    HAS_KUBERNETES_CORE,
    AnsibleK8SModule,
)
from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import RBAC_DOC

CLUSTER_OPTIONAL = "optional"
CLUSTER_REQUIRED = "required"
KUBERNETES_CORE_INSTALL = "ansible-galaxy collection install kubernetes.core"


class ModuleContext:
    """What an action may use of its module; it has no ``fail_json``/``exit_json`` on purpose."""

    def __init__(self, module: Any, rbac_doc: str = RBAC_DOC) -> None:
        self.module = module
        self.rbac_doc = rbac_doc
        self._client: Client | None = None
        # AnsibleK8SModule wraps an AnsibleModule without forwarding run_command/get_bin_path
        self._base = getattr(module, "_module", module)

    @property
    def params(self) -> dict[str, Any]:
        return self.module.params

    @property
    def check_mode(self) -> bool:
        return self.module.check_mode

    @property
    def diff(self) -> bool:
        return bool(self.module._diff)  # pylint: disable=protected-access

    @property
    def server_side_dry_run(self) -> bool:
        """Check mode with a kubernetes library that sends writes as server-side dry runs."""
        return bool(getattr(self.module, "server_side_dry_run", False))

    def warn(self, message: str) -> None:
        self.module.warn(message)

    def require(self, library: str, present: bool, reason: str | None = None) -> None:
        """MissingDependencyError (missing_required_lib's text) unless ``present``."""
        if not present:
            raise MissingDependencyError(missing_required_lib(library, reason=reason))

    def require_cluster(self, why: str | None = None) -> None:
        """MissingDependencyError unless kubernetes.core and the kubernetes library are there.

        ``why`` completes the message: "<why> needs the kubernetes.core collection (...)".
        """
        if not HAS_KUBERNETES_CORE or not isinstance(self.module, AnsibleK8SModule):
            needs = f"{why} needs" if why else "this task needs"
            raise MissingDependencyError(f"{needs} the kubernetes.core collection ({KUBERNETES_CORE_INSTALL})")
        self.require("kubernetes", HAS_KUBERNETES, reason=f"for {why}" if why else None)

    def client(self, why: str | None = None) -> Client:
        """The API client from the module's connection options (made once); see require_cluster."""
        if self._client is None:
            self.require_cluster(why)
            self._client = Client.for_module(self.module, rbac_doc=self.rbac_doc)
        return self._client

    def run_command(self, argv: list[str]) -> tuple[int, str, str]:
        return self._base.run_command(argv, check_rc=False)

    def which(self, name: str) -> str | None:
        return self._base.get_bin_path(name, required=False)


def build_module(argument_spec: dict[str, Any], cluster: str | None = None, **kwargs: Any) -> Any:
    """AnsibleModule, or AnsibleK8SModule with kubernetes.core's connection options."""
    if cluster is None:
        return AnsibleModule(argument_spec=argument_spec, **kwargs)
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(argument_spec)
    if HAS_KUBERNETES_CORE:
        if cluster == CLUSTER_REQUIRED:
            return AnsibleK8SModule(argument_spec=spec, **kwargs)
        # the kubernetes library is needed only when the cluster is read
        return AnsibleK8SModule(argument_spec=spec, check_k8s=False, check_pyyaml=False, **kwargs)
    if cluster == CLUSTER_REQUIRED:
        AnsibleModule(argument_spec={}, bypass_checks=True).fail_json(
            msg=f"The kubernetes.core collection (>= 6.0.0) is required: {KUBERNETES_CORE_INSTALL}",
            error=MissingDependencyError.__name__,
        )
    return AnsibleModule(argument_spec=spec, **kwargs)


def run_module(
    argument_spec: dict[str, Any],
    action: Callable[[ModuleContext], dict[str, Any]],
    cluster: str | None = None,
    rbac_doc: str = RBAC_DOC,
    **kwargs: Any,
) -> None:
    """Build the module, run ``action(context)``, exit with its result or fail with its error."""
    module = build_module(argument_spec, cluster, **kwargs)
    try:
        result = action(ModuleContext(module, rbac_doc=rbac_doc))
    except MachineOSError as e:
        module.fail_json(**e.fail_kwargs())
    else:
        module.exit_json(**result)
