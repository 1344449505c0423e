"""An MCO simulator for the lab: render controller, node controller, daemons and pool status.

Run as `python -m okdlab.simulator --kubeconfig K [--ca-file CA] [--tick 0.1]
[--node-update-seconds 1.0] [--render-delay 0.3] [--log-file F] [--strict-degraded]`.

Pure logic (unit-tested without a server): selectors.py (label selectors), render.py (merge,
osImageURL precedence, rendered name), node_state.py (node predicates), node_controller.py
(pool membership, maxUnavailable, candidates and zone/age order), status.py (pool status and
conditions), image_check.py (what rpm-ostree would say about an OS image).  I/O: kubeapi.py
(the only API client), render_controller.py, node_controller.NodeController, daemon.py (one
thread per updating node), loop.py (one reconcile per tick), __main__.py.  Each rule cites the
openshift/machine-config-operator source it follows (shared research/mco-layering.md).
"""
