"""Who is told about what: one test per rule of lianxi.notifications.recipients, told with the personas."""

from __future__ import annotations

import pytest
from django.db import transaction

from lianxi.notifications.hooks import on_appeal_event
from lianxi.notifications.models import Notification
from tests.conftest import make_user

from .conftest import recipients

pytestmark = pytest.mark.django_db


def test_dispatch_tells_the_lead_handlers_and_the_co_departments_as_co(record, registered, dispatcher, gxj, rsj,
                                                                         handler_gxj, handler_rsj, head_gxj, supervisor):
    other = make_user("handler_town", "handler", department=registered.enterprise.town)
    sent = record(registered, "dispatch", dispatcher, lead_department=gxj.pk, lead_department_name=gxj.name,
                  co_departments=[rsj.pk], co_department_names=[rsj.name], due_at="2026-03-20T23:59:59+08:00",
                  instructions="请尽快兑现")
    assert recipients(sent) == {"handler_gxj", "handler_rsj"}  # not the head, the town, the dispatcher himself
    lead, co = sent.get(recipient=handler_gxj), sent.get(recipient=handler_rsj)
    assert lead.title.startswith("【交办】") and registered.number in lead.title
    assert "由贵单位主办" in lead.body and "协办单位：市人力资源和社会保障局" in lead.body
    assert "2026-03-20 23:59" in lead.body and "交办意见：请尽快兑现" in lead.body
    assert co.title.startswith("【协办】") and "主办单位：市工业和信息化局" in co.body
    assert lead.url == f"/appeals/{registered.pk}/" and lead.appeal == registered and lead.kind == "dispatch"
    assert other.notifications.count() == 0


def test_arbitrate_tells_the_fixed_lead_department(record, registered, supervisor, gxj, handler_gxj, handler_rsj):
    sent = record(registered, "arbitrate", supervisor, lead_department=gxj.pk, lead_department_name=gxj.name,
                  co_departments=[], due_at=None)
    assert recipients(sent) == {"handler_gxj"}
    assert "仲裁" in sent.get().title and "不得再退回" in sent.get().body


def test_return_tells_the_dispatchers(record, registered, handler_gxj, dispatcher, supervisor, gxj):
    other_dispatcher = make_user("dispatcher2", "dispatcher")
    sent = record(registered, "return", handler_gxj, reason="不属于本局职责", department=gxj.pk,
                  department_name=gxj.name, return_count=1)
    assert recipients(sent) == {"dispatcher", other_dispatcher.username}
    assert "退回理由：不属于本局职责" in sent.first().body and "请重新交办" in sent.first().body


def test_a_second_return_goes_to_the_supervisors_instead(record, registered, handler_gxj, dispatcher, supervisor, gxj):
    sent = record(registered, "return", handler_gxj, reason="仍不属于本局", department=gxj.pk,
                  department_name=gxj.name, return_count=2, arbitration=True)
    assert recipients(sent) == {"supervisor"}
    assert sent.get().title.startswith("【待仲裁】") and "仲裁" in sent.get().body


def test_extension_request_to_supervisors_and_decision_to_the_lead_handlers(record, dispatched, handler_gxj,
                                                                             handler_rsj, supervisor, dispatcher):
    asked = record(dispatched, "request-extension", handler_gxj, due_at="2026-04-01T23:59:59+08:00", reason="需现场核查")
    assert recipients(asked) == {"supervisor"}
    assert "2026-04-01" in asked.get().body and "需现场核查" in asked.get().body
    decided = record(dispatched, "decide-extension", supervisor, approve=False, reason="时限充足")
    assert recipients(decided) == {"handler_gxj"}
    assert "未批准" in decided.get().title


def test_reply_tells_the_enterprise_and_the_clerk_who_registered_it(record, dispatched, handler_gxj, user_jia,
                                                                     user_yi, clerk, dispatcher):
    sent = record(dispatched, "reply", handler_gxj, result="已拨付", outcome="solved", reply="补贴已拨付到账")
    assert recipients(sent) == {"user_jia", "clerk"}  # not 乙, not the dispatcher
    assert "贵企业的诉求" in sent.get(recipient=user_jia).body and "已解决" in sent.get(recipient=user_jia).body
    assert "您登记的诉求" in sent.get(recipient=clerk).body and "请跟踪回访" in sent.get(recipient=clerk).body


def test_reply_tells_the_deputy_who_registered_it(record, dispatched, handler_gxj, deputy):
    dispatched.created_by = deputy
    dispatched.save(update_fields=["created_by"])
    assert "deputy" in recipients(record(dispatched, "reply", handler_gxj, result="r", outcome="explained", reply="r"))


def test_reply_registered_by_a_dispatcher_tells_only_the_enterprise(record, dispatched, handler_gxj, dispatcher,
                                                                    user_jia):
    dispatched.created_by = dispatcher
    dispatched.save(update_fields=["created_by"])
    assert recipients(record(dispatched, "reply", handler_gxj, result="r", outcome="solved", reply="r")) == {"user_jia"}


