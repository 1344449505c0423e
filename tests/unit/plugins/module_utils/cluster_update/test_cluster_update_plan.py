# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Request planning: oc adm upgrade's guards and target resolution, as pure functions."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.errors import UpdateRefusedError
from ansible_collections.okd.machine_os.plugins.module_utils.cluster_update.plan import (
    FORCE_WARNING,
    by_digest,
    plan_request,
)

CUR = "quay.io/ocp/release@sha256:" + "0" * 64
NEXT = "quay.io/ocp/release@sha256:" + "1" * 64
COND = "quay.io/ocp/release@sha256:" + "2" * 64
CUSTOM = "registry.example.com/ocp/release@sha256:" + "3" * 64


def cv(conditions=(), history_state="Completed", desired_update=None, channel="stable-4.19"):
    return {
        "metadata": {"generation": 3},
        "spec": {"channel": channel, "desiredUpdate": desired_update},
        "status": {
            "desired": {"version": "4.19.0", "image": CUR, "channels": ["fast-4.19", "stable-4.19"]},
            "history": [{"state": history_state, "version": "4.19.0", "image": CUR}],
            "availableUpdates": [{"version": "4.19.1", "image": NEXT}],
            "conditionalUpdates": [
                {
                    "release": {"version": "4.19.2", "image": COND},
                    "risks": [
                        {
                            "name": "Risky",
                            "message": "It may break.",
                            "url": "https://r",
                            "matchingRules": [{"type": "Always"}],
                        }
                    ],
                    "conditions": [
                        {
                            "type": "Recommended",
                            "status": "False",
                            "reason": "Risky",
                            "message": "It may break. https://r",
                        }
                    ],
                }
            ],
            "conditions": [{"type": t, "status": s, "message": m} for t, s, m in conditions],
        },
    }


def params(**kwargs):
    base = dict(
        version=None,
        image=None,
        channel=None,
        force=False,
        allow_explicit=False,
        allow_not_recommended=False,
        allow_upgrade_with_warnings=False,
        allow_explicit_channel=False,
    )
    base.update(kwargs)
    return base


def test_recommended_version_sends_version_and_image():
    plan = plan_request(cv(), params(version="4.19.1"))
    assert plan.patch == {
        "spec": {"desiredUpdate": {"architecture": "", "version": "4.19.1", "image": NEXT, "force": False}}
    }
    assert "recommended update" in plan.reasons[0]


def test_version_not_in_available_updates_is_refused():
    with pytest.raises(UpdateRefusedError, match="not one of the possible targets: 4.19.1"):
        plan_request(cv(), params(version="4.19.7"))


def test_conditional_update_needs_allow_not_recommended_and_reports_risks():
    with pytest.raises(UpdateRefusedError, match="allow_not_recommended") as err:
        plan_request(cv(), params(version="4.19.2"))
    assert err.value.context["risks"][0]["name"] == "Risky"
    plan = plan_request(cv(), params(version="4.19.2", allow_not_recommended=True))
    assert plan.patch["spec"]["desiredUpdate"]["image"] == COND and plan.risks[0]["name"] == "Risky"
    assert any("not recommended" in w for w in plan.warnings)


def test_image_must_be_by_digest_unless_forced():
    with pytest.raises(UpdateRefusedError, match="by-digest"):
        plan_request(cv(), params(image="quay.io/ocp/release:4.19.1", allow_explicit=True))
    plan = plan_request(cv(), params(image="quay.io/ocp/release:4.19.1", allow_explicit=True, force=True))
    assert plan.patch["spec"]["desiredUpdate"] == {
        "architecture": "",
        "version": "",
        "image": "quay.io/ocp/release:4.19.1",
        "force": True,
    }
    assert FORCE_WARNING in plan.warnings


def test_explicit_image_needs_allow_explicit_and_goes_without_version():
    with pytest.raises(UpdateRefusedError, match="allow_explicit=true"):
        plan_request(cv(), params(image=CUSTOM))
    plan = plan_request(cv(), params(image=CUSTOM, allow_explicit=True))
    assert plan.patch["spec"]["desiredUpdate"]["version"] == "" and plan.target_image == CUSTOM


def test_image_of_a_recommended_update_gets_its_version():
    plan = plan_request(cv(), params(image=NEXT))
    assert plan.patch["spec"]["desiredUpdate"]["version"] == "4.19.1"


@pytest.mark.parametrize(
    "condition, text",
    [("Progressing", "already upgrading"), ("Failing", "failing"), ("Invalid", "invalid")],
)
def test_guards_refuse_unless_allow_upgrade_with_warnings(condition, text):
    state = cv(conditions=[(condition, "True", "Working towards 4.19.1")])
    with pytest.raises(UpdateRefusedError, match=text) as err:
        plan_request(state, params(version="4.19.1"))
    assert err.value.context["condition"].startswith(f"{condition}=True")
    plan = plan_request(state, params(version="4.19.1", allow_upgrade_with_warnings=True))
    assert plan.patch and plan.warnings


def test_upgradeable_false_is_only_a_warning():
    plan = plan_request(cv(conditions=[("Upgradeable", "False", "AdminAckRequired")]), params(version="4.19.1"))
    assert plan.patch and "Upgradeable=False" in plan.warnings[0]


def test_already_at_target_requests_nothing():
    plan = plan_request(cv(), params(version="4.19.0"))
    assert plan.patch is None and plan.already and "already at" in plan.reasons[0]
    moving = cv(history_state="Partial", conditions=[("Progressing", "True", "Working towards 4.19.0")])
    plan = plan_request(moving, params(image=CUR))
    assert plan.patch is None and "moving to" in plan.reasons[0]


def test_same_request_again_is_not_rewritten():
    request = {"architecture": "", "version": "4.19.1", "image": NEXT, "force": False}
    plan = plan_request(cv(desired_update=request), params(version="4.19.1"))
    assert plan.patch is None and plan.already and plan.target_image == NEXT


def test_channel_change_and_explicit_channel():
    plan = plan_request(cv(), params(channel="fast-4.19"))
    assert plan.patch == {"spec": {"channel": "fast-4.19"}} and plan.channel_change == ("stable-4.19", "fast-4.19")
    with pytest.raises(UpdateRefusedError, match="allow_explicit_channel"):
        plan_request(cv(), params(channel="candidate-4.20"))
    assert plan_request(cv(), params(channel="candidate-4.20", allow_explicit_channel=True)).patch
    assert plan_request(cv(), params(channel="stable-4.19")).patch is None


def test_by_digest():
    assert by_digest(NEXT) and not by_digest("quay.io/x:4.19") and not by_digest("quay.io/x@sha256:abc")
