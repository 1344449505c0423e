# The two commands a newcomer needs (README.md):
#   make demo   brings the lab up and runs the demo playbook against it
#   make test   runs every test (sanity, unit, lab, integration)
# Both install what they need first (hack/bootstrap.sh: Debian packages, a cached venv,
# kube-apiserver + etcd built from their Go modules into ~/.cache/okd-machine-os).
.PHONY: demo test lab-up lab-down bootstrap
demo:
	@hack/demo.sh
test:
	@hack/test.sh
bootstrap:
	@hack/bootstrap.sh >/dev/null
lab-up: bootstrap
	@env_lines="$$(hack/bootstrap.sh)" && eval "$$env_lines" && tests/lab/labctl up
lab-down:
	@tests/lab/labctl down
