# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry options: the argument spec and the doc fragment agree."""

import yaml

from ansible_collections.okd.machine_os.plugins.doc_fragments.registry_auth import ModuleDocFragment
from ansible_collections.okd.machine_os.plugins.module_utils.registry.args import (
    REGISTRY_AUTH_ARG_SPEC,
    registry_auth_argument_spec,
    registry_auth_required_together,
)


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
