"""The monthly / quarterly report (.docx) of a period and cut: the sentence leaders quote, every measure, the
charts, the department ranking, the overdue appeals and the hot spots — what a 营商办 mails to the leaders.

A4 portrait, 仿宋 body and 黑体 headings through the project's Chinese-font rule (lianxi.core.documents); the
headings carry an outline level, so Word's navigation pane lists them. The charts are PNG images drawn by
lianxi.stats.charts. Every figure comes from lianxi.stats.selectors, so the report, the pages, the API and the
export can never disagree.

``month=2026-10`` and ``quarter=2026Q3`` (or ``2026-Q3``) are conveniences that set ``from``/``to``; the title
says 月报 / 季报 whenever the period is a whole calendar month / quarter, however it was asked for.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from dataclasses import dataclass, replace

from django.utils import timezone
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from lianxi.core.documents import chinese_font, saved, xml_text
from lianxi.core.errors import InvalidInput
from lianxi.supervision.documents import BODY_FONT, HEADING_FONT, TITLE_FONT, chinese_date, issuing_office

from . import charts, selectors
from .exports import AVG_REPLY_LABEL, local_text, overdue, ranking_note, rate_definition, scope_phrase
from .facts import as_of
from .measures import AVG_REPLY, COUNT_LABELS, COUNT_NAMES, RATES
from .selectors import Question
from .sentence import percent, period_phrase, sentence

SUBJECT = "清镇市民营企业诉求办理情况"
OVERDUE_LIMIT = 50
HOT_SPOTS = 5
TREND_MONTHS = 12  # at least: a longer period shows all its months, up to TREND_MAX_MONTHS
TREND_MAX_MONTHS = 36
QUARTER_NAMES = "一二三四"
TEXT_WIDTH_CM = 16.0  # A4 (21 cm) less 2.5 cm margins
GREY = RGBColor(0x55, 0x55, 0x55)

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER_RE = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


# ---- the period ------------------------------------------------------------------------------------------------

def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _blank(value) -> bool:
    return value is None or str(value).strip() == ""


def period_params(data) -> dict:
    """``data`` (a QueryDict or dict) as a plain dict with ``month`` / ``quarter`` turned into ``from``/``to``.
    InvalidInput names the field: a malformed month or quarter, both at once, or either beside ``from``/``to``."""
    params = {key: data.get(key) for key in data}
    month, quarter = params.pop("month", None), params.pop("quarter", None)
    if _blank(month) and _blank(quarter):
        return params
    if not _blank(month) and not _blank(quarter):
        raise InvalidInput(fields={"quarter": ["月份（month）和季度（quarter）只能选一个"]})
    field = "month" if not _blank(month) else "quarter"
    if not (_blank(params.get("from")) and _blank(params.get("to"))):
        raise InvalidInput(fields={field: ["已选择月份或季度，请不要同时填写起止日期（from/to）"]})
    value = str(month if field == "month" else quarter).strip()
    if field == "month":
        found = MONTH_RE.match(value)
        if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1900:
            raise InvalidInput(fields={"month": ["月份格式应为“年-月”，例如 2026-10"]})
        year, month_number = int(found[1]), int(found[2])
        start, end = dt.date(year, month_number, 1), _month_end(year, month_number)
    else:
        found = QUARTER_RE.match(value)
        if not found or int(found[1]) < 1900:
            raise InvalidInput(fields={"quarter": ["季度格式应为“年Q季度”，例如 2026Q3 或 2026-Q3"]})
        year, number = int(found[1]), int(found[2])
        start, end = dt.date(year, 3 * number - 2, 1), _month_end(year, 3 * number)
    params["from"], params["to"] = start.isoformat(), end.isoformat()
    return params


def period_kind(start: dt.date, end: dt.date) -> str | None:
    """"month", "quarter", or None for any other period."""
    months = selectors.whole_months(start, end)
    if months == 1:
        return "month"
    if months == 3 and start.month % 3 == 1:
        return "quarter"
    return None


def title_of(q: Question) -> str:
    kind = period_kind(q.start, q.end)
    if kind == "month":
        return f"{SUBJECT}月报（{q.start.year}年{q.start.month}月）"
    if kind == "quarter":
        return f"{SUBJECT}季报（{q.start.year}年第{QUARTER_NAMES[(q.start.month - 1) // 3]}季度）"
    return f"{SUBJECT}统计报告（{period_phrase(q.start, q.end)}）"


def filename_of(q: Question) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback)."""
    safe = re.sub(r'[\\/:*?"<>|]', "_", title_of(q))
    scope = "" if scope_phrase(q) == "全市" else "-" + re.sub(r'[\\/:*?"<>|；：]', "_", scope_phrase(q))
    return f"{safe}{scope}.docx", f"stats-report-{q.start:%Y%m%d}-{q.end:%Y%m%d}.docx"


