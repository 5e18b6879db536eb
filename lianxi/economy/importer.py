"""Importing 企业季度经济指标 from a spreadsheet (.csv or .xlsx): one service for ``manage.py import_indicators``
and the upload page.

``import_indicators(file_or_path)`` reads the whole file, validates every row, then writes all valid rows in one
transaction and returns an ``ImportReport``. The rules are the enterprise import's (lianxi.directory.importer):

- The file is read by lianxi.core.sheets: format by content (.xlsx, or CSV in UTF-8, GBK/GB18030 or UTF-16),
  columns found by their Chinese header (``COLUMNS``; full-width characters and spaces tolerated), a title row
  above the header is fine, unknown columns are ignored and named, blank rows skipped.
- Columns: 统一社会信用代码 (required), 企业名称 (optional, for the reader of the report), the quarter as 年度 + 季度
  or as one 期间 column ("2026Q3", "2026-Q3", "2026年第3季度", "2026年第三季度"), and at least one of 纳税额（万元）,
  从业人数, 营业收入（万元）, 产值（万元）.
- A file-level problem (not a spreadsheet, no header, a missing column, a column given twice, both a 期间 and a
  年度/季度 column) raises ``ImportFileError`` with one message, and nothing is written.
- Every row is checked on its own; a bad row is rejected with its line number and all its reasons, the other rows
  still import. The enterprise must be in the directory ("企业不存在（…）"); amounts are 万元 with at most two
  decimals kept (rounded half up), 从业人数 a whole number, none negative; thousands separators, full-width digits
  and a trailing unit (万元, 人) are accepted; "-", "—" and "/" mean not reported, like a blank cell. A row with
  no figure at all, and a second row for the same enterprise and quarter, are rejected.
- Upsert on (enterprise, year, quarter). A stored figure changes only where a cell holds a value that differs:
  a blank cell never erases it. Importing the same file twice changes nothing.

Writes in bulk through lianxi.core.bulk (COPY on PostgreSQL): 73,900 rows take seconds (bench/bench_indicators.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianxi.core import bulk, sheets
from lianxi.core.sheets import (Column, ImportFileError, ImportReport, NoProgress, ProgressFactory, RejectedRow,
                                fold)
from lianxi.directory.models import Enterprise
from lianxi.directory.validators import normalize_uscc, validate_uscc

from .models import AMOUNT_DIGITS, EnterpriseIndicator
from .periods import MAX_YEAR, MIN_YEAR, Period, parse_period, parse_quarter, parse_year

__all__ = ["COLUMNS", "ImportFileError", "ImportReport", "RejectedRow", "import_indicators",
           "rejected_rows_workbook", "template_workbook"]

BATCH_SIZE = bulk.BATCH_SIZE
LOOKUP_CHUNK = bulk.LOOKUP_CHUNK

AMOUNTS = ("taxes_paid", "revenue", "output_value")
FIGURES = ("taxes_paid", "employees", "revenue", "output_value")  # in the template's order

COLUMNS: tuple[Column, ...] = (
    Column("uscc", "统一社会信用代码", ("社会信用代码", "信用代码", "统一代码", "uscc"), True,
           "必填，18位；企业须已在企业名录中"),
    Column("name", "企业名称", ("名称", "市场主体名称", "单位名称"), hint="选填，仅便于核对"),
    Column("year", "年度", ("年份", "统计年度"), hint="如 2026；与“季度”一起使用，或改用一列“期间”"),
    Column("quarter", "季度", ("统计季度",), hint="1–4，或 第3季度、Q3"),
    Column("period", "期间", ("统计期间", "报告期", "所属期"), hint="如 2026Q3、2026-Q3、2026年第3季度（代替年度和季度两列）"),
    Column("taxes_paid", "纳税额（万元）", ("纳税额", "纳税总额", "纳税总额（万元）", "实缴税金", "实缴税金（万元）", "税收",
                                     "税收（万元）"), hint="万元，最多两位小数，不得为负"),
    Column("employees", "从业人数", ("从业人员", "从业人员数", "从业人数（人）", "从业人员数（人）", "就业人数", "职工人数"),
           hint="人，整数，不得为负"),
    Column("revenue", "营业收入（万元）", ("营业收入", "营收", "营收（万元）"), hint="万元，最多两位小数，不得为负"),
    Column("output_value", "产值（万元）", ("产值", "总产值", "总产值（万元）", "工业总产值", "工业总产值（万元）"),
           hint="万元，最多两位小数，不得为负"),
)
COLUMN_SET = sheets.Columns(COLUMNS)
HEADER = COLUMN_SET.by_key
WIDTHS = [22 if c.key == "uscc" else 32 if c.key == "name" else 16 for c in COLUMNS]

COMPACT_USCC = re.compile(r"[0-9A-Z]{18}")
NOT_REPORTED = {"-", "—", "–", "－", "/", "——"}
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** (AMOUNT_DIGITS - 2)
MAX_EMPLOYEES = 2_147_483_647
UNITS = {"employees": "人"}  # the others: 万元


@dataclass
class _ValidRow:
    enterprise_id: int
    period: Period
    values: dict  # figure -> Decimal or int, only the cells that hold a value


# ---------------------------------------------------------------------------------------------------- checking the file


def _period_source(keys: set[str]) -> str:
    """Which columns give the quarter: "period" or "year" (年度 + 季度). A file-level error otherwise."""
    if not keys & set(FIGURES):
        raise ImportFileError("缺少指标列：纳税额（万元）、从业人数、营业收入（万元）、产值（万元）至少需要一列")
    if "period" in keys:
        if keys & {"year", "quarter"}:
            raise ImportFileError("“期间”列与“年度”“季度”列只能二选一：请只保留一列“期间”（如 2026Q3），"
                                  "或只保留“年度”和“季度”两列")
        return "period"
    if not {"year", "quarter"} <= keys:
        raise ImportFileError("缺少期间列：需要“年度”和“季度”两列，或一列“期间”（如 2026Q3、2026年第3季度）")
    return "year"


# ---------------------------------------------------------------------------------------------------- checking a row


def _figure_text(raw: str) -> str:
    """A figure's cell folded, without spaces and thousands separators; "" when blank or not reported."""
    text = re.sub(r"[\s,，]", "", fold(raw))
    return "" if text in NOT_REPORTED else text


