"""The real machine-config-controller in the lab: its binaries, its CRDs, the cluster state it
needs from a bare kube-apiserver, and which MCO implementation a lab runs.

The binaries and the source tree come from tests/lab/build/build-mco.sh (openshift/
machine-config-operator at 7ff337a4, built from the vendored source in the shared peers
directory).  What the controller needs from the cluster follows cmd/machine-config-controller/
start.go and pkg/controller/common/controller_context.go of that tree: the CRDs it watches (from
its vendored openshift/api `zz_generated.crd-manifests`), the config singletons, a FeatureGate
status for the version it runs as, Infrastructure (platform None), and a ControllerConfig
annotated with its version that the template controller completes.

Two implementations of the MCO's controllers (render, node, drain, template) can drive a lab:
`real` (this module) and `simulator` (okdlab.simulator with all its controllers).  The node half
(the machine-config-daemon stand-in) is always the simulator's.  OKD_LAB_MCO picks one at
`labctl up`; `labctl mco real|simulator` switches a running lab.
"""

import glob
import json
import os
import re
import subprocess

from . import config, procs

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_SCRIPT = os.path.join(HERE, "..", "build", "build-mco.sh")
IMPLEMENTATIONS = ("real", "simulator")
# the lab's MCO when OKD_LAB_MCO is not set (see tests/lab/MCO-DIFFERENCES.md for why)
DEFAULT_IMPLEMENTATION = "simulator"

MCO_NAMESPACE = "openshift-machine-config-operator"
LEASE_NAME = "machine-config-controller"  # cmd/machine-config-controller componentName
FEATURE_SET = "Default"
# Gates the lab turns off (listed as disabled in the FeatureGate status) with the reason:
# OSStreams makes render and the node controller resolve OS images through an OSImageStream
# that the operator (absent here) maintains from the release payload, and makes render inspect
# an overriding osImageURL over the network (render_controller.go, pkg/osimagestream).  With it
# off, the default OS image is ControllerConfig spec.baseOSContainerImage as in 4.12-4.20.
LAB_DISABLED_GATES = ("OSStreams",)

# (openshift/api directory, plural) of every CRD the controllers watch (informers started in
# start.go; a missing one stalls the controllers that wait for its cache) plus clusteroperators
CRDS = (
    ("machineconfiguration/v1", "machineconfigs"),
    ("machineconfiguration/v1", "machineconfigpools"),
    ("machineconfiguration/v1", "controllerconfigs"),
    ("machineconfiguration/v1", "kubeletconfigs"),
    ("machineconfiguration/v1", "containerruntimeconfigs"),
    ("machineconfiguration/v1", "machineconfignodes"),
    ("machineconfiguration/v1", "machineosconfigs"),
    ("machineconfiguration/v1", "machineosbuilds"),
    ("machineconfiguration/v1", "pinnedimagesets"),
    ("machineconfiguration/v1", "internalreleaseimages"),
    ("machineconfiguration/v1", "osimagestreams"),
    ("config/v1", "featuregates"),
    ("config/v1", "clusterversions"),
    ("config/v1", "clusteroperators"),
    ("config/v1", "infrastructures"),
    ("config/v1", "schedulers"),
    ("config/v1", "images"),
    ("config/v1", "imagedigestmirrorsets"),
    ("config/v1", "imagetagmirrorsets"),
    ("config/v1", "apiservers"),
    ("config/v1", "nodes"),
    ("config/v1", "clusterimagepolicies"),
    ("config/v1", "imagepolicies"),
    ("config/v1", "criocredentialproviderconfigs"),
    ("operator/v1", "machineconfigurations"),
    ("operator/v1alpha1", "imagecontentsourcepolicies"),
)
# which feature-set variant of a CRD to install, best first: a self-managed cluster with the
# Default feature set (openshift/api generates one manifest per variant that differs)
VARIANT_PREFERENCE = ("", "SelfManagedHA-Default", "SelfManagedHA", "Default")
_CRD_FILE = re.compile(r"^\d{4}_\d\d_[a-z0-9-]+_\d\d_(?P<plural>[a-z0-9]+)(?:-(?P<variant>[A-Za-z-]+))?\.crd\.yaml$")


