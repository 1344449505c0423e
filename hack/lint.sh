#!/usr/bin/env bash
# `make lint` (and the first step of `make test`): the formatter and the linters, fast.
#   ruff format --check, ruff check    the Python (ruff.toml)
#   ansible-lint --profile production  roles/, playbooks/, hack/demo.yml (.ansible-lint)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
if [ -z "${OKD_VENV:-}" ]; then
  # bootstrap first, then eval: `eval "$(…)"` would hide its failure from set -e
  env_lines=$(hack/bootstrap.sh --demo)
  eval "$env_lines"
fi
t0=$SECONDS
echo "== ruff format --check"
ruff format --check .
echo "== ruff check"
ruff check .
echo "== ansible-lint"
# the collection under test and kubernetes.core, as bootstrap.sh laid them out (offline)
ANSIBLE_COLLECTIONS_PATH="$OKD_COLLECTIONS" ansible-lint
echo "== lint passed in $((SECONDS - t0))s"