def _number(key: str, raw: str, errors: list[str]):
    """A reported figure as Decimal (万元, two places) or int (从业人数); None, with the reason in ``errors``, when
    it is not a valid figure."""
    text = _figure_text(raw).removesuffix(UNITS.get(key, "万元"))
    header = HEADER[key].header
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        errors.append(f"{header}：“{raw}”不是数字")
        return None
    if value < 0:
        errors.append(f"{header}：不能为负数")
        return None
    if key == "employees":
        if value != value.to_integral_value() or value > MAX_EMPLOYEES:
            errors.append(f"{header}：应为整数（人）")
            return None
        return int(value)
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if value >= MAX_AMOUNT:
        errors.append(f"{header}：数值过大（万元，最多 {AMOUNT_DIGITS - 2} 位整数）")
        return None
    return value


def _period(cells: dict[str, str], source: str, errors: list[str]) -> Period | None:
    if source == "period":
        raw = cells.get("period", "")
        period = parse_period(fold(raw)) if raw else None
        if period is None:
            errors.append(f"期间：{'必填' if not raw else f'无法识别“{raw}”'}，应如 2026Q3 或 2026年第3季度")
        return period
    year_raw, quarter_raw = cells.get("year", ""), cells.get("quarter", "")
    year = parse_year(fold(year_raw)) if year_raw else None
    quarter = parse_quarter(fold(quarter_raw)) if quarter_raw else None
    if year is None:
        errors.append(f"年度：{'必填' if not year_raw else f'无法识别“{year_raw}”'}，应为 {MIN_YEAR}–{MAX_YEAR} 的年份")
    if quarter is None:
        errors.append(f"季度：{'必填' if not quarter_raw else f'无法识别“{quarter_raw}”'}，应为 1–4")
    return Period(year, quarter) if year is not None and quarter is not None else None


