"""Every measure of DOMAIN.md against the hand-counted March story (tests/stats/conftest.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.stats import selectors
from lianxi.stats.facts import rebuild, refresh
from lianxi.stats.models import AppealFact, StaleAppeal

from .conftest import MARCH, NOW, at

pytestmark = pytest.mark.django_db


def numbers(user, **params):
    return selectors.summary(selectors.question(user, {**MARCH, **params}), NOW)


def test_the_march_story_counted_by_hand(story, leader):
    n = numbers(leader)
    assert {k: n[k] for k in ("received", "completed", "dispatched", "responded", "returned", "replied", "on_time",
                              "rated", "satisfied", "solved", "reopened", "overdue", "overdue_now")} == {
        "received": 7, "completed": 3, "dispatched": 6, "responded": 4, "returned": 1, "replied": 3, "on_time": 3,
        "rated": 3, "satisfied": 3, "solved": 2, "reopened": 1, "overdue": 1, "overdue_now": 1}
    assert n["completion_rate"] == pytest.approx(3 / 7)
    assert n["on_time_rate"] == 1.0
    assert n["response_rate"] == pytest.approx(4 / 6)
    assert n["satisfaction_rate"] == 1.0
    assert n["solved_rate"] == pytest.approx(2 / 3)
    assert n["reopen_rate"] == pytest.approx(1 / 3)
    assert n["overdue_rate"] == pytest.approx(1 / 7)
    assert n["return_rate"] == pytest.approx(1 / 6)
    assert n["avg_reply_workdays"] == pytest.approx(7.33)


def test_an_approved_extension_counts_against_the_due_date_in_force(story):
    fact = AppealFact.objects.get(appeal=story.a2)
    # Replied 3/16: after the original 3/11, before the extended 3/20.
    assert story.a2.original_due_at < story.a2.replied_at <= story.a2.due_at
    assert fact.replied and fact.on_time
    assert not fact.responded  # accepted on 3/4, the 签收 limit ended on 3/3


def test_a_reopened_appeal_is_measured_by_its_latest_reply(story):
    fact = AppealFact.objects.get(appeal=story.a3)
    assert fact.reopened and fact.completed and fact.on_time and fact.satisfied and fact.solved
    assert fact.reply_workdays == pytest.approx(9.0)  # dispatch 3/3 10:00 to the first reply 3/16 10:00


def test_a_reopened_appeal_in_rectification_is_replied_but_not_completed(story, clerk, dispatcher, handler_gxj,
                                                                        leader, jia, category, channel, gxj):
    before = numbers(leader)
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="A11", content="A11", category=category,
                              channel=channel, now=at(3, 11, 9)).appeal
    appeal = actions.accept(actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=at(3, 11)),
                            acting_user=handler_gxj, now=at(3, 11, 11))
    appeal = actions.reply(appeal, acting_user=handler_gxj, result="已答复", outcome="explained", now=at(3, 12))
    appeal = actions.follow_up(appeal, acting_user=clerk, rating=1, solved=False, now=at(3, 13))
    assert appeal.state == "handling"  # 差评整改 due 3/20
    refresh(now=NOW)
    after = numbers(leader)
    assert after["received"] == before["received"] + 1
    assert after["completed"] == before["completed"]  # back in handling: not completed
    assert after["replied"] == before["replied"] + 1 and after["reopened"] == before["reopened"] + 1
    assert after["rated"] == before["rated"] + 1 and after["satisfied"] == before["satisfied"]
    assert after["overdue_now"] == before["overdue_now"] + 1  # its rectification was due 3/20


def test_rejected_and_merged_are_in_no_number(story, leader):
    facts = {f.appeal_id: f for f in AppealFact.objects.all()}
    assert not facts[story.a5.pk].received and not facts[story.a6.pk].received
    assert numbers(leader)["received"] == 7


def test_suspension_stops_the_clock(story):
    fact = AppealFact.objects.get(appeal=story.a7)
    assert fact.open_due_at is None and fact.dispatched and fact.responded


def test_overdue_is_decided_when_counted(story, leader):
    q = selectors.question(leader, MARCH)
    assert selectors.summary(q, NOW)["overdue_now"] == 1  # A4, due 3/16
    later = timezone.make_aware(dt.datetime(2026, 4, 7, 9))  # A9's reply limit (4/3) has passed too
    assert selectors.summary(q, later)["overdue_now"] == 2
    assert selectors.summary(q, at(3, 16, 12))["overdue_now"] == 0  # A4 not yet past its due date


def test_the_lead_department_is_measured_not_the_co_handlers(story, leader, gxj, rsj):
    gxj_numbers = numbers(leader, department=gxj.pk)
    assert gxj_numbers["received"] == 6  # A8 has no lead department yet
    assert gxj_numbers["returned"] == 1  # A4 came to 工信局 after 人社局 returned it
    rsj_numbers = numbers(leader, department=rsj.pk)
    assert rsj_numbers["received"] == 0  # 人社局 co-handles A4 and returned it earlier: it leads nothing


def test_nothing_to_divide_is_null_not_zero(story, leader):
    empty = selectors.summary(selectors.question(leader, {"from": "2026-05-01", "to": "2026-05-31"}), NOW)
    assert empty["received"] == 0
    assert all(empty[name] is None for name in ("completion_rate", "on_time_rate", "response_rate",
                                                 "satisfaction_rate", "solved_rate", "reopen_rate", "overdue_rate",
                                                 "return_rate", "avg_reply_workdays"))
    # A8 alone: received but not dispatched, replied or rated.
    only_registered = numbers(leader, **{"from": "2026-03-10", "to": "2026-03-10"})
    assert only_registered["received"] == 1
    assert only_registered["completion_rate"] == 0.0
    assert only_registered["response_rate"] is None and only_registered["satisfaction_rate"] is None


def test_cuts_by_channel_town_size_and_ownership(story, leader, jia, yi):
    assert numbers(leader, channel=story.hotline.pk)["received"] == 1
    assert numbers(leader, town=jia.town_id)["received"] == 7
    jia.ownership, jia.size = "state", "large"
    jia.save()
    # Joined when counted: the edited enterprise moves its appeals without a refresh.
    assert numbers(leader, ownership="state")["received"] == 4  # 甲: A1 A2 A4 A8
    assert numbers(leader, ownership="private")["received"] == 3  # 乙: A3 A7 A9
    assert numbers(leader, size="large")["received"] == 4


def test_the_period_is_the_registration_date_in_china(story, leader):
    # A0 was registered on 27 February: in February, not in March, although it was replied in March.
    feb = selectors.summary(selectors.question(leader, {"from": "2026-02-01", "to": "2026-02-28"}), NOW)
    assert feb["received"] == 1 and feb["completed"] == 1


def test_an_action_marks_the_appeal_and_refresh_recomputes_it(story, handler_gxj, leader):
    assert not StaleAppeal.objects.exists()
    actions.reply(story.a4, acting_user=handler_gxj, result="已办结", outcome="solved", now=at(3, 20))
    assert StaleAppeal.objects.filter(appeal_id=story.a4.pk).exists()
    assert numbers(leader)["replied"] == 3  # not yet refreshed
    assert refresh(now=NOW) == 1
    assert not StaleAppeal.objects.exists()
    after = numbers(leader)
    assert after["replied"] == 4 and after["completed"] == 4
    assert after["on_time"] == 3  # replied 3/20, due 3/16
    assert after["overdue"] == 1 and after["overdue_now"] == 0  # now overdue as "replied after due"


def test_a_failed_action_leaves_no_mark(story, handler_gxj):
    from lianxi.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        actions.reply(story.a4, acting_user=handler_gxj, result="", outcome="solved", now=at(3, 20))
    assert not StaleAppeal.objects.exists()


def test_rebuild_equals_the_incremental_facts(story):
    def snapshot():
        return {f.appeal_id: {k: v for k, v in vars(f).items() if k not in ("_state", "refreshed_at")}
                for f in AppealFact.objects.all()}

    incremental = snapshot()
    AppealFact.objects.all().delete()
    assert rebuild() == 10
    assert snapshot() == incremental


def test_the_command_refreshes_the_marked_and_rebuilds_all(story, handler_gxj):
    import io

    from django.core.management import call_command

    actions.reply(story.a4, acting_user=handler_gxj, result="已办结", outcome="solved", now=at(3, 20))
    out = io.StringIO()
    call_command("refresh_stats", stdout=out)
    assert "已刷新 1 件" in out.getvalue()
    assert AppealFact.objects.get(appeal=story.a4).replied
    AppealFact.objects.filter(appeal=story.a1).delete()
    call_command("refresh_stats", "--all", stdout=out, verbosity=0)
    assert "已重算 10 件" in out.getvalue() and AppealFact.objects.filter(appeal=story.a1).exists()