class Binaries:
    """The built machine-config-controller and what the lab reads from its source tree."""

    def __init__(self, directory):
        self.dir = directory
        self.controller = os.path.join(directory, "machine-config-controller")
        self.builder = os.path.join(directory, "machine-os-builder")
        self.source = os.path.join(directory, "src", "machine-config-operator")
        self.templates = os.path.join(self.source, "templates")
        self.featuregates_file = os.path.join(directory, "featuregates.json")

    def built(self):
        return all(os.access(p, os.X_OK) for p in (self.controller, self.builder)) and os.path.isdir(self.templates)

    def versions(self):
        """(Raw, Hash) of pkg/version as the binary prints them: `MachineConfigController <Raw>-<Hash>`.
        Raw stamps the ControllerConfig (generated-by-version), Hash the MachineConfigs
        (generated-by-controller-version); render_controller.go generateRenderedMachineConfig."""
        out = subprocess.run([self.controller, "version"], capture_output=True, text=True, check=True).stdout
        match = re.search(r"MachineConfigController (\S+?)-([0-9a-f]{7,40})\s*$", out.strip().splitlines()[0])
        if not match:
            raise procs.LabError(f"{self.controller} version printed {out!r}: cannot tell its version")
        return match.group(1), match.group(2)

    def featuregates(self, feature_set=FEATURE_SET):
        """{"enabled": [...], "disabled": [...]} of the vendored openshift/api, with the lab's
        LAB_DISABLED_GATES moved to disabled."""
        with open(self.featuregates_file, encoding="utf-8") as f:
            gates = json.load(f)[feature_set]
        enabled = [g for g in gates["enabled"] if g not in LAB_DISABLED_GATES]
        disabled = sorted(set(gates["disabled"]) | (set(gates["enabled"]) & set(LAB_DISABLED_GATES)))
        return {"enabled": enabled, "disabled": disabled}

    def crd_files(self):
        """[(dir, plural, path)] for CRDS, from the vendored openshift/api."""
        api = os.path.join(self.source, "vendor", "github.com", "openshift", "api")
        found = []
        for api_dir, plural in CRDS:
            candidates = {}
            for path in glob.glob(os.path.join(api, api_dir, "zz_generated.crd-manifests", "*.crd.yaml")):
                match = _CRD_FILE.match(os.path.basename(path))
                if match and match.group("plural") == plural:
                    candidates[match.group("variant") or ""] = path
            chosen = next((candidates[v] for v in VARIANT_PREFERENCE if v in candidates), None)
            if chosen is None:
                raise procs.LabError(
                    f"no {plural} CRD for a Default self-managed cluster under {api}/{api_dir} "
                    f"(found variants {sorted(candidates)})"
                )
            found.append((api_dir, plural, chosen))
        return found

    def crds(self):
        """The CRD objects, parsed once and cached as JSON beside the binaries (YAML parsing
        of these ~3 MB costs seconds at every `labctl up`)."""
        cache = os.path.join(self.dir, "lab-crds.json")
        try:
            with open(cache, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            pass
        import yaml  # pylint: disable=import-outside-toplevel

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        objs = []
        for _dir, _plural, path in self.crd_files():
            with open(path, encoding="utf-8") as f:
                objs.append(yaml.load(f, Loader=loader))  # nosec - SafeLoader
        tmp = f"{cache}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(objs, f)
        os.replace(tmp, cache)
        return objs


def binaries():
    """The Binaries of build-mco.sh's cache directory (built or not)."""
    proc = subprocess.run(["bash", BUILD_SCRIPT, "path"], capture_output=True, text=True, check=True)
    return Binaries(proc.stdout.strip())


def implementation_wanted():
    """The implementation `labctl up` starts: OKD_LAB_MCO, else DEFAULT_IMPLEMENTATION."""
    wanted = os.environ.get("OKD_LAB_MCO") or DEFAULT_IMPLEMENTATION
    if wanted not in IMPLEMENTATIONS:
        raise procs.LabError(f"OKD_LAB_MCO={wanted!r}: choose one of {', '.join(IMPLEMENTATIONS)}")
    return wanted


def require_built(bins):
    if not bins.built():
        raise procs.LabError(
            f"the machine-config-controller is not built in {bins.dir}: run hack/bootstrap.sh (it runs "
            f"tests/lab/build/build-mco.sh; ~4-8 min the first time), or OKD_LAB_MCO=simulator"
        )


def metrics_port():
    """The controller's metrics listener (base+7: base+6 is the update service's)."""
    return config.port_base() + 7
