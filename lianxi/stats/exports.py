"""Any table of the numbers as an .xlsx: the summary, a breakdown, the ranking, the hot spots or the overdue list
of a question (lianxi.stats.selectors.Question), laid out as the project's other exports (a title row, a header
row in Chinese, A4 landscape, frozen below the header) with numbers as numbers: counts as integers, rates as
fractions formatted as percent, empty where a rate has nothing to divide.

Also what the report shares with the export: the question's scope in words, and the overdue appeals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from lianxi.appeals.workflow import State
from lianxi.core.documents import a4_landscape, saved, xml_text
from lianxi.core.errors import InvalidInput
from lianxi.core.workdays import local_date, workdays_between
from lianxi.directory.models import Ownership, Size

from . import selectors
from .facts import as_of
from .forms import CUT_LOOKUPS, StatsForm
from .measures import AVG_REPLY, COUNT_LABELS, COUNT_NAMES, RATE_BY_NAME, RATES
from .sentence import period_phrase

PERCENT = "0.0%"
INTEGER = "0"
DECIMAL = "0.00"
AVG_REPLY_LABEL = "平均答复用时（工作日）"
# An export is a document to read and print: beyond this, narrow the period (as lianxi.appeals.exports).
MAX_ROWS = 20000


# ---- the question in words ---------------------------------------------------------------------------------------

def _cut_value(name: str, value) -> str:
    if name == "size":
        return dict(Size.choices).get(value, str(value))
    if name == "ownership":
        return dict(Ownership.choices).get(value, str(value))
    return getattr(value, "title", None) or getattr(value, "name", None) or str(value)


def scope_phrase(q: selectors.Question) -> str:
    """The cut in words: "全市", or "主办单位：市工业和信息化局；渠道：周二接待日" (a department's own staff: their
    department)."""
    parts = []
    if q.forced_department is not None:
        parts.append(f"主办单位：{q.forced_name}")
    for name in CUT_LOOKUPS:  # in the form's order
        if name in q.cuts:
            parts.append(f"{StatsForm.base_fields[name].label}：{_cut_value(name, q.cuts[name])}")
    return "；".join(parts) or "全市"


def local_text(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


# ---- the overdue appeals -----------------------------------------------------------------------------------------

def overdue(q: selectors.Question, now: dt.datetime, limit: int) -> tuple[list[dict], int]:
    """The appeals counted in 当前超期 (overdue_now) for the question, oldest due date first, at most ``limit``;
    and how many there are in all."""
    facts = selectors.overdue_facts(q, now)
    rows = []
    for number, fact in enumerate(facts[:limit], start=1):
        appeal = fact.appeal
        rows.append({
            "number": number, "appeal_number": appeal.number, "title": appeal.title,
            "enterprise": appeal.enterprise.name,
            "lead": fact.lead_department.name if fact.lead_department_id else "",
            "registered_on": fact.registered_on, "due_on": local_date(fact.open_due_at),
            "overdue_workdays": workdays_between(fact.open_due_at, now),
            "state": State(fact.state).label,
        })
    return rows, facts.count()


# ---- tables ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    header: str
    key: str
    width: float  # characters
    number_format: str | Callable[[dict], str] | None = None  # None: text
    wrap: bool = False


def measure_columns() -> list[Column]:
    """Every measure: the counts, the rates, the average reply time."""
    columns = [Column(COUNT_LABELS[name], name, 9, INTEGER) for name in COUNT_NAMES]
    columns += [Column(rate.label, rate.name, 10, PERCENT) for rate in RATES]
    columns.append(Column(AVG_REPLY_LABEL, AVG_REPLY, 12, DECIMAL))
    return columns


def rate_definition(rate) -> str:
    return f"{rate.label}＝{COUNT_LABELS[rate.numerator]}÷{COUNT_LABELS[rate.denominator]}"


def summary_rows(numbers: dict) -> list[dict]:
    """The summary as one row per measure (指标, 数值, 口径): a leader reads it down, not across."""
    rows = [{"label": COUNT_LABELS[name], "value": numbers[name], "format": INTEGER, "note": ""}
            for name in COUNT_NAMES]
    rows += [{"label": rate.label, "value": numbers[rate.name], "format": PERCENT, "note": rate_definition(rate)}
             for rate in RATES]
    rows.append({"label": AVG_REPLY_LABEL, "value": numbers[AVG_REPLY], "format": DECIMAL,
                 "note": "自最近一次交办至其后首次答复，按工作日计"})
    return rows


SUMMARY_COLUMNS = [Column("指标", "label", 24), Column("数值", "value", 12, lambda row: row["format"]),
                   Column("口径", "note", 40)]
GROWTH_COLUMNS = [Column("本期受理量", "current", 12, INTEGER), Column("上期受理量", "previous", 12, INTEGER),
                  Column("增加", "increase", 10, INTEGER), Column("增长率", "growth_rate", 10, PERCENT)]
OVERDUE_COLUMNS = [
    Column("序号", "number", 6, INTEGER), Column("诉求编号", "appeal_number", 18),
    Column("诉求标题", "title", 36, wrap=True), Column("企业", "enterprise", 28, wrap=True),
    Column("主办单位", "lead", 22, wrap=True), Column("登记日期", "registered_on", 12, "yyyy-mm-dd"),
    Column("办结时限", "due_on", 12, "yyyy-mm-dd"), Column("超期工作日", "overdue_workdays", 10, INTEGER),
    Column("状态", "state", 9),
]


@dataclass(frozen=True)
class Sheet:
    """A table as it is written: its title (without the period), columns and rows."""

    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""


def _breakdown(by: str) -> Callable:
    def sheet(q, now):
        dim = selectors.DIMENSIONS[by]
        return Sheet(f"按{dim.label}统计", [Column(dim.label, "name", 24, wrap=True), *measure_columns()],
                     selectors.breakdown(q, by, now))
    return sheet


def _summary(q, now):
    return Sheet("总体情况", SUMMARY_COLUMNS, summary_rows(selectors.summary(q, now)))


def ranking_note(ranking: dict) -> str:
    weights = "＋".join(f"{RATE_BY_NAME[name].label}×{weight:g}" for name, weight in ranking["weights"].items())
    return (f"综合得分＝（{weights}）÷权重之和×100；受理量不少于{ranking['min_received']}件且各项比率均可计算的单位"
            f"参加排名，共{ranking['ranked_count']}个")


def _ranking(q, now):
    ranking = selectors.ranking(q, now)
    columns = [Column("排名", "rank", 6, INTEGER), Column("主办单位", "name", 24, wrap=True),
               Column("综合得分", "score", 10, DECIMAL), *measure_columns(), Column("未排名原因", "reason", 22)]
    return Sheet("部门综合排名", columns, [*ranking["results"], *ranking["unranked"]], ranking_note(ranking))


def _growth(by: str) -> Callable:
    def sheet(q, now):
        dim = selectors.DIMENSIONS[by]
        previous = q.previous()
        return Sheet(f"热点{dim.label}（受理量增长）", [Column(dim.label, "name", 24, wrap=True), *GROWTH_COLUMNS],
                     selectors.growth(q, by, now, limit=MAX_ROWS),
                     f"上期：{period_phrase(previous.start, previous.end)}；只列受理量增加的{dim.label}")
    return sheet


def _overdue(q, now):
    rows, total = overdue(q, now, MAX_ROWS)
    note = f"共{total}件" + (f"，只列出最早到期的{MAX_ROWS}件" if total > MAX_ROWS else "")
    return Sheet("当前超期未办结诉求", OVERDUE_COLUMNS, rows, note)


TABLES: dict[str, Callable] = {
    "summary": _summary,
    **{by: _breakdown(by) for by in ("department", "channel", "category", "month", "town", "size", "ownership")},
    "ranking": _ranking,
    "growth_category": _growth("category"),
    "growth_town": _growth("town"),
    "overdue": _overdue,
}


def table_name(data) -> str:
    """The ``table`` parameter, checked (InvalidInput naming the field)."""
    name = data.get("table", "")
    if name not in TABLES:
        raise InvalidInput(fields={"table": [f"请选择要导出的表：{'、'.join(TABLES)}"]})
    return name


def sheet_of(q: selectors.Question, name: str, now: dt.datetime) -> Sheet:
    return TABLES[name](q, now)


def title_of(q: selectors.Question, sheet: Sheet) -> str:
    return f"{sheet.title}（{period_phrase(q.start, q.end)}，{scope_phrase(q)}）"


def filename_of(q: selectors.Question, name: str, sheet: Sheet) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback)."""
    safe = re.sub(r'[\\/:*?"<>|]', "_", title_of(q, sheet))
    return f"{safe}.xlsx", f"stats-{name}-{q.start:%Y%m%d}-{q.end:%Y%m%d}.xlsx"


