"""An appeal's 转办 → 督办 → 问责 trail. The story: 甲's appeal goes to 人社局, which returns it; it is
re-dispatched to 工信局, which is slow; the supervisor pushes 工信局 (and reminds 卫城镇), 工信局 answers late, and
is held to account."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.core.errors import NotFound
from lianxi.supervision import services
from lianxi.supervision.selectors import appeal_trail, trail_data

pytestmark = pytest.mark.django_db


def at(day: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, day, hour, 0))



@pytest.fixture
def story(clerk, dispatcher, handler_rsj, handler_gxj, supervisor, jia, category, channel, gxj, rsj, town):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="申请技改补贴兑现", content="去年的技改补贴尚未兑现",
                              category=category, channel=channel, now=at(9, 9)).appeal
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=rsj, instructions="请人社局办理", now=at(9, 10))
    actions.return_appeal(appeal, acting_user=handler_rsj, reason="不属于本局职责", now=at(9, 15))
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, instructions="请工信局办理", now=at(10, 9))
    order = actions.supervise(appeal, acting_user=supervisor, level="supervise", text="请加快办理",
                              now=at(12, 9))._last_supervision
    reminder = actions.supervise(appeal, acting_user=supervisor, level="reminder", department=town,
                                 text="请卫城镇配合", now=at(12, 10))._last_supervision
    services.answer_order(order, acting_user=handler_gxj, answer="已签收并部署", now=at(17, 9))
    record = services.record_accountability(acting_user=supervisor, department=gxj, trigger="overdue",
                                            measure="talk", text="超期未签收", appeals=[appeal], now=at(18, 9))
    return {"appeal": appeal, "order": order, "reminder": reminder, "record": record}


def test_the_trail_in_time_order(story, supervisor, gxj, rsj, town):
    trail = appeal_trail(story["appeal"], supervisor)
    assert [(item.stage, item.kind, item.label) for item in trail] == [
        ("transfer", "dispatch", "交办"), ("transfer", "return", "退回"), ("transfer", "dispatch", "重新交办"),
        ("supervision", "supervision", "督办"), ("supervision", "supervision", "提醒"),
        ("accountability", "accountability", "问责")]
    assert [item.at for item in trail] == [at(9, 10), at(9, 15), at(10, 9), at(12, 9), at(12, 10), at(18, 9)]
    dispatch, returned, redispatch, order, reminder, record = trail
    assert (dispatch.department_name, dispatch.text, dispatch.actor_name) == (rsj.name, "请人社局办理", "派单员老陈")
    assert (returned.department_name, returned.text) == (rsj.name, "不属于本局职责")
    assert redispatch.department_name == gxj.name
    assert (order.number, order.department_name, order.status, order.status_label) == (
        story["order"].number, gxj.name, "answered", "已答复")
    assert order.details["answer"] == "已签收并部署" and order.url == f"/supervisions/{story['order'].pk}/"
    assert (reminder.department_name, reminder.status) == (town.name, "none")
    assert (record.number, record.department_name, record.status_label, record.details["measure_label"]) == (
        story["record"].number, gxj.name, "已问责", "约谈")


def test_each_reader_sees_their_part_of_the_trail(story, handler_gxj, head_gxj, handler_rsj, user_jia, user_yi):
    def kinds(user):
        return [(item.kind, item.number) for item in appeal_trail(story["appeal"].pk, user)]

    transfers = [("dispatch", ""), ("return", ""), ("dispatch", "")]
    order, record = story["order"].number, story["record"].number
    # 工信局's handler: the order addressed to 工信局, not the reminder to 卫城镇, nor the record (for its head).
    assert kinds(handler_gxj) == transfers + [("supervision", order)]
    assert kinds(head_gxj) == transfers + [("supervision", order), ("accountability", record)]
    assert kinds(user_jia) == transfers  # the enterprise sees its appeal's dispatches, no orders or records
    for outsider in (handler_rsj, user_yi):  # 人社局 returned it and no longer sees it
        with pytest.raises(NotFound):
            appeal_trail(story["appeal"], outsider)


def test_trail_data_is_json(story, supervisor):
    data = trail_data(story["appeal"], supervisor)
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert data[0]["at"] == "2026-03-09T10:00:00+08:00" and data[0]["stage_label"] == "转办"
    assert data[3]["details"]["answered_at"] == "2026-03-17T09:00:00+08:00"
    assert [d["stage_label"] for d in data] == ["转办", "转办", "转办", "督办", "督办", "问责"]


def test_the_include_renders_the_trail_for_the_requesting_user(story, handler_gxj):
    request = RequestFactory().get("/")
    request.user = handler_gxj
    template = engines["django"].from_string("{% load supervision_tags %}{% appeal_trail appeal %}")
    html = template.render({"appeal": story["appeal"]}, request)
    assert "转办 · 督办 · 问责" in html and story["order"].number in html and "已答复" in html
    assert "请卫城镇配合" not in html and story["record"].number not in html
    assert "重新交办" in html and "不属于本局职责" in html
