# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ClusterVersion ``version`` as the collection reports it. Pure.

Fields: openshift/api config/v1 types_cluster_version.go (``status.desired``, ``history``
newest first, ``availableUpdates``, ``conditionalUpdates`` with ``risks`` and a ``Recommended``
condition); condition types and reasons: openshift/cluster-version-operator pkg/cvo/status.go.
"""

# annotations stay unevaluated: ansible-test pylint judges `X | None` with an older py-version
from __future__ import annotations

from typing import Any

COND_AVAILABLE = "Available"
COND_PROGRESSING = "Progressing"
COND_FAILING = "Failing"
COND_INVALID = "Invalid"
COND_RELEASE_ACCEPTED = "ReleaseAccepted"
COND_UPGRADEABLE = "Upgradeable"
COND_RETRIEVED_UPDATES = "RetrievedUpdates"
COND_RECOMMENDED = "Recommended"


def status_of(cv: dict[str, Any]) -> dict[str, Any]:
    return cv.get("status") or {}


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Conditions by type (of a ClusterVersion, a ClusterOperator or a conditional update)."""
    items = (obj.get("status") or {}).get("conditions") if "status" in obj else obj.get("conditions")
    return {c.get("type"): c for c in items or [] if c.get("type")}


def condition_status(obj: dict[str, Any], ctype: str) -> str | None:
    return (conditions(obj).get(ctype) or {}).get("status")


def condition_text(obj: dict[str, Any], ctype: str) -> str:
    """``<type>=<status> (<reason>): <message>`` for messages and failures."""
    cond = conditions(obj).get(ctype) or {}
    text = f"{ctype}={cond.get('status', 'missing')}"
    if cond.get("reason"):
        text += f" ({cond['reason']})"
    if cond.get("message"):
        text += f": {cond['message']}"
    return text


def current(cv: dict[str, Any]) -> dict[str, Any]:
    """``status.desired``: the release the cluster runs or moves to."""
    return status_of(cv).get("desired") or {}


def history(cv: dict[str, Any]) -> list[dict[str, Any]]:
    return status_of(cv).get("history") or []


def last_completed(cv: dict[str, Any]) -> dict[str, Any] | None:
    return next((h for h in history(cv) if h.get("state") == "Completed"), None)


def updating(cv: dict[str, Any]) -> bool:
    """history[0] Partial: an update is being applied (pkg/cvo/status.go)."""
    entries = history(cv)
    return bool(entries) and entries[0].get("state") == "Partial"


def conditional_update(cv: dict[str, Any], version: str | None = None, image: str | None = None) -> dict | None:
    for item in status_of(cv).get("conditionalUpdates") or []:
        release = item.get("release") or {}
        if (version and release.get("version") == version) or (image and release.get("image") == image):
            return item
    return None


def available_update(cv: dict[str, Any], version: str | None = None, image: str | None = None) -> dict | None:
    for item in status_of(cv).get("availableUpdates") or []:
        if (version and item.get("version") == version) or (image and item.get("image") == image):
            return item
    return None


def _risks(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": r.get("name"),
            "message": r.get("message"),
            "url": r.get("url"),
            "matching_rules": [m.get("type") for m in r.get("matchingRules") or []],
        }
        for r in item.get("risks") or []
    ]


def describe_conditional(item: dict[str, Any]) -> dict[str, Any]:
    release = item.get("release") or {}
    recommended = conditions(item).get(COND_RECOMMENDED) or {}
    return {
        "version": release.get("version"),
        "image": release.get("image"),
        "url": release.get("url"),
        "channels": release.get("channels") or [],
        "recommended": recommended.get("status"),
        "reason": recommended.get("reason"),
        "message": recommended.get("message"),
        "risks": _risks(item),
    }


def describe_history(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "state": entry.get("state"),
        "version": entry.get("version"),
        "image": entry.get("image"),
        "started_time": entry.get("startedTime"),
        "completion_time": entry.get("completionTime"),
        "verified": entry.get("verified"),
        "accepted_risks": entry.get("acceptedRisks"),
    }


def describe(cv: dict[str, Any]) -> dict[str, Any]:
    """What ``cluster_version_info`` returns (and ``cluster_version_update`` as before/after)."""
    spec = cv.get("spec") or {}
    status = status_of(cv)
    desired = current(cv)
    completed = last_completed(cv)
    return {
        "version": desired.get("version"),
        "image": desired.get("image"),
        "completed_version": (completed or {}).get("version"),
        "updating": updating(cv),
        "channel": spec.get("channel") or "",
        "channels": desired.get("channels") or [],
        "upstream": spec.get("upstream") or "",
        "cluster_id": spec.get("clusterID"),
        "desired_update": spec.get("desiredUpdate"),
        "history": [describe_history(h) for h in history(cv)],
        "available_updates": sorted(
            (
                {
                    "version": u.get("version"),
                    "image": u.get("image"),
                    "url": u.get("url"),
                    "channels": u.get("channels") or [],
                }
                for u in status.get("availableUpdates") or []
            ),
            key=lambda u: u["version"] or "",
        ),
        "conditional_updates": [describe_conditional(c) for c in status.get("conditionalUpdates") or []],
        "conditions": {
            t: {
                "status": c.get("status"),
                "reason": c.get("reason", ""),
                "message": c.get("message", ""),
                "last_transition_time": c.get("lastTransitionTime"),
            }
            for t, c in conditions(cv).items()
        },
        "observed_generation": status.get("observedGeneration"),
        "generation": (cv.get("metadata") or {}).get("generation"),
    }