def _uscc(cells: dict[str, str], errors: list[str]) -> str:
    """The normalised code, or "" (with the reason in ``errors``) when it is missing or invalid."""
    uscc = cells.get("uscc", "")
    if not COMPACT_USCC.fullmatch(uscc):
        uscc = normalize_uscc(fold(uscc))
    if not uscc:
        errors.append("统一社会信用代码：必填")
        return ""
    try:
        validate_uscc(uscc)
    except ValidationError as exc:
        errors.append(f"统一社会信用代码：{'；'.join(exc.messages)}")
        return ""
    return uscc


def _check_rows(table: sheets.Table, source: str, report: ImportReport, progress: ProgressFactory) -> list[_ValidRow]:
    """Every row's own checks, then the directory lookup and the duplicates in the file."""
    checked = []  # (line, cells, uscc, period, values, errors)
    bar = progress(total=len(table.rows), desc="校验", unit="行")
    try:
        for line, cells in table.rows:
            errors: list[str] = []
            uscc = _uscc(cells, errors)
            period = _period(cells, source, errors)
            reported = [key for key in FIGURES if _figure_text(cells.get(key, ""))]
            if not reported:
                errors.append("未填写任何指标（纳税额、从业人数、营业收入、产值至少填一项）")
            values = {key: value for key in reported if (value := _number(key, cells[key], errors)) is not None}
            checked.append((line, cells, uscc, period, values, errors))
            bar.update(1)
    finally:
        bar.close()

    enterprise_ids = dict(bulk.matching(Enterprise.objects.all(), "uscc", list({c[2] for c in checked if c[2]}),
                                        "pk", chunk=LOOKUP_CHUNK))
    valid: list[_ValidRow] = []
    first_line_of: dict[tuple[str, Period], int] = {}
    for line, cells, uscc, period, values, errors in checked:
        if uscc and uscc not in enterprise_ids:
            errors.insert(0, f"企业不存在（统一社会信用代码 {uscc} 不在企业名录中，请先导入企业名录）")
        if uscc and period is not None:
            # The first row of an enterprise and quarter owns it, even when rejected for another reason.
            first = first_line_of.setdefault((uscc, period), line)
            if first != line:
                errors.insert(0, f"与第 {first} 行重复（同一企业同一期间只能有一行）")
        if errors:
            report.rejected.append(RejectedRow(line=line, uscc=uscc or cells.get("uscc", ""),
                                               name=cells.get("name", ""), reason="；".join(errors), values=cells))
        else:
            valid.append(_ValidRow(enterprise_ids[uscc], period, values))
    return valid


# ---------------------------------------------------------------------------------------------------- writing


def _stored(valid: list[_ValidRow]) -> dict[tuple[int, Period], tuple[int, dict]]:
    """(enterprise id, period) -> (pk, stored figures) of the rows the file names, read period by period: a file is
    usually one quarter, and then one indexed read of that quarter."""
    by_period: dict[Period, list[int]] = {}
    for row in valid:
        by_period.setdefault(row.period, []).append(row.enterprise_id)
    stored = {}
    for period, ids in by_period.items():
        rows = EnterpriseIndicator.objects.filter(year=period.year, quarter=period.quarter)
        for enterprise_id, pk, *figures in bulk.matching(rows, "enterprise_id", ids, "pk", *FIGURES,
                                                         chunk=LOOKUP_CHUNK):
            stored[(enterprise_id, period)] = (pk, dict(zip(FIGURES, figures)))
    return stored