def trend_question(q: Question) -> Question:
    """The months the trend shows: the period's months, and at least the TREND_MONTHS up to its end (a month
    report shows the year up to it), at most TREND_MAX_MONTHS."""
    spanned = (q.end.year - q.start.year) * 12 + q.end.month - q.start.month + 1
    months_back = min(max(TREND_MONTHS, spanned), TREND_MAX_MONTHS)
    return replace(q, start=selectors.add_months(q.end, 1 - months_back))


# ---- the content -----------------------------------------------------------------------------------------------

@dataclass
class Contents:
    """Everything the report says, read through the selectors."""

    title: str
    scope: str
    numbers: dict
    sentence: str
    trend: list[dict]
    trend_start: dt.date
    channels: list[dict]
    categories: list[dict]
    ranking: dict
    overdue: list[dict]
    overdue_total: int
    growth_category: list[dict]
    growth_town: list[dict]
    previous: Question
    as_of: dt.datetime | None


def contents(q: Question, now: dt.datetime) -> Contents:
    numbers = selectors.summary(q, now)
    trend_q = trend_question(q)
    overdue_rows, overdue_total = overdue(q, now, OVERDUE_LIMIT)
    return Contents(
        title=title_of(q), scope=scope_phrase(q), numbers=numbers,
        sentence=sentence(q, numbers),
        trend=selectors.breakdown(trend_q, "month", now), trend_start=trend_q.start,
        channels=selectors.breakdown(q, "channel", now), categories=selectors.breakdown(q, "category", now),
        ranking=selectors.ranking(q, now), overdue=overdue_rows, overdue_total=overdue_total,
        growth_category=selectors.growth(q, "category", now, limit=HOT_SPOTS),
        growth_town=selectors.growth(q, "town", now, limit=HOT_SPOTS),
        previous=q.previous(), as_of=as_of(),
    )


def measure_text(name: str, value) -> str:
    if value is None:
        return "—"
    if name.endswith("_rate"):
        return percent(value)
    if name == AVG_REPLY:
        return f"{value:.2f}"
    return str(value)


def headline_rows(numbers: dict) -> list[list[str]]:
    """Counts on the left, rates (and the average reply time) on the right."""
    left = [(COUNT_LABELS[name], measure_text(name, numbers[name])) for name in COUNT_NAMES]
    right = [(rate.label, measure_text(rate.name, numbers[rate.name])) for rate in RATES]
    right.append((AVG_REPLY_LABEL, measure_text(AVG_REPLY, numbers[AVG_REPLY])))
    rows = []
    for index in range(max(len(left), len(right))):
        label, value = left[index] if index < len(left) else ("", "")
        rate_label, rate_value = right[index] if index < len(right) else ("", "")
        rows.append([label, value, rate_label, rate_value])
    return rows


# ---- the document ----------------------------------------------------------------------------------------------

def _style(document, name: str, *, font: str, size: float, bold: bool = False, align=None, indent: bool = False,
           space_after: float = 0, line: float | None = None, color: RGBColor | None = None,
           outline: int | None = None):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    chinese_font(style, font)
    style.font.size, style.font.bold = Pt(size), bold
    if color is not None:
        style.font.color.rgb = color
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(space_after)
    if line:
        fmt.line_spacing = Pt(line)
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # two characters
    if align is not None:
        fmt.alignment = align
    if outline is not None:
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        style.element.get_or_add_pPr().append(level)
    return style


