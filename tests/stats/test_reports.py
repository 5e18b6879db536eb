"""The report (.docx), the export of any table (.xlsx) and the stats_report command, told with March 2026's
story (conftest.py): the documents say what the selectors count, to whom the numbers are open."""

import datetime as dt
import io
import warnings

import matplotlib
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from lianxi.stats import charts, report, selectors
from lianxi.stats.exports import TABLES
from lianxi.stats.measures import AVG_REPLY, COUNT_LABELS, COUNT_NAMES, RATES
from lianxi.stats.sentence import sentence
from tests.conftest import make_user

from .conftest import MARCH, NOW

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"
REPORT = reverse("stats_files:report")
EXPORT = reverse("stats_files:export")


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def head_rsj(rsj):
    return make_user("head_rsj", "head", department=rsj, name="人社局局长")


def docx_of(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    return Document(io.BytesIO(response.content))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def table_with(document, header: str):
    """The first table whose header row holds ``header``."""
    return next(t for t in document.tables if header in [c.text for c in t.rows[0].cells])


def rows_of(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def march(user) -> selectors.Question:
    return selectors.question(user, MARCH)


# ---- the report --------------------------------------------------------------------------------------------------

def test_the_month_report_says_what_the_selectors_count(story, as_user, leader):
    document = docx_of(as_user(leader).get(REPORT, {"month": "2026-03"}))
    paragraphs = texts(document)
    assert paragraphs[0] == "清镇市民营企业诉求办理情况月报（2026年3月）"
    assert "统计范围：全市" in paragraphs
    assert "清镇市营商环境联席办公室　2026年3月31日" in paragraphs

    q = march(leader)
    numbers = selectors.summary(q, NOW)
    assert f"{sentence(q, numbers)}。" in paragraphs
    assert "2026年3月，收集问题7个，办结3个，办结率42.9%，满意率100%。" in paragraphs

    # Every measure in the headline table, as the summary counts it.
    headline = {}
    for label, value, rate_label, rate_value in rows_of(table_with(document, "指标")):
        headline[label] = value
        headline[rate_label] = rate_value
    for name in COUNT_NAMES:
        assert headline[COUNT_LABELS[name]] == str(numbers[name])
    for rate in RATES:
        assert headline[rate.label] == report.measure_text(rate.name, numbers[rate.name])
    assert headline["受理量"] == "7" and headline["办结率"] == "42.9%" and headline["当前超期"] == "1"
    assert headline["平均答复用时（工作日）"] == f"{numbers[AVG_REPLY]:.2f}" == "7.33"
    assert any(text.startswith("注：办结率＝办结÷受理量") for text in paragraphs)

    # The ranking, as selectors.ranking ranks.
    ranking = selectors.ranking(q, NOW)
    ranked = rows_of(table_with(document, "综合得分"))
    assert [(row[0], row[1], row[2]) for row in ranked] == [
        (str(r["rank"]), r["name"], f"{r['score']:.2f}") for r in ranking["results"]]
    assert ranked[0][1] == "市工业和信息化局" and ranked[0][3] == "6"

    # The overdue list: A4, open past its due date (3/16).
    overdue = rows_of(table_with(document, "诉求编号"))
    assert [row[1] for row in overdue] == [story.a4.number]
    assert overdue[0][4] == "市工业和信息化局" and overdue[0][5] == "2026-03-16"

    # Hot spots against the same-length period before (A0 in February).
    hot = rows_of(table_with(document, "类别"))
    assert hot[0][:4] == ["政策咨询与兑现", "7", "1", "+6"]

    # The charts: the trend, by channel, by category, as PNG images.
    images = document.inline_shapes
    assert len(images) >= 3
    for shape in images:
        blob = document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        assert blob.startswith(PNG)


def test_the_file_is_named_after_the_title(story, as_user, leader):
    response = as_user(leader).get(REPORT, {"month": "2026-03"})
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="stats-report-20260301-20260331.docx"')
    assert "filename*=UTF-8''" in disposition


@pytest.mark.parametrize("params, title, start, end", [
    ({"month": "2026-03"}, "清镇市民营企业诉求办理情况月报（2026年3月）", "2026-03-01", "2026-03-31"),
    ({"quarter": "2026Q1"}, "清镇市民营企业诉求办理情况季报（2026年第一季度）", "2026-01-01", "2026-03-31"),
    ({"quarter": "2025-q4"}, "清镇市民营企业诉求办理情况季报（2025年第四季度）", "2025-10-01", "2025-12-31"),
    # A whole month asked for by its dates is a month report too; any other period a 统计报告.
    ({"from": "2026-02-01", "to": "2026-02-28"}, "清镇市民营企业诉求办理情况月报（2026年2月）", "2026-02-01", "2026-02-28"),
    ({"from": "2026-03-02", "to": "2026-03-20"}, "清镇市民营企业诉求办理情况统计报告（2026年3月2日至3月20日）",
     "2026-03-02", "2026-03-20"),
])
def test_month_and_quarter_set_the_period_and_the_title(story, as_user, leader, params, title, start, end):
    paragraphs = texts(docx_of(as_user(leader).get(REPORT, params)))
    assert paragraphs[0] == title
    assert any(text.startswith(f"统计口径：{start}至{end}登记的诉求") for text in paragraphs)


def test_the_quarter_report_counts_the_quarter(story, as_user, leader):
    paragraphs = texts(docx_of(as_user(leader).get(REPORT, {"quarter": "2026Q1"})))
    assert "2026年1—3月，收集问题8个，办结4个，办结率50%，满意率100%。" in paragraphs  # A0 of February too


def test_the_trend_covers_the_twelve_months_up_to_the_period():
    q = selectors.Question(dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    trend = report.trend_question(q)
    assert (trend.start, trend.end) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))
    longer = report.trend_question(selectors.Question(dt.date(2024, 1, 1), dt.date(2026, 3, 31)))
    assert longer.start == dt.date(2024, 1, 1)  # a period longer than a year shows all its months


@pytest.mark.parametrize("params, field", [
    ({"month": "2026-13"}, "month"),
    ({"month": "March"}, "month"),
    ({"quarter": "2026Q5"}, "quarter"),
    ({"month": "2026-03", "quarter": "2026Q1"}, "quarter"),
    ({"month": "2026-03", "from": "2026-03-01"}, "month"),
    ({"from": "2026-02-30"}, "from"),
    ({"department": "999999"}, "department"),
])
def test_bad_parameters_are_a_400_page_naming_the_field(story, as_user, leader, params, field):
    response = as_user(leader).get(REPORT, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert f"（{field}）" in response.content.decode()


def test_who_may_not_read_numbers_gets_403(story, as_user, user_jia, deputy, client):
    assert as_user(user_jia).get(REPORT, {"month": "2026-13"}).status_code == 403  # before any parameter check
    assert as_user(deputy).get(REPORT, {"month": "2026-03"}).status_code == 403
    client.logout()
    assert client.get(REPORT, {"month": "2026-03"}).status_code == 302  # to the login page


def test_a_department_head_gets_the_department_report(story, as_user, head_gxj):
    document = docx_of(as_user(head_gxj).get(REPORT, {"month": "2026-03"}))
    paragraphs = texts(document)
    assert "统计范围：主办单位：市工业和信息化局" in paragraphs
    assert "2026年3月，收集问题6个（市工业和信息化局主办），办结3个，办结率50%，满意率100%。" in paragraphs
    assert [row[1] for row in rows_of(table_with(document, "综合得分"))] == ["市工业和信息化局"]


def test_another_department_head_sees_neither_the_numbers_nor_the_overdue_appeal(story, as_user, head_rsj):
    client = as_user(head_rsj)
    assert client.get(REPORT, {"month": "2026-03", "department": story.a4.lead_department_id}).status_code == 403
    document = docx_of(client.get(REPORT, {"month": "2026-03"}))
    assert "2026年3月，收集问题0个（市人力资源和社会保障局主办）。" in texts(document)
    body = "\n".join(texts(document)) + "".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert story.a4.number not in body


def test_charts_draw_chinese_without_missing_glyphs_or_global_state():
    before = dict(matplotlib.rcParams)
    rows = [{"key": f"2026-{m:02d}", "name": f"2026年{m}月", "received": m, "completed": m - 1,
             "completion_rate": (m - 1) / m} for m in range(1, 13)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" if the Chinese font were not used
        trend = charts.trend(rows, "近12个月受理与办结趋势")
        bars = charts.ranked_bars([{"name": f"类别{i}", "received": i} for i in range(15)], "按类别受理量")
    assert trend.startswith(PNG) and bars.startswith(PNG)
    assert dict(matplotlib.rcParams) == before
    assert charts.top_with_others([{"name": str(i), "received": i} for i in range(1, 13)], 10)[-1] == ("其他", 6)


# ---- the export ----------------------------------------------------------------------------------------------------

def sheet_of(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content)).active


def table_rows(ws) -> tuple[list[str], list[dict]]:
    """The header (row 3) and the data rows as {header: cell}."""
    header = [c.value for c in ws[3]]
    return header, [dict(zip(header, row)) for row in ws.iter_rows(min_row=4)]


def export(client, table, **params):
    return client.get(EXPORT, {**MARCH, "table": table, **params})


def test_the_department_table_holds_the_breakdown(story, as_user, leader):
    ws = sheet_of(export(as_user(leader), "department"))
    assert ws["A1"].value == "按主办单位统计（2026年3月，全市）"
    assert ws.freeze_panes == "A4"
    header, rows = table_rows(ws)
    assert header[:3] == ["主办单位", "受理量", "办结"] and "办结率" in header
    expected = selectors.breakdown(march(leader), "department", NOW)
    assert [r["主办单位"].value for r in rows] == [e["name"] for e in expected]
    for row, want in zip(rows, expected):
        assert row["受理量"].value == want["received"]
        assert row["当前超期"].value == want["overdue_now"]
        rate = row["办结率"]
        if want["completion_rate"] is None:
            assert rate.value is None
        else:
            assert rate.value == pytest.approx(want["completion_rate"]) and rate.number_format == "0.0%"
    unassigned = next(r for r in rows if r["主办单位"].value == "未交办")  # A8: nothing replied, no rate
    assert unassigned["按期办结率"].value is None


def test_the_summary_table_reads_down(story, as_user, leader):
    header, rows = table_rows(sheet_of(export(as_user(leader), "summary")))
    assert header == ["指标", "数值", "口径"]
    values = {r["指标"].value: r["数值"] for r in rows}
    assert values["受理量"].value == 7 and values["回访评价"].value == 3
    assert values["办结率"].value == pytest.approx(3 / 7) and values["办结率"].number_format == "0.0%"
    assert values["平均答复用时（工作日）"].value == pytest.approx(7.33)


@pytest.mark.parametrize("table, first, name, column, value", [
    ("channel", "渠道", "企业之家窗口", "受理量", 6),
    ("channel", "渠道", "电话", "受理量", 1),
    ("category", "类别", "政策咨询与兑现", "受理量", 7),
    ("month", "月份", "2026年3月", "办结", 3),
    ("town", "乡镇/园区", "卫城镇", "受理量", 7),
    ("ranking", "排名", "市工业和信息化局", "排名", 1),
    ("growth_category", "类别", "政策咨询与兑现", "增加", 6),
    ("growth_town", "乡镇/园区", "卫城镇", "上期受理量", 1),
])
def test_each_table_holds_its_numbers(story, as_user, leader, table, first, name, column, value):
    header, rows = table_rows(sheet_of(export(as_user(leader), table)))
    assert header[0] == first
    key = "主办单位" if table == "ranking" else first
    row = next(r for r in rows if r[key].value == name)
    assert row[column].value == value


def test_size_and_ownership_tables_add_up(story, as_user, leader):
    for table in ("size", "ownership"):
        _, rows = table_rows(sheet_of(export(as_user(leader), table)))
        assert sum(r["受理量"].value for r in rows) == 7


def test_the_overdue_table_lists_the_overdue_appeals(story, as_user, leader):
    header, rows = table_rows(sheet_of(export(as_user(leader), "overdue")))
    assert header[:3] == ["序号", "诉求编号", "诉求标题"]
    assert [r["诉求编号"].value for r in rows] == [story.a4.number]
    assert rows[0]["办结时限"].value.date() == dt.date(2026, 3, 16)
    assert rows[0]["超期工作日"].value == 11  # 3/17 … 3/31


def test_the_growth_rate_is_a_percent_and_empty_when_new(story, as_user, leader):
    _, rows = table_rows(sheet_of(export(as_user(leader), "growth_category")))
    assert rows[0]["增长率"].value == pytest.approx(6.0) and rows[0]["增长率"].number_format == "0.0%"
    _, rows = table_rows(sheet_of(export(as_user(leader), "growth_category", **{"from": "2026-03-01",
                                                                              "to": "2026-03-31",
                                                                              "channel": story.hotline.pk})))
    assert rows[0]["上期受理量"].value == 0 and rows[0]["增长率"].value is None


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_opens_with_its_title_and_a_frozen_header(story, as_user, leader, table):
    ws = sheet_of(export(as_user(leader), table))
    assert "（2026年3月，全市）" in ws["A1"].value
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
    assert all(c.value for c in ws[3])


def test_unknown_table_or_bad_period_is_400_naming_the_field(story, as_user, leader):
    response = as_user(leader).get(EXPORT, {**MARCH, "table": "everything"})
    assert response.status_code == 400 and "（table）" in response.content.decode()
    response = as_user(leader).get(EXPORT, {"table": "department", "from": "2026-03-31", "to": "2026-03-01"})
    assert response.status_code == 400 and "（to）" in response.content.decode()


def test_the_export_follows_the_access_rule(story, as_user, head_gxj, user_jia):
    assert as_user(user_jia).get(EXPORT, {**MARCH, "table": "department"}).status_code == 403
    ws = sheet_of(export(as_user(head_gxj), "department"))
    assert ws["A1"].value == "按主办单位统计（2026年3月，主办单位：市工业和信息化局）"
    _, rows = table_rows(ws)
    assert [(r["主办单位"].value, r["受理量"].value) for r in rows] == [("市工业和信息化局", 6)]


# ---- the command ---------------------------------------------------------------------------------------------------

def test_the_command_writes_the_report(story, tmp_path, gxj):
    out = tmp_path / "reports" / "2026-03.docx"
    call_command("stats_report", "--month", "2026-03", "--department", str(gxj.pk), "--out", str(out),
                 stdout=io.StringIO())
    paragraphs = texts(Document(str(out)))
    assert paragraphs[0] == "清镇市民营企业诉求办理情况月报（2026年3月）"
    assert "统计范围：主办单位：市工业和信息化局" in paragraphs
    assert "2026年3月，收集问题6个（市工业和信息化局主办），办结3个，办结率50%，满意率100%。" in paragraphs


def test_the_command_refuses_a_bad_month_and_writes_nothing(story, tmp_path):
    out = tmp_path / "r.docx"
    with pytest.raises(CommandError, match="month"):
        call_command("stats_report", "--month", "2026-3x", "--out", str(out), stdout=io.StringIO())
    assert not out.exists()
