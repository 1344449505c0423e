"""One level-triggered reconcile of everything per tick (the lab has a handful of objects):
render controller -> node controller -> pool status -> daemons.

With controllers="daemon" only the node half runs (firstboot and the daemons, which then leave
cordon/uncordon to a real drain controller): the real machine-config-controller does the rest.
"""

import logging

from . import constants as c
from . import daemon, node_controller, render_controller

log = logging.getLogger("okdlab.simulator")


class Simulator:
    def __init__(
        self,
        kube,
        ca_file=None,
        render_delay=0.3,
        node_update_seconds=1.0,
        retarget_failing=True,
        controllers="all",
        versions=c.VERSIONS,
    ):
        self.kube = kube
        self.controllers = controllers
        self.render = render_controller.RenderController(kube, render_delay=render_delay, versions=versions)
        self.nodes = node_controller.NodeController(
            kube,
            retarget_failing=retarget_failing,
            control_plane_topology=kube.get_control_plane_topology() if controllers == "all" else None,
        )
        self.daemons = daemon.Daemons(
            kube,
            ca_file=ca_file,
            node_update_seconds=node_update_seconds,
            external_drain=controllers == "daemon",
            machine_config_nodes=kube.has_machine_config_nodes(),
        )

    def tick(self):
        if self.controllers == "daemon":
            self.tick_daemons()
            return
        cc = self.kube.get_controller_config()
        pools = self.kube.list_pools()
        mcs = self.kube.list_machine_configs()
        nodes = self.kube.list_nodes()
        pools = [self.render.sync(pool, mcs, cc) for pool in pools]
        patched = False
        for pool in pools:
            patched = self.nodes.sync_nodes(pool, pools, nodes) or patched
        if patched:
            nodes = self.kube.list_nodes()
        for pool in pools:
            self.nodes.sync_status(pool, pools, nodes, cc)
        self.daemons.sync(nodes, _pools_of(pools, nodes))

    def tick_daemons(self):
        """The node half alone: firstboot of new nodes, then the daemons."""
        pools = self.kube.list_pools()
        nodes = self.kube.list_nodes()
        if self.nodes.firstboot(pools, nodes):
            nodes = self.kube.list_nodes()
        self.daemons.sync(nodes, _pools_of(pools, nodes))


def _pools_of(pools, nodes):
    return {node["metadata"]["name"]: node_controller.primary_pool_name(node, pools) or "" for node in nodes}
