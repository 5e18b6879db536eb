"""共性问题 handled as one: the dispatcher groups the appeals of 甲 and 乙, dispatches them once to 工信局, whose
handler accepts and replies once; the reply reaches both enterprises and each rates its own appeal."""

from __future__ import annotations

import datetime as dt

import pytest

from lianxi.appeals import actions
from lianxi.appeals.models import AppealEvent, Deadline, Limit
from lianxi.core.errors import InvalidInput, NotFound, NotPermitted, StateConflict
from lianxi.core.workdays import due_after
from lianxi.notifications.models import Notification
from lianxi.problems import selectors, services
from lianxi.problems.models import CommonProblem, ProblemMember, Stage
from lianxi.stats.facts import refresh
from lianxi.stats.models import AppealFact

pytestmark = pytest.mark.django_db

REPLY = "已协调供电局开辟园区增容绿色通道，审批时限压缩至5个工作日。"


def fresh(*appeals):
    for appeal in appeals:
        appeal.refresh_from_db()
    return appeals


def dispatch(problem, dispatcher, gxj, now, **kwargs):
    return services.dispatch_problem(problem, acting_user=dispatcher, lead_department=gxj, now=now, **kwargs)


def replied_problem(problem, dispatcher, handler_gxj, gxj, now):
    dispatch(problem, dispatcher, gxj, now)
    services.accept_problem(problem, acting_user=handler_gxj, now=now + dt.timedelta(hours=1))
    return services.reply_problem(problem, acting_user=handler_gxj, result="已协调解决", outcome="solved",
                                  reply=REPLY, now=now + dt.timedelta(days=1))


# ---- grouping --------------------------------------------------------------------------------------------------

def test_a_dispatcher_groups_appeals_of_several_enterprises(problem, appeals, dispatcher):
    assert problem.state == Stage.COLLECTING and problem.created_by == dispatcher
    assert [m.appeal_id for m in problem.members.all()] == [a.pk for a in appeals]
    assert all(m.added_by == dispatcher for m in problem.members.all())
    # Grouping alone changes nothing in the loop: the appeals wait for dispatch, with no new event.
    for appeal in fresh(*appeals):
        assert appeal.state == "registered"
        assert list(appeal.events.values_list("action", flat=True)) == ["register"]
    assert selectors.problem_of(appeals[0]) == problem


def test_who_may_group(appeals, supervisor, handler_gxj, user_jia, deputy, clerk):
    for outsider in (handler_gxj, user_jia, deputy, clerk):
        with pytest.raises(NotPermitted):
            services.create_problem(acting_user=outsider, title="用电", appeals=appeals)
    assert not CommonProblem.objects.exists()
    problem = services.create_problem(acting_user=supervisor, title="用电", appeals=appeals[:1])
    # A problem nobody has dispatched is invisible to a department and to an enterprise: 404, not 403.
    for outsider in (handler_gxj, user_jia):
        with pytest.raises(NotFound):
            services.add_appeals(problem, acting_user=outsider, appeals=appeals[1:])
    # The clerk sees every problem but may not group.
    with pytest.raises(NotPermitted):
        services.add_appeals(problem, acting_user=clerk, appeals=appeals[1:])
    assert problem.members.count() == 1


def test_a_problem_needs_a_title(dispatcher, appeals):
    with pytest.raises(InvalidInput) as error:
        services.create_problem(acting_user=dispatcher, title="  ", appeals=appeals)
    assert "title" in error.value.fields and not CommonProblem.objects.exists()


def test_an_appeal_belongs_to_one_open_problem(problem, appeals, register, bing, dispatcher, handler_gxj, gxj, now):
    other = services.create_problem(acting_user=dispatcher, title="另一个问题")
    with pytest.raises(StateConflict) as error:
        services.add_appeals(other, acting_user=dispatcher, appeals=[register(bing), appeals[0]])
    assert appeals[0].number in error.value.message and "园区企业用电增容审批慢" in error.value.message
    assert not other.members.exists()  # the first, groupable appeal was not added either
    with pytest.raises(StateConflict) as again:
        services.add_appeals(problem, acting_user=dispatcher, appeals=[appeals[1]])
    assert "本共性问题" in again.value.message
    # Only appeals not yet in a department's hands can be grouped.
    accepted = register(bing, "其他问题")
    actions.dispatch(accepted, acting_user=dispatcher, lead_department=gxj, now=now)
    actions.accept(accepted, acting_user=handler_gxj, now=now)
    with pytest.raises(StateConflict) as handling:
        services.add_appeals(other, acting_user=dispatcher, appeals=[accepted])
    assert accepted.number in handling.value.message and "办理中" in handling.value.message


def test_the_database_refuses_a_second_active_membership(problem, appeals, dispatcher, now):
    from django.db import IntegrityError, transaction

    other = services.create_problem(acting_user=dispatcher, title="另一个问题")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProblemMember.objects.create(problem=other, appeal=appeals[0], added_at=now)


