"""The 督办单 (.docx) a department receives and the 问责清单 (.xlsx) of a period, opened as their readers open them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from lianxi.appeals import actions
from lianxi.supervision import documents, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(clerk, dispatcher, handler_gxj, jia, category, channel, gxj, now):
    registered = actions.register(acting_user=clerk, enterprise=jia, title="申请技改补贴兑现", content="去年的技改补贴尚未兑现",
                                  category=category, channel=channel, now=now).appeal
    dispatched = actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj, now=now)
    return actions.accept(dispatched, acting_user=handler_gxj, now=now)


def issue(appeal, supervisor, now, **extra):
    kwargs = {"level": "supervise", "text": "请于两个工作日内办结并书面答复", **extra}
    return actions.supervise(appeal, acting_user=supervisor, now=now, **kwargs)._last_supervision


def opened(content: bytes):
    return Document(io.BytesIO(content))


def text_of(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_order_opens_and_carries_its_facts(api, handler_gxj, supervisor, appeal, now):
    order = issue(appeal, supervisor, now)
    answer = api.as_(handler_gxj).get(f"/api/v1/supervisions/{order.pk}/document/")
    document = opened(answer.content)
    text = text_of(document)
    assert order.number.startswith("清联督〔2026〕")
    for expected in ["清镇市民营企业诉求督办单", order.number, "市工业和信息化局：", appeal.number, "贵州甲材料有限公司",
                     "申请技改补贴兑现", "去年的技改补贴尚未兑现", "请于两个工作日内办结并书面答复",
                     "清镇市营商环境联席办公室", "2026年3月11日"]:
        assert expected in text, expected
    # Due two working days after Wednesday 11 March: Friday 13 March.
    assert "请于2026年3月13日前将办理情况书面答复" in text
    assert "答复情况" not in text


def test_the_layout_is_a4_with_chinese_fonts(supervisor, appeal, now):
    document = opened(documents.order_docx(issue(appeal, supervisor, now)))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # stored in twips
    title = document.paragraphs[0].runs[0]
    assert title.text == "清镇市民营企业诉求督办单" and title.font.color.rgb is not None
    fonts = {run._element.rPr.rFonts.get(qn("w:eastAsia")) for p in document.paragraphs for run in p.runs}
    assert fonts and fonts <= {"仿宋", "宋体", "黑体"}
    # The 文号 sits above the red rule.
    number = document.paragraphs[1]
    assert number._p.pPr.find(qn("w:pBdr")) is not None


def test_a_listed_order_is_a_notice_and_shows_the_answer_and_an_extension(supervisor, handler_gxj, appeal, now,
                                                                          settings):
    settings.LIANXI = {**settings.LIANXI, "ISSUING_OFFICE": "清镇市人民政府督查室"}
    original = appeal.due_at
    appeal = actions.request_extension(appeal, acting_user=handler_gxj, due_at=original + dt.timedelta(days=14),
                                       reason="需要市财政配合", now=now)
    appeal = actions.decide_extension(appeal, acting_user=supervisor, approve=True, now=now)
    order = issue(appeal, supervisor, now, level="listed")
    services.answer_order(order, acting_user=handler_gxj, answer="已协调财政，本月底前拨付", now=now)
    order.refresh_from_db()
    text = text_of(opened(documents.order_docx(order)))
    assert "挂牌督办通知书" in text and "清镇市人民政府督查室" in text
    assert f"原定{documents.chinese_date(original)}" in text
    assert "答复情况" in text and "已协调财政，本月底前拨付" in text and "工信局承办人" in text


def test_typed_text_goes_in_as_text(supervisor, appeal, now):
    order = issue(appeal, supervisor, now, text='<w:t>注入</w:t> & "引号"\x01\n第二行')
    text = text_of(opened(documents.order_docx(order)))
    assert '<w:t>注入</w:t> & "引号"' in text and "第二行" in text and "\x01" not in text


def test_chinese_date():
    assert documents.chinese_date(timezone.make_aware(dt.datetime(2026, 11, 27, 23, 30))) == "2026年11月27日"
    # 16:30 UTC on 31 December is already New Year's Day in Qingzhen.
    assert documents.chinese_date(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.timezone.utc)) == "2027年1月1日"


# ---- 问责清单 --------------------------------------------------------------------------------------------------

@pytest.fixture
def period_records(supervisor, appeal, gxj, rsj, handler_rsj):
    def record_at(day, **kwargs):
        return services.record_accountability(acting_user=supervisor, trigger="overdue", measure="talk",
                                              text=f"{day}日记录", appeals=[appeal],
                                              now=timezone.make_aware(dt.datetime(2026, 3, day, 9, 0)), **kwargs)
    return [record_at(1, department=gxj), record_at(15, department=rsj, person=handler_rsj),
            record_at(31, department=gxj)]


def test_the_period_list_as_xlsx(api, supervisor, period_records, appeal):
    answer = api.as_(supervisor).get("/api/v1/accountabilities/export/?from=2026-03-02&to=2026-03-31")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in answer["Content-Disposition"] and answer["X-Rows"] == "2"
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet["A1"].value == "问责清单（2026-03-02 至 2026-03-31）"
    assert [c.value for c in sheet[2]] == ["序号", "编号", "问责单位/对象", "问责情形", "问责方式", "状态", "关联诉求编号",
                                           "事由", "记录时间", "认定人"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    first_of_march, ides, last = period_records
    assert [r[1] for r in rows] == [last.number, ides.number]  # newest first; 1 March is outside the period
    assert rows[1][2] == "市人力资源和社会保障局／人社局承办人"
    assert rows[1][3:8] == ["超期未办结", "约谈", "已问责", appeal.number, "15日记录"]
    assert rows[1][8] == "2026-03-15 09:00" and rows[1][9] == "督查室刘" and rows[0][0] == 1
    assert sheet.print_title_rows == "$2:$2"


def test_a_head_exports_only_the_records_against_their_department(api, period_records, gxj):
    from tests.conftest import make_user

    head = make_user("head_gxj", "head", department=gxj)
    answer = api.as_(head).get("/api/v1/accountabilities/export/?from=2026-03-01&to=2026-03-31")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    numbers = [row[1].value for row in sheet.iter_rows(min_row=3)]
    assert numbers == [period_records[2].number, period_records[0].number]


def test_a_bad_period_is_bad_input(api, supervisor):
    answer = api.as_(supervisor).get("/api/v1/accountabilities/export/?from=yesterday")
    assert answer.status_code == 400 and "from" in answer.json()
