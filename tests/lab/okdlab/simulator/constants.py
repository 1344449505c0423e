"""Names the MCO uses, and this simulator's identity.

Annotation/label keys: MCO@main pkg/daemon/constants/constants.go and
pkg/controller/common/constants.go (research/mco-layering.md §1, §4).
"""
MC_GROUP = "machineconfiguration.openshift.io"
MC_VERSION = "v1"

# The simulated controller's version: the render controller refuses to render when the
# ControllerConfig `generated-by-version` annotation, or a MachineConfig's
# `generated-by-controller-version` annotation, names another version (render_controller.go
# generateRenderedMachineConfig).
CONTROLLER_VERSION = "okdlab-simulator-1"

ROLE_LABEL = "machineconfiguration.openshift.io/role"
GENERATED_BY_CONTROLLER = "machineconfiguration.openshift.io/generated-by-controller-version"
CC_GENERATED_BY_VERSION = "machineconfiguration.openshift.io/generated-by-version"
RELEASE_IMAGE_VERSION = "machineconfiguration.openshift.io/release-image-version"
OS_IMAGE_URL_OVERRIDDEN = "machineconfiguration.openshift.io/os-image-url-overridden"

DESIRED_CONFIG = "machineconfiguration.openshift.io/desiredConfig"
CURRENT_CONFIG = "machineconfiguration.openshift.io/currentConfig"
STATE = "machineconfiguration.openshift.io/state"
REASON = "machineconfiguration.openshift.io/reason"
DESIRED_DRAIN = "machineconfiguration.openshift.io/desiredDrain"
LAST_APPLIED_DRAIN = "machineconfiguration.openshift.io/lastAppliedDrain"
POST_CONFIG_ACTION = "machineconfiguration.openshift.io/post-config-action"
DESIRED_IMAGE = "machineconfiguration.openshift.io/desiredImage"
CURRENT_IMAGE = "machineconfiguration.openshift.io/currentImage"

STATE_WORKING = "Working"
STATE_DONE = "Done"
STATE_DEGRADED = "Degraded"
STATE_UNRECONCILABLE = "Unreconcilable"

ZONE_LABEL = "topology.kubernetes.io/zone"
ARCH_LABEL = "kubernetes.io/arch"

CONTROLLER_CONFIG_NAME = "machine-config-controller"
PULL_SECRET_NAMESPACE = "openshift-config"
PULL_SECRET_NAME = "pull-secret"
