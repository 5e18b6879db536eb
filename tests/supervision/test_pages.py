"""The 督办 and 问责 pages: each persona sees its part, the forms work and fail in Chinese, and what a user may
not see answers 404, what they see but may not do 403."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from lianxi.appeals.models import AppealEvent
from lianxi.supervision import services
from lianxi.supervision.models import Accountability

from .conftest import issue, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(appeal, supervisor):
    return issue(appeal, supervisor)


@pytest.fixture
def order_rsj(appeal_rsj, supervisor):
    return issue(appeal_rsj, supervisor)


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.status_code
    return response.content.decode()


def test_navigation(as_user, supervisor, leader, handler_gxj, head_gxj, clerk, user_jia):
    def nav(user):
        body = page(as_user(user), "/")
        return ('href="/supervisions/"' in body, 'href="/accountabilities/"' in body)

    assert nav(supervisor) == nav(leader) == nav(head_gxj) == (True, True)
    assert nav(handler_gxj) == (True, False)
    assert nav(clerk) == nav(user_jia) == (False, False)


def test_anonymous_is_sent_to_login(client, order):
    for url in ["/supervisions/", f"/supervisions/{order.pk}/", "/accountabilities/", "/accountabilities/new/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/")


# ---- 督办单 --------------------------------------------------------------------------------------------------

def test_a_department_lists_its_orders_awaiting_an_answer_first(as_user, supervisor, handler_gxj, appeal, order,
                                                               order_rsj):
    answered = issue(appeal, supervisor, text="第二份")
    services.answer_order(answered, acting_user=handler_gxj, answer="已办")
    late = issue(appeal, supervisor, now=timezone.now() - dt.timedelta(days=30), text="上月的督办")
    body = page(as_user(handler_gxj), "/supervisions/")
    assert order_rsj.number not in body
    positions = [body.index(o.number) for o in (late, order, answered)]
    assert positions == sorted(positions)  # 逾期未答复, then 待答复, then 已答复
    assert "逾期未答复" in body and "待答复" in body
    only_late = page(as_user(handler_gxj), "/supervisions/?answer_state=late")
    assert late.number in only_late and order.number not in only_late


def test_the_supervisor_lists_every_order(as_user, supervisor, order, order_rsj, rsj):
    body = page(as_user(supervisor), "/supervisions/")
    assert order.number in body and order_rsj.number in body
    filtered = page(as_user(supervisor), f"/supervisions/?department={rsj.pk}")
    assert order_rsj.number in filtered and order.number not in filtered


def test_an_enterprise_sees_no_orders(as_user, user_jia, order):
    client = as_user(user_jia)
    assert order.number not in page(client, "/supervisions/")
    page(client, f"/supervisions/{order.pk}/", 404)
    page(client, f"/supervisions/{order.pk}/document.docx", 404)


def test_another_department_cannot_open_the_order(as_user, handler_rsj, order, appeal):
    client = as_user(handler_rsj)
    page(client, f"/supervisions/{order.pk}/", 404)
    page(client, f"/supervisions/{order.pk}/document.docx", 404)
    assert client.post(f"/supervisions/{order.pk}/answer/", {"answer": "代答"}).status_code == 404
    assert not AppealEvent.objects.filter(appeal=appeal, action="supervision-answer").exists()


def test_the_handler_answers_on_the_order_page(as_user, handler_gxj, order, appeal):
    client = as_user(handler_gxj)
    body = page(client, f"/supervisions/{order.pk}/")
    assert "书面答复" in body and f'action="/supervisions/{order.pk}/answer/"' in body
    assert appeal.number in body and f'href="/appeals/{appeal.pk}/"' in body and "下载督办单" in body

    blank = client.post(f"/supervisions/{order.pk}/answer/", {"answer": ""})
    assert blank.status_code == 400 and "请填写答复内容" in blank.content.decode()
    order.refresh_from_db()
    assert order.answered_at is None

    done = client.post(f"/supervisions/{order.pk}/answer/", {"answer": "补贴已拨付"}, follow=True)
    assert done.redirect_chain[-1][0] == f"/supervisions/{order.pk}/"
    body = done.content.decode()
    assert "已答复督办单" in body and "补贴已拨付" in body and 'name="answer"' not in body
    order.refresh_from_db()
    assert order.answered_by == handler_gxj
    assert AppealEvent.objects.filter(appeal=appeal, action="supervision-answer").count() == 1


def test_the_supervisor_sees_the_order_but_may_not_answer(as_user, supervisor, order):
    client = as_user(supervisor)
    assert 'name="answer"' not in page(client, f"/supervisions/{order.pk}/")
    response = client.post(f"/supervisions/{order.pk}/answer/", {"answer": "代答"})
    assert response.status_code == 403 and "只有被督办单位的承办人或负责人可以答复督办单" in response.content.decode()
    order.refresh_from_db()
    assert order.answered_at is None


def test_a_late_order_leads_the_supervisor_to_accountability(as_user, supervisor, appeal, gxj):
    late = issue(appeal, supervisor, now=timezone.now() - dt.timedelta(days=30))
    body = page(as_user(supervisor), f"/supervisions/{late.pk}/")
    assert "转问责" in body and "trigger=unanswered" in body
    form = page(as_user(supervisor), f"/accountabilities/new/?department={gxj.pk}&appeals={appeal.number}"
                                     f"&trigger=unanswered&supervision={late.number}")
    assert appeal.number in form and late.number in form


def test_typed_text_is_escaped(as_user, supervisor, handler_gxj, appeal):
    order = issue(appeal, supervisor, text="<script>alert(1)</script>")
    body = page(as_user(handler_gxj), f"/supervisions/{order.pk}/")
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_page_downloads_the_docx(as_user, head_gxj, order, appeal):
    response = as_user(head_gxj).get(f"/supervisions/{order.pk}/document.docx")
    assert response.status_code == 200 and "filename*=UTF-8''" in response["Content-Disposition"]
    text = "\n".join(c.text for t in Document(io.BytesIO(response.content)).tables for r in t.rows for c in r.cells)
    assert appeal.number in text


# ---- 问责 ----------------------------------------------------------------------------------------------------

def test_the_supervisor_records_accountability_on_the_page(as_user, supervisor, appeal, appeal_rsj, gxj):
    client = as_user(supervisor)
    assert "记录问责" in page(client, "/accountabilities/")
    response = client.post("/accountabilities/new/", {
        "department": gxj.pk, "trigger": "overdue", "measure": "rectify",
        "appeals": f"{appeal.number}，{appeal_rsj.number}", "text": "超期未办结，责令整改"})
    record = Accountability.objects.get()
    assert response.status_code == 302 and response.url == f"/accountabilities/{record.pk}/"
    assert (record.department, record.measure, record.status) == (gxj, "rectify", "decided")
    assert set(record.appeals.all()) == {appeal, appeal_rsj}
    body = page(client, response.url)
    assert record.number in body and "责令整改" in body and appeal.number in body and "交办" in body


def test_bad_accountability_input_is_shown_in_chinese(as_user, supervisor, appeal):
    response = as_user(supervisor).post("/accountabilities/new/", {
        "trigger": "overdue", "measure": "talk", "appeals": f"{appeal.number} LX20990101-0001", "text": ""})
    body = response.content.decode()
    assert response.status_code == 400
    for message in ["请指定问责单位或问责对象", "找不到诉求：LX20990101-0001", "此项为必填项"]:
        assert message in body
    assert not Accountability.objects.exists()


@pytest.mark.parametrize("persona", ["handler_gxj", "head_gxj", "leader"])
def test_only_supervisors_record(as_user, request, appeal, gxj, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.get("/accountabilities/new/").status_code == 403
    response = client.post("/accountabilities/new/", {"department": gxj.pk, "trigger": "overdue", "measure": "talk",
                                                      "appeals": appeal.number, "text": "超期"})
    assert response.status_code == 403 and not Accountability.objects.exists()


@pytest.fixture
def records(supervisor, appeal, appeal_rsj, gxj, rsj):
    def record(department, appeal, day):
        return services.record_accountability(acting_user=supervisor, department=department, trigger="overdue",
                                              measure="talk", text="超期未办结", appeals=[appeal],
                                              now=timezone.make_aware(dt.datetime(2026, 3, day, 9, 0)))
    return {"gxj": record(gxj, appeal, 5), "rsj": record(rsj, appeal_rsj, 20)}


def test_a_head_sees_the_records_against_their_department(as_user, head_gxj, records):
    client = as_user(head_gxj)
    body = page(client, "/accountabilities/")
    assert records["gxj"].number in body and records["rsj"].number not in body and "记录问责" not in body
    page(client, f"/accountabilities/{records['rsj'].pk}/", 404)
    assert 'id="decide"' not in page(client, f"/accountabilities/{records['gxj'].pk}/")


def test_the_list_filters_by_period_and_exports_it(as_user, supervisor, records):
    client = as_user(supervisor)
    body = page(client, "/accountabilities/?from=2026-03-10&to=2026-03-31")
    assert records["rsj"].number in body and records["gxj"].number not in body
    assert 'href="/accountabilities/export.xlsx?from=2026-03-10&amp;to=2026-03-31"' in body
    response = client.get("/accountabilities/export.xlsx?from=2026-03-10&to=2026-03-31")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[1].value for row in sheet.iter_rows(min_row=3)] == [records["rsj"].number]


def test_the_supervisor_decides_a_proposed_record(as_user, supervisor, appeal, gxj):
    proposed = propose(appeal, gxj)
    client = as_user(supervisor)
    assert 'id="decide"' in page(client, f"/accountabilities/{proposed.pk}/")
    missing = client.post(f"/accountabilities/{proposed.pk}/decide/", {"dismiss": "on"})
    assert missing.status_code == 400 and "不予问责须说明理由" in missing.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
    response = client.post(f"/accountabilities/{proposed.pk}/decide/", {"measure": "criticism", "note": "通报全市"})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.measure, proposed.decision_note) == ("decided", "criticism", "通报全市")
    assert AppealEvent.objects.filter(appeal=appeal, action="accountability-decision").count() == 1
    assert 'id="decide"' not in page(client, f"/accountabilities/{proposed.pk}/")


def test_a_head_may_not_decide(as_user, head_gxj, appeal, gxj):
    proposed = propose(appeal, gxj)
    response = as_user(head_gxj).post(f"/accountabilities/{proposed.pk}/decide/", {"measure": "talk"})
    assert response.status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