def _cell_value(row: dict, column: Column):
    value = row.get(column.key)
    if value is None or column.number_format is not None:
        return value
    return xml_text(value)


def render(q: selectors.Question, name: str, *, now: dt.datetime | None = None) -> tuple[bytes, Sheet]:
    """The table ``name`` of the question as .xlsx bytes (and the sheet written)."""
    now = now or timezone.now()
    sheet = sheet_of(q, name, now)
    columns = sheet.columns
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\\/:*?\[\]]", "_", sheet.title)[:31]
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    last = len(columns)

    ws.append([title_of(q, sheet)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws["A1"].font = Font(name="宋体", bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 32
    notes = [sheet.note] if sheet.note else []
    notes += [f"数据截至{local_text(as_of() or now)}", f"导出时间{local_text(now)}"]
    ws.append(["；".join(notes)])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    ws["A2"].font = Font(name="宋体", size=10)
    ws["A2"].alignment = Alignment(horizontal="left", wrap_text=True)
    ws.row_dimensions[2].height = 30

    ws.append([c.header for c in columns])
    for cell in ws[3]:
        cell.font = Font(name="黑体", bold=True)
        cell.fill = PatternFill("solid", fgColor="E7EBF0")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    ws.row_dimensions[3].height = 30

    body = Font(name="宋体")
    text_alignment = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)
    for row in sheet.rows:
        ws.append([_cell_value(row, c) for c in columns])
        for cell, column in zip(ws[ws.max_row], columns):
            cell.font, cell.border = body, border
            cell.alignment = wrapped if column.wrap else text_alignment
            fmt = column.number_format(row) if callable(column.number_format) else column.number_format
            if fmt and cell.value is not None:
                cell.number_format = fmt
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    a4_landscape(ws, header_row=3)
    return saved(wb), sheet
