"""/api/v1/supervisions/ and /api/v1/accountabilities/, told with the personas: the supervisor (督查室刘) pushes
工信局 on 甲's appeal and 人社局 on 乙's; each department sees, answers and is held to account for its own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.appeals.models import AppealEvent
from lianxi.supervision import services
from lianxi.supervision.models import Accountability, Supervision

from .conftest import issue, propose

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/supervisions/"
RECORDS = "/api/v1/accountabilities/"


@pytest.fixture
def order(appeal, supervisor):
    return issue(appeal, supervisor)


@pytest.fixture
def order_rsj(appeal_rsj, supervisor):
    return issue(appeal_rsj, supervisor)


def events(appeal, action: str) -> list[AppealEvent]:
    return list(AppealEvent.objects.filter(appeal=appeal, action=action))


# ---- issuing ---------------------------------------------------------------------------------------------------

def test_supervisor_issues_an_order_addressed_to_the_lead_department(api, supervisor, appeal, gxj):
    answer = api.as_(supervisor).post(ORDERS, {"appeal": appeal.pk, "level": "supervise", "text": "请加快办理"},
                                      format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    order = Supervision.objects.get()
    assert body["id"] == order.pk and body["number"] == order.number and order.number.startswith("清联督〔")
    assert (body["appeal"], body["appeal_number"], body["level"], body["level_display"]) == (
        appeal.pk, appeal.number, "supervise", "督办")
    assert (body["department"], body["department_name"], body["issued_by_name"]) == (gxj.pk, gxj.name, "督查室刘")
    assert body["answer_state"] == "pending" and body["answer_due_at"] and body["answer"] == ""
    assert body["document_url"] == f"/api/v1/supervisions/{order.pk}/document/"
    [event] = events(appeal, "supervise")
    assert event.data["number"] == order.number and event.from_state == event.to_state == "handling"
    appeal.refresh_from_db()
    assert appeal.state == "handling"


def test_an_order_names_its_appeal_by_number_and_may_address_another_department(api, supervisor, appeal, rsj):
    answer = api.as_(supervisor).post(ORDERS, {"appeal": appeal.number, "level": "reminder", "department": rsj.pk,
                                               "text": "请人社局协助"}, format="json")
    assert answer.status_code == 201
    order = Supervision.objects.get()
    assert (order.appeal, order.department, order.answer_due_at) == (appeal, rsj, None)
    assert answer.json()["answer_state"] == "none"


@pytest.mark.parametrize("persona", ["clerk", "dispatcher", "handler_gxj", "leader", "user_jia"])
def test_only_supervisors_issue_orders(api, request, appeal, persona):
    user = request.getfixturevalue(persona)
    answer = api.as_(user).post(ORDERS, {"appeal": appeal.pk, "level": "supervise", "text": "督办"}, format="json")
    assert answer.status_code == 403
    assert not Supervision.objects.exists() and not events(appeal, "supervise")


@pytest.mark.parametrize("reference", [None, 999999, "LX20990101-0001"])
def test_an_unknown_appeal_is_bad_input_on_appeal(api, supervisor, reference):
    body = {"level": "supervise", "text": "督办"} | ({"appeal": reference} if reference else {})
    answer = api.as_(supervisor).post(ORDERS, body, format="json")
    assert answer.status_code == 400 and "appeal" in answer.json()
    assert not Supervision.objects.exists()


def test_bad_level_and_blank_text_are_field_named(api, supervisor, appeal):
    answer = api.as_(supervisor).post(ORDERS, {"appeal": appeal.pk, "level": "shout", "text": ""}, format="json")
    assert answer.status_code == 400
    assert {"level", "text"} <= set(answer.json())
    assert not Supervision.objects.exists() and not events(appeal, "supervise")


def test_a_closed_appeal_cannot_be_supervised(api, supervisor, dispatcher, clerk, jia, category, channel):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="重复登记", content="同一问题",
                              category=category, channel=channel).appeal
    actions.reject(appeal, acting_user=dispatcher, reason="重复登记")
    answer = api.as_(supervisor).post(ORDERS, {"appeal": appeal.pk, "level": "supervise", "text": "督办"},
                                      format="json")
    assert answer.status_code == 409
    assert not Supervision.objects.exists() and not events(appeal, "supervise")


# ---- who sees which orders -------------------------------------------------------------------------------------

def _numbers(api, user, query: str = "") -> set[str]:
    answer = api.as_(user).get(ORDERS + query)
    assert answer.status_code == 200
    return {o["number"] for o in answer.json()["results"]}


def test_each_department_sees_only_the_orders_addressed_to_it(api, supervisor, leader, handler_gxj, handler_rsj,
                                                               head_gxj, user_jia, order, order_rsj):
    assert _numbers(api, supervisor) == _numbers(api, leader) == {order.number, order_rsj.number}
    assert _numbers(api, handler_gxj) == _numbers(api, head_gxj) == {order.number}
    assert _numbers(api, handler_rsj) == {order_rsj.number}
    assert _numbers(api, user_jia) == set()
    for user, hidden in [(handler_gxj, order_rsj), (handler_rsj, order), (user_jia, order)]:
        assert api.as_(user).get(f"{ORDERS}{hidden.pk}/").status_code == 404
        assert api.as_(user).get(f"{ORDERS}{hidden.pk}/document/").status_code == 404
    assert api.as_(handler_gxj).get(f"{ORDERS}{order.pk}/").json()["number"] == order.number


def test_without_credentials_401(order):
    from rest_framework.test import APIClient

    assert APIClient().get(ORDERS).status_code == 401
    assert APIClient().get(RECORDS).status_code == 401


def test_filters(api, supervisor, appeal, appeal_rsj, order, order_rsj, rsj, handler_gxj):
    reminder = issue(appeal, supervisor, level="reminder", text="临期提醒")
    late = issue(appeal, supervisor, now=timezone.now() - dt.timedelta(days=30), text="上月督办")
    services.answer_order(order, acting_user=handler_gxj, answer="已办结")
    assert _numbers(api, supervisor, f"?appeal={appeal_rsj.pk}") == {order_rsj.number}
    assert _numbers(api, supervisor, f"?department={rsj.pk}") == {order_rsj.number}
    assert _numbers(api, supervisor, "?level=reminder") == {reminder.number}
    assert _numbers(api, supervisor, "?answer_state=none") == {reminder.number}
    assert _numbers(api, supervisor, "?answer_state=answered") == {order.number}
    assert _numbers(api, supervisor, "?answer_state=late") == {late.number}
    assert _numbers(api, supervisor, "?answer_state=pending") == {order_rsj.number}
    assert _numbers(api, supervisor, f"?search={appeal_rsj.number}") == {order_rsj.number}
    assert _numbers(api, supervisor, "?search=上月") == {late.number}
    assert api.as_(supervisor).get(ORDERS + "?answer_state=maybe").status_code == 400


# ---- answering -------------------------------------------------------------------------------------------------

def test_the_addressed_department_answers_once(api, handler_gxj, order, appeal):
    answer = api.as_(handler_gxj).post(f"{ORDERS}{order.pk}/answer/", {"answer": "补贴已拨付到位"}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["answer_state"], body["answer"], body["answered_by_name"]) == ("answered", "补贴已拨付到位", "工信局承办人")
    order.refresh_from_db()
    assert order.answered_at and order.answered_by == handler_gxj
    [event] = events(appeal, "supervision-answer")
    assert event.actor == handler_gxj and event.data["number"] == order.number and event.data["answer"] == "补贴已拨付到位"

    again = api.as_(handler_gxj).post(f"{ORDERS}{order.pk}/answer/", {"answer": "再答一次"}, format="json")
    assert again.status_code == 409
    order.refresh_from_db()
    assert order.answer == "补贴已拨付到位" and len(events(appeal, "supervision-answer")) == 1


def test_the_department_head_may_answer(api, head_gxj, order):
    assert api.as_(head_gxj).post(f"{ORDERS}{order.pk}/answer/", {"answer": "已部署整改"},
                                  format="json").status_code == 200
    order.refresh_from_db()
    assert order.answered_by == head_gxj


@pytest.mark.parametrize("persona,status", [("supervisor", 403), ("leader", 403), ("handler_rsj", 404),
                                            ("user_jia", 404)])
def test_nobody_else_answers(api, request, order, appeal, persona, status):
    user = request.getfixturevalue(persona)
    answer = api.as_(user).post(f"{ORDERS}{order.pk}/answer/", {"answer": "代为答复"}, format="json")
    assert answer.status_code == status
    order.refresh_from_db()
    assert order.answered_at is None and not events(appeal, "supervision-answer")


def test_a_blank_answer_is_bad_input(api, handler_gxj, order, appeal):
    answer = api.as_(handler_gxj).post(f"{ORDERS}{order.pk}/answer/", {"answer": "   "}, format="json")
    assert answer.status_code == 400 and "answer" in answer.json()
    order.refresh_from_db()
    assert order.answered_at is None and not events(appeal, "supervision-answer")


def test_a_reminder_asks_for_no_answer(api, handler_gxj, supervisor, appeal):
    reminder = issue(appeal, supervisor, level="reminder")
    answer = api.as_(handler_gxj).post(f"{ORDERS}{reminder.pk}/answer/", {"answer": "收到"}, format="json")
    assert answer.status_code == 409


def test_the_document_is_a_docx_with_a_chinese_file_name(api, handler_gxj, order):
    answer = api.as_(handler_gxj).get(f"{ORDERS}{order.pk}/document/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert "%E7%9D%A3%E5%8A%9E%E5%8D%95" in disposition  # 督办单
    assert answer.content[:2] == b"PK"


# ---- accountability --------------------------------------------------------------------------------------------

def record_body(appeal, department, **extra) -> dict:
    return {"department": department.pk, "trigger": "overdue", "measure": "talk", "appeals": [appeal.pk],
            "text": "超期未办结，约谈主要负责人", **extra}


def test_supervisor_records_accountability_with_its_evidence(api, supervisor, appeal, gxj):
    answer = api.as_(supervisor).post(RECORDS, record_body(appeal, gxj), format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    record = Accountability.objects.get()
    assert record.number.startswith("清联问〔") and body["number"] == record.number
    assert (record.department, record.trigger, record.measure, record.status) == (gxj, "overdue", "talk", "decided")
    assert list(record.appeals.all()) == [appeal]
    assert (body["status"], body["status_display"], body["measure_display"]) == ("decided", "已问责", "约谈")
    assert body["appeal_numbers"] == [appeal.number] and body["decided_by_name"] == "督查室刘"
    [evidence] = body["evidence"]
    assert evidence["number"] == appeal.number and evidence["visible"] is True
    assert [e["action"] for e in evidence["events"]][:3] == ["register", "dispatch", "accept"]
    assert evidence["events"][1]["action_display"] == "交办" and evidence["events"][1]["actor_name"] == "派单员老陈"
    [event] = events(appeal, "accountability")
    assert event.actor == supervisor and event.data["number"] == record.number


def test_appeals_by_number_and_a_person(api, supervisor, appeal, appeal_rsj, handler_rsj):
    body = {"person": handler_rsj.pk, "trigger": "false_reply", "measure": "criticism",
            "appeals": f"{appeal.number}、{appeal_rsj.number}", "text": "回访发现答复不实"}
    answer = api.as_(supervisor).post(RECORDS, body, format="json")
    assert answer.status_code == 201, answer.json()
    record = Accountability.objects.get()
    assert record.person == handler_rsj and record.department is None
    assert set(record.appeals.all()) == {appeal, appeal_rsj}


@pytest.mark.parametrize("change,field", [
    ({"department": None}, "department"),
    ({"trigger": "bad_luck"}, "trigger"),
    ({"measure": ""}, "measure"),
    ({"measure": "fine"}, "measure"),
    ({"appeals": []}, "appeals"),
    ({"appeals": [999999]}, "appeals"),
    ({"appeals": "LX20990101-0001"}, "appeals"),
    ({"text": "  "}, "text"),
    ({"supervision": "清联督〔2099〕1号"}, "supervision"),
])
def test_bad_accountability_input_stores_nothing(api, supervisor, appeal, gxj, change, field):
    body = {k: v for k, v in (record_body(appeal, gxj) | change).items() if v is not None}
    answer = api.as_(supervisor).post(RECORDS, body, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not Accountability.objects.exists() and not events(appeal, "accountability")


@pytest.mark.parametrize("persona", ["clerk", "dispatcher", "handler_gxj", "leader", "head_gxj"])
def test_only_supervisors_record_accountability(api, request, appeal, gxj, persona):
    answer = api.as_(request.getfixturevalue(persona)).post(RECORDS, record_body(appeal, gxj), format="json")
    assert answer.status_code == 403
    assert not Accountability.objects.exists() and not events(appeal, "accountability")


@pytest.fixture
def records(supervisor, appeal, appeal_rsj, gxj, rsj, handler_rsj):
    """One record against 工信局, one against 人社局, one naming 人社局's handler."""
    def record(**kwargs):
        return services.record_accountability(acting_user=supervisor, trigger="overdue", measure="talk",
                                              text="超期", **kwargs)
    return {"gxj": record(department=gxj, appeals=[appeal]), "rsj": record(department=rsj, appeals=[appeal_rsj]),
            "person": record(person=handler_rsj, appeals=[appeal_rsj])}