class Writer:
    """The document and its styles: each paragraph names a style instead of formatting its runs."""

    def __init__(self, office: str):
        self.document = document = Document()
        section = document.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.3)
        section.left_margin = section.right_margin = Cm(2.5)
        normal = document.styles["Normal"]
        chinese_font(normal, BODY_FONT)
        normal.font.size = Pt(14)
        center = WD_ALIGN_PARAGRAPH.CENTER
        self.styles = {
            "title": _style(document, "Lianxi Title", font=TITLE_FONT, size=20, bold=True, align=center,
                            space_after=6, line=30),
            "subtitle": _style(document, "Lianxi Subtitle", font=BODY_FONT, size=14, align=center, line=26),
            "meta": _style(document, "Lianxi Meta", font=BODY_FONT, size=10.5, align=center, space_after=12,
                           color=GREY),
            "heading": _style(document, "Lianxi Heading", font=HEADING_FONT, size=16, space_after=4, line=30,
                              outline=0),
            "body": _style(document, "Lianxi Body", font=BODY_FONT, size=14, indent=True, line=28, space_after=4),
            "note": _style(document, "Lianxi Note", font=BODY_FONT, size=9, space_after=8, line=14, color=GREY),
            "caption": _style(document, "Lianxi Caption", font=BODY_FONT, size=10.5, align=center, space_after=8),
            "figure": _style(document, "Lianxi Figure", font=BODY_FONT, size=10.5, align=center),
            "cell": _style(document, "Lianxi Cell", font=BODY_FONT, size=10.5),
            "cell_centred": _style(document, "Lianxi Cell Centred", font=BODY_FONT, size=10.5, align=center),
            "cell_header": _style(document, "Lianxi Cell Header", font=HEADING_FONT, size=10.5, align=center),
        }
        document.core_properties.author = office
        self.figures = 0

    def paragraph(self, style: str, text: str = ""):
        paragraph = self.document.add_paragraph(style=self.styles[style])
        if text:
            paragraph.add_run(xml_text(text))
        return paragraph

    def heading(self, text: str) -> None:
        self.paragraph("heading", text)

    def figure(self, png: bytes, caption: str) -> None:
        self.figures += 1
        self.paragraph("figure").add_run().add_picture(io.BytesIO(png), width=Cm(TEXT_WIDTH_CM))
        self.paragraph("caption", f"图{self.figures}　{caption}")

    def table(self, headers: list[str], rows: list[list[str]], widths: list[float], centred: set[int]) -> None:
        """A bordered table, its header row repeated on every page; ``widths`` in cm, ``centred`` column
        indexes."""
        table = self.document.add_table(rows=len(rows) + 1, cols=len(headers))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = [Cm(w) for w in widths]
        for grid_column, width in zip(table._tbl.tblGrid.gridCol_lst, widths):
            grid_column.w = width  # LibreOffice lays the table out by the grid, Word by the cells' widths
        for index, (tr, values) in enumerate(zip(table.rows, [headers, *rows])):
            for column, (cell, value) in enumerate(zip(tr.cells, values)):
                cell.width = widths[column]
                paragraph = cell.paragraphs[0]
                style = "cell_header" if index == 0 else "cell_centred" if column in centred else "cell"
                # By id: python-docx's ``paragraph.style =`` looks the style up among all of them, 2 ms a cell.
                paragraph._p.style = self.styles[style].style_id
                if value:
                    paragraph.add_run(xml_text(value))
        properties = table.rows[0]._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:tblHeader"))
        # Space after the table: the next paragraph would touch its bottom border.
        self.paragraph("note")


def _rank_rows(rows: list[dict]) -> list[list[str]]:
    return [[str(row["rank"]) if row.get("rank") else "—", row["name"], f"{row['score']:.2f}",
             str(row["received"]), percent(row["completion_rate"]), percent(row["response_rate"]),
             percent(row["solved_rate"]), percent(row["satisfaction_rate"])] for row in rows]


def _growth_rows(rows: list[dict]) -> list[list[str]]:
    return [[row["name"], str(row["current"]), str(row["previous"]), f"+{row['increase']}",
             percent(row["growth_rate"]) if row["growth_rate"] is not None else "新增"] for row in rows]


