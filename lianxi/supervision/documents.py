"""The documents of 督办 and 问责: the 督办单 an office prints and sends (.docx, python-docx), and a period's
问责清单 (.xlsx, openpyxl).

The .docx follows the layout of a government document (GB/T 9704-2012): A4, red title, 文号 above a red rule,
the addressed department, the body in 仿宋 三号, the issuing office and the date at the bottom right. Every text a
user typed goes in as run text (python-docx escapes it), never as markup.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from lianxi.core.documents import a4_landscape, chinese_font, saved, xml_text

from .models import Level, Supervision

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DEFAULT_ISSUING_OFFICE = "清镇市营商环境联席办公室"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_FONT, TITLE_FONT, HEADING_FONT = "仿宋", "宋体", "黑体"
BODY_SIZE, TABLE_SIZE, TITLE_SIZE = Pt(16), Pt(14), Pt(22)  # 三号, 四号, 二号
CONTENT_SUMMARY_CHARS = 300

# Characters XML 1.0 forbids: a pasted control character must not make the document unreadable.



def issuing_office() -> str:
    return getattr(settings, "LIANXI", {}).get("ISSUING_OFFICE", DEFAULT_ISSUING_OFFICE)


def chinese_date(value: dt.datetime | dt.date | None) -> str:
    """2026年3月11日 (GB/T 9704-2012 writes the date in Arabic numerals), in local time."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def attachment_disposition(filename: str, fallback: str) -> str:
    """``Content-Disposition`` with a Chinese file name (RFC 5987) and an ASCII name for old clients."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"




# ---- 督办单 (.docx) -------------------------------------------------------------------------------------------

def _font(run, name: str, size, *, bold: bool = False, color: RGBColor | None = None) -> None:
    chinese_font(run, name)
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color


def _paragraph(container, text: str = "", *, font: str = BODY_FONT, size=BODY_SIZE, bold: bool = False,
               color=None, align=None, indent: bool = False, space_after=Pt(0)):
    paragraph = container.add_paragraph()
    if text:
        _font(paragraph.add_run(xml_text(text)), font, size, bold=bold, color=color)
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(28)  # 固定值28磅: the official line pitch
    fmt.space_before, fmt.space_after = Pt(0), space_after
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)  # two characters
    if align is not None:
        paragraph.alignment = align
    return paragraph


_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
               "w:rPr", "w:sectPr", "w:pPrChange")


def _red_rule(paragraph) -> None:
    """The red line under the 文号 (a bottom border on its paragraph)."""
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    # Word rejects a pPr whose children are out of schema order: the border goes before these.
    paragraph._p.get_or_add_pPr().insert_element_before(border, *_AFTER_PBDR)


def _summary(text: str) -> str:
    text = xml_text(text).strip()
    return text if len(text) <= CONTENT_SUMMARY_CHARS else text[:CONTENT_SUMMARY_CHARS] + "……"


def _due_in_force(appeal) -> str:
    if not appeal.due_at:
        return "尚未交办"
    text = chinese_date(appeal.due_at)
    if appeal.original_due_at and chinese_date(appeal.original_due_at) != text:
        text += f"（经批准延期，原定{chinese_date(appeal.original_due_at)}）"
    return text


def order_facts(order: Supervision) -> list[tuple[str, str]]:
    appeal = order.appeal
    return [
        ("诉求编号", appeal.number),
        ("企业名称", appeal.enterprise.name),
        ("诉求标题", appeal.title),
        ("诉求内容", _summary(appeal.content)),
        ("登记时间", chinese_date(appeal.created_at)),
        ("主办单位", appeal.lead_department.name if appeal.lead_department else "尚未交办"),
        ("办结时限", _due_in_force(appeal)),
        ("督办级别", Level(order.level).label),
        ("督办事项", order.text),
        ("答复期限", chinese_date(order.answer_due_at) if order.answer_due_at else "无需书面答复"),
    ]


def order_title(order: Supervision) -> str:
    return "挂牌督办通知书" if order.level == Level.LISTED else "清镇市民营企业诉求督办单"


def order_docx(order: Supervision, now: dt.datetime | None = None) -> bytes:
    """The order as an official .docx. ``order`` comes with its appeal (enterprise, lead department) and
    department; the caller has checked that the user may see it."""
    now = now or timezone.now()
    office = issuing_office()
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    chinese_font(normal, BODY_FONT)
    normal.font.size = BODY_SIZE
    document.core_properties.title = f"{order_title(order)} {order.number}"
    document.core_properties.author = office

    _paragraph(document, order_title(order), font=TITLE_FONT, size=TITLE_SIZE, bold=True, color=RED,
               align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))
    number = _paragraph(document, order.number, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(18))
    _red_rule(number)

    addressed = order.department.name if order.department else "有关单位"
    _paragraph(document, f"{addressed}：")
    appeal = order.appeal
    _paragraph(document, f"你单位承办的企业诉求{appeal.number}（{appeal.enterprise.name}“{appeal.title}”）"
                         f"现予{Level(order.level).label}，有关情况如下：", indent=True, space_after=Pt(6))

    facts = order_facts(order)
    table = document.add_table(rows=len(facts), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(table.rows, facts):
        row.cells[0].width, row.cells[1].width = Mm(30), Mm(126)
        head = row.cells[0].paragraphs[0]
        _font(head.add_run(label), HEADING_FONT, TABLE_SIZE)
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(row.cells[1].paragraphs[0].add_run(xml_text(value)), BODY_FONT, TABLE_SIZE)

    _paragraph(document)
    if order.answer_due_at:
        _paragraph(document, f"请于{chinese_date(order.answer_due_at)}前将办理情况书面答复{office}。逾期未答复的，"
                             f"将依照有关规定列入问责清单。", indent=True)
    else:
        _paragraph(document, "请抓紧办理，按期办结。本提醒无需书面答复。", indent=True)

    if order.answered_at:
        _paragraph(document)
        _paragraph(document, "答复情况", font=HEADING_FONT)
        _paragraph(document, order.answer, indent=True)
        _paragraph(document, f"答复人：{order.answered_by_name}　答复时间：{chinese_date(order.answered_at)}",
                   indent=True)

    _paragraph(document)
    _paragraph(document)
    _paragraph(document, office, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, chinese_date(order.issued_at), align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document)
    _paragraph(document, f"签发人：{order.issued_by_name}　　打印时间：{timezone.localtime(now):%Y-%m-%d %H:%M}",
               size=Pt(12), color=RGBColor(0x55, 0x55, 0x55))

    return saved(document)


def order_filename(order: Supervision) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback)."""
    return f"{order_title(order)}-{order.number}.docx", f"supervision-{order.pk}.docx"


