"""The lab's cluster-version-operator: its own process (`python -m okdlab.cvo`), apart from the
MCO simulator.

It follows openshift/cluster-version-operator (CVO) where the collection can observe it:

* ``graph.py``: ``status.availableUpdates`` / ``conditionalUpdates`` from the lab's update graph
  (pkg/cvo/availableupdates.go, pkg/cincinnati/cincinnati.go, pkg/clusterconditions);
* ``validation.py``: ``Invalid`` for a bad ``spec.desiredUpdate`` (lib/validation/validation.go);
* ``verify.py``: release signatures checked with Debian's gpgv against the keys of the running
  payload's ``release-verification`` ConfigMap, signatures read from labelled ConfigMaps in
  openshift-config-managed (library-go pkg/verify/verify.go, pkg/verify/configmap.go,
  pkg/verify/store/configmap/configmap.go);
* ``preconditions.py``: Rollback/LowDesiredVersion, GiantHop, Upgradeable, RecommendedUpdate
  (pkg/payload/precondition/clusterversion/*.go, pkg/payload/precondition/precondition.go);
* ``payload.py``: the release payload read from the registry (pkg/payload/payload.go);
* ``operators.py``: the ClusterOperators' part (the second-level operators writing their
  versions; the machine-config operator handing the new OS image to the MCO half and reporting
  its version once the master pool is updated: machine-config-operator pkg/operator/sync.go);
* ``controller.py``: the sync loop writing ``status`` (pkg/cvo/cvo.go, sync_worker.go, status.go).
"""
