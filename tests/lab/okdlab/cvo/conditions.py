"""ClusterVersion / ClusterOperator conditions, set as the CVO sets them.

``lastTransitionTime`` changes only when the status flips (CVO lib/resourcemerge/os.go
SetOperatorStatusCondition); conditions keep their order, a new one is appended.
"""

import datetime


def now_rfc3339():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def get(conditions, ctype):
    return next((c for c in conditions or [] if c.get("type") == ctype), None)


def status_of(conditions, ctype):
    cond = get(conditions, ctype)
    return cond.get("status") if cond else None


def set_condition(conditions, ctype, status, reason="", message="", now=None):
    """A new list with ``ctype`` set; lastTransitionTime kept unless the status flips."""
    now = now or now_rfc3339()
    out = []
    found = False
    for cond in conditions or []:
        if cond.get("type") != ctype:
            out.append(cond)
            continue
        found = True
        transition = cond.get("lastTransitionTime") if cond.get("status") == status else now
        new = {"type": ctype, "status": status, "lastTransitionTime": transition or now}
        if reason:
            new["reason"] = reason
        if message:
            new["message"] = message
        out.append(new)
    if not found:
        new = {"type": ctype, "status": status, "lastTransitionTime": now}
        if reason:
            new["reason"] = reason
        if message:
            new["message"] = message
        out.append(new)
    return out


def remove(conditions, ctype):
    return [c for c in conditions or [] if c.get("type") != ctype]