def test_only_a_reopening_follow_up_goes_back_to_the_lead_handlers(record, dispatched, clerk, handler_gxj, user_jia,
                                                                   django_assert_num_queries):
    with django_assert_num_queries(1):  # the event's own INSERT: nobody to tell, nothing asked
        satisfied = record(dispatched, "follow-up", clerk, rating=5, solved=True, reopened=False)
    assert not satisfied.exists()
    sent = record(dispatched, "follow-up", user_jia, rating=2, solved=False, reopened=True,
                  due_at="2026-03-18T23:59:59+08:00", comment="没有解决")
    assert recipients(sent) == {"handler_gxj"}
    assert "差评整改" in sent.get().title and "“不满意”" in sent.get().body and "企业意见：没有解决" in sent.get().body


@pytest.mark.parametrize("action, words", [("reject", "不予受理"), ("close", "已销号"), ("suspend", "挂账"),
                                           ("resume", "恢复办理")])
def test_the_enterprise_hears_of_reject_close_suspend_resume(record, dispatched, supervisor, user_jia, user_yi,
                                                             handler_gxj, action, words):
    sent = record(dispatched, action, supervisor, reason="政策调整中", review_date="2026-06-30")
    assert recipients(sent) == {"user_jia"}
    assert words in sent.get().title and dispatched.number in sent.get().title


def test_a_reminder_goes_to_the_departments_handlers_only(record, dispatched, supervisor, gxj, handler_gxj, head_gxj,
                                                          handler_rsj):
    other_supervisor = make_user("supervisor2", "supervisor")
    sent = record(dispatched, "supervise", supervisor, level="reminder", department=gxj.pk, department_name=gxj.name,
                  text="签收时限将到", supervision=1, automatic=True, limit="accept")
    assert recipients(sent) == {"handler_gxj"}
    assert other_supervisor.notifications.count() == 0
    assert sent.get().title.startswith("【提醒】") and "系统对诉求" in sent.get().body and "（签收时限）" in sent.get().body


@pytest.mark.parametrize("level, label", [("supervise", "督办"), ("listed", "挂牌督办")])
def test_supervise_and_listed_also_reach_the_heads_and_every_supervisor(record, dispatched, supervisor, rsj, gxj,
                                                                        handler_gxj, handler_rsj, head_gxj, level,
                                                                        label):
    head_rsj = make_user("head_rsj", "head", department=rsj)
    other_supervisor = make_user("supervisor2", "supervisor")
    sent = record(dispatched, "supervise", supervisor, level=level, department=rsj.pk, department_name=rsj.name,
                  text="请于两日内办结", supervision=7, automatic=False, limit="reply", number="清联督〔2026〕15号",
                  answer_due_at="2026-03-13T23:59:59+08:00")
    # The addressed department (人社局), not the lead one; every supervisor but the one who issued it.
    assert recipients(sent) == {"handler_rsj", head_rsj.username, other_supervisor.username}
    to_handler = sent.get(recipient=handler_rsj)
    assert to_handler.title.startswith(f"【{label}】") and "请于两日内办结" in to_handler.body
    assert "（办结时限），承办单位：市人力资源和社会保障局，清联督〔2026〕15号" in to_handler.body
    assert "请于 2026-03-13 23:59 前书面答复督办单" in to_handler.body
    assert "书面答复" not in sent.get(recipient=other_supervisor).body


def test_supervision_answer_goes_to_the_supervisors(record, dispatched, handler_gxj, supervisor):
    sent = record(dispatched, "supervision-answer", handler_gxj, supervision=3, answer="已于3月12日办结")
    assert recipients(sent) == {"supervisor"} and "已于3月12日办结" in sent.get().body


def test_accountability_reaches_the_heads_and_the_person(record, dispatched, supervisor, gxj, handler_gxj, head_gxj,
                                                         handler_rsj):
    other_handler = make_user("handler_gxj2", "handler", department=gxj)
    sent = record(dispatched, "accountability", supervisor, accountability=5, number="清联问〔2026〕3号",
                  status="decided", department=gxj.pk, department_name=gxj.name, person=handler_gxj.pk,
                  person_name=handler_gxj.display_name, measure="talk", trigger="overdue", text="超期未办结")
    assert recipients(sent) == {"head_gxj", "handler_gxj"}
    assert other_handler.notifications.count() == 0
    body = sent.first().body
    assert "超期未办结" in body and "作出问责：约谈（清联问〔2026〕3号）" in body and "工信局承办人" in body

    proposed = record(dispatched, "accountability", None, accountability=6, number="清联问〔2026〕4号",
                      status="proposed", department=gxj.pk, department_name=gxj.name, person=None, measure="",
                      trigger="unanswered", text="督办单逾期未答复")
    assert recipients(proposed) == {"head_gxj"}
    assert proposed.get().title.startswith("【问责·待认定】") and "因督办未答复" in proposed.get().body


