"""The supervision pass (``manage.py supervise --now``), travelling through time across the National Day holiday
of 2025 (1–8 October off; Sunday 28 September and Saturday 11 October are 调休 working days).

The story: 工信局 gets 甲's appeal on Tuesday 30 September 2025 at 10:00, and is slow about it."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from lianxi.appeals import actions
from lianxi.appeals.models import AppealEvent, Deadline, Limit
from lianxi.supervision import services
from lianxi.supervision.escalation import run_pass
from lianxi.supervision.models import Accountability, Supervision
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def supervise(moment: dt.datetime) -> str:
    out = StringIO()
    call_command("supervise", "--now", moment.isoformat(), stdout=out)
    return out.getvalue()


def orders(appeal) -> list[tuple[str, str]]:
    return list(Supervision.objects.filter(appeal=appeal).order_by("issued_at", "id").values_list("limit", "level"))


@pytest.fixture
def appeal(clerk, dispatcher, jia, category, channel, gxj):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="技改补贴未兑现", content="去年的技改补贴至今未到账",
                              category=category, channel=channel, now=at(2025, 9, 30, 9, 0)).appeal
    return actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=at(2025, 9, 30, 10, 0))


def test_a_slow_department_is_reminded_supervised_and_listed(appeal, handler_gxj, head_gxj, supervisor, gxj):
    # The holiday uses none of the limits: nothing to say on 5 October.
    assert "提醒 0，督办 0，挂牌督办 0" in supervise(at(2025, 10, 5, 12, 0))
    assert orders(appeal) == []

    # 80 % of the 签收 limit is used at 16:24 on 9 October, the first working day after the holiday.
    supervise(at(2025, 10, 9, 16, 0))
    assert orders(appeal) == []
    supervise(at(2025, 10, 9, 16, 30))
    assert orders(appeal) == [("accept", "reminder")]
    reminder = Supervision.objects.get(appeal=appeal)
    assert (reminder.department, reminder.answer_due_at, reminder.issued_by, reminder.issued_by_name,
            reminder.trigger) == (gxj, None, None, "系统", "warning")
    event = reminder.event
    assert (event.action, event.actor, event.actor_name, event.from_state, event.to_state) == (
        "supervise", None, "系统", "dispatched", "dispatched")
    assert event.data["automatic"] is True and event.data["limit"] == "accept" and event.data["level"] == "reminder"
    # The reminder reaches the handlers only; the 督办 below also the head and the supervisors.
    assert [n.title[:4] for n in handler_gxj.notifications.all()] == ["【提醒】"]
    assert not head_gxj.notifications.exists() and not supervisor.notifications.exists()

    # 签收 overdue the next morning: a 督办 asking for a written answer in 2 working days — Saturday 11 October
    # is a 调休 working day, so the answer is due on Monday 13 October.
    supervise(at(2025, 10, 10, 9, 0))
    assert orders(appeal) == [("accept", "reminder"), ("accept", "supervise")]
    accept_order = Supervision.objects.get(appeal=appeal, limit="accept", level="supervise")
    assert accept_order.answer_due_at == at(2025, 10, 13, 23, 59, 59)
    assert head_gxj.notifications.get().event == accept_order.event
    assert supervisor.notifications.get().event == accept_order.event

    appeal = actions.accept(appeal, acting_user=handler_gxj, now=at(2025, 10, 10, 10, 0))
    assert Deadline.objects.get(appeal=appeal, limit=Limit.ACCEPT).met is False

    # 办结 in warning on 15 October (11:36), overdue on 17 October. The 签收 order was never answered: on the
    # accountability list as 督办未答复.
    supervise(at(2025, 10, 15, 12, 0))
    supervise(at(2025, 10, 17, 9, 0))
    assert orders(appeal)[2:] == [("reply", "reminder"), ("reply", "supervise")]
    unanswered = Accountability.objects.get(trigger="unanswered")
    assert (unanswered.department, unanswered.status, unanswered.measure, unanswered.supervision) == (
        gxj, "proposed", "", accept_order)
    assert list(unanswered.appeals.all()) == [appeal]
    reply_order = Supervision.objects.get(appeal=appeal, limit="reply", level="supervise")
    services.answer_order(reply_order, acting_user=handler_gxj, answer="正在协调财政局拨付", now=at(2025, 10, 17, 11, 0))

    # Five working days overdue (17, 20, 21, 22, 23 October): 挂牌督办 and the accountability list.
    supervise(at(2025, 10, 23, 23, 0))
    assert len(orders(appeal)) == 4
    supervise(at(2025, 10, 24, 9, 0))
    assert orders(appeal)[4:] == [("reply", "listed")]
    listed = Accountability.objects.get(trigger="overdue")
    assert (listed.department, listed.status, listed.supervision.level) == (gxj, "proposed", "listed")
    assert appeal.events.filter(action="accountability").count() == 2
    assert Deadline.objects.get(appeal=appeal, limit=Limit.REPLY).alert == 3


def test_running_twice_for_the_same_moment_creates_nothing_new(appeal):
    moment = at(2025, 10, 10, 9, 0)
    first = run_pass(moment)
    counts = (Supervision.objects.count(), AppealEvent.objects.count(), Accountability.objects.count())
    second = run_pass(moment)
    assert first.counts["supervise"] == 1 and second.counts["supervise"] == 0
    assert (Supervision.objects.count(), AppealEvent.objects.count(), Accountability.objects.count()) == counts
    # Nor does a pass for an earlier moment undo or repeat anything.
    run_pass(at(2025, 10, 9, 17, 0))
    assert (Supervision.objects.count(), AppealEvent.objects.count(), Accountability.objects.count()) == counts


def test_a_pass_that_did_not_run_for_weeks_issues_one_order_at_the_level_reached(appeal):
    report = run_pass(at(2025, 11, 3, 9, 0))
    # Both limits are far past 挂牌督办: one 挂牌督办 each, not a reminder, a 督办 and a 挂牌督办 each.
    assert sorted(orders(appeal)) == [("accept", "listed"), ("reply", "listed")]
    assert report.counts["listed"] == 2 and report.counts["reminder"] == report.counts["supervise"] == 0
    assert Accountability.objects.filter(trigger="overdue").count() == 2


def test_only_limits_whose_moment_came_are_read(appeal, dispatcher, clerk, jia, category, channel, gxj,
                                                django_assert_max_num_queries):
    # Twenty appeals dispatched later are not due for anything: the pass does not look at them one by one.
    for i in range(20):
        other = actions.register(acting_user=clerk, enterprise=jia, title=f"诉求{i}", content="内容",
                                 category=category, channel=channel, now=at(2025, 10, 9, 9, 0)).appeal
        actions.dispatch(other, acting_user=dispatcher, lead_department=gxj, now=at(2025, 10, 9, 9, 0))
    with django_assert_max_num_queries(40):
        report = run_pass(at(2025, 10, 9, 16, 30))
    assert report.counts["checked"] == 1 and orders(appeal) == [("accept", "reminder")]


def test_a_limit_met_in_time_is_never_escalated(appeal, handler_gxj):
    actions.accept(appeal, acting_user=handler_gxj, now=at(2025, 10, 9, 9, 0))
    actions.reply(appeal, acting_user=handler_gxj, result="已拨付", outcome="solved", now=at(2025, 10, 10, 9, 0))
    run_pass(at(2025, 10, 13, 9, 0))  # the 回访 limit (3 working days: 11, 13, 14) is not yet in warning
    assert orders(appeal) == []


def test_follow_up_reminders_go_to_the_registering_desk(dispatcher, jia, category, channel, gxj, handler_gxj):
    window = gxj.__class__.objects.create(code="qyzj", name="企业之家", kind="other")
    desk_clerk = make_user("desk", "clerk", department=window)
    appeal = actions.register(acting_user=desk_clerk, enterprise=jia, title="退税", content="留抵退税进度",
                              category=category, channel=channel, now=at(2025, 10, 9, 9, 0)).appeal
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=at(2025, 10, 9, 9, 0))
    actions.accept(appeal, acting_user=handler_gxj, now=at(2025, 10, 9, 10, 0))
    actions.reply(appeal, acting_user=handler_gxj, result="已退税", outcome="solved", now=at(2025, 10, 10, 9, 0))
    # 回访 within 3 working days of the reply: 11 (调休 Saturday), 13, 14 October. Overdue on the 16th.
    run_pass(at(2025, 10, 16, 9, 0))
    order = Supervision.objects.get(appeal=appeal)
    assert (order.limit, order.level, order.department) == ("followup", "supervise", window)


def test_bad_now_is_a_clear_error():
    with pytest.raises(CommandError, match="--now"):
        call_command("supervise", "--now", "next tuesday")


def test_the_api_and_the_page_show_the_trail(appeal, api, supervisor, client, handler_rsj):
    run_pass(at(2025, 10, 10, 9, 0))  # 签收 overdue: a 督办
    api.force_authenticate(supervisor)
    trail = api.get(f"/api/v1/appeals/{appeal.pk}/trail/").json()
    # One order: the pass had not run before, so the limit goes straight to the level it reached (督办).
    assert [(item["stage"], item["details"].get("level")) for item in trail] == [
        ("transfer", None), ("supervision", "supervise")]
    api.force_authenticate(handler_rsj)  # another department: cannot see the appeal
    assert api.get(f"/api/v1/appeals/{appeal.pk}/trail/").status_code == 404
    client.force_login(supervisor)
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "转办 · 督办 · 问责" in page and "答复督办" not in page


def test_baseline_records_the_levels_reached_without_issuing_orders(appeal, dispatcher, clerk, jia, category,
                                                                    channel, gxj):
    later = actions.register(acting_user=clerk, enterprise=jia, title="新诉求", content="内容", category=category,
                             channel=channel, now=at(2025, 10, 9, 9, 0)).appeal
    actions.dispatch(later, acting_user=dispatcher, lead_department=gxj, now=at(2025, 10, 9, 9, 0))
    out = StringIO()
    call_command("supervise", "--baseline", "--now", at(2025, 10, 17, 9, 0).isoformat(), stdout=out)
    assert "未发督办单" in out.getvalue() and Supervision.objects.count() == 0
    levels = {(d.appeal_id, d.limit): (d.alert, d.next_alert_at) for d in Deadline.objects.filter(ended_at=None)}
    first_reply = Deadline.objects.get(appeal=appeal, limit="reply")
    later_reply = Deadline.objects.get(appeal=later, limit="reply")
    # 签收 was due on the 9th: five working days later (10, 11 调休, 13, 14, 15) it was already 挂牌.
    assert levels[(appeal.pk, "accept")] == (3, None)
    assert levels[(appeal.pk, "reply")] == (2, first_reply.listed_at)  # overdue since the 16th
    assert levels[(later.pk, "reply")] == (1, later_reply.due_at + dt.timedelta(seconds=1))  # warned on the 16th
    # From then on the pass escalates only what changes: the first appeal's 办结 limit turns 挂牌 on the 24th.
    run_pass(at(2025, 10, 17, 9, 0))
    assert Supervision.objects.count() == 0
    run_pass(at(2025, 10, 24, 9, 0))
    assert orders(appeal) == [("reply", "listed")]