def test_removing_leaves_the_appeal_as_it_stands(problem, appeals, dispatcher, gxj, now):
    dispatch(problem, dispatcher, gxj, now)
    services.remove_appeals(problem, acting_user=dispatcher, appeals=[appeals[1]], now=now)
    membership = ProblemMember.objects.get(appeal=appeals[1])
    assert membership.removed_at == now and membership.removed_by == dispatcher
    (appeal,) = fresh(appeals[1])
    assert appeal.state == "dispatched" and appeal.lead_department == gxj
    assert selectors.problem_of(appeal) is None
    # Removing what is not a member is bad input, naming the appeal.
    with pytest.raises(InvalidInput) as error:
        services.remove_appeals(problem, acting_user=dispatcher, appeals=[appeals[1]])
    assert appeals[1].number in error.value.fields["appeals"][0]


# ---- handled as one --------------------------------------------------------------------------------------------

def test_dispatching_the_problem_dispatches_every_member(problem, appeals, dispatcher, gxj, rsj, handler_gxj,
                                                         handler_rsj, now):
    due = due_after(now, 10)
    dispatch(problem, dispatcher, gxj, now, co_departments=[rsj], due_at=due, instructions="统一协调供电部门")
    problem.refresh_from_db()
    assert (problem.state, problem.lead_department, problem.due_at) == (Stage.DISPATCHED, gxj, due)
    assert list(problem.co_departments.all()) == [rsj] and problem.dispatched_by == dispatcher
    for appeal in fresh(*appeals):
        assert (appeal.state, appeal.lead_department, appeal.due_at) == ("dispatched", gxj, due)
        assert list(appeal.co_departments.all()) == [rsj] and appeal.instructions == "统一协调供电部门"
        event = appeal.events.get(action="dispatch")
        assert event.actor == dispatcher and event.data["lead_department"] == gxj.pk
        assert {d.limit: d.due_at for d in Deadline.objects.filter(appeal=appeal, ended_at__isnull=True)} == {
            Limit.ACCEPT: appeal.accept_due_at, Limit.REPLY: due}
        # The lead's handler is told of each appeal (主办), the co-department's too (协办).
        assert Notification.objects.filter(appeal=appeal, kind="dispatch", recipient=handler_gxj).exists()
        assert Notification.objects.filter(appeal=appeal, kind="dispatch", recipient=handler_rsj).exists()
    refresh(now=now)
    assert set(AppealFact.objects.filter(appeal__in=appeals).values_list("lead_department", flat=True)) == {gxj.pk}


def test_without_a_due_date_every_member_gets_the_shortest_limit(register, jia, yi, dispatcher, gxj, category, now):
    urgent = register(jia)
    actions.edit(urgent, acting_user=dispatcher, urgency="urgent", now=now)
    general = register(yi)
    problem = services.create_problem(acting_user=dispatcher, title="用电", appeals=[urgent, general], now=now)
    dispatch(problem, dispatcher, gxj, now)
    expected = due_after(now, category.reply_days("urgent"))
    assert expected < due_after(now, category.reply_days("general"))
    assert [a.due_at for a in fresh(urgent, general)] == [expected, expected]


def test_a_member_dispatched_elsewhere_is_refused_by_name(problem, appeals, dispatcher, gxj, rsj, now):
    actions.dispatch(appeals[1], acting_user=dispatcher, lead_department=rsj, now=now)
    with pytest.raises(StateConflict) as error:
        dispatch(problem, dispatcher, gxj, now)
    assert appeals[1].number in error.value.message and rsj.name in error.value.message
    problem.refresh_from_db()
    assert problem.state == Stage.COLLECTING and problem.lead_department is None
    (first,) = fresh(appeals[0])
    assert first.state == "registered" and not first.events.filter(action="dispatch").exists()


def test_a_member_already_with_the_lead_keeps_its_clock(problem, appeals, dispatcher, gxj, now):
    actions.dispatch(appeals[1], acting_user=dispatcher, lead_department=gxj, now=now)
    earlier_due = fresh(appeals[1])[0].due_at
    dispatch(problem, dispatcher, gxj, now + dt.timedelta(days=2), due_at=due_after(now, 12))
    first, second = fresh(*appeals)
    assert first.due_at == due_after(now, 12) and second.due_at == earlier_due
    assert second.events.filter(action="dispatch").count() == 1


