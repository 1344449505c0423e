#!/usr/bin/env bash
# Installs everything the demo and the tests need on a fresh machine (Debian, root):
# Debian packages, a cached Python venv with the collection's requirements, the collection
# path layout ansible-test wants, and the lab's kube-apiserver/etcd (built from Go modules).
# For the tests also: `oc` (the compatibility tests' peer), the machine-config-controller (built
# from the vendored source beside the checkout) and a venv with the oldest
# ansible-core the collection supports (test-requirements-oldest.txt).
#   hack/bootstrap.sh          everything `make test` needs
#   hack/bootstrap.sh --demo   only what `make demo` runs (no oc, no oldest-ansible venv)
# Idempotent: a second run only checks.  Prints `export` lines for hack/env.sh.
set -euo pipefail
profile=test
case "${1:-}" in
  --demo) profile=demo ;;
  "") ;;
  *) printf '[bootstrap] usage: %s [--demo]\n' "$0" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${OKD_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/okd-machine-os}
mkdir -p "$CACHE"
log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------
debs=(docker-registry buildah podman skopeo apache2-utils openssl jq make busybox-static gnupg)
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  [ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root (apt-get)"
  log "apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null || die "apt-get update failed: is the Debian mirror reachable?"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi

# --- Python venv (keyed by the requirement files' hash) --------------------------------
py=${PYTHON:-python3}
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python >= 3.11 is required ($py is $("$py" -V))"
# make_venv NAME REQUIREMENTS: $CACHE/NAME-<hash of the requirement files>, created once
make_venv() {
  local name=$1 reqs=$2 key venv
  key=$(cat "$here/requirements.txt" "$here/$reqs" | sha256sum | cut -c1-12)
  venv="$CACHE/$name-$key"
  # one creator at a time (parallel test runs or a demo beside a test share the cache)
  exec 9>"$CACHE/.venv.lock"
  flock 9
  if [ ! -x "$venv/bin/ansible-test" ]; then
    log "creating $venv"
    rm -rf "$venv.tmp"
    "$py" -m venv "$venv.tmp" >&2
    "$venv.tmp/bin/pip" install -q --upgrade pip >/dev/null
    "$venv.tmp/bin/pip" install -q -r "$here/$reqs" >&2 || die "pip install -r $reqs failed"
    mv "$venv.tmp" "$venv"
    # the venv's scripts hard-code their own path in the shebang: fix them after the move
    grep -rlI "$venv.tmp" "$venv/bin" | xargs -r sed -i "s#$venv.tmp#$venv#g"
  fi
  flock -u 9
  printf %s "$venv"
}
VENV=$(make_venv venv test-requirements.txt)
# the oldest ansible-core of meta/runtime.yml's requires_ansible: unit tests and sanity
# import run against it too (hack/test.sh)
OLDEST_VENV=
[ "$profile" = demo ] || OLDEST_VENV=$(make_venv venv-oldest test-requirements-oldest.txt)

# --- collection path: ansible-test wants .../ansible_collections/okd/machine_os ---------
# one tree per checkout (keyed by its path) so two checkouts never repoint each other's link
COLLROOT="$CACHE/collections/$(printf %s "$here" | sha256sum | cut -c1-12)"
COLL="$COLLROOT/ansible_collections/okd"
mkdir -p "$COLL"
if [ "$(readlink "$COLL/machine_os" 2>/dev/null)" != "$here" ]; then
  rm -rf "$COLL/machine_os"; ln -s "$here" "$COLL/machine_os"
fi
# kubernetes.core (from the `ansible` package) beside it, so ansible-test's ansible-doc and
# validate-modules resolve our modules' kubernetes.core doc fragments
kcore=$("$VENV/bin/python" -c 'import ansible_collections.kubernetes.core as m; print(list(m.__path__)[0])')
mkdir -p "$COLLROOT/ansible_collections/kubernetes"
[ "$(readlink "$COLLROOT/ansible_collections/kubernetes/core" 2>/dev/null)" = "$kcore" ] \
  || { rm -rf "$COLLROOT/ansible_collections/kubernetes/core"; ln -s "$kcore" "$COLLROOT/ansible_collections/kubernetes/core"; }

# --- ansible-test sanity: a get-pip stand-in (the real one is downloaded from a host this
# network cannot reach; design.md §7) ---------------------------------------------------
for venv in "$VENV" $OLDEST_VENV; do
  pipver=$("$venv/bin/python" - <<'PY'
import pathlib, re, ansible_test
src = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([^']+)'", src).group(1))
PY
)
  getpip="$HOME/.ansible/test/cache/get_pip_${pipver//./_}.py"
  if [ ! -s "$getpip" ]; then
    mkdir -p "$(dirname "$getpip")"
    cp "$here/hack/get_pip_standin.py" "$getpip"
  fi
done

# --- kube-apiserver + etcd ------------------------------------------------------------
[ -n "${OKD_SKIP_KUBE_BUILD:-}" ] || "$here/tests/lab/build/build-kube.sh" all >&2
# the real oc, the compatibility tests' peer (they skip with the reason if it cannot be
# built); the demo does not run it
if [ "$profile" = test ] && [ -z "${OKD_SKIP_KUBE_BUILD:-}" ] && [ ! -x "$("$here/tests/lab/build/build-oc.sh" path)" ]; then
  log "building oc (compatibility tests' peer; ~7 min the first time)"
  "$here/tests/lab/build/build-oc.sh" >&2 || log "WARNING: oc could not be built; the oc compatibility tests will be skipped"
fi
# the real machine-config-controller + machine-os-builder (the lab's MCO controllers) from the
# vendored source in ../shared/peers/machine-config-operator (OKD_MCO_PEER_DIR); without them
# the lab runs its simulator's controllers (tests/lab/MCO-DIFFERENCES.md)
if [ -z "${OKD_SKIP_KUBE_BUILD:-}" ] && [ -z "${OKD_SKIP_MCO_BUILD:-}" ]; then
  mco_dir=$("$here/tests/lab/build/build-mco.sh" path)
  [ -x "$mco_dir/machine-config-controller" ] || log "building the machine-config-controller (~4-8 min the first time)"
  "$here/tests/lab/build/build-mco.sh" >&2 || log "WARNING: the machine-config-controller could not be built; the lab will run the MCO simulator's controllers"
fi

echo "export OKD_VENV='$VENV'"
[ -z "$OLDEST_VENV" ] || echo "export OKD_OLDEST_VENV='$OLDEST_VENV'"
echo "export OKD_COLLECTIONS='$COLLROOT'"
echo "export PATH='$VENV/bin':\"\$PATH\""
