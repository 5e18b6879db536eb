"""The monitor's tables as an .xlsx a government office prints: the city, by town/park, by industry, the trend.

Shares are written as numbers formatted as percentages (so that they can be summed or charted in Excel); a share
with nothing to divide by is "—", as on the page."""

from __future__ import annotations

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lianxi.core.documents import a4_landscape, saved

from .selectors import BY_CHOICES, MEASURES, Monitor, Row, Share

PERCENT = "0.0%"
DEFINITIONS = ("口径：民营经济 = 经济类型为民营、个体的企业；非公经济 = 除国有以外的全部企业（民营、个体、外资、港澳台）。"
               "市场主体为企业名录中的现有企业（各期相同）；税收、就业岗位（从业人数）、营业收入、产值为该季度企业经济指标之和，"
               "未填报的指标不计入分子和分母；无可计算的分母时占比为“—”。")


def _value(value, number_format: str | None = None):
    return ("—", None) if value is None else (value, number_format)


def _append(ws, values: list) -> None:
    """A row whose cells are (value, number format) pairs or plain values."""
    ws.append([v[0] if isinstance(v, tuple) else v for v in values])
    for cell, v in zip(ws[ws.max_row], values):
        if isinstance(v, tuple) and v[1]:
            cell.number_format = v[1]


def _amount_format(measure) -> str:
    return "#,##0" if measure.unit in ("户", "人") else "#,##0.00"


def _sheet(workbook: Workbook, title: str, heading: str, header: list[str], widths: list[int]):
    ws = workbook.create_sheet(title)
    ws.append([heading])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    a4_landscape(ws, header_row=2)
    return ws


def _overall(workbook: Workbook, monitor: Monitor, title: str) -> None:
    ws = _sheet(workbook, "全市", title, ["指标", "单位", "合计", "民营经济", "非公经济", "民营占比", "非公占比"],
                [14, 8, 16, 16, 16, 11, 11])
    for measure in MEASURES:
        share: Share = monitor.overall[measure.key]
        number = _amount_format(measure)
        _append(ws, [measure.label, measure.unit, _value(share.total, number), _value(share.private, number),
                     _value(share.non_public, number), _value(share.private_share, PERCENT),
                     _value(share.non_public_share, PERCENT)])
    ws.append([])
    for line in (monitor.headline, monitor.private_line, DEFINITIONS):
        if line:
            ws.append([line])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)
            ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[ws.max_row].height = 48 if line is DEFINITIONS else 30


def _table(workbook: Workbook, sheet: str, heading: str, first: str, rows: list[Row]) -> None:
    header, widths = [first], [24]
    for measure in MEASURES:
        header += [f"{measure.label}（{measure.unit}）", f"{measure.label}非公占比", f"{measure.label}民营占比"]
        widths += [14, 10, 10]
    ws = _sheet(workbook, sheet, heading, header, widths)
    for row in rows:
        cells = [row.name]
        for measure in MEASURES:
            share = row[measure.key]
            cells += [_value(share.total, _amount_format(measure)), _value(share.non_public_share, PERCENT),
                      _value(share.private_share, PERCENT)]
        _append(ws, cells)
    if not rows:
        ws.append(["（无数据）"])


def monitor_xlsx(monitor: Monitor) -> bytes:
    """The workbook of ``monitor`` (lianxi.economy.selectors.monitor): one sheet per table."""
    label = monitor.period.label if monitor.period else "（尚无经济指标）"
    stamp = f"（导出时间：{timezone.localtime():%Y-%m-%d %H:%M}）"
    workbook = Workbook()
    workbook.remove(workbook.active)  # every sheet is made by _sheet
    _overall(workbook, monitor, f"{label}民营经济运行监测{stamp}")
    for by, rows in monitor.groups.items():
        _table(workbook, f"按{'乡镇园区' if by == 'town' else '行业'}", f"{label}分{BY_CHOICES[by]}情况{stamp}",
               BY_CHOICES[by], rows)
    if monitor.trend:
        _table(workbook, "近8季度走势", f"近{len(monitor.trend)}个季度走势（截至{label}）{stamp}", "季度",
               monitor.trend)
    return saved(workbook)


def export_filename(monitor: Monitor) -> str:
    return f"民营经济运行监测-{monitor.period.code if monitor.period else '无数据'}.xlsx"