def test_reply_once_reaches_every_member(problem, appeals, dispatcher, handler_gxj, gxj, user_jia, user_yi, now):
    dispatch(problem, dispatcher, gxj, now)
    services.accept_problem(problem, acting_user=handler_gxj, now=now + dt.timedelta(hours=1))
    for appeal in fresh(*appeals):
        assert appeal.state == "handling" and appeal.events.filter(action="accept", actor=handler_gxj).count() == 1
    services.reply_problem(problem, acting_user=handler_gxj, result="已协调解决", outcome="solved", reply=REPLY,
                           now=now + dt.timedelta(days=1))
    problem.refresh_from_db()
    assert (problem.state, problem.reply, problem.outcome, problem.replied_by) == (
        Stage.REPLIED, REPLY, "solved", handler_gxj)
    for appeal, enterprise_user in zip(fresh(*appeals), (user_jia, user_yi)):
        assert (appeal.state, appeal.reply, appeal.result, appeal.outcome) == ("replied", REPLY, "已协调解决", "solved")
        event = appeal.events.get(action="reply")
        assert event.actor == handler_gxj and event.data["reply"] == REPLY
        # Each enterprise is told of its own appeal's reply, and only of its own.
        assert list(Notification.objects.filter(recipient=enterprise_user, kind="reply")
                    .values_list("appeal", flat=True)) == [appeal.pk]
        # The 回访 limit runs on each appeal.
        assert Deadline.objects.filter(appeal=appeal, limit=Limit.FOLLOWUP, ended_at__isnull=True).exists()


def test_each_enterprise_rates_its_own_appeal(problem, appeals, dispatcher, handler_gxj, gxj, user_jia, user_yi,
                                             now):
    replied_problem(problem, dispatcher, handler_gxj, gxj, now)
    later = now + dt.timedelta(days=2)
    actions.follow_up(appeals[0], acting_user=user_jia, rating=5, solved=True, comment="很快", now=later)
    # An enterprise never rates another's appeal: it cannot even see it.
    with pytest.raises(NotFound):
        actions.follow_up(appeals[1], acting_user=user_jia, rating=5, solved=True, now=later)
    actions.follow_up(appeals[1], acting_user=user_yi, rating=2, solved=False, comment="仍未通电", now=later)
    jia_appeal, yi_appeal = fresh(*appeals)
    assert (jia_appeal.state, jia_appeal.rating) == ("followed_up", 5)
    # 乙's bad rating reopens 乙's appeal alone (差评整改); the problem keeps its one reply.
    assert (yi_appeal.state, yi_appeal.rating, yi_appeal.reopen_count) == ("handling", 2, 1)
    members = selectors.members_of(problem, dispatcher)
    assert [(m.appeal.enterprise.name, m.appeal.rating) for m in members] == [
        ("贵州甲材料有限公司", 5), ("清镇乙食品有限公司", 2)]
    assert selectors.tally(members) == selectors.Tally(total=2, answered=1, rated=2, satisfied=1)
    problem.refresh_from_db()
    assert problem.state == Stage.REPLIED


def test_a_failing_member_rolls_back_every_member(problem, appeals, dispatcher, handler_gxj, gxj, user_jia, now,
                                                  monkeypatch):
    dispatch(problem, dispatcher, gxj, now)
    services.accept_problem(problem, acting_user=handler_gxj, now=now)
    real_reply = actions.reply

    def reply_failing_on_the_second(appeal, **kwargs):
        if appeal.pk == appeals[1].pk:
            raise StateConflict("诉求已被其他人员修改")  # e.g. a concurrent change got there first
        return real_reply(appeal, **kwargs)

    monkeypatch.setattr(actions, "reply", reply_failing_on_the_second)
    with pytest.raises(StateConflict) as error:
        services.reply_problem(problem, acting_user=handler_gxj, result="r", outcome="solved", reply=REPLY, now=now)
    assert appeals[1].number in error.value.message
    # The first member's reply, its event and its enterprise's message were rolled back with the rest.
    for appeal in fresh(*appeals):
        assert appeal.state == "handling" and appeal.reply == ""
        assert not appeal.events.filter(action="reply").exists()
    assert not Notification.objects.filter(recipient=user_jia, kind="reply").exists()
    problem.refresh_from_db()
    assert problem.state == Stage.HANDLING and problem.replied_at is None


def test_a_member_where_the_action_does_not_apply_is_named(problem, appeals, dispatcher, handler_gxj, gxj, now):
    dispatch(problem, dispatcher, gxj, now)
    # 工信局 returns 乙's appeal on its own page: the problem cannot be accepted as one any more.
    actions.return_appeal(appeals[1], acting_user=handler_gxj, reason="不属于本单位职责", now=now)
    with pytest.raises(StateConflict) as error:
        services.accept_problem(problem, acting_user=handler_gxj, now=now)
    assert appeals[1].number in error.value.message and "已登记" in error.value.message
    first, _ = fresh(*appeals)
    assert first.state == "dispatched" and not AppealEvent.objects.filter(action="accept").exists()
    # Once the dispatcher removes it, the rest is accepted as one.
    services.remove_appeals(problem, acting_user=dispatcher, appeals=[appeals[1]], now=now)
    services.accept_problem(problem, acting_user=handler_gxj, now=now)
    assert fresh(appeals[0])[0].state == "handling"


