"""One sync of the lab CVO: read ClusterVersion, act on ``spec.desiredUpdate``, write ``/status``.

Follows CVO pkg/cvo/cvo.go (sync), sync_worker.go (payload load steps, equalUpdate,
completion after one clean pass), updatepayload.go (retrieve + verify, force) and status.go
(conditions, history).  Requests compare by ``image`` plus ``force``; a rejected request is
remembered so it is not re-verified on every sync, and the previous target keeps applying.
"""

import copy
import logging

from . import conditions as cond
from . import graph, preconditions, validation, verify
from .kube import CV, Conflict
from .operators import co_ready
from .payload import PayloadError, load

log = logging.getLogger("okdlab.cvo")

RELEASE_ACCEPTED = "ReleaseAccepted"
PROGRESSING = "Progressing"
AVAILABLE = "Available"
FAILING = "Failing"
UPGRADEABLE = "Upgradeable"
REASON_UPDATING = "ClusterVersionUpdating"


def _q(version, image):
    return f'version="{version}" image="{image}"'


class Controller:
    def __init__(self, kube, operators, graph_file, ca_file, arch="amd64"):
        self.kube = kube
        self.operators = operators
        self.graph_file = graph_file
        self.ca_file = ca_file
        self.arch = arch
        self.payloads = {}  # image -> Payload
        self.rejected = None  # (image, force) of the last refused request

    # -- payloads ------------------------------------------------------------------------
    def payload(self, image):
        if image not in self.payloads:
            self.payloads[image] = load(image, self.kube.pull_secret(), self.ca_file, self.arch)
        return self.payloads[image]

    # -- one sync ------------------------------------------------------------------------
    def sync(self):
        """Returns the seconds until a timed step is due (None: wait for an event)."""
        cv = self.kube.get(CV, "version")
        if cv is None:
            return None
        status = copy.deepcopy(cv.get("status") or {})
        now = cond.now_rfc3339()
        current = status.get("desired") or {}
        if not current.get("image"):
            return None
        conds = status.get("conditions") or []

        # available updates from the graph (pkg/cvo/availableupdates.go)
        available, conditional, channels, retrieved = graph.updates(
            graph.load(self.graph_file),
            (cv.get("spec") or {}).get("channel"),
            self.arch,
            current.get("version"),
            previous=status,
            now=now,
        )
        status["availableUpdates"] = available
        status["conditionalUpdates"] = conditional
        if channels:
            status["desired"] = dict(current, channels=channels)
        conds = cond.set_condition(conds, graph.RETRIEVED, *retrieved, now=now)

        # validation (lib/validation/validation.go)
        errors = validation.validate({"spec": cv.get("spec"), "status": status})
        if errors:
            conds = cond.set_condition(
                conds, validation.INVALID, "True", validation.REASON_INVALID, validation.message(errors), now
            )
        else:
            conds = cond.remove(conds, validation.INVALID)
            status, conds = self._maybe_accept(cv, status, conds, now)

        status["conditions"] = conds
        wait = self._apply(status, now)
        status["observedGeneration"] = cv["metadata"].get("generation")
        if status != cv.get("status"):
            cv["status"] = status
            try:
                self.kube.replace_status(CV, cv)
            except Conflict:
                return 0.05
        return wait

    # -- accepting a request (sync_worker.go, updatepayload.go) --------------------------
    def _target(self, update, status):
        image = update.get("image") or ""
        version = update.get("version") or ""
        if not image:
            for candidate in (
                (status.get("availableUpdates") or [])
                + [c.get("release") or {} for c in status.get("conditionalUpdates") or []]
                + (status.get("history") or [])
            ):
                if candidate.get("version") == version and candidate.get("image"):
                    return version, candidate["image"]
        return version, image

    def _maybe_accept(self, cv, status, conds, now):
        update = (cv.get("spec") or {}).get("desiredUpdate")
        if not update:
            return status, conds
        version, image = self._target(update, status)
        force = bool(update.get("force"))
        current = status.get("desired") or {}
        if not image or image == current.get("image"):
            return status, conds
        if self.rejected == (image, force, cv["metadata"].get("generation")):
            return status, conds
        log.info("new desired update %s force=%s", _q(version, image), force)
        self._write_conditions(
            cv,
            cond.set_condition(
                conds,
                RELEASE_ACCEPTED,
                "Unknown",
                "RetrievePayload",
                f"Retrieving and verifying payload {_q(version, image)}",
                now,
            ),
        )

        accepted_risks = []
        verified = True
        # 1. verify (library-go pkg/verify), with the running payload's keys
        try:
            running = self.payload(current["image"])
            keys = verify.keyrings(running.verification)
            digest = image.rsplit("@", 1)[1] if "@" in image else ""
            signatures = (
                verify.signatures_for(
                    digest, self.kube.signature_config_maps(verify.SIGNATURES_NAMESPACE, verify.SIGNATURES_LABEL)
                )
                if digest
                else []
            )
            verify.verify(image, keys, signatures)
        except (verify.VerificationError, PayloadError) as e:
            verified = False
            if not force:
                return self._reject(
                    cv,
                    status,
                    conds,
                    image,
                    force,
                    "RetrievePayload",
                    f"Retrieving payload failed {_q(version, image)} failure=The update cannot be verified: {e}",
                    now,
                )
            accepted_risks.append(
                f"Target release {_q(version, image)} cannot be verified, but continuing anyway because the update "
                f"was forced: {e}"
            )
        # 2. load
        try:
            target = self.payload(image)
        except PayloadError as e:
            return self._reject(
                cv,
                status,
                conds,
                image,
                force,
                "RetrievePayload",
                f"Retrieving payload failed {_q(version, image)} failure={e}",
                now,
            )
        # 3. the payload's version is the requested one
        if version and target.version != version:
            return self._reject(
                cv,
                status,
                conds,
                image,
                force,
                "VerifyPayloadVersion",
                f"Verifying payload failed {_q(version, image)} failure=release image version "
                f"{target.version} does not match the expected upstream version {version}",
                now,
            )
        # 4. preconditions
        failures = preconditions.run(status, target.version, image)
        blocking = [f for f in failures if f.blocking]
        warnings = [f for f in failures if not f.blocking]
        if blocking and not force:
            text = "; ".join(f.text() for f in blocking)
            return self._reject(
                cv,
                status,
                conds,
                image,
                force,
                "PreconditionChecks",
                f"Preconditions failed for payload loaded {_q(target.version, image)}: {text}",
                now,
            )
        if blocking:
            accepted_risks.append("Forced through blocking failures: " + "; ".join(f.text() for f in blocking))
        accepted_risks.extend(f.text() for f in warnings)

        # accepted: close the running entry, prepend a Partial one (status.go mergeOperatorHistory)
        self.rejected = None
        history = status.get("history") or []
        if history and history[0].get("state") == "Partial" and not history[0].get("completionTime"):
            history[0]["completionTime"] = now
        entry = {
            "state": "Partial",
            "startedTime": now,
            "completionTime": None,
            "version": target.version,
            "image": image,
            "verified": verified,
        }
        if accepted_risks:
            entry["acceptedRisks"] = "\n".join(accepted_risks)
        status["history"] = ([entry, *history])[:100]
        status["desired"] = {
            k: v
            for k, v in {
                "version": target.version,
                "image": image,
                "url": f"https://okd.example/releases/{target.version}",
            }.items()
            if v
        }
        conds = cond.set_condition(
            conds,
            RELEASE_ACCEPTED,
            "True",
            "PayloadLoaded",
            f'Payload loaded {_q(target.version, image)} architecture="{target.architecture}"',
            now,
        )
        conds = cond.set_condition(
            conds,
            UPGRADEABLE,
            "False",
            REASON_UPDATING,
            "An update is already in progress and the details are in the Progressing condition",
            now,
        )
        self.operators.begin(image)
        log.info("accepted %s verified=%s risks=%s", target.version, verified, accepted_risks)
        return status, conds

    def _write_conditions(self, cv, conds):
        """The Unknown/RetrievePayload step is visible while verifying, as in the CVO."""
        body = copy.deepcopy(cv)
        body.setdefault("status", {})["conditions"] = conds
        try:
            fresh = self.kube.replace_status(CV, body)
            cv["metadata"]["resourceVersion"] = fresh["metadata"]["resourceVersion"]
            cv["status"] = copy.deepcopy(fresh.get("status") or {})
        except Conflict:
            pass

    def _reject(self, cv, status, conds, image, force, reason, message, now):
        log.info("rejected %s: %s", image, message)
        self.rejected = (image, force, cv["metadata"].get("generation"))
        return status, cond.set_condition(conds, RELEASE_ACCEPTED, "False", reason, message, now)

    # -- applying (sync_worker.go apply; status.go) ----------------------------------------
    def _apply(self, status, now):
        desired = status["desired"]
        try:
            target = self.payload(desired["image"])
        except PayloadError as e:
            status["conditions"] = cond.set_condition(
                status["conditions"],
                FAILING,
                "True",
                "RetrievePayload",
                f"Could not load the payload {desired['image']}: {e}",
                now,
            )
            return 5
        history = status.get("history") or []
        updating = (
            bool(history) and history[0].get("state") == "Partial" and history[0].get("image") == desired["image"]
        )
        wait = self.operators.sync(target, updating)
        from .kube import CO  # pylint: disable=import-outside-toplevel

        live = {c["metadata"]["name"]: c for c in self.kube.list(CO)}
        waiting = sorted(n for n, declared in target.cluster_operators.items() if not co_ready(live.get(n), declared))
        total = len(target.manifests)
        done = total - len(waiting)
        conds = status["conditions"]
        version = target.version
        if updating and not waiting:
            history[0]["state"] = "Completed"
            history[0]["completionTime"] = now
            status["versionHash"] = target.digest[7:19]
            log.info("update to %s completed", version)
            updating = False
        if updating:
            percent = int(done * 100 / total) if total else 0
            message = f"Working towards {version}: {done} of {total} done ({percent}% complete)"
            if waiting:
                message += ", waiting on " + ", ".join(waiting)
            conds = cond.set_condition(conds, PROGRESSING, "True", "", message, now)
            conds = cond.set_condition(conds, FAILING, "False", "", "", now)
        else:
            conds = cond.set_condition(conds, PROGRESSING, "False", "", f"Cluster version is {version}", now)
            conds = cond.set_condition(conds, AVAILABLE, "True", "", f"Done applying {version}", now)
            conds = cond.set_condition(conds, FAILING, "False", "", "", now)
            upgradeable = cond.get(conds, UPGRADEABLE)
            if upgradeable and upgradeable.get("reason") == REASON_UPDATING:
                conds = cond.remove(conds, UPGRADEABLE)
        if not cond.get(conds, RELEASE_ACCEPTED):
            conds = cond.set_condition(
                conds,
                RELEASE_ACCEPTED,
                "True",
                "PayloadLoaded",
                f'Payload loaded {_q(version, desired["image"])} architecture="{target.architecture}"',
                now,
            )
        status["conditions"] = conds
        return wait
