"""Reading a spreadsheet that people made (.csv or .xlsx) into rows of cells by column, for every importer.

What all of the project's imports share (the enterprise directory, lianxi.directory.importer; the quarterly
indicators, lianxi.economy.importer), so that each importer only validates and writes its own rows:

- Format by content, not by name: a zip is read as .xlsx (the first sheet with a full header, the active one
  first); legacy .xls and other binaries are refused; anything else is CSV text in UTF-8 (with or without BOM),
  GBK/GB18030 or UTF-16 (Excel's "Unicode text"), comma-, tab- or semicolon-separated.
- Columns are found by their Chinese header (a ``Columns`` set, with aliases; full-width characters, spaces and a
  ``*`` are tolerated). The header is the first of the top ``HEADER_SEARCH_ROWS`` rows that names every required
  column, so a title row above it is fine. Unknown columns are ignored and named; blank rows are skipped.
- A file-level problem raises ``ImportFileError`` with one message; the importer then writes nothing.

Also the report every import returns, and the workbooks it offers (template, rejected rows).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InvalidInput

HEADER_SEARCH_ROWS = 10
# Columns the rejected-rows workbook adds in front; re-importing that workbook ignores them silently.
REPORT_HEADERS = ("行号", "错误原因")

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc …)


class ImportFileError(InvalidInput):
    """The file as a whole cannot be imported; nothing was written."""

    code = "import_file"
    default_message = "文件无法导入"


@dataclass(frozen=True)
class Column:
    key: str  # the field the importer fills
    header: str  # the canonical Chinese header, as in the template
    aliases: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""


def text_of(value) -> str:
    """A cell as text, trimmed (full-width spaces too); whole numbers without ``.0``. Names and addresses are kept
    as typed: 有限公司（集团） keeps its full-width brackets."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def fold(text: str) -> str:
    """For codes, numbers, choices and headers: full-width letters, digits, brackets and spaces folded to ASCII."""
    return unicodedata.normalize("NFKC", text)


def _header_key(value) -> str:
    return re.sub(r"[\s*]", "", fold(text_of(value))).lower()


class Columns:
    """The columns one importer reads, and how a header row maps onto them."""

    def __init__(self, columns: Iterable[Column]):
        self.all: tuple[Column, ...] = tuple(columns)
        self.by_key = {c.key: c for c in self.all}
        self.required = [c for c in self.all if c.required]
        self._lookup = {_header_key(alias): c.key for c in self.all for alias in (c.header, c.key, *c.aliases)}

    def __iter__(self) -> Iterator[Column]:
        return iter(self.all)

    def keys_in(self, row: list) -> set[str]:
        return {self._lookup[k] for k in map(_header_key, row) if k in self._lookup}

    def find_header(self, rows: list[list], *, complete: bool = False) -> int | None:
        """The header's index: the first of the top rows that names every required column, else (unless
        ``complete``) the first that names any column, so that the error can say which required ones are missing."""
        keys = [self.keys_in(row) for row in rows[:HEADER_SEARCH_ROWS]]
        required = {c.key for c in self.required}
        for index, found in enumerate(keys):
            if required <= found:
                return index
        if not complete:
            for index, found in enumerate(keys):
                if found:
                    return index
        return None

    def map_header(self, header: list) -> tuple[dict[str, int], list[str], list[str]]:
        """Column key -> cell index; the recognised and the ignored headers."""
        positions: dict[str, int] = {}
        recognised, ignored = [], []
        for index, cell in enumerate(header):
            text = text_of(cell)
            if not text:
                continue
            key = self._lookup.get(_header_key(cell))
            if key is None:
                if text not in REPORT_HEADERS:
                    ignored.append(text)
                continue
            if key in positions:
                raise ImportFileError(f"“{self.by_key[key].header}”列出现了不止一次（第 {positions[key] + 1} 列和"
                                      f"第 {index + 1} 列），请只保留一列")
            positions[key] = index
            recognised.append(text)
        missing = [c.header for c in self.required if c.key not in positions]
        if missing:
            raise ImportFileError(f"缺少必需的列：{'、'.join(missing)}。表头应包含："
                                  f"{'、'.join(c.header for c in self.all)}")
        return positions, recognised, ignored


@dataclass
class Table:
    """A file read: its data rows as (line number as Excel shows it, cells by column key), blank rows left out."""

    filename: str
    rows: list[tuple[int, dict[str, str]]]
    columns: list[str]  # recognised headers, in file order
    ignored_columns: list[str]
    keys: set[str]  # the keys of the columns found


# ---------------------------------------------------------------------------------------------------- reading


def _read_bytes(source) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            return path.read_bytes(), path.name
        except OSError as exc:
            raise ImportFileError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    name = Path(getattr(source, "name", "") or "").name
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    if isinstance(data, str):  # a text stream: already decoded
        data = data.encode("utf-8")
    return data, name


