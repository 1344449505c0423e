# The two commands a newcomer needs (README.md):
#   make demo   brings the lab up and runs the demo playbook against it
#   make test   runs every test (lint, sanity, unit, lab, integration)
# Both install what they need first (hack/bootstrap.sh: Debian packages, a cached venv,
# kube-apiserver + etcd built from their Go modules into ~/.cache/okd-machine-os; for the
# tests also oc and a venv with the oldest supported ansible-core).
# `make lint` is the first, fast step of `make test` on its own.
.PHONY: demo test lint lab-up lab-down bootstrap
demo:
	@hack/demo.sh
test:
	@hack/test.sh
lint:
	@hack/lint.sh
bootstrap:
	@hack/bootstrap.sh >/dev/null
lab-up: bootstrap
	@env_lines="$$(hack/bootstrap.sh --demo)" && eval "$$env_lines" && tests/lab/labctl up
lab-down:
	@tests/lab/labctl down
