"""The two documents a meeting produces — 问题清单 (problem list) and 责任分解表 (responsibility table) — as .xlsx
and .docx laid out as a government office prints them: the title with the meeting's name and date, the header
row repeated on every printed page, A4 landscape, columns that fit the width, 仿宋 body text.

They are generated from live data on every request, so a table printed a month after the meeting shows where
each problem stands now (会后跟踪). Rows are the meeting's appeals the requesting user may see.

The .docx table is written as WordprocessingML in one piece rather than cell by cell through python-docx's
object model, which costs about 2 ms per cell (a 500-row table has 4,000): see bench/bench_meeting_documents.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.db.models import QuerySet
from django.utils import timezone

from lianxi.accounts.models import Role, UserRole
from lianxi.appeals.models import Appeal, AppealEvent, Outcome, Rating
from lianxi.appeals.workflow import State
from lianxi.core.documents import a4_landscape, chinese_font, saved, xml_text

from .models import Meeting
from .selectors import meeting_appeals

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADER_FONT = "黑体"


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # characters (xlsx); the .docx splits the page width in the same proportions
    value: Callable[["Item"], str]
    centred: bool = False


@dataclass
class Item:
    """One appeal of the meeting with what the documents say about it."""

    number: int
    appeal: object
    responsible: str  # 责任人
    progress: str  # 当前进展
    co_departments: list[str]  # 协办单位

    @property
    def lead(self) -> str:
        if self.appeal.lead_department_id:
            return self.appeal.lead_department.name
        proposed = getattr(self.appeal, "proposed_lead", None)
        return f"{proposed.department.name}（拟）" if proposed else ""


def _date_cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _local(moment: dt.datetime | None, fmt: str = "%Y-%m-%d") -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def _problem(item: Item) -> str:
    appeal = item.appeal
    if appeal.content and appeal.content != appeal.title:
        return f"{appeal.title}\n{appeal.content}"
    return appeal.title


PROBLEM_LIST = [
    Column("序号", 6, lambda i: str(i.number), centred=True),
    Column("企业", 26, lambda i: i.appeal.enterprise.name),
    Column("问题", 70, _problem),
    Column("类别", 16, lambda i: i.appeal.category.name, centred=True),
    Column("提出时间", 13, lambda i: _local(i.appeal.created_at), centred=True),
]

RESPONSIBILITY_TABLE = [
    Column("序号", 6, lambda i: str(i.number), centred=True),
    Column("问题", 32, lambda i: f"{i.appeal.title}（{i.appeal.enterprise.name}）"),
    Column("主办单位", 16, lambda i: i.lead),
    Column("协办单位", 16, lambda i: "、".join(i.co_departments)),
    Column("责任人", 9, lambda i: i.responsible, centred=True),
    Column("办理时限", 12, lambda i: _local(i.appeal.due_at), centred=True),
    Column("当前进展", 42, lambda i: i.progress),
    Column("状态", 9, lambda i: State(i.appeal.state).label, centred=True),
]


@dataclass(frozen=True)
class Document:
    key: str  # URL segment
    name: str  # in the title and the file name
    columns: list[Column]


DOCUMENTS = {d.key: d for d in [
    Document("problem-list", "问题清单", PROBLEM_LIST),
    Document("responsibility-table", "责任分解表", RESPONSIBILITY_TABLE),
]}
FORMATS = {"xlsx": XLSX, "docx": DOCX}


# ---- the data -----------------------------------------------------------------------------------------------------

def _progress_text(action: str, data: dict) -> str | None:
    """What an event says about where the appeal stands, for 当前进展 (None: it says nothing of the kind)."""
    data = data or {}
    if action == "progress":
        return data.get("note") or None
    if action == "reply":
        outcome = dict(Outcome.choices).get(data.get("outcome"), "")
        return f"【{outcome}】{data.get('result', '')}" if outcome else data.get("result") or None
    if action == "follow-up":
        rating = dict(Rating.choices).get(data.get("rating"), "")
        text = f"回访：{rating}，{'已解决' if data.get('solved') else '未解决'}"
        if data.get("reopened"):
            text += "，退回重办"
        return text + (f"。{data['comment']}" if data.get("comment") else "")
    if action in ("dispatch", "arbitrate"):
        return f"已交办{data.get('lead_department_name', '')}"
    if action == "accept":
        return "已签收，正在办理"
    labels = {"return": "退回", "suspend": "挂账", "resume": "恢复办理", "reject": "不予受理"}
    if action in labels:
        reason = data.get("reason", "")
        return f"{labels[action]}：{reason}" if reason else labels[action]
    if action == "merge":
        return f"已并入诉求 {data.get('into_number', '')}"
    if action == "close":
        return "已销号"
    return None


PROGRESS_ACTIONS = ("progress", "reply", "follow-up", "dispatch", "arbitrate", "accept", "return", "suspend",
                    "resume", "reject", "merge", "close")


def progress_of(appeals: QuerySet) -> tuple[dict[int, str], dict[int, tuple[str, str]]]:
    """For each of ``appeals``: 当前进展 (what its latest telling event says) and who last accepted it (name,
    department snapshot), in one query over the events. ``appeals`` is used as a subquery, not a list of ids: a
    500-id IN list costs more to build than the query takes to run."""
    progress: dict[int, str] = {}
    accepted_by: dict[int, tuple[str, str]] = {}
    events = (AppealEvent.objects.filter(appeal_id__in=appeals.order_by().values("pk"), action__in=PROGRESS_ACTIONS)
              .order_by("at", "id").values_list("appeal_id", "action", "data", "actor_name", "actor_department"))
    for appeal_id, action, data, actor_name, actor_department in events.iterator(chunk_size=2000):
        text = _progress_text(action, data)
        if text:
            progress[appeal_id] = text
        if action == "accept":
            accepted_by[appeal_id] = (actor_name, actor_department)
    return progress, accepted_by


def meeting_items(meeting: Meeting, user) -> list[Item]:
    """The meeting's appeals visible to ``user`` in the order raised, with 责任人 and 当前进展 worked out in
    three queries whatever their number."""
    rows = meeting_appeals(meeting, user)
    appeals = list(rows.select_related("proposed_lead__department"))
    progress, accepted_by = progress_of(rows)
    # Read straight from the link table: prefetch_related builds a queryset per appeal (a third of the time).
    co: dict[int, list[str]] = {}
    links = (Appeal.co_departments.through.objects.filter(appeal_id__in=rows.order_by().values("pk"))
             .order_by("department__sort_order", "department__code").values_list("appeal_id", "department__name"))
    for appeal_id, name in links:
        co.setdefault(appeal_id, []).append(name)
    heads = _department_people({a.lead_department_id for a in appeals if a.lead_department_id})
    items = []
    for number, appeal in enumerate(appeals, start=1):
        responsible = ""
        if appeal.lead_department_id:
            name, department = accepted_by.get(appeal.pk, ("", ""))
            # The acceptance counts only if it was by the department that leads now (not one that returned it).
            if name and department == appeal.lead_department.name:
                responsible = name
            else:
                responsible = heads.get(appeal.lead_department_id, "")
        items.append(Item(number, appeal, responsible, progress.get(appeal.pk, ""), co.get(appeal.pk, [])))
    return items


def _department_people(department_ids: set[int]) -> dict[int, str]:
    """Who answers for a department when nobody has accepted yet: its head (部门负责人), or its only handler."""
    found: dict[int, str] = {}
    handlers: dict[int, list[str]] = {}
    grants = (UserRole.objects.filter(user__department_id__in=department_ids, user__is_active=True,
                                      role__in=[Role.HEAD, Role.HANDLER])
              .values_list("user__department_id", "role", "user__name", "user__username")
              .order_by("user__department_id", "user__name", "user__username"))
    for department_id, role, name, username in grants:
        if role == Role.HEAD:
            found.setdefault(department_id, name or username)
        else:
            handlers.setdefault(department_id, []).append(name or username)
    for department_id, names in handlers.items():
        if department_id not in found and len(names) == 1:
            found[department_id] = names[0]
    return found


# ---- rendering --------------------------------------------------------------------------------------------------



def title_of(meeting: Meeting, document: Document) -> str:
    return f"{meeting.title}{document.name}（{_date_cn(meeting.date)}）"


def subtitle_of(meeting: Meeting, count: int, now: dt.datetime) -> str:
    parts = []
    if meeting.place:
        parts.append(f"会议地点：{meeting.place}")
    if meeting.host_id:
        parts.append(f"主持：{meeting.host.display_name}")
    parts.append(f"共{count}项")
    parts.append(f"截至{_local(now, '%Y年%m月%d日 %H:%M')}")
    return "　".join(parts)


def filename_of(meeting: Meeting, document: Document, fmt: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|]', "_", title_of(meeting, document))
    return f"{safe}.{fmt}"


def render(meeting: Meeting, user, key: str, fmt: str, *, now: dt.datetime | None = None,
           items: Sequence[Item] | None = None) -> bytes:
    document = DOCUMENTS[key]
    now = now or timezone.now()
    items = meeting_items(meeting, user) if items is None else items
    rows = [[xml_text(column.value(item)) for column in document.columns] for item in items]
    title, subtitle = title_of(meeting, document), subtitle_of(meeting, len(rows), now)
    if fmt == "xlsx":
        return _xlsx(document, title, subtitle, rows)
    if fmt == "docx":
        return _docx(document, title, subtitle, rows)
    raise ValueError(fmt)


def _xlsx(document: Document, title: str, subtitle: str, rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter

    columns = document.columns
    wb = Workbook()
    ws = wb.active
    ws.title = document.name
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    # Named styles: one style record shared by thousands of cells instead of one per cell.
    body = NamedStyle("lianxi_body", font=Font(name=BODY_FONT, size=11), border=border,
                      alignment=Alignment(vertical="top", wrap_text=True))
    body_centred = NamedStyle("lianxi_body_centred", font=Font(name=BODY_FONT, size=11), border=border,
                              alignment=Alignment(horizontal="center", vertical="top", wrap_text=True))
    header = NamedStyle("lianxi_header", font=Font(name=HEADER_FONT, size=11, bold=True), border=border,
                        fill=PatternFill("solid", fgColor="E7EBF0"),
                        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    for style in (body, body_centred, header):
        wb.add_named_style(style)

    last = get_column_letter(len(columns))
    ws.append([title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name=TITLE_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    ws.append([subtitle])
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].font = Font(name=BODY_FONT, size=10)
    ws["A2"].alignment = Alignment(horizontal="right")
    ws.append([c.header for c in columns])
    for cell in ws[3]:
        cell.style = "lianxi_header"
    ws.row_dimensions[3].height = 22
    styles = ["lianxi_body_centred" if c.centred else "lianxi_body" for c in columns]
    for number, row in enumerate(rows, start=4):
        for column, (value, style) in enumerate(zip(row, styles), start=1):
            ws.cell(row=number, column=column, value=value).style = style
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width

    a4_landscape(ws, header_row=3, margins=(0.5, 0.5, 0.6, 0.7))
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    return saved(wb)


# A4 landscape, in twentieths of a point (twips): 29.7 cm × 21 cm, margins 2 cm left/right.
PAGE_W, PAGE_H = 16838, 11906
MARGIN_LR, MARGIN_TB = 1134, 1134
TEXT_WIDTH = PAGE_W - 2 * MARGIN_LR


def _run(text: str, *, font: str, size_half_points: int, bold: bool = False) -> str:
    fonts = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'
    return (f"<w:r><w:rPr>{fonts}{'<w:b/>' if bold else ''}<w:sz w:val=\"{size_half_points}\"/>"
            f"<w:szCs w:val=\"{size_half_points}\"/></w:rPr><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r>")


def _cell(text: str, width: int, *, centred: bool, header: bool) -> str:
    shading = '<w:shd w:val="clear" w:color="auto" w:fill="E7EBF0"/>' if header else ""
    align = "center" if header else "top"
    properties = f'<w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}<w:vAlign w:val="{align}"/></w:tcPr>'
    justification = '<w:jc w:val="center"/>' if centred or header else ""
    paragraphs = "".join(
        f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/>{justification}</w:pPr>'
        f"{_run(line, font=HEADER_FONT if header else BODY_FONT, size_half_points=21, bold=header) if line else ''}"
        f"</w:p>"
        for line in (text.split("\n") or [""]))
    return f"<w:tc>{properties}{paragraphs}</w:tc>"


def _table_xml(columns: list[Column], rows: list[list[str]]) -> str:
    from docx.oxml.ns import nsdecls

    total = sum(c.width for c in columns)
    widths = [int(TEXT_WIDTH * c.width / total) for c in columns]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>'
             f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
             f'<w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar>'
             f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
    # tblHeader: Word repeats this row at the top of every page the table runs onto; cantSplit keeps a
    # row on one page.
    parts.append('<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>'
                 + "".join(_cell(c.header, w, centred=True, header=True) for c, w in zip(columns, widths))
                 + "</w:tr>")
    for row in rows:
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>"
                     + "".join(_cell(value, w, centred=c.centred, header=False)
                               for value, c, w in zip(row, columns, widths))
                     + "</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _docx(document: Document, title: str, subtitle: str, rows: list[list[str]]) -> bytes:
    from docx import Document as WordDocument
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.shared import Pt, Twips

    word = WordDocument()
    normal = word.styles["Normal"]
    chinese_font(normal, BODY_FONT)
    normal.font.size = Pt(10.5)

    section = word.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.left_margin = section.right_margin = Twips(MARGIN_LR)
    section.top_margin = section.bottom_margin = Twips(MARGIN_TB)

    heading = word.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(18)
    chinese_font(run, TITLE_FONT)
    note = word.add_paragraph()
    note.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    note_run = note.add_run(subtitle)
    note_run.font.size = Pt(10)

    table = parse_xml(_table_xml(document.columns, rows))
    note._p.addnext(table)
    return saved(word)