# ---- 问责清单 (.xlsx) ----------------------------------------------------------------------------------------

# An export is a document to read and print: beyond this, narrow the period.
MAX_ROWS = 20000


def _appeal_numbers(record) -> str:
    return "\n".join(a.number for a in record.appeals.all())


COLUMNS = [  # (header, width, value)
    ("序号", 6, None),
    ("编号", 18, lambda r: r.number),
    ("问责单位/对象", 24, lambda r: r.subject),
    ("问责情形", 16, lambda r: r.get_trigger_display()),
    ("问责方式", 12, lambda r: r.get_measure_display() if r.measure else ""),
    ("状态", 9, lambda r: r.get_status_display()),
    ("关联诉求编号", 18, _appeal_numbers),
    ("事由", 44, lambda r: r.text),
    ("记录时间", 17, lambda r: timezone.localtime(r.recorded_at).strftime("%Y-%m-%d %H:%M")),
    ("认定人", 12, lambda r: r.decided_by.display_name if r.decided_by else ""),
]


def period_label(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    if start:
        return f"{start:%Y-%m-%d} 起"
    if end:
        return f"截至 {end:%Y-%m-%d}"
    return "全部"


def accountability_xlsx(queryset, *, start: dt.date | None = None, end: dt.date | None = None) -> tuple[bytes, int]:
    """The 问责清单 of a period: ``queryset`` is already filtered (access rule and period), with its department,
    person, decided_by and appeals prefetched. Returns (file bytes, rows written)."""
    title = f"问责清单（{period_label(start, end)}）"
    wb = Workbook()
    ws = wb.active
    ws.title = "问责清单"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(name="宋体", bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.append([c[0] for c in COLUMNS])
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[2]:
        cell.font = Font(name="黑体", bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = border
    rows = 0
    for rows, record in enumerate(queryset[:MAX_ROWS], start=1):
        ws.append([rows] + [xml_text(value(record)) for _, _, value in COLUMNS[1:]])
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = border
            cell.font = Font(name="宋体")
    for index, (_, width, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    a4_landscape(ws, header_row=2)
    return saved(wb), rows


def accountability_filename(start: dt.date | None, end: dt.date | None) -> tuple[str, str]:
    stamp = "-".join(f"{d:%Y%m%d}" for d in (start, end) if d) or f"{timezone.localdate():%Y%m%d}"
    return f"问责清单-{stamp}.xlsx", f"accountability-{stamp}.xlsx"