def _record_numbers(api, user, query: str = "") -> set[str]:
    answer = api.as_(user).get(RECORDS + query)
    assert answer.status_code == 200
    return {r["number"] for r in answer.json()["results"]}


def test_who_sees_which_records(api, supervisor, leader, head_gxj, handler_gxj, handler_rsj, user_jia, records):
    everything = {r.number for r in records.values()}
    assert _record_numbers(api, supervisor) == _record_numbers(api, leader) == everything
    assert _record_numbers(api, head_gxj) == {records["gxj"].number}
    assert _record_numbers(api, handler_rsj) == {records["person"].number}
    assert _record_numbers(api, handler_gxj) == _record_numbers(api, user_jia) == set()
    assert api.as_(head_gxj).get(f"{RECORDS}{records['rsj'].pk}/").status_code == 404
    assert api.as_(head_gxj).get(f"{RECORDS}{records['gxj'].pk}/").status_code == 200


def test_a_head_reads_the_record_but_not_the_evidence_it_cannot_see(api, supervisor, head_gxj, appeal, appeal_rsj,
                                                                       gxj):
    record = services.record_accountability(acting_user=supervisor, department=gxj, trigger="dissatisfied",
                                            measure="rectify", text="企业多次不满意", appeals=[appeal, appeal_rsj])
    evidence = {e["number"]: e for e in api.as_(head_gxj).get(f"{RECORDS}{record.pk}/").json()["evidence"]}
    assert evidence[appeal.number]["visible"] is True and evidence[appeal.number]["events"]
    assert evidence[appeal_rsj.number] | {"events": []} == {
        "appeal": appeal_rsj.pk, "number": appeal_rsj.number, "visible": False, "title": None, "state": None,
        "events_url": None, "events": []}


