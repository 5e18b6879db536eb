"""The time limits that run on an appeal: opened and closed by the loop's actions, 80 % warning in working time,
extensions that move the due date in force while the original stays, and how pages and the API show them.

The story: 工信局 gets 甲's appeal on Tuesday 30 September 2025, the eve of the National Day holiday (1–8 October;
Saturday 11 October is a 调休 working day)."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from lianxi.appeals import actions, deadlines
from lianxi.appeals.models import Deadline, Limit

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


EVE = at(2025, 9, 30, 10, 0)


@pytest.fixture
def appeal(clerk, jia, category, channel):
    return actions.register(acting_user=clerk, enterprise=jia, title="技改补贴未兑现", content="去年的技改补贴至今未到账",
                            category=category, channel=channel, now=EVE - dt.timedelta(hours=1)).appeal


@pytest.fixture
def dispatched(appeal, dispatcher, gxj):
    return actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=EVE)


def running(appeal) -> dict[str, Deadline]:
    return {d.limit: d for d in Deadline.objects.filter(appeal=appeal, ended_at__isnull=True)}


def test_dispatch_starts_the_accept_and_reply_limits_across_the_holiday(dispatched):
    limits = running(dispatched)
    assert set(limits) == {Limit.ACCEPT, Limit.REPLY}
    accept, reply = limits[Limit.ACCEPT], limits[Limit.REPLY]
    # 签收 1 working day: Thursday 9 October. 办结 7: Oct 9, 10, 11 (调休 Saturday), 13, 14, 15, 16.
    assert accept.due_at == at(2025, 10, 9, 23, 59, 59) and accept.started_at == EVE
    assert reply.due_at == reply.original_due_at == at(2025, 10, 16, 23, 59, 59) == dispatched.due_at
    # 80 % of the working time: 14 h on the 30th plus 24 h a working day; holidays do not count.
    # 签收: (14 h + 24 h − 1 s) × 0.8 = 30 h 23 min 59.2 s → 16:23:59.2 on 9 October.
    assert accept.warn_at == at(2025, 10, 9, 16, 23, 59, 200000)
    # 办结: (14 h + 7 × 24 h − 1 s) × 0.8 = 145 h 35 min 59.2 s → 11:35:59.2 on 15 October.
    assert reply.warn_at == at(2025, 10, 15, 11, 35, 59, 200000)
    # 挂牌督办 after 5 working days overdue: Oct 17, 20, 21, 22, 23.
    assert reply.listed_at == at(2025, 10, 23, 23, 59, 59)
    assert reply.alert == 0 and reply.next_alert_at == reply.warn_at


def test_the_steps_end_their_limits_and_start_the_next(dispatched, handler_gxj, clerk):
    appeal = actions.accept(dispatched, acting_user=handler_gxj, now=at(2025, 10, 10, 9, 0))  # a day late
    accept = Deadline.objects.get(appeal=appeal, limit=Limit.ACCEPT)
    assert accept.ended_at == at(2025, 10, 10, 9, 0) and accept.met is False and accept.next_alert_at is None
    assert set(running(appeal)) == {Limit.REPLY}

    appeal = actions.reply(appeal, acting_user=handler_gxj, result="已拨付", outcome="solved",
                           now=at(2025, 10, 14, 15, 0))
    assert Deadline.objects.get(appeal=appeal, limit=Limit.REPLY).met is True
    followup = running(appeal)[Limit.FOLLOWUP]
    assert followup.due_at == at(2025, 10, 17, 23, 59, 59)  # 3 working days: 15, 16, 17

    appeal = actions.follow_up(appeal, acting_user=clerk, rating=2, solved=False, now=at(2025, 10, 16, 9, 0))
    assert Deadline.objects.get(appeal=appeal, limit=Limit.FOLLOWUP).met is True
    rectify = running(appeal)[Limit.RECTIFY]
    assert rectify.due_at == appeal.due_at == at(2025, 10, 23, 23, 59, 59)  # 差评整改: 5 working days


def test_an_approved_extension_moves_the_due_date_and_keeps_the_original(dispatched, handler_gxj, supervisor):
    appeal = actions.accept(dispatched, acting_user=handler_gxj, now=at(2025, 10, 9, 9, 0))
    appeal = actions.request_extension(appeal, acting_user=handler_gxj, due_at=at(2025, 10, 24, 23, 59, 59),
                                       reason="需省级部门会商", now=at(2025, 10, 13, 9, 0))
    assert running(appeal)[Limit.REPLY].due_at == at(2025, 10, 16, 23, 59, 59)  # pending: nothing moves
    appeal = actions.decide_extension(appeal, acting_user=supervisor, approve=True, now=at(2025, 10, 14, 9, 0))
    reply = running(appeal)[Limit.REPLY]
    assert reply.due_at == appeal.due_at == at(2025, 10, 24, 23, 59, 59)
    assert reply.original_due_at == appeal.original_due_at == at(2025, 10, 16, 23, 59, 59)
    status = deadlines.statuses(appeal, at(2025, 10, 17, 9, 0))[0]
    assert (status.state, status.extended) == ("ok", True)


def test_return_suspend_and_resume_stop_and_restart_the_clock(dispatched, handler_gxj, supervisor, dispatcher, gxj):
    appeal = actions.return_appeal(dispatched, acting_user=handler_gxj, reason="不属于本局职责",
                                   now=at(2025, 9, 30, 15, 0))
    assert running(appeal) == {}
    accept = Deadline.objects.get(appeal=appeal, limit=Limit.ACCEPT)
    assert accept.met is True  # a return inside the 签收 limit is a timely response
    assert Deadline.objects.get(appeal=appeal, limit=Limit.REPLY).met is None

    appeal = actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=at(2025, 10, 9, 9, 0))
    appeal = actions.accept(appeal, acting_user=handler_gxj, now=at(2025, 10, 9, 10, 0))
    appeal = actions.suspend(appeal, acting_user=supervisor, reason="待省级资金下达", review_date=dt.date(2025, 12, 1),
                             now=at(2025, 10, 10, 9, 0))
    assert running(appeal) == {}
    appeal = actions.resume(appeal, acting_user=supervisor, reason="资金已到位", now=at(2025, 12, 1, 9, 0))
    reply = running(appeal)[Limit.REPLY]
    assert reply.started_at == at(2025, 12, 1, 9, 0)
    assert reply.due_at == appeal.due_at == at(2025, 12, 10, 23, 59, 59)  # a fresh 7 working days
    event = appeal.events.order_by("at", "id").last()
    assert (event.action, event.data["due_at"]) == ("resume", "2025-12-10T23:59:59+08:00")


@pytest.mark.parametrize("moment, state, left", [
    (at(2025, 10, 9, 12, 0), "ok", 6),  # after today: 10, 11 (调休 Saturday), 13, 14, 15, 16
    (at(2025, 10, 15, 12, 0), "warning", 1),
    (at(2025, 10, 16, 20, 0), "warning", 0),
    (at(2025, 10, 17, 9, 0), "overdue", -1),
    (at(2025, 10, 20, 9, 0), "overdue", -2),  # Friday 17 and Monday 20; the weekend does not count
])
def test_status_reads_the_clock_in_working_days(dispatched, handler_gxj, moment, state, left):
    appeal = actions.accept(dispatched, acting_user=handler_gxj, now=at(2025, 10, 9, 9, 0))
    (status,) = deadlines.statuses(appeal, moment)
    assert (status.limit, status.state, status.workdays_left) == (Limit.REPLY, state, left)


def test_the_api_carries_deadline_state_and_every_running_limit(api, dispatched, dispatcher):
    api.force_authenticate(dispatcher)
    # Read "now" as 9 October 17:00: the 签收 limit is in warning, the 办结 limit within time.
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 10, 9, 17, 0)):
        body = api.get(f"/api/v1/appeals/{dispatched.pk}/").json()
        listed = api.get("/api/v1/appeals/").json()["results"][0]
    assert body["deadline_state"] == "warning"
    assert body["deadline"]["limit"] == "accept" and body["deadline"]["workdays_left"] == 0
    assert [(d["limit"], d["state"]) for d in body["deadlines"]] == [("accept", "warning"), ("reply", "ok")]
    assert body["deadlines"][1]["due_at"] == "2025-10-16T23:59:59+08:00"
    assert (listed["id"], listed["deadline_state"]) == (dispatched.pk, "warning")


def test_an_appeal_with_no_running_limit_has_no_deadline_state(api, appeal, clerk):
    api.force_authenticate(clerk)
    body = api.get(f"/api/v1/appeals/{appeal.pk}/").json()
    assert body["deadline_state"] is None and body["deadline"] is None and body["deadlines"] == []


def test_list_filters_by_warning_and_overdue(api, dispatched, appeal, dispatcher, jia, category, channel, clerk,
                                             gxj):
    other = actions.register(acting_user=clerk, enterprise=jia, title="用电增容", content="需增容", category=category,
                             channel=channel, now=EVE).appeal
    actions.dispatch(other, acting_user=dispatcher, lead_department=gxj, due_at=at(2025, 10, 31, 23, 59, 59),
                     now=EVE)
    api.force_authenticate(dispatcher)

    def ids(query):
        return {row["id"] for row in api.get(f"/api/v1/appeals/?deadline={query}").json()["results"]}

    with mock.patch("django.utils.timezone.now", return_value=at(2025, 10, 15, 12, 0)):
        # both appeals' 签收 limits are overdue (nobody accepted); the first one's 办结 limit is in warning.
        assert ids("overdue") == {dispatched.pk, other.pk}
        assert ids("warning") == {dispatched.pk}
