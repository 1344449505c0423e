#!/usr/bin/env bash
# Every test of the collection: lint (hack/lint.sh), ansible-test sanity, the unit tests and
# sanity import against the oldest supported ansible-core, then one pytest session with the unit
# tests, the lab's own tests and the integration tests against the lab (the session starts
# the lab if none is up and stops it at the end; OKD_LAB_KEEP=1 keeps it).
# Extra arguments go to pytest, e.g. `hack/test.sh -k simulator`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# bootstrap first, then eval: `eval "$(…)"` would hide its failure from set -e
env_lines=$(hack/bootstrap.sh)
eval "$env_lines"
t0=$SECONDS

# the formatter and the linters first: seconds, and the commonest failure
[ -n "${OKD_SKIP_LINT:-}" ] || hack/lint.sh

if [ -z "${OKD_SKIP_SANITY:-}" ]; then
  echo "== ansible-test sanity (from $OKD_COLLECTIONS/ansible_collections/okd/machine_os)"
  # ansible-test wants the collection at .../ansible_collections/<ns>/<name>: bootstrap.sh
  # makes that a symlink; os.getcwd() resolves symlinks, so name the content root explicitly
  (cd "$OKD_COLLECTIONS/ansible_collections/okd/machine_os" && \
    ANSIBLE_TEST_CONTENT_ROOT="$OKD_COLLECTIONS/ansible_collections/okd/machine_os" \
    ansible-test sanity --local --python 3.11 --color no)
  echo "== sanity passed in $((SECONDS - t0))s"
fi

if [ -z "${OKD_SKIP_OLDEST:-}" ]; then
  # the oldest ansible-core meta/runtime.yml admits: the unit tests, and sanity's import test
  # (the modules and module_utils import with its module_utils); a venv of its own
  t1=$SECONDS
  # (not `ansible --version | head -1`: under pipefail its broken pipe fails the script)
  oldest=$("$OKD_OLDEST_VENV/bin/python" -c 'import ansible.release as r; print("ansible-core", r.__version__)')
  echo "== unit tests and sanity import against $oldest"
  "$OKD_OLDEST_VENV/bin/python" -m pytest -q -p no:cacheprovider tests/unit
  (cd "$OKD_COLLECTIONS/ansible_collections/okd/machine_os" && \
    ANSIBLE_TEST_CONTENT_ROOT="$OKD_COLLECTIONS/ansible_collections/okd/machine_os" \
    PATH="$OKD_OLDEST_VENV/bin:$PATH" \
    ansible-test sanity --local --python 3.11 --color no --test import)
  echo "== $oldest passed in $((SECONDS - t1))s"
fi

echo "== pytest"
exec python -m pytest "$@"