def test_an_appeal_added_to_a_dispatched_problem_follows_its_lead(problem, register, bing, dispatcher,
                                                                  supervisor, gxj, rsj, handler_gxj, now):
    due = due_after(now, 10)
    dispatch(problem, dispatcher, gxj, now, co_departments=[rsj], due_at=due, instructions="统一协调")
    services.accept_problem(problem, acting_user=handler_gxj, now=now)
    late = register(bing)
    # Adding it would dispatch it: a dispatcher's action, not a supervisor's.
    with pytest.raises(NotPermitted):
        services.add_appeals(problem, acting_user=supervisor, appeals=[late])
    services.add_appeals(problem, acting_user=dispatcher, appeals=[late], now=now + dt.timedelta(hours=2))
    (late,) = fresh(late)
    assert (late.state, late.lead_department, late.due_at, late.instructions) == ("dispatched", gxj, due, "统一协调")
    assert list(late.co_departments.all()) == [rsj]
    # The handler accepts the newcomer on the problem page; then one reply covers all three.
    services.accept_problem(problem, acting_user=handler_gxj, now=now + dt.timedelta(hours=3))
    services.reply_problem(problem, acting_user=handler_gxj, result="r", outcome="explained", reply=REPLY)
    assert {m.appeal.reply for m in selectors.members_of(problem, dispatcher)} == {REPLY}


def test_an_empty_problem_cannot_be_dispatched(dispatcher, gxj, now):
    empty = services.create_problem(acting_user=dispatcher, title="尚无诉求")
    with pytest.raises(StateConflict):
        dispatch(empty, dispatcher, gxj, now)
    empty.refresh_from_db()
    assert empty.state == Stage.COLLECTING


def test_an_appeal_dispatched_elsewhere_cannot_join_a_dispatched_problem(problem, register, bing, dispatcher, gxj,
                                                                         rsj, now):
    dispatch(problem, dispatcher, gxj, now)
    elsewhere = register(bing)
    actions.dispatch(elsewhere, acting_user=dispatcher, lead_department=rsj, now=now)
    with pytest.raises(StateConflict) as error:
        services.add_appeals(problem, acting_user=dispatcher, appeals=[elsewhere])
    assert elsewhere.number in error.value.message and rsj.name in error.value.message
    assert selectors.problem_of(elsewhere) is None


def test_who_may_act_on_the_problem(problem, appeals, dispatcher, supervisor, handler_gxj, handler_rsj, gxj, rsj,
                                    now):
    with pytest.raises(NotPermitted):
        dispatch(problem, supervisor, gxj, now)  # dispatching is the dispatcher's
    dispatch(problem, dispatcher, gxj, now, co_departments=[rsj])
    with pytest.raises(StateConflict):
        dispatch(problem, dispatcher, gxj, now)  # dispatched once
    with pytest.raises(NotPermitted):
        services.accept_problem(problem, acting_user=handler_rsj)  # the co-department sees it but does not sign
    with pytest.raises(NotPermitted):
        services.accept_problem(problem, acting_user=dispatcher)
    with pytest.raises(StateConflict):
        services.reply_problem(problem, acting_user=handler_gxj, result="r", outcome="solved")  # not yet accepted
    services.accept_problem(problem, acting_user=handler_gxj, now=now)
    with pytest.raises(StateConflict):
        services.accept_problem(problem, acting_user=handler_gxj, now=now)  # nothing waits any more
    with pytest.raises(InvalidInput) as error:
        services.reply_problem(problem, acting_user=handler_gxj, result=" ", outcome="maybe")
    assert set(error.value.fields) == {"result", "outcome"}
    assert {a.state for a in fresh(*appeals)} == {"handling"}


def test_who_sees_which_problems(problem, appeals, dispatcher, leader, supervisor, clerk, handler_gxj, handler_rsj,
                                 head_gxj, user_jia, deputy, gxj, rsj, now):
    for citywide in (dispatcher, leader, supervisor, clerk):
        assert list(selectors.problems_for(citywide)) == [problem]
    # Before dispatch no department sees it; then the lead's staff and the co-department's.
    assert not selectors.problems_for(handler_gxj).exists()
    dispatch(problem, dispatcher, gxj, now, co_departments=[rsj])
    for staff in (handler_gxj, head_gxj, handler_rsj):
        assert list(selectors.problems_for(staff)) == [problem]
    # Enterprises and deputies see no problem at all, not even the one their appeal is in.
    for outsider in (user_jia, deputy):
        with pytest.raises(NotPermitted):
            selectors.problems_for(outsider)
        with pytest.raises(NotFound):
            selectors.problem_detail(outsider, problem.pk)