def _decode_text(data: bytes) -> str:
    """Excel saves CSV as GBK on Chinese Windows and as UTF-8 with a BOM when asked for "CSV UTF-8"; "Unicode text"
    is UTF-16. Strict decoding in that order: GB18030 is a superset of GBK and GB2312."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data[:8192]:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise ImportFileError("无法识别文件编码：请将 CSV 保存为 UTF-8 或 GBK 编码，或直接上传 .xlsx 文件")
    raise ImportFileError("文件不是 CSV 文本或 Excel（.xlsx）表格，请上传 .csv 或 .xlsx 文件")


def _csv_rows(data: bytes) -> list[list]:
    text = _decode_text(data)
    first_line = text.split("\n", 1)[0]
    # Excel's "Unicode text" is tab-separated; European locales use ";".
    delimiter = max((",", "\t", ";"), key=first_line.count) if first_line else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(f"CSV 文件格式错误：{exc}") from exc


def _xlsx_rows(data: bytes, columns: Columns) -> list[list]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types (BadZipFile, KeyError, InvalidFileException …)
        raise ImportFileError("文件不是有效的 Excel（.xlsx）表格，可能已损坏或只是改了扩展名") from exc
    try:
        sheets = [workbook.active] + [ws for ws in workbook.worksheets if ws is not workbook.active]
        first: list[list] | None = None
        for sheet in sheets:
            if not hasattr(sheet, "iter_rows"):  # a chart sheet
                continue
            # Some writers store a wrong <dimension>; without this openpyxl would cut the rows to it.
            sheet.reset_dimensions()
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            if first is None:
                first = rows
            # The active sheet may be a notes sheet (the templates have one): take the first with a full header.
            if columns.find_header(rows, complete=True) is not None:
                return rows
        return first or []
    finally:
        workbook.close()


def _read_rows(data: bytes, filename: str, columns: Columns) -> list[list]:
    suffix = Path(filename).suffix.lower()
    if not data.strip():
        raise ImportFileError("文件是空的")
    if data.startswith(XLSX_MAGIC):
        return _xlsx_rows(data, columns)
    if data.startswith(OLE_MAGIC) or suffix == ".xls":
        raise ImportFileError("不支持旧版 Excel（.xls）文件：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入")
    if suffix in (".xlsx", ".xlsm"):
        raise ImportFileError(f"文件扩展名为 {suffix}，但内容不是 Excel 表格（可能是改了扩展名的其他文件）")
    return _csv_rows(data)


def _rows_to_cells(rows: list[list], start: int, positions: dict[str, int]) -> Iterator[tuple[int, dict[str, str]]]:
    for index in range(start, len(rows)):
        row = rows[index]
        cells = {key: text_of(row[pos]) if pos < len(row) else "" for key, pos in positions.items()}
        if any(cells.values()):
            yield index + 1, cells


def read_table(source, columns: Columns, *, filename: str | None = None) -> Table:
    """Read ``source`` (a path, or an open binary file such as an upload) into a ``Table`` of ``columns``.

    Raises ``ImportFileError`` when the file as a whole cannot be read as such a table."""
    data, name = _read_bytes(source)
    filename = filename or name
    rows = _read_rows(data, filename, columns)
    start = columns.find_header(rows)
    if start is None:
        raise ImportFileError("找不到表头：第一行应为列名，至少包含 " + "、".join(c.header for c in columns.required))
    positions, recognised, ignored = columns.map_header(rows[start])
    return Table(filename=filename, rows=list(_rows_to_cells(rows, start + 1, positions)), columns=recognised,
                 ignored_columns=ignored, keys=set(positions))


# ---------------------------------------------------------------------------------------------------- the report


@dataclass
class RejectedRow:
    line: int
    uscc: str
    name: str
    reason: str
    values: dict[str, str]  # the row's cells by column key, as read, for the rejected-rows workbook


@dataclass
class ImportReport:
    filename: str = ""
    rows: int = 0  # non-blank data rows read
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # recognised headers, in file order
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        text = (f"共 {self.rows} 行：新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}，"
                f"拒绝 {len(self.rejected)}")
        if self.ignored_columns:
            text += f"；已忽略未识别的列：{'、'.join(self.ignored_columns)}"
        if self.dry_run:
            text += "（仅检查，未写入）"
        return text


class NoProgress:
    """Stands in for a tqdm bar when nobody watches."""

    def __init__(self, *args, **kwargs):
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


ProgressFactory = Callable[..., object]  # tqdm-like: factory(total=, desc=) -> obj with update(n) and close()


# ---------------------------------------------------------------------------------------------------- workbooks


def style_header(sheet, widths: list[int]) -> None:
    """Bold, shaded first row with these column widths, frozen on screen."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for index, cell in enumerate(sheet[1], start=1):
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[get_column_letter(index)].width = widths[index - 1]
    sheet.freeze_panes = "A2"


def template_workbook(title: str, columns: Iterable[Column], widths: list[int], *, notes: list[list[str]],
                      text_keys: Iterable[str] = (), notes_width: int = 18) -> bytes:
    """An import template: the columns' header row on a sheet ``title`` (required columns in red; ``text_keys``
    columns formatted as text, so that Excel neither drops a leading 0 nor rounds an all-digit code to 15
    significant digits), and a 填写说明 sheet of ``notes`` rows (列名, 说明)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from .documents import saved

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    columns = list(columns)
    sheet.append([c.header for c in columns])
    style_header(sheet, widths)
    for index, column in enumerate(columns, start=1):
        if column.required:
            sheet.cell(row=1, column=index).font = Font(bold=True, color="C00000")
        if column.key in text_keys:
            sheet.column_dimensions[get_column_letter(index)].number_format = "@"

    notes_sheet = workbook.create_sheet("填写说明")
    notes_sheet.append(["列名", "说明"])
    for row in notes:
        notes_sheet.append(row)
    style_header(notes_sheet, [notes_width, 100])
    return saved(workbook)


def rejected_rows_workbook(rejected: Iterable[RejectedRow], columns: Columns, widths: list[int]) -> bytes:
    """The rejected rows with their line numbers and reasons, in the template's columns (``widths`` theirs) so that
    the user can correct them and import this very file again (行号 and 错误原因 are then ignored)."""
    from openpyxl import Workbook

    from .documents import saved

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "未导入的行"
    sheet.append([*REPORT_HEADERS, *(c.header for c in columns)])
    for row in rejected:
        sheet.append([row.line, row.reason, *(row.values.get(c.key, "") for c in columns)])
    style_header(sheet, [8, 50, *widths])
    return saved(workbook)
