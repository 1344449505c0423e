"""What a cluster admin does by hand on a real cluster, for tests that need it.

`reset_degraded_node`: a node whose machine-config-daemon went Degraded towards a config that
is no longer its pool's target stays there: the real node controller never re-targets it (it
is cordoned, so it counts against maxUnavailable and is no update candidate:
pkg/controller/node/node_controller.go getAllCandidateMachines; openshift/machine-config-operator
issue 1443).  The documented way out is to point the node's desiredConfig back at its
currentConfig; the daemon then validates the current config, uncordons and reports Done
(pkg/daemon/daemon.go checkStateOnFirstRun / updateConfigAndState).
"""

from .simulator import constants as c

MERGE_PATCH = "application/merge-patch+json"


def reset_degraded_node(core, name):
    """desiredConfig := currentConfig on Node `name` (core: a kubernetes CoreV1Api).
    Returns the config the node is pointed back at."""
    node = core.read_node(name)
    current = (node.metadata.annotations or {}).get(c.CURRENT_CONFIG)
    if not current:
        raise ValueError(f"node {name} has no {c.CURRENT_CONFIG} annotation")
    core.patch_node(name, {"metadata": {"annotations": {c.DESIRED_CONFIG: current}}})
    return current
