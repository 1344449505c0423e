# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The argument spec of the registry options, shared by every module that talks to registries.

It matches the ``okd.machine_os.registry_auth`` doc fragment
(``plugins/doc_fragments/registry_auth.py``): change both together. A module does::

    argument_spec = dict(..., **registry_auth_argument_spec())
    module = AnsibleModule(argument_spec, required_together=registry_auth_required_together(), ...)
    client = RegistryClient.from_params(module.params)
"""

import copy

from ansible.module_utils.basic import env_fallback

# okd.machine_os.registry_auth
REGISTRY_AUTH_ARG_SPEC = {
    "auth_file": {"type": "path", "fallback": (env_fallback, ["REGISTRY_AUTH_FILE"])},
    # a user name is not a secret, and no_log would mask every occurrence of it in the output
    "registry_username": {"type": "str", "no_log": False},
    "registry_password": {"type": "str", "no_log": True},
    "ca_file": {"type": "path"},
    "insecure_registries": {"type": "list", "elements": "str", "default": []},
}

REGISTRY_AUTH_REQUIRED_TOGETHER = [["registry_username", "registry_password"]]


def registry_auth_argument_spec():
    """A fresh copy of REGISTRY_AUTH_ARG_SPEC, safe to merge into a module's argument_spec."""
    return copy.deepcopy(REGISTRY_AUTH_ARG_SPEC)


def registry_auth_required_together():
    """``required_together`` entries of the registry options (username with password)."""
    return copy.deepcopy(REGISTRY_AUTH_REQUIRED_TOGETHER)
