#!/usr/bin/env bash
# The demo: bring the lab up (real registries, kube-apiserver, MCO simulator, synthetic
# release) and run the collection's main job against it (hack/demo.yml).
# The lab stays up afterwards; `make lab-down` (or tests/lab/labctl down) stops it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# bootstrap first, then eval: `eval "$(…)"` would hide its failure from set -e
env_lines=$(hack/bootstrap.sh --demo)
eval "$env_lines"
OKD_LAB_NODE_UPDATE_SECONDS=${OKD_LAB_NODE_UPDATE_SECONDS:-1.5} tests/lab/labctl up
lab_env=$(tests/lab/labctl env)
eval "$lab_env"
export ANSIBLE_COLLECTIONS_PATH="$OKD_COLLECTIONS"
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_CALLBACK_RESULT_FORMAT=yaml
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
ansible-playbook hack/demo.yml "$@"
