# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argument specs shared by the MachineConfig modules.

Each spec matches a doc fragment of this collection (`plugins/doc_fragments/`): change
them together. The Kubernetes connection options come from kubernetes.core
(`AUTH_ARG_SPEC` and the `kubernetes.core.k8s_auth_options` fragment), so AWX's
`K8S_AUTH_*` credential injection works unchanged.
"""

import copy

# okd.machine_os.wait_options
WAIT_ARG_SPEC = {
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 1800},
    "wait_sleep": {"type": "int", "default": 5},
}


def wait_arg_spec():
    """A fresh copy of WAIT_ARG_SPEC, safe to merge into a module's argument_spec."""
    return copy.deepcopy(WAIT_ARG_SPEC)