def test_record_filters(api, supervisor, records, rsj, appeal_rsj):
    assert _record_numbers(api, supervisor, f"?department={rsj.pk}") == {records["rsj"].number}
    assert _record_numbers(api, supervisor, f"?appeal={appeal_rsj.pk}") == {records["rsj"].number,
                                                                           records["person"].number}
    assert _record_numbers(api, supervisor, "?status=proposed") == set()
    assert _record_numbers(api, supervisor, "?trigger=overdue&measure=talk") == {r.number for r in records.values()}


def test_the_period_is_in_local_dates_inclusive(api, supervisor, appeal, gxj):
    def record_at(*moment):
        return services.record_accountability(acting_user=supervisor, department=gxj, trigger="overdue",
                                              measure="talk", text="超期", appeals=[appeal],
                                              now=timezone.make_aware(dt.datetime(*moment)))
    february = record_at(2026, 2, 28, 23, 59)
    march_first = record_at(2026, 3, 1, 0, 30)  # 2026-02-28 16:30 UTC: still March in Qingzhen
    march_last = record_at(2026, 3, 31, 23, 59)
    april = record_at(2026, 4, 1, 0, 0)
    assert _record_numbers(api, supervisor, "?from=2026-03-01&to=2026-03-31") == {march_first.number,
                                                                                 march_last.number}
    assert _record_numbers(api, supervisor, "?to=2026-02-28") == {february.number}
    assert _record_numbers(api, supervisor, "?from=2026-04-01") == {april.number}


