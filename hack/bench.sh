#!/usr/bin/env bash
# Run one benchmark from benchmarks/ on demand: hack/bench.sh <name> [args]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# bootstrap first, then eval: `eval "$(…)"` would hide its failure from set -e
env_lines=$(hack/bootstrap.sh)
eval "$env_lines"
name=${1:?usage: hack/bench.sh <benchmark name, e.g. release_info_vs_oc> [args]}
shift
exec python "benchmarks/$name.py" "$@"
