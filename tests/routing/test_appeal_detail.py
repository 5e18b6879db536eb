"""The appeal's own suggestions: ``suggested_departments`` in its API detail (for those who dispatch) and the
top three on the dispatch form, one click from the lead department select."""

import io
import re

import pytest
from django.core.management import call_command

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal

pytestmark = pytest.mark.django_db

TITLE, CONTENT = "申请办理排污许可证", "公司新建项目需要办理环评审批和排污许可，请问流程和时限。"


@pytest.fixture
def trained(history):
    call_command("routing_train", stdout=io.StringIO())
    return history


@pytest.fixture
def fresh(trained, clerk, jia, category, channel, now):
    """A newly registered appeal about emissions, waiting for dispatch."""
    return actions.register(acting_user=clerk, enterprise=jia, title=TITLE, content=CONTENT, category=category,
                            channel=channel, now=now).appeal


@pytest.mark.parametrize("persona", ["dispatcher", "supervisor"])
def test_those_who_dispatch_see_the_suggestions(api, request, fresh, units, persona):
    detail = api.as_(request.getfixturevalue(persona)).get(f"/api/v1/appeals/{fresh.pk}/").json()
    suggested = detail["suggested_departments"]
    assert suggested[0]["department"] == units["sthj"].pk
    assert suggested == api.post("/api/v1/routing/suggest/", {"title": TITLE, "content": CONTENT},
                                 format="json").json()  # the same list as the API


@pytest.mark.parametrize("persona", ["clerk", "handler_gxj", "leader", "user_jia"])
def test_others_get_null(api, request, fresh, dispatcher, units, persona):
    actions.dispatch(fresh, acting_user=dispatcher, lead_department=units["gxj"])  # so 工信局's handler sees it
    detail = api.as_(request.getfixturevalue(persona)).get(f"/api/v1/appeals/{fresh.pk}/")
    assert detail.status_code == 200 and detail.json()["suggested_departments"] is None


def test_the_list_does_not_carry_them(api, dispatcher, fresh):
    rows = api.as_(dispatcher).get("/api/v1/appeals/").json()["results"]
    assert rows and all("suggested_departments" not in row for row in rows)


def test_a_department_that_returned_the_appeal_is_marked_down(api, dispatcher, fresh, units, handlers):
    before = api.as_(dispatcher).get(f"/api/v1/appeals/{fresh.pk}/").json()["suggested_departments"]
    actions.dispatch(fresh, acting_user=dispatcher, lead_department=units["sthj"])
    actions.return_appeal(fresh, acting_user=handlers["sthj"], reason="该企业位于园区，应由园区先行协调")
    after = api.as_(dispatcher).get(f"/api/v1/appeals/{fresh.pk}/").json()["suggested_departments"]
    scores_before = {s["department"]: s["score"] for s in before}
    scores_after = {s["department"]: s["score"] for s in after}
    assert scores_after.get(units["sthj"].pk, 0) < scores_before[units["sthj"].pk]


def test_the_dispatch_form_shows_the_top_three_as_buttons(as_user, dispatcher, fresh, units):
    page = as_user(dispatcher).get(f"/appeals/{fresh.pk}/").content.decode()
    form = re.search(r'<form[^>]*data-action="dispatch".*?</form>', page, re.S).group(0)
    box = re.search(r'<div class="field routing-suggestions" data-routing-target="([^"]+)">(.*?)</div>', form, re.S)
    assert box.group(1) == "id_dispatch_lead_department"
    assert 'id="id_dispatch_lead_department"' in form  # the select the buttons fill
    buttons = re.findall(r'class="button routing-suggestion" data-department="(\d+)"', box.group(2))
    assert 1 <= len(buttons) <= 3 and buttons[0] == str(units["sthj"].pk)
    assert "贵阳市生态环境局清镇分局" in box.group(2) and "%" in box.group(2)
    assert "routing/suggest.js" in page


def test_the_form_still_dispatches_to_the_chosen_department(as_user, dispatcher, fresh, units):
    response = as_user(dispatcher).post(f"/appeals/{fresh.pk}/act/dispatch/", {"lead_department": units["sthj"].pk})
    assert response.status_code == 302
    fresh.refresh_from_db()
    assert fresh.state == "dispatched" and fresh.lead_department == units["sthj"]
    assert fresh.events.last().action == "dispatch"


def test_no_confident_suggestion_says_so_on_the_form(as_user, dispatcher, trained, clerk, jia, category, channel):
    vague = actions.register(acting_user=clerk, enterprise=jia, title="你好", content="今天天气很好",
                             category=category, channel=channel).appeal
    page = as_user(dispatcher).get(f"/appeals/{vague.pk}/").content.decode()
    assert "暂无把握较大的建议" in page and 'class="button routing-suggestion"' not in page


def test_pages_without_a_dispatch_form_carry_no_suggestions(as_user, clerk, handler_gxj, fresh, dispatcher, units):
    assert "routing-suggestions" not in as_user(clerk).get(f"/appeals/{fresh.pk}/").content.decode()
    actions.dispatch(fresh, acting_user=dispatcher, lead_department=units["gxj"])
    assert "routing-suggestions" not in as_user(handler_gxj).get(f"/appeals/{fresh.pk}/").content.decode()
    assert Appeal.objects.get(pk=fresh.pk).state == "dispatched"


def test_a_supervisor_arbitrating_sees_them_too(as_user, supervisor, dispatcher, fresh, units, handlers):
    for unit in ("gxj", "rsj"):
        actions.dispatch(fresh, acting_user=dispatcher, lead_department=units[unit])
        actions.return_appeal(fresh, acting_user=handlers[unit], reason="不属于本单位职责")
    page = as_user(supervisor).get(f"/appeals/{fresh.pk}/").content.decode()
    form = re.search(r'<form[^>]*data-action="arbitrate".*?</form>', page, re.S).group(0)
    assert 'data-routing-target="id_arbitrate_lead_department"' in form
    assert f'data-department="{units["sthj"].pk}"' in form