def _write(valid: list[_ValidRow], report: ImportReport, progress: ProgressFactory) -> None:
    stored = _stored(valid)
    to_create: list[dict] = []
    updates: list[tuple[int, dict]] = []
    for row in valid:
        found = stored.get((row.enterprise_id, row.period))
        if found is None:
            to_create.append({"enterprise_id": row.enterprise_id, "year": row.period.year,
                              "quarter": row.period.quarter, **row.values})
            continue
        pk, figures = found
        # Decimal("12.3") == Decimal("12.30"): a figure typed with fewer decimals is not a change.
        diff = {key: value for key, value in row.values.items() if figures[key] != value}
        if diff:
            updates.append((pk, diff))
        else:
            report.unchanged += 1
    report.created, report.updated = len(to_create), len(updates)

    now = timezone.now()
    bulk.write_rows(EnterpriseIndicator, to_create, updates, constants={"imported_at": now, "updated_at": now},
                    stamp=("updated_at", now), progress=progress, batch_size=BATCH_SIZE)


# ---------------------------------------------------------------------------------------------------- the service


def import_indicators(source: str | Path | IO, *, filename: str | None = None, dry_run: bool = False,
                      progress: ProgressFactory | None = None) -> ImportReport:
    """The figures of ``source`` (a path or an open binary file, such as an upload) into the directory's
    enterprises, all valid rows in one transaction (none with ``dry_run``, which still counts them); the report says
    what was created, updated, unchanged and rejected. ``progress``: a tqdm-like factory for the two bars."""
    progress = progress or NoProgress
    table = sheets.read_table(source, COLUMN_SET, filename=filename)
    source_of_period = _period_source(table.keys)
    report = ImportReport(filename=table.filename, rows=len(table.rows), columns=table.columns,
                          ignored_columns=table.ignored_columns, dry_run=dry_run)
    valid = _check_rows(table, source_of_period, report, progress)
    try:
        with transaction.atomic():
            _write(valid, report, progress)
            if dry_run:  # counted what it would write; now undo it
                transaction.set_rollback(True)
    except IntegrityError as exc:
        # Only a concurrent import of the same quarter gets here: the rows were checked against what we write to.
        raise ImportFileError("导入时同一期间的指标被同时修改（可能有人在同时导入），已全部撤销，请重试") from exc
    return report


# ---------------------------------------------------------------------------------------------------- workbooks


def template_workbook() -> bytes:
    """The import template: the header row (年度 and 季度; 期间 is the alternative) on the first sheet, what each
    column takes on a second one."""
    shown = [(c, w) for c, w in zip(COLUMNS, WIDTHS) if c.key != "period"]
    # "列：…", not the bare header: a notes row naming 统一社会信用代码 would pass for the table's header.
    notes = [[f"列：{column.header}", column.hint or "选填"] for column in COLUMNS] + [
        [],
        ["导入规则", "按企业和期间新增或更新；企业须已在企业名录中；空白单元格（或 - 、—）不会清除已有数据；"
                     "未识别的列将被忽略；同一文件重复导入不会产生变化"],
    ]
    return sheets.template_workbook("企业季度经济指标", [c for c, _ in shown], [w for _, w in shown], notes=notes,
                                    text_keys=("uscc",), notes_width=24)


def rejected_rows_workbook(rejected: Iterable[RejectedRow]) -> bytes:
    """The rejected rows with their line numbers and reasons, ready to be corrected and imported again: in the
    columns their file had (期间, or 年度 and 季度; never both, which would make the workbook a file error)."""
    rejected = list(rejected)
    keys = {key for row in rejected for key in row.values}
    shown = [(c, w) for c, w in zip(COLUMNS, WIDTHS) if c.key in keys or c.required]
    return sheets.rejected_rows_workbook(rejected, sheets.Columns(c for c, _ in shown), [w for _, w in shown])
