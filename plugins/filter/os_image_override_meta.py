# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""okd.machine_os.os_image_override_meta: a pool's override MachineConfig name and our ownership label.

The roles use it instead of re-typing ``99-<pool>-os-image-override`` and
``app.kubernetes.io/managed-by: okd.machine_os``; the one definition is
``module_utils/mco/override_plan.py``, the one os_image_override uses.
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.okd.machine_os.plugins.module_utils.mco.override_plan import override_meta


def os_image_override_meta(pool):
    if not isinstance(pool, str) or not pool:
        raise AnsibleFilterError(f"os_image_override_meta: expected a MachineConfigPool name, got {pool!r}")
    return override_meta(pool)


class FilterModule:
    def filters(self):
        return {"os_image_override_meta": os_image_override_meta}