@pytest.mark.parametrize("status, measure, words", [("decided", "criticism", "作出认定：通报批评"),
                                                    ("dismissed", "", "作出认定：不予问责")])
def test_an_accountability_decision_reaches_the_same_people(record, dispatched, supervisor, gxj, handler_gxj,
                                                            head_gxj, status, measure, words):
    sent = record(dispatched, "accountability-decision", supervisor, accountability=6, number="清联问〔2026〕4号",
                  status=status, department=gxj.pk, department_name=gxj.name, person=handler_gxj.pk,
                  measure=measure, trigger="unanswered", text="")
    assert recipients(sent) == {"head_gxj", "handler_gxj"}
    assert words in sent.first().body


def test_an_instruction_reaches_the_lead_departments_handlers_and_heads(record, dispatched, leader, handler_gxj,
                                                                        head_gxj, handler_rsj):
    sent = record(dispatched, "instruct", leader, text="请工信局主要负责同志亲自过问")
    assert recipients(sent) == {"handler_gxj", "head_gxj"}
    assert sent.first().title.startswith("【领导批示】") and "亲自过问" in sent.first().body


@pytest.mark.parametrize("action", ["register", "accept", "progress", "edit", "merge", "something-new"])
def test_other_events_tell_nobody_and_cost_nothing(record, dispatched, handler_gxj, user_jia, dispatcher, action,
                                                   django_assert_num_queries):
    with django_assert_num_queries(1):  # the event's own INSERT
        sent = record(dispatched, action, handler_gxj, note="n")
    assert not sent.exists()


def test_the_actor_and_inactive_users_are_never_told(record, registered, dispatcher, gxj):
    active = make_user("handler_a", "handler", department=gxj)
    inactive = make_user("handler_b", "handler", department=gxj)
    inactive.is_active = False
    inactive.save()
    # A handler who is also a dispatcher dispatches to their own department: told nothing about their own act.
    both = make_user("both", "handler", "dispatcher", department=gxj)
    sent = record(registered, "dispatch", both, lead_department=gxj.pk, lead_department_name=gxj.name,
                  co_departments=[])
    assert recipients(sent) == {active.username}


def test_a_person_named_twice_gets_one_message_with_the_first_rules_words(record, registered, dispatcher, gxj, rsj):
    """The lead department also listed as co-department: told once, as the lead (主办)."""
    handler = make_user("handler_x", "handler", department=gxj)
    sent = record(registered, "dispatch", dispatcher, lead_department=gxj.pk, lead_department_name=gxj.name,
                  co_departments=[gxj.pk], co_department_names=[gxj.name])
    assert list(sent.values_list("recipient__username", flat=True)) == [handler.username]
    assert sent.get().title.startswith("【交办】")


def test_the_hook_is_cheap(record, registered, dispatcher, gxj, rsj, django_assert_max_num_queries):
    for i in range(5):
        make_user(f"h{i}", "handler", department=gxj if i % 2 else rsj)
    # The event INSERT + recipients + the inbox rows + the outbox rows, however many recipients.
    with django_assert_max_num_queries(4):
        sent = record(registered, "dispatch", dispatcher, lead_department=gxj.pk, lead_department_name=gxj.name,
                      co_departments=[rsj.pk], co_department_names=[rsj.name])
    assert sent.count() == 5


def test_written_in_the_events_transaction_and_gone_with_it(registered, dispatcher, gxj, handler_gxj, now):
    from lianxi.appeals.models import AppealEvent

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        event = AppealEvent.objects.create(appeal=registered, action="dispatch", actor=dispatcher, to_state="dispatched",
                                           at=now, data={"lead_department": gxj.pk, "co_departments": []})
        on_appeal_event(event)
        assert Notification.objects.filter(recipient=handler_gxj).count() == 1
        raise Rollback
    assert Notification.objects.count() == 0


def test_a_supervision_without_a_department_reaches_the_supervisors_only(record, registered, supervisor, handler_gxj):
    other_supervisor = make_user("supervisor2", "supervisor")
    sent = record(registered, "supervise", supervisor, level="supervise", department=None, department_name="",
                  text="尽快交办", automatic=False, limit="")
    assert recipients(sent) == {other_supervisor.username}
    assert not record(registered, "supervise", supervisor, level="reminder", department=None, text="t").exists()


@pytest.mark.parametrize("limit, desk", [("followup", "clerk"), ("", "dispatcher")])
def test_an_order_without_a_department_goes_to_the_desk_that_acts(record, dispatched, supervisor, clerk, dispatcher,
                                                                  handler_gxj, limit, desk):
    sent = record(dispatched, "supervise", None, level="reminder", department=None, department_name="",
                  text="回访时限将到", supervision=9, automatic=True, limit=limit)
    assert recipients(sent) == {desk}
    sent = record(dispatched, "supervise", None, level="supervise", department=None, department_name="",
                  text="回访已超期", supervision=10, automatic=True, limit=limit)
    assert recipients(sent) == {desk, "supervisor"}
