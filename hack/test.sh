#!/usr/bin/env bash
# Every test of the collection: ansible-test sanity, then one pytest session with the unit
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

if [ -z "${OKD_SKIP_SANITY:-}" ]; then
  echo "== ansible-test sanity (from $OKD_COLLECTIONS/ansible_collections/okd/machine_os)"
  # ansible-test wants the collection at .../ansible_collections/<ns>/<name>: bootstrap.sh
  # makes that a symlink; os.getcwd() resolves symlinks, so name the content root explicitly
  (cd "$OKD_COLLECTIONS/ansible_collections/okd/machine_os" && \
    ANSIBLE_TEST_CONTENT_ROOT="$OKD_COLLECTIONS/ansible_collections/okd/machine_os" \
    ansible-test sanity --local --python 3.11 --color no)
  echo "== sanity passed in $((SECONDS - t0))s"
fi

echo "== pytest"
exec python -m pytest "$@"
