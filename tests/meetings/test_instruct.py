"""领导批示: a leader's instruction on any open appeal, recorded as an event and shown first to the department."""

from __future__ import annotations

import pytest

from lianxi.appeals import actions
from lianxi.appeals.models import AppealEvent
from lianxi.core.errors import InvalidInput, NotPermitted, StateConflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def handling(clerk, dispatcher, handler_gxj, jia, category, gxj, now):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="用电增容审批慢", content="c", category=category,
                              now=now).appeal
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj)
    return actions.accept(appeal, acting_user=handler_gxj)


def test_a_leader_instructs_and_the_state_stays(handling, leader, gxj):
    before = handling.state
    appeal = actions.instruct(handling, acting_user=leader, text="  请工信局主要负责同志亲自过问，一周内解决  ")
    appeal.refresh_from_db()
    assert appeal.state == before == "handling"
    event = AppealEvent.objects.filter(appeal=appeal).order_by("at", "id").last()
    assert (event.action, event.actor_id, event.actor_name, event.from_state, event.to_state) == (
        "instruct", leader.pk, "市长", "handling", "handling")
    assert event.data == {"instruction": "请工信局主要负责同志亲自过问，一周内解决", "department": gxj.pk,
                          "department_name": "市工业和信息化局"}


def test_who_may_instruct_and_when(handling, supervisor, handler_gxj, leader, dispatcher, clerk, jia, category):
    events = AppealEvent.objects.count()
    for persona in (supervisor, handler_gxj):
        with pytest.raises(NotPermitted):
            actions.instruct(handling, acting_user=persona, text="加快")
    with pytest.raises(InvalidInput) as blank:
        actions.instruct(handling, acting_user=leader, text="  ")
    assert set(blank.value.fields) == {"text"}
    rejected = actions.register(acting_user=clerk, enterprise=jia, title="t", content="c", category=category).appeal
    actions.reject(rejected, acting_user=dispatcher, reason="重复")
    with pytest.raises(StateConflict):
        actions.instruct(rejected, acting_user=leader, text="加快")
    assert AppealEvent.objects.count() == events + 2  # only the rejected appeal's register and reject


def test_the_api_and_the_handlers_page(api, client, handling, leader, handler_gxj, supervisor):
    response = api.as_(leader).post(f"/api/v1/appeals/{handling.pk}/instruct/", {"text": "限期办结，结果报我"},
                                    format="json")
    assert response.status_code == 200 and response.json()["state"] == "handling"
    assert api.as_(supervisor).post(f"/api/v1/appeals/{handling.pk}/instruct/", {"text": "x"},
                                    format="json").status_code == 403
    assert api.as_(leader).post(f"/api/v1/appeals/{handling.pk}/instruct/", {}, format="json").status_code == 400
    client.force_login(handler_gxj)
    page = client.get(f"/appeals/{handling.pk}/").content.decode()
    box = page.index('id="instructions"')
    assert "领导批示" in page[box:box + 200] and "限期办结，结果报我" in page
    assert box < page.index("诉求内容")  # shown above the appeal itself
    assert 'data-action="instruct"' not in page  # the handler cannot instruct
    client.force_login(leader)
    leader_page = client.get(f"/appeals/{handling.pk}/").content.decode()
    assert 'data-action="instruct"' in leader_page
    posted = client.post(f"/appeals/{handling.pk}/act/instruct/", {"text": "再次批示"})
    assert posted.status_code == 302
    assert handling.events.filter(action="instruct").count() == 2


def test_no_box_without_instructions(client, handling, handler_gxj):
    client.force_login(handler_gxj)
    assert 'id="instructions"' not in client.get(f"/appeals/{handling.pk}/").content.decode()
