# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The roles' view of the override's name and ownership is os_image_override's own."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.okd.machine_os.plugins.filter.os_image_override_meta import FilterModule
from ansible_collections.okd.machine_os.plugins.module_utils.mco import override_plan

meta = FilterModule().filters()["os_image_override_meta"]


def test_the_filter_gives_what_the_module_uses():
    got = meta("worker-canary")
    assert got["name"] == override_plan.default_name("worker-canary") == "99-worker-canary-os-image-override"
    built = override_plan.build_machine_config(got["name"], "worker", "q/r@sha256:" + "a" * 64)
    assert override_plan.is_managed({"metadata": {"labels": got["labels"]}})
    assert built["metadata"]["labels"][got["managed_by_label"]] == got["managed_by_value"]


@pytest.mark.parametrize("pool", ["", None, 3])
def test_a_pool_name_is_required(pool):
    with pytest.raises(AnsibleFilterError, match="expected a MachineConfigPool name"):
        meta(pool)