@pytest.fixture
def proposed(appeal, gxj):
    """Put on the list by the supervision pass (the system): 待认定."""
    return propose(appeal, gxj)


def test_supervisor_decides_a_proposed_record(api, supervisor, proposed, appeal):
    answer = api.as_(supervisor).post(f"{RECORDS}{proposed.pk}/decide/", {"measure": "criticism", "note": "通报"},
                                      format="json")
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["status"], answer.json()["measure"]) == ("decided", "criticism")
    proposed.refresh_from_db()
    assert (proposed.status, proposed.measure, proposed.decided_by) == ("decided", "criticism", supervisor)
    [event] = events(appeal, "accountability-decision")
    assert event.actor == supervisor and event.data["measure"] == "criticism"
    again = api.as_(supervisor).post(f"{RECORDS}{proposed.pk}/decide/", {"dismiss": True, "note": "撤销"},
                                     format="json")
    assert again.status_code == 409
    proposed.refresh_from_db()
    assert proposed.status == "decided" and len(events(appeal, "accountability-decision")) == 1


def test_supervisor_dismisses_with_a_reason(api, supervisor, proposed):
    no_reason = api.as_(supervisor).post(f"{RECORDS}{proposed.pk}/decide/", {"dismiss": True}, format="json")
    assert no_reason.status_code == 400 and "note" in no_reason.json()
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
    answer = api.as_(supervisor).post(f"{RECORDS}{proposed.pk}/decide/",
                                      {"dismiss": True, "note": "已在期限内补充答复"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "dismissed"


@pytest.mark.parametrize("body,field", [({}, "measure"), ({"measure": "fine"}, "measure"),
                                        ({"measure": "talk", "dismiss": True, "note": "x"}, "dismiss")])
def test_a_decision_needs_one_measure_or_a_dismissal(api, supervisor, proposed, body, field):
    answer = api.as_(supervisor).post(f"{RECORDS}{proposed.pk}/decide/", body, format="json")
    assert answer.status_code == 400 and field in answer.json()
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


@pytest.mark.parametrize("persona,status", [("head_gxj", 403), ("leader", 403), ("handler_rsj", 404)])
def test_only_supervisors_decide(api, request, proposed, persona, status):
    answer = api.as_(request.getfixturevalue(persona)).post(f"{RECORDS}{proposed.pk}/decide/", {"measure": "talk"},
                                                            format="json")
    assert answer.status_code == status
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_schema_documents_the_endpoints(api, admin_user):
    schema = api.as_(admin_user).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in ["/api/v1/supervisions/", "/api/v1/supervisions/{id}/", "/api/v1/supervisions/{id}/answer/",
                 "/api/v1/supervisions/{id}/document/", "/api/v1/accountabilities/",
                 "/api/v1/accountabilities/{id}/decide/", "/api/v1/accountabilities/export/"]:
        assert path in paths
    parameters = {p["name"] for p in paths["/api/v1/accountabilities/"]["get"]["parameters"]}
    assert {"from", "to", "department", "status", "trigger", "appeal"} <= parameters
