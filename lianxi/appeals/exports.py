"""The appeal list as an .xlsx a government office prints: the same filters and access rule as the page."""

from __future__ import annotations

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lianxi.core.documents import a4_landscape, saved

# An export is a document to read and print, not a database dump: beyond this, narrow the filters.
MAX_ROWS = 20000

COLUMNS = [  # (header, width, value)
    ("序号", 6, None),
    ("诉求编号", 17, lambda a: a.number),
    ("登记时间", 17, lambda a: timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M")),
    ("企业", 28, lambda a: a.enterprise.name),
    ("标题", 36, lambda a: a.title),
    ("渠道", 14, lambda a: a.channel.name),
    ("类别", 16, lambda a: a.category.name),
    ("主办单位", 20, lambda a: a.lead_department.name if a.lead_department else ""),
    ("办结时限", 12, lambda a: timezone.localtime(a.due_at).strftime("%Y-%m-%d") if a.due_at else ""),
    ("状态", 9, lambda a: a.get_state_display()),
]


def appeals_xlsx(queryset, title: str = "诉求清单") -> tuple[bytes, int]:
    """Render ``queryset`` (already filtered through the access rule) and return (file bytes, rows written)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([f"{title}（导出时间：{timezone.localtime():%Y-%m-%d %H:%M}）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([c[0] for c in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    rows = 0
    for rows, appeal in enumerate(queryset[:MAX_ROWS].iterator(chunk_size=2000), start=1):
        ws.append([rows] + [value(appeal) for _, _, value in COLUMNS[1:]])
    for index, (_, width, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    a4_landscape(ws, header_row=2)
    return saved(wb), rows
