# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure part of the override: builder, name order, merge order, plans."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.mco import override_plan as override

ROLE = "machineconfiguration.openshift.io/role"
GEN = "machineconfiguration.openshift.io/generated-by-controller-version"
IMAGE = "registry.example.com/os/layered@sha256:" + "b" * 64
DEFAULT = "quay.io/okd/scos-content@sha256:" + "a" * 64


def mc(name, role="worker", image=None, generated=False, managed=False, rv="1"):
    labels = {ROLE: role}
    if managed:
        labels[override.MANAGED_BY_LABEL] = override.MANAGED_BY_VALUE
    obj = {"metadata": {"name": name, "labels": labels, "resourceVersion": rv}, "spec": {}}
    if generated:
        obj["metadata"]["annotations"] = {GEN: "v1"}
    if image:
        obj["spec"]["osImageURL"] = image
    return obj


TEMPLATES = [
    mc("00-worker", image=DEFAULT, generated=True),
    mc("01-worker-container-runtime", image=DEFAULT, generated=True),
    mc("01-worker-kubelet", image=DEFAULT, generated=True),
]


def test_builder_sets_role_managed_by_and_only_os_image_url():
    built = override.build_machine_config("99-infra-os-image-override", "infra", IMAGE)
    assert built["metadata"]["labels"] == {ROLE: "infra", "app.kubernetes.io/managed-by": "okd.machine_os"}
    assert built["spec"] == {"osImageURL": IMAGE}
    assert "annotations" not in built["metadata"]
    assert override.default_name("worker") == "99-worker-os-image-override"


def test_pool_role_from_selector_or_pool_name():
    pool = {"metadata": {"name": "infra"}, "spec": {"machineConfigSelector": {"matchLabels": {ROLE: "infra-role"}}}}
    assert override.pool_role(pool) == "infra-role"
    assert override.pool_role({"metadata": {"name": "infra"}, "spec": {}}) == "infra"


@pytest.mark.parametrize(
    "name, refused",
    [
        ("99-worker-os-image-override", False),
        ("50-override", False),
        ("01-worker-kubelet", True),
        ("01-worker-container-runtime-x", True),
        ("00-aaa", True),
    ],
)
def test_name_must_sort_after_the_templates(name, refused):
    error = override.name_order_error(name, "worker", TEMPLATES)
    assert bool(error) is refused
    if refused:
        assert "01-worker-kubelet" in error and "99-worker-os-image-override" in error


def test_merge_order_puts_worker_role_first():
    ordered = override.merge_order([mc("99-infra", role="infra"), mc("99-worker"), mc("00-infra", role="infra")])
    assert [m["metadata"]["name"] for m in ordered] == ["99-worker", "00-infra", "99-infra"]


def test_effective_image_skips_controller_generated_and_excluded():
    mcs = [*TEMPLATES, mc("99-worker-os-image-override", image=IMAGE, managed=True)]
    assert override.effective_os_image(mcs, DEFAULT) == (IMAGE, "99-worker-os-image-override")
    assert override.effective_os_image(mcs, DEFAULT, exclude=("99-worker-os-image-override",)) == (DEFAULT, None)
    other = [*mcs, mc("98-other", image="x@sha256:" + "c" * 64)]
    assert override.effective_os_image(other, DEFAULT, exclude=("99-worker-os-image-override",))[1] == "98-other"


def test_later_overrides_are_found():
    mcs = [*TEMPLATES, mc("99-zzz", image="x@sha256:" + "c" * 64), mc("10-early", image="y@sha256:" + "d" * 64)]
    assert override.later_overrides("99-worker-os-image-override", "worker", IMAGE, mcs) == [
        ("99-zzz", "x@sha256:" + "c" * 64)
    ]
    # a custom role's MC comes after every worker-role MC
    assert override.later_overrides("99-a", "worker", IMAGE, [mc("00-infra", role="infra", image="z")]) == [
        ("00-infra", "z")
    ]


def test_plans():
    name = "99-worker-os-image-override"
    assert override.plan_present(name, "worker", IMAGE, None).operation == override.OP_CREATE
    same = mc(name, image=IMAGE, managed=True)
    assert override.plan_present(name, "worker", IMAGE, same).operation == override.OP_NONE
    update = override.plan_present(name, "worker", IMAGE, mc(name, image=DEFAULT, managed=True))
    assert (update.operation, update.previous_image) == (override.OP_UPDATE, DEFAULT)
    assert update.after["spec"] == {"osImageURL": IMAGE} and update.after["metadata"]["resourceVersion"] == "1"
    with pytest.raises(override.OverrideError, match="not managed by okd.machine_os"):
        override.plan_present(name, "worker", IMAGE, mc(name, image=DEFAULT))
    with pytest.raises(override.OverrideError, match="not managed by okd.machine_os"):
        override.plan_absent(name, mc(name, image=DEFAULT))
    assert override.plan_absent(name, None).operation == override.OP_NONE
    assert override.plan_absent(name, same).operation == override.OP_DELETE


def test_diff_view_drops_server_fields():
    obj = mc("x", image=IMAGE, managed=True)
    obj["metadata"].update(uid="u", managedFields=[{}])
    view = override.diff_view(obj)
    assert set(view["metadata"]) == {"name", "labels"} and view["spec"] == {"osImageURL": IMAGE}
    assert override.diff_view(None) == {}
