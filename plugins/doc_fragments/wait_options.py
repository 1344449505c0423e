# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Options of the modules that wait for a MachineConfigPool rollout. The matching
# argument_spec is WAIT_ARG_SPEC in plugins/module_utils/mco/args.py: keep both in step.


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Whether to wait until the MachineConfigPool has rendered the change and rolled it
        out to every node of the pool.
      - The wait ends as soon as the rollout is done, fails fast when a node or the render
        reports C(Degraded) for the target configuration, and stops (failing with the last
        observed state) when the pool is paused, since a paused pool never rolls out.
      - The rollout verdict is the same one M(okd.machine_os.machine_config_pool_info) returns.
      - Not done in check mode.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the rollout, in total.
      - A rollout reboots every node of the pool, at most C(maxUnavailable) at a time; on
        real clusters that takes minutes per node.
      - On timeout the module fails and returns what is still pending, per node its
        desired and current config, state and reason.
      - V(0) reads the pool and its nodes once and reports their state without waiting
        (it fails if the rollout is not done yet). Negative values are refused.
    type: int
    default: 1800
  wait_sleep:
    description:
      - Seconds between two reads of the pool and its nodes when the API server's watch
        is interrupted or not available; watches are re-established after this delay too.
      - At least V(1).
    type: int
    default: 5
"""
