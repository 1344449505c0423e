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


class Versions(tuple):
    """(raw, hash): pkg/version Raw stamps and is checked on the ControllerConfig
    (generated-by-version); Hash on MachineConfigs (generated-by-controller-version).  The
    simulator speaks the real controller's pair when the lab has it built."""

    __slots__ = ()

    def __new__(cls, raw, hash_):
        return super().__new__(cls, (raw, hash_))

    @property
    def raw(self):
        return self[0]

    @property
    def hash(self):
        return self[1]


VERSIONS = Versions(CONTROLLER_VERSION, CONTROLLER_VERSION)

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
# written by the node controller from Infrastructure status (daemon constants.go)
CONTROL_PLANE_TOPOLOGY = "machineconfiguration.openshift.io/controlPlaneTopology"

STATE_WORKING = "Working"
STATE_DONE = "Done"
STATE_DEGRADED = "Degraded"
STATE_UNRECONCILABLE = "Unreconcilable"

ZONE_LABEL = "topology.kubernetes.io/zone"
ARCH_LABEL = "kubernetes.io/arch"

CONTROLLER_CONFIG_NAME = "machine-config-controller"
PULL_SECRET_NAMESPACE = "openshift-config"
PULL_SECRET_NAME = "pull-secret"

# --- added by the simulator implementation ------------------------------------------------
MC_PLURAL = "machineconfigs"
MCP_PLURAL = "machineconfigpools"
CC_PLURAL = "controllerconfigs"
MC_API_VERSION = MC_GROUP + "/" + MC_VERSION
MC_KIND = "MachineConfig"
MCP_KIND = "MachineConfigPool"

# Built-in pool names (MCO@main pkg/controller/common/constants.go MachineConfigPoolMaster/Worker).
MASTER_POOL = "master"
WORKER_POOL = "worker"

# ControllerConfig conditions (API@master machineconfiguration/v1/types.go;
# MCO@main pkg/apihelpers/apihelpers.go IsControllerConfigCompleted).
TEMPLATE_CONTROLLER_RUNNING = "TemplateControllerRunning"
TEMPLATE_CONTROLLER_COMPLETED = "TemplateControllerCompleted"
TEMPLATE_CONTROLLER_FAILING = "TemplateControllerFailing"

# MachineConfigPool condition types (API@master MachineConfigPoolConditionType).
COND_UPDATED = "Updated"
COND_UPDATING = "Updating"
COND_NODE_DEGRADED = "NodeDegraded"
COND_RENDER_DEGRADED = "RenderDegraded"
COND_DEGRADED = "Degraded"
COND_IMAGE_BUILD_DEGRADED = "ImageBuildDegraded"
COND_PINNED_IMAGE_SETS_DEGRADED = "PinnedImageSetsDegraded"

# Rendered MachineConfig names: "rendered-" + pool + "-" + 32 hex (pkg/controller/render/hash.go).
RENDERED_PREFIX = "rendered-"
# The rendered MC always carries the MCO's internal Ignition version; 3.5.0 in MCO@4.19+
# (InternalMCOIgnitionVersion, pkg/controller/common/constants.go).
INTERNAL_IGNITION_VERSION = "3.5.0"
# Versions IgnParseWrapper accepts (3.0-3.5 via ParseCompatibleVersion, fallback 2.2).
SUPPORTED_IGNITION_VERSIONS = ("2.2", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5")
# pkg/controller/common/constants.go KernelType*.
KERNEL_TYPE_DEFAULT = "default"
KERNEL_TYPE_REALTIME = "realtime"
KERNEL_TYPE_64K_PAGES = "64k-pages"

# Node update taint set by the node controller (MCO@main pkg/constants NodeUpdateInProgressTaint).
UPDATE_IN_PROGRESS_TAINT_KEY = "UpdateInProgress"
UPDATE_IN_PROGRESS_TAINT_EFFECT = "PreferNoSchedule"

# post-config-action value written just before a reboot (daemon.go, MachineConfigDaemonStateRebooting).
POST_CONFIG_ACTION_REBOOTING = "Rebooting"
# The daemon truncates the reason annotation (pkg/daemon/writer.go).
MAX_REASON_LENGTH = 2000
# desiredDrain / lastAppliedDrain value prefixes (pkg/daemon/drain.go, drain_controller.go).
DRAIN_PREFIX = "drain-"
UNCORDON_PREFIX = "uncordon-"

# Real MCO defaults, for reference; the simulator's are command-line options.
MCO_RENDER_DELAY_SECONDS = 5.0
