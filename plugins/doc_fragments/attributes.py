# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# The attributes every module of the collection documents, stated once (as ansible-core's
# action_common_attributes and community.docker's attributes fragments do). A module adds
# only `support` and its own `details`:
#
#   extends_documentation_fragment:
#     - okd.machine_os.attributes
#     - okd.machine_os.attributes.actiongroup_cluster_registry
#   attributes:
#     check_mode:
#       support: full
#       details: ...
#
# Action groups (meta/runtime.yml) hold only modules that accept every option of the group
# with the same meaning; tests/unit/plugins/modules/test_action_groups.py checks the groups,
# these fragments and the modules' argument specs against each other. A module is in both
# groups through one fragment because Ansible merges an attribute's keys, not its lists.


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the change it would make, without making it.
  diff_mode:
    description: Returns what changed (or would change in check mode) before and after, in diff mode.
  idempotent:
    description:
      - Run twice in a row with the same arguments, the second run reports no change.
      - This assumes that nothing else changed what the module reads in between.
  platform:
    description: Target OS families the module can run on.
    support: full
    platforms: posix
"""

    ACTIONGROUP_CLUSTER = r"""
options: {}
attributes:
  action_group:
    description:
      - Use C(group/okd.machine_os.cluster) in C(module_defaults) to set the cluster connection
        options (O(kubeconfig), O(context), O(host), O(api_key), O(validate_certs), ...) once.
      - The group extends C(group/kubernetes.core.k8s), so the same defaults reach
        M(kubernetes.core.k8s) and M(kubernetes.core.k8s_info) tasks, as in the roles.
    support: full
    membership:
      - okd.machine_os.cluster
"""

    ACTIONGROUP_REGISTRY = r"""
options: {}
attributes:
  action_group:
    description:
      - Use C(group/okd.machine_os.registry) in C(module_defaults) to set the registry options
        (O(auth_file), O(ca_file), O(insecure_registries), O(registry_retries), ...) once.
    support: full
    membership:
      - okd.machine_os.registry
"""

    ACTIONGROUP_CLUSTER_REGISTRY = r"""
options: {}
attributes:
  action_group:
    description:
      - Use C(group/okd.machine_os.cluster) in C(module_defaults) to set the cluster connection
        options (O(kubeconfig), O(context), O(host), O(api_key), O(validate_certs), ...) once;
        the group extends C(group/kubernetes.core.k8s).
      - Use C(group/okd.machine_os.registry) to set the registry options (O(auth_file),
        O(ca_file), O(insecure_registries), O(registry_retries), ...) once.
    support: full
    membership:
      - okd.machine_os.cluster
      - okd.machine_os.registry
"""
