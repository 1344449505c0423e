#!/usr/bin/env bash
# Build the real machine-config-controller and machine-os-builder (openshift/machine-config-operator
# at 7ff337a4) into the lab's binary cache, from the vendored source tarball in the shared peers
# directory (the Go module proxy refuses that module; the build needs no network).
#
#   build-mco.sh          build if absent, print the version line
#   build-mco.sh path     print the directory the binaries (and the extracted source) live in
#
# The source directory is found at $OKD_MCO_PEER_DIR, else ../shared/peers/machine-config-operator
# beside the checkout (../../shared from a worktree).  The lab also reads the extracted tree:
# templates/ (--templates), the vendored openshift/api CRDs, and featuregates.json (the gates
# of that openshift/api, from featuregates/main.go).  ~4-8 min cold on 2 cores.
set -euo pipefail
MCO_VERSION=${MCO_VERSION:-7ff337a}
CACHE=${OKD_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/okd-machine-os}
OUT="$CACHE/bin/mco-$MCO_VERSION"
[ "${1:-}" = path ] && { echo "$OUT"; exit 0; }

repo=$(cd "$(dirname "$0")/../../.." && pwd)
peer=${OKD_MCO_PEER_DIR:-}
if [ -z "$peer" ]; then
  for cand in "$repo/../shared/peers/machine-config-operator" "$repo/../../shared/peers/machine-config-operator"; do
    [ -x "$cand/build.sh" ] && { peer=$cand; break; }
  done
fi
if [ ! -x "$OUT/machine-config-controller" ] || [ ! -x "$OUT/machine-os-builder" ]; then
  [ -n "$peer" ] && [ -x "$peer/build.sh" ] || {
    echo "build-mco: no machine-config-operator peer source (build.sh + mco-$MCO_VERSION.tar.gz): set OKD_MCO_PEER_DIR" >&2
    exit 1
  }
  command -v go >/dev/null || { echo "build-mco: no Go toolchain on PATH" >&2; exit 1; }
  mkdir -p "$OUT"
  # build.sh writes each binary in place: build into a temporary dir, then move, so an
  # interrupted build never leaves a half-written binary that looks built
  "$peer/build.sh" "$OUT.tmp" >/dev/null
  rm -rf "$OUT/src"
  mv "$OUT.tmp/src" "$OUT/src"
  mv "$OUT.tmp/machine-os-builder" "$OUT/machine-os-builder"
  mv "$OUT.tmp/machine-config-controller" "$OUT/machine-config-controller"
  rm -rf "$OUT.tmp"
fi
# the feature gates of the vendored openshift/api, for the lab's FeatureGate status
if [ ! -s "$OUT/featuregates.json" ]; then
  mkdir -p "$OUT/src/machine-config-operator/_okdlab/featuregates"
  cp "$(dirname "$0")/featuregates/main.go" "$OUT/src/machine-config-operator/_okdlab/featuregates/main.go"
  (cd "$OUT/src/machine-config-operator" && GOPROXY=off GOFLAGS=-buildvcs=false \
    go run -mod=vendor ./_okdlab/featuregates) > "$OUT/featuregates.json.tmp"
  mv "$OUT/featuregates.json.tmp" "$OUT/featuregates.json"
fi
# sed reads all of it: head would SIGPIPE the binary under pipefail
"$OUT/machine-config-controller" version 2>&1 | sed -n 1p
