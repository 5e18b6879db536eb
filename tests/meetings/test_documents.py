"""问题清单 and 责任分解表: opened with openpyxl and python-docx, row by row against the data, and generated again
after the loop has moved on (会后跟踪)."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from openpyxl import load_workbook

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal
from lianxi.meetings import documents, services
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SYMPOSIUM_APPEALS = 89  # the source page: “已通过座谈会向民企收集问题89个”


@pytest.fixture
def symposium_89(symposium, clerk, jia, yi, category, gxj, now):
    table = [{"enterprise": (jia if i % 3 else yi).uscc, "title": f"问题{i:02d}：用电增容审批慢",
              "content": f"第{i}项的具体情况\n第二行说明", "category": category.pk,
              "lead_department": gxj.pk if i % 2 else ""} for i in range(1, SYMPOSIUM_APPEALS + 1)]
    services.bulk_register(symposium, table, acting_user=clerk, now=now)
    return symposium


def xlsx_rows(content: bytes):
    ws = load_workbook(io.BytesIO(content)).active
    return ws, [[c if c is not None else "" for c in row] for row in ws.iter_rows(min_row=4, values_only=True)]


def docx_rows(content: bytes):
    word = Document(io.BytesIO(content))
    table = word.tables[0]
    return word, table, [[cell.text for cell in row.cells] for row in table.rows[1:]]


def appeals_of(meeting):
    return list(Appeal.objects.filter(meeting=meeting).select_related("enterprise", "category", "lead_department")
                .order_by("created_at", "id"))


def test_problem_list_has_every_appeal_in_both_formats(symposium_89, clerk):
    appeals = appeals_of(symposium_89)
    assert len(appeals) == SYMPOSIUM_APPEALS
    expected = [[str(n), a.enterprise.name, f"{a.title}\n{a.content}", a.category.name,
                 timezone.localtime(a.created_at).strftime("%Y-%m-%d")] for n, a in enumerate(appeals, start=1)]

    ws, rows = xlsx_rows(documents.render(symposium_89, clerk, "problem-list", "xlsx"))
    assert ws["A1"].value == "2026年第一季度民营企业发展座谈会问题清单（2026年3月10日）"
    assert [c.value for c in ws[3]] == ["序号", "企业", "问题", "类别", "提出时间"]
    assert rows == expected
    # Printed as an office prints it: header row on every page, A4 landscape, fit to the width.
    assert ws.print_title_rows == "$3:$3"
    assert (ws.page_setup.orientation, int(ws.page_setup.paperSize)) == ("landscape", 9)  # 9: A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert "共89项" in ws["A2"].value

    word, table, rows = docx_rows(documents.render(symposium_89, clerk, "problem-list", "docx"))
    assert word.paragraphs[0].text == "2026年第一季度民营企业发展座谈会问题清单（2026年3月10日）"
    assert [c.text for c in table.rows[0].cells] == ["序号", "企业", "问题", "类别", "提出时间"]
    assert rows == expected
    header_properties = table.rows[0]._tr.trPr
    assert header_properties is not None and header_properties.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
    section = word.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height


def test_responsibility_table_follows_the_loop(symposium_89, clerk, dispatcher, handler_gxj, gxj, rsj):
    appeals = appeals_of(symposium_89)
    content = documents.render(symposium_89, clerk, "responsibility-table", "xlsx")
    ws, before = xlsx_rows(content)
    assert [c.value for c in ws[3]] == ["序号", "问题", "主办单位", "协办单位", "责任人", "办理时限", "当前进展", "状态"]
    assert len(before) == SYMPOSIUM_APPEALS
    first, second = before[0], before[1]
    # Proposed at the meeting, not yet dispatched: the lead is marked as proposed; nobody is answerable yet.
    assert first == ["1", f"{appeals[0].title}（{appeals[0].enterprise.name}）", "市工业和信息化局（拟）", "", "", "",
                     "", "已登记"]
    assert second[2] == "" and second[7] == "已登记"

    # After the meeting: row 1 is dispatched with 人社局 helping, accepted and progressing; row 2 is replied.
    one, two = appeals[0], appeals[1]
    actions.dispatch(one, acting_user=dispatcher, lead_department=gxj, co_departments=[rsj])
    actions.accept(one, acting_user=handler_gxj)
    actions.progress(one, acting_user=handler_gxj, note="已与供电局现场踏勘，月底前完成增容")
    actions.dispatch(two, acting_user=dispatcher, lead_department=gxj)
    actions.accept(two, acting_user=handler_gxj)
    actions.reply(two, acting_user=handler_gxj, result="已协调解决", outcome="solved")
    one.refresh_from_db()

    _, after = xlsx_rows(documents.render(symposium_89, clerk, "responsibility-table", "xlsx"))
    assert after[0] == ["1", f"{one.title}（{one.enterprise.name}）", "市工业和信息化局", "市人力资源和社会保障局",
                        "工信局承办人", timezone.localtime(one.due_at).strftime("%Y-%m-%d"),
                        "已与供电局现场踏勘，月底前完成增容", "办理中"]
    assert after[1][2] == "市工业和信息化局" and after[1][6] == "【已解决】已协调解决" and after[1][7] == "已答复"
    assert after[2:] == before[2:]  # nothing else moved

    _, _, word_rows = docx_rows(documents.render(symposium_89, clerk, "responsibility-table", "docx"))
    assert word_rows == after


def test_responsible_person_before_acceptance_is_the_department_head(symposium, raise_in, jia, dispatcher, gxj,
                                                                     clerk):
    make_user("head_gxj", "head", department=gxj, name="工信局局长")
    appeal = raise_in(symposium, jia)
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj)
    [item] = documents.meeting_items(symposium, clerk)
    assert item.responsible == "工信局局长" and item.progress == "已交办市工业和信息化局"


def test_an_enterprise_gets_only_its_own_rows(symposium_89, user_jia, jia):
    _, rows = xlsx_rows(documents.render(symposium_89, user_jia, "problem-list", "xlsx"))
    own = Appeal.objects.filter(meeting=symposium_89, enterprise=jia).count()
    assert len(rows) == own == 60 and {r[1] for r in rows} == {jia.name}
    assert [r[0] for r in rows] == [str(n) for n in range(1, own + 1)]  # numbered within what it sees


def test_the_api_serves_the_four_files(api, clerk, user_yi, symposium, raise_in, jia):
    raise_in(symposium, jia, "厂区道路破损")
    api.as_(clerk)
    for name in ("problem-list", "responsibility-table"):
        for fmt, content_type in documents.FORMATS.items():
            url = f"/api/v1/meetings/{symposium.pk}/{name}.{fmt}"
            for url in (url, url + "/"):  # with or without the trailing slash
                response = api.get(url)
                assert response.status_code == 200, url
                assert response["Content-Type"] == content_type
                assert "attachment; filename*=UTF-8''" in response["Content-Disposition"]
    _, rows = xlsx_rows(api.get(f"/api/v1/meetings/{symposium.pk}/problem-list.xlsx").content)
    assert rows[0][2].startswith("厂区道路破损")
    assert api.as_(user_yi).get(f"/api/v1/meetings/{symposium.pk}/problem-list.xlsx").status_code == 404
    assert api.as_(clerk).get(f"/api/v1/meetings/{symposium.pk}/minutes.xlsx").status_code == 404
    api.force_authenticate(None)
    assert api.get(f"/api/v1/meetings/{symposium.pk}/problem-list.docx").status_code == 401


def test_text_with_control_characters_still_makes_valid_files(symposium, raise_in, jia, clerk):
    raise_in(symposium, jia, "标题\x0b带控制字符", content="内容\x07")
    for fmt in ("xlsx", "docx"):
        for key in documents.DOCUMENTS:
            assert documents.render(symposium, clerk, key, fmt)
    _, rows = xlsx_rows(documents.render(symposium, clerk, "problem-list", "xlsx"))
    assert rows[0][2] == "标题带控制字符\n内容"
