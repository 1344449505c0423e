"""metav1.LabelSelector semantics: matching and the text form `labels.Selector.String()` gives.

Follows k8s.io/apimachinery pkg/apis/meta/v1/helpers.go `LabelSelectorAsSelector` (matchLabels
become `=` requirements) and pkg/labels/selector.go (`Requirement.Matches`, `Requirement.String`;
requirements sorted by key).  The MCO uses the string form in its render error
"no MachineConfigs found matching selector <selector>" (render_controller.go).
"""


class SelectorError(ValueError):
    """A selector the API server accepted but metav1.LabelSelectorAsSelector rejects."""


def is_empty(selector):
    """True for a missing selector or `{}`: the MCO then emits `SelectingAll` and does nothing
    (render_controller.go and node_controller.go `syncMachineConfigPool`)."""
    if not selector:
        return True
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def requirements(selector):
    """[(key, operator, sorted values)] sorted by key, as LabelSelectorAsSelector builds them."""
    reqs = []
    for key, value in sorted((selector or {}).get("matchLabels", {}).items()):
        reqs.append((key, "=", (value,)))
    for expr in (selector or {}).get("matchExpressions") or []:
        op = expr.get("operator")
        values = tuple(sorted(expr.get("values") or ()))
        if op in ("In", "NotIn") and not values:
            raise SelectorError(f"{op} requires at least one value for key {expr.get('key')}")
        if op in ("Exists", "DoesNotExist") and values:
            raise SelectorError(f"{op} takes no values for key {expr.get('key')}")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise SelectorError(f"{op!r} is not a valid label selector operator")
        reqs.append((expr["key"], op, values))
    return sorted(reqs, key=lambda r: r[0])


def matches(selector, labels):
    """Whether `labels` satisfy every requirement of a (non-empty) selector."""
    labels = labels or {}
    for key, op, values in requirements(selector):
        present = key in labels
        if op == "=" and (not present or labels[key] != values[0]):
            return False
        if op == "In" and (not present or labels[key] not in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def to_string(selector):
    """`labels.Selector.String()`: e.g. `machineconfiguration.openshift.io/role in (infra,worker)`."""
    parts = []
    for key, op, values in requirements(selector):
        if op == "=":
            parts.append(f"{key}={values[0]}")
        elif op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        else:
            parts.append("!" + key)
    return ",".join(parts)
