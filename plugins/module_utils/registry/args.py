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

from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryOptionError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.retry import DEFAULT_RETRIES, RetryPolicy
from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
)

# okd.machine_os.registry_auth
REGISTRY_AUTH_ARG_SPEC = {
    "auth_file": {"type": "path", "fallback": (env_fallback, ["REGISTRY_AUTH_FILE"])},
    # a user name is not a secret, and no_log would mask every occurrence of it in the output
    "registry_username": {"type": "str", "no_log": False},
    "registry_password": {"type": "str", "no_log": True},
    "ca_file": {"type": "path"},
    "insecure_registries": {"type": "list", "elements": "str", "default": []},
    "registry_retries": {"type": "int", "default": DEFAULT_RETRIES},
    "registry_connect_timeout": {"type": "float", "default": DEFAULT_CONNECT_TIMEOUT},
    "registry_read_timeout": {"type": "float", "default": DEFAULT_READ_TIMEOUT},
}

REGISTRY_AUTH_REQUIRED_TOGETHER = [["registry_username", "registry_password"]]

# option: (lowest value, what the value means), for the range check and its message
_NUMBER_OPTIONS = {
    "registry_retries": (0, "retries after a failed attempt (0: one attempt only)"),
    "registry_connect_timeout": (1, "seconds to wait for a connection"),
    "registry_read_timeout": (1, "seconds to wait for a byte of an answer"),
}


def registry_auth_argument_spec():
    """A fresh copy of REGISTRY_AUTH_ARG_SPEC, safe to merge into a module's argument_spec."""
    return copy.deepcopy(REGISTRY_AUTH_ARG_SPEC)


def registry_auth_required_together():
    """``required_together`` entries of the registry options (username with password)."""
    return copy.deepcopy(REGISTRY_AUTH_REQUIRED_TOGETHER)


def _number_option(params, name):
    """The option's value (its default when unset), RegistryOptionError below its lowest."""
    value = params.get(name)
    if value is None:
        return REGISTRY_AUTH_ARG_SPEC[name]["default"]
    lowest, meaning = _NUMBER_OPTIONS[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < lowest:
        raise RegistryOptionError(
            f"{name} must be a number of at least {lowest} ({meaning}), not {value!r}: "
            f"pass {lowest} or more, or leave it out for the default {REGISTRY_AUTH_ARG_SPEC[name]['default']}",
            option=name,
        )
    return value


def registry_client_options(params):
    """RegistryClient keyword arguments (``retry``, ``timeout``) from the retry and timeout
    options of ``params``; RegistryOptionError names an option whose value is out of range."""
    retries = _number_option(params, "registry_retries")
    connect = _number_option(params, "registry_connect_timeout")
    read = _number_option(params, "registry_read_timeout")
    return {"retry": RetryPolicy(retries=int(retries)), "timeout": (float(connect), float(read))}
