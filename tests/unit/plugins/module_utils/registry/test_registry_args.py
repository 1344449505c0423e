# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry options: the argument spec and the doc fragment agree; retry and timeout
options are checked and reach the client."""

import pytest
import yaml

from ansible_collections.okd.machine_os.plugins.doc_fragments.registry_auth import ModuleDocFragment
from ansible_collections.okd.machine_os.plugins.module_utils.errors import MachineOSError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.args import (
    REGISTRY_AUTH_ARG_SPEC,
    registry_auth_argument_spec,
    registry_auth_required_together,
    registry_client_options,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryOptionError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.retry import RetryPolicy


def test_spec_matches_doc_fragment():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = registry_auth_argument_spec()
    assert set(options) == set(spec)
    for name, doc in options.items():
        assert doc["type"] == spec[name]["type"], name
        assert doc.get("default") == spec[name].get("default"), name
        assert doc.get("elements") == spec[name].get("elements"), name


def test_password_is_no_log_and_fallback_env():
    spec = registry_auth_argument_spec()
    assert spec["registry_password"]["no_log"] is True
    assert spec["auth_file"]["fallback"][1] == ["REGISTRY_AUTH_FILE"]
    assert registry_auth_required_together() == [["registry_username", "registry_password"]]


def test_spec_copies_are_independent():
    spec = registry_auth_argument_spec()
    spec["insecure_registries"]["default"].append("x")
    assert REGISTRY_AUTH_ARG_SPEC["insecure_registries"]["default"] == []


def test_client_options_default_to_todays_behaviour():
    options = registry_client_options({})
    assert options["retry"] == RetryPolicy()
    assert options["retry"].retries == 5
    assert options["timeout"] == (15.0, 120.0)
    spec = registry_auth_argument_spec()
    assert registry_client_options({name: spec[name].get("default") for name in spec}) == options


def test_client_options_from_the_parameters():
    options = registry_client_options(
        {"registry_retries": 0, "registry_connect_timeout": 2, "registry_read_timeout": 30.5}
    )
    assert options["retry"].retries == 0
    assert options["timeout"] == (2.0, 30.5)


@pytest.mark.parametrize(
    "name, value",
    [
        ("registry_retries", -1),
        ("registry_connect_timeout", 0),
        ("registry_connect_timeout", 0.5),
        ("registry_read_timeout", -3),
        ("registry_retries", True),
    ],
)
def test_out_of_range_options_are_refused_by_name(name, value):
    with pytest.raises(RegistryOptionError) as info:
        registry_client_options({name: value})
    assert isinstance(info.value, MachineOSError)
    assert str(info.value).startswith(f"{name} must be a number of at least ")
    assert info.value.fail_kwargs()["option"] == name
    assert info.value.fail_kwargs()["error"] == "RegistryOptionError"


def test_from_params_threads_the_options_through():
    with RegistryClient.from_params(
        {"registry_retries": 1, "registry_connect_timeout": 3, "registry_read_timeout": 4}
    ) as client:
        assert client.retry.retries == 1
        assert client.timeout == (3.0, 4.0)
    with pytest.raises(RegistryOptionError, match="registry_retries"):
        RegistryClient.from_params({"registry_retries": -1})