def render(q: Question, *, now: dt.datetime | None = None) -> bytes:
    """The report of the question as .docx bytes. ``q`` comes from selectors.question (the access rule applied)."""
    now = now or timezone.now()
    c = contents(q, now)
    office = issuing_office()
    w = Writer(office)
    w.document.core_properties.title = c.title

    w.paragraph("title", c.title)
    w.paragraph("subtitle", f"统计范围：{c.scope}")
    w.paragraph("subtitle", f"{office}　{chinese_date(now)}")
    w.paragraph("meta", f"统计口径：{q.start:%Y-%m-%d}至{q.end:%Y-%m-%d}登记的诉求（不含不予受理、已合并的）；"
                        f"数据截至{local_text(c.as_of or now)}")

    w.heading("一、总体情况")
    w.paragraph("body", f"{c.sentence}。")
    w.table(["指标", "数值", "指标", "数值"], headline_rows(c.numbers), [4.4, 3.6, 4.4, 3.6], {1, 3})
    definitions = "；".join(rate_definition(rate) for rate in RATES)
    w.paragraph("note", f"注：{definitions}。比率无可除之数时记为“—”。当前超期：仍在办理且已过办结时限；"
                        f"超期另含答复晚于时限的。{AVG_REPLY_LABEL}：自最近一次交办至其后首次答复。")

    w.heading("二、受理与办结趋势")
    months = len(c.trend)
    w.figure(charts.trend(c.trend, f"近{months}个月受理与办结趋势"),
             f"{period_phrase(c.trend_start, q.end)}各月受理与办结情况")

    w.heading("三、渠道与类别分布")
    w.figure(charts.ranked_bars(c.channels, "按渠道受理量"), "各渠道受理量")
    w.figure(charts.ranked_bars(c.categories, "按类别受理量"), "各类别受理量")

    w.heading("四、部门综合排名")
    ranking = c.ranking
    w.paragraph("note", ranking_note(ranking) + "。")
    if ranking["results"]:
        w.table(["排名", "主办单位", "综合得分", "受理量", "办结率", "签收及时率", "解决率", "满意率"],
                _rank_rows(ranking["results"]), [1.2, 4.6, 1.8, 1.6, 1.7, 1.9, 1.6, 1.6], {0, 2, 3, 4, 5, 6, 7})
    else:
        w.paragraph("body", "本期没有达到排名条件的单位。")
    if ranking["unranked"]:
        reasons: dict[str, list[str]] = {}
        for row in ranking["unranked"]:
            reasons.setdefault(row["reason"], []).append(row["name"])
        listed = "；".join(f"{reason}的{len(names)}个：{'、'.join(names)}" for reason, names in reasons.items())
        w.paragraph("note", f"未参加排名的单位——{listed}。")

    w.heading("五、超期未办结诉求")
    if c.overdue_total:
        shown = (f"，下表列出最早到期的{len(c.overdue)}件（完整清单可导出Excel）" if c.overdue_total > len(c.overdue)
                 else "，列表如下")
        w.paragraph("body", f"截至{chinese_date(now)}，本期登记的诉求中有{c.overdue_total}件已超过办结时限仍未办结{shown}。")
        w.table(["序号", "诉求编号", "诉求标题", "企业", "主办单位", "办结时限", "超期(工作日)"],
                [[str(r["number"]), r["appeal_number"], r["title"], r["enterprise"], r["lead"],
                  f"{r['due_on']:%Y-%m-%d}", str(r["overdue_workdays"])] for r in c.overdue],
                [1.1, 2.9, 3.6, 3.0, 2.5, 1.9, 1.4], {0, 5, 6})
    else:
        w.paragraph("body", f"截至{chinese_date(now)}，本期登记的诉求没有超过办结时限仍未办结的。")

    w.heading("六、热点问题")
    w.paragraph("body", f"与上一等长周期（{period_phrase(c.previous.start, c.previous.end)}）相比，受理量增长最多的"
                        f"类别和乡镇/园区如下。")
    for label, rows in (("类别", c.growth_category), ("乡镇/园区", c.growth_town)):
        if rows:
            w.table([label, "本期", "上期", "增加", "增长率"], _growth_rows(rows), [6.4, 2.4, 2.4, 2.4, 2.4],
                    {1, 2, 3, 4})
        else:
            w.paragraph("note", f"没有受理量增长的{label}。")
    return saved(w.document)
