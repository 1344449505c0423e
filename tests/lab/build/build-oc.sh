#!/usr/bin/env bash
# Build the real `oc` (the compatibility peer for release_info/new/extract, design.md §6)
# from the github.com/openshift/oc Go module into the lab's binary cache.
#
# `go install github.com/openshift/oc/cmd/oc@v` is refused because oc's go.mod has replace
# directives (github.com/apcera/gssapi only resolves through one), so a wrapper module
# copies every non-local replace of the pinned oc version.  Build tag
# containers_image_openpgp avoids cgo/gpgme (research/release-mirror.md §7).
# The Go module proxy reachable here serves only some oc pseudo-versions; this one
# (2025-01-08, master at the 4.18 cycle) is served and reads/writes today's payload format.
set -euo pipefail
OC_VERSION=${OC_VERSION:-v0.0.0-alpha.0.0.20250108103617-ae1bd9e4a75b}
CACHE=${OKD_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/okd-machine-os}
OC_BIN="$CACHE/bin/oc-$OC_VERSION"
[ "${1:-}" = path ] && { echo "$OC_BIN"; exit 0; }
[ -x "$OC_BIN" ] && { "$OC_BIN" version --client 2>/dev/null | sed -n 1p; exit 0; }
command -v go >/dev/null || { echo "build-oc: no Go toolchain on PATH" >&2; exit 1; }
mkdir -p "$CACHE/bin"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init okd-lab/oc >/dev/null 2>&1
gomod=$(go mod download -json "github.com/openshift/oc@$OC_VERSION" | jq -r .GoMod)
[ -s "$gomod" ] || { echo "build-oc: github.com/openshift/oc@$OC_VERSION is not served by the Go module proxy" >&2; exit 1; }
# copy `replace a => b vX` lines (single-line and inside a replace block); skip local paths
sed -n -e 's/^replace \(.*\)$/\1/p' -e '/^replace (/,/^)/{/^replace (/d;/^)/d;p}' "$gomod" \
  | grep -E '=> *[^ .][^ ]* +v' | while read -r from _ to ver; do
    go mod edit -replace "$from=$to@$ver"
  done
go mod edit -require "github.com/openshift/oc@$OC_VERSION"
go get "github.com/openshift/oc/cmd/oc@$OC_VERSION"
CGO_ENABLED=0 go build -trimpath -tags 'containers_image_openpgp' \
  -ldflags "-s -w -X github.com/openshift/oc/pkg/version.versionFromGit=v4.18.0-lab" \
  -o "$OC_BIN.tmp" github.com/openshift/oc/cmd/oc
mv "$OC_BIN.tmp" "$OC_BIN"
"$OC_BIN" version --client 2>/dev/null | sed -n 1p
