"""okdlab: a local OpenShift-like lab on loopback for okd.machine_os's tests and demo.

Real parts only: two docker-registry instances (TLS + htpasswd), a real kube-apiserver +
etcd with the OpenShift CRDs, an MCO simulator process, and a synthetic release payload
written by this package (not by the collection, so the collection is tested against an
independent writer).
"""
