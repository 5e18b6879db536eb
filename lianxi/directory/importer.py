"""Importing the enterprise directory from a spreadsheet (.csv or .xlsx): one service for the command and the page.

``import_enterprises(file_or_path)`` reads the whole file, validates every row, then writes all valid rows in one
transaction and returns an ``ImportReport``. The rules:

- Format by content, not by name: a zip is read as .xlsx (the first sheet with a full header, the active one
  first); legacy .xls and other binaries are refused; anything else is CSV text in UTF-8 (with or without BOM),
  GBK/GB18030 or UTF-16 (Excel's "Unicode text"), comma-, tab- or semicolon-separated.
- Columns are found by their Chinese header (``COLUMNS``, with a few aliases; full-width characters, spaces and a
  ``*`` are tolerated). The header is the first of the top ``HEADER_SEARCH_ROWS`` rows that names every required
  column (企业名称, 统一社会信用代码), so a title row above it is fine.
- Unknown columns are ignored and named in the report (``ignored_columns``): a sheet with working columns (序号,
  备注 …) still imports. Blank rows are skipped and not counted.
- A file-level problem (not a spreadsheet, undecodable text, no header, a missing required column, a column given
  twice) raises ``ImportFileError`` with one message, and nothing is written.
- Every row is checked on its own; a bad row is rejected with its line number (the row number Excel shows) and all
  its reasons, and the other rows still import. A USCC seen on an earlier row rejects the later row.
- Upsert on USCC. An existing enterprise is updated only where a cell holds a value that differs from what is
  stored: a blank cell (or an absent column) never erases data entered by hand. A non-blank 标签 cell is the
  enterprise's whole tag set; unknown tags are created. Importing the same file twice changes nothing.
- Codes, phones and choices are folded from full-width (NFKC) before they are checked; names and addresses are
  stored as typed.

Not ``EnterpriseForm`` per row: a ModelForm costs several queries a row (unique check, town and tag lookups), far
too slow for 70,000 rows. The importer applies the same normalisers and the model fields' own validators instead,
with towns, tags and existing enterprises preloaded, and writes in bulk (see ``_insert_rows``/``_update_rows``:
73,900 rows take seconds, bench/bench_import.py).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from lianxi.core.errors import InvalidInput

from .models import Department, Enterprise, Industry, Ownership, Size, Tag
from .validators import normalize_phone, normalize_uscc

HEADER_SEARCH_ROWS = 10
BATCH_SIZE = 1000
# Keeps each ``IN (…)`` list well under SQLite's bound-parameter limit.
LOOKUP_CHUNK = 900


@dataclass(frozen=True)
class Column:
    key: str  # the Enterprise field
    header: str  # the canonical Chinese header, as in the template
    aliases: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", "企业名称", ("名称", "市场主体名称", "单位名称", "企业名称(全称)"), True, "必填，营业执照上的全称"),
    Column("uscc", "统一社会信用代码", ("社会信用代码", "信用代码", "统一代码", "uscc"), True,
           "必填，18位，校验位须正确；同一文件内不得重复"),
    Column("legal_representative", "法定代表人", ("法人", "法人代表", "法定代表人(负责人)", "负责人")),
    Column("contact_person", "联系人", ("企业联系人",)),
    Column("contact_phone", "联系电话", ("电话", "联系方式", "手机", "手机号", "联系人电话")),
    Column("industry", "行业门类", ("行业", "所属行业", "国民经济行业门类"), hint="字母A–T或门类名称，如 C 或 制造业"),
    Column("size", "企业规模", ("规模",), hint="大型/中型/小型/微型（或 大/中/小/微）"),
    Column("ownership", "经济类型", ("所有制", "企业性质", "所有制类型"),
           hint="民营/国有/外资/港澳台/个体；新企业留空按民营"),
    Column("town", "所在乡镇/园区", ("所在乡镇(街道)/园区", "乡镇/园区", "乡镇(街道)/园区", "所在乡镇", "所在园区",
                                "乡镇", "园区", "乡镇(街道)", "所属乡镇"),
           hint="须为系统中已有的乡镇（街道）或园区名称"),
    Column("address", "地址", ("企业地址", "注册地址", "经营地址", "住所")),
    Column("tags", "标签", ("企业标签",), hint="多个标签用 、 , ， ; 或空格分隔；新标签自动创建"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = [c for c in COLUMNS if c.required]
# Columns the page's rejected-rows workbook adds in front; re-importing that workbook ignores them silently.
REPORT_HEADERS = ("行号", "错误原因")
# Plain text fields compared and written as they are.
TEXT_FIELDS = ("name", "legal_representative", "contact_person", "contact_phone", "address")
SCALAR_FIELDS = TEXT_FIELDS + ("industry", "size", "ownership", "town_id")

COMPACT_USCC = re.compile(r"[0-9A-Z]{18}")
TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc …)


class ImportFileError(InvalidInput):
    """The file as a whole cannot be imported; nothing was written."""

    code = "import_file"
    default_message = "文件无法导入"


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
    tags_created: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        text = (f"共 {self.rows} 行：新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}，"
                f"拒绝 {len(self.rejected)}")
        if self.ignored_columns:
            text += f"；已忽略未识别的列：{'、'.join(self.ignored_columns)}"
        if self.dry_run:
            text += "（仅检查，未写入）"
        return text


class _NoProgress:
    def __init__(self, *args, **kwargs):
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


ProgressFactory = Callable[..., object]  # tqdm-like: factory(total=, desc=) -> obj with update(n) and close()


@dataclass
class _ValidRow:
    line: int
    uscc: str
    values: dict  # field -> value, only the cells that hold a value
    tags: list[str] | None  # None: the cell was blank or the column absent


class _DryRun(Exception):
    pass


# ---------------------------------------------------------------------------------------------------- reading


def _text(value) -> str:
    """A cell as text, trimmed (full-width spaces too); whole numbers without ``.0``. Names and addresses are kept
    as typed: 有限公司（集团） keeps its full-width brackets."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _fold(text: str) -> str:
    """For codes, choices and headers: full-width letters, digits, brackets and spaces folded to ASCII."""
    return unicodedata.normalize("NFKC", text)


def _header_key(value) -> str:
    return re.sub(r"[\s*]", "", _fold(_text(value))).lower()


_HEADER_LOOKUP = {_header_key(alias): c.key for c in COLUMNS for alias in (c.header, c.key, *c.aliases)}


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


def _xlsx_rows(data: bytes) -> list[list]:
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
            # The active sheet may be a notes sheet (the template has one): take the first with a full header.
            if _find_header(rows, complete=True) is not None:
                return rows
        return first or []
    finally:
        workbook.close()


def _read_rows(data: bytes, filename: str) -> list[list]:
    suffix = Path(filename).suffix.lower()
    if not data.strip():
        raise ImportFileError("文件是空的")
    if data.startswith(XLSX_MAGIC):
        return _xlsx_rows(data)
    if data.startswith(OLE_MAGIC) or suffix == ".xls":
        raise ImportFileError("不支持旧版 Excel（.xls）文件：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入")
    if suffix in (".xlsx", ".xlsm"):
        raise ImportFileError(f"文件扩展名为 {suffix}，但内容不是 Excel 表格（可能是改了扩展名的其他文件）")
    return _csv_rows(data)


def _header_keys(row: list) -> set[str]:
    return {_HEADER_LOOKUP[k] for k in map(_header_key, row) if k in _HEADER_LOOKUP}


def _find_header(rows: list[list], *, complete: bool = False) -> int | None:
    """The header's index: the first of the top rows that names every required column, else (unless ``complete``)
    the first that names any column, so that the error can say which required ones are missing."""
    keys = [_header_keys(row) for row in rows[:HEADER_SEARCH_ROWS]]
    required = {c.key for c in REQUIRED}
    for index, found in enumerate(keys):
        if required <= found:
            return index
    if not complete:
        for index, found in enumerate(keys):
            if found:
                return index
    return None


def _map_header(header: list) -> tuple[dict[str, int], list[str], list[str]]:
    """Column key -> cell index; the recognised and the ignored headers."""
    positions: dict[str, int] = {}
    recognised, ignored = [], []
    for index, cell in enumerate(header):
        text = _text(cell)
        if not text:
            continue
        key = _HEADER_LOOKUP.get(_header_key(cell))
        if key is None:
            if text not in REPORT_HEADERS:
                ignored.append(text)
            continue
        if key in positions:
            raise ImportFileError(f"“{COLUMN_BY_KEY[key].header}”列出现了不止一次（第 {positions[key] + 1} 列和"
                                  f"第 {index + 1} 列），请只保留一列")
        positions[key] = index
        recognised.append(text)
    missing = [c.header for c in REQUIRED if c.key not in positions]
    if missing:
        raise ImportFileError(f"缺少必需的列：{'、'.join(missing)}。表头应包含："
                              f"{'、'.join(c.header for c in COLUMNS)}")
    return positions, recognised, ignored


# ---------------------------------------------------------------------------------------------------- validating


def _choice_lookup(choices, extra: dict[str, str]) -> dict[str, str]:
    """Accepted spellings (lower case, no spaces) -> stored value: the code, the label, and ``extra``."""
    lookup = {}
    for value, label in choices:
        lookup[value.lower()] = value
        lookup[label.replace(" ", "").lower()] = value
    lookup.update(extra)
    return lookup


INDUSTRY_LOOKUP = _choice_lookup(Industry.choices, {label.split(" ", 1)[1]: value for value, label in Industry.choices})
SIZE_LOOKUP = _choice_lookup(Size.choices, {"大": Size.LARGE, "中": Size.MEDIUM, "小": Size.SMALL, "微": Size.MICRO})
OWNERSHIP_LOOKUP = _choice_lookup(Ownership.choices, {
    "私营": Ownership.PRIVATE, "国有控股": Ownership.STATE, "外商投资": Ownership.FOREIGN,
    "港澳台投资": Ownership.HMT, "个体工商户": Ownership.INDIVIDUAL})


def _choice(raw: str, lookup: dict[str, str], strip_suffix: str = "") -> str | None:
    text = re.sub(r"\s", "", _fold(raw)).lower()
    return lookup.get(text) or (lookup.get(text.removesuffix(strip_suffix)) if strip_suffix else None)


class _RowValidator:
    """Checks one row's cells with the model fields' own validators and the preloaded towns."""

    def __init__(self):
        self.fields = {f: Enterprise._meta.get_field(f) for f in TEXT_FIELDS + ("uscc",)}
        # Fields whose only validator is the length: checked with len() first, Django's validator (for its
        # message) only when that fails. Nine fields of 70,000 rows make this the import's hot loop.
        self.length_only = {name for name, f in self.fields.items()
                            if all(isinstance(v, MaxLengthValidator) for v in f.validators)}
        self.tag_field = Tag._meta.get_field("name")
        self.towns: dict[str, int] = {}
        for pk, name, code in Department.objects.filter(
                kind__in=[Department.Kind.TOWN, Department.Kind.PARK]).values_list("pk", "name", "code"):
            self.towns.setdefault(_fold(name), pk)
            self.towns.setdefault(_fold(code).lower(), pk)

    def _check(self, field_name: str, value: str, errors: list[str]) -> bool:
        field = self.fields[field_name]
        if field_name in self.length_only and len(value) <= field.max_length:
            return True
        try:
            field.run_validators(value)
            return True
        except ValidationError as exc:
            errors.append(f"{COLUMN_BY_KEY[field_name].header}：{'；'.join(exc.messages)}")
            return False

    def validate(self, cells: dict[str, str]) -> tuple[str, bool, dict, list[str] | None, list[str]]:
        """One row's cells -> (normalised USCC, whether it is valid, field values, tags or None, errors)."""
        errors: list[str] = []
        values: dict = {}
        uscc = cells.get("uscc", "")
        if not COMPACT_USCC.fullmatch(uscc):  # most codes arrive compact; stdnum's compact() is costly at 70,000
            uscc = normalize_uscc(_fold(uscc))
        if not uscc:
            errors.append("统一社会信用代码：必填")
        uscc_valid = bool(uscc) and self._check("uscc", uscc, errors)
        if not cells.get("name"):
            errors.append("企业名称：必填")
        for name in TEXT_FIELDS:
            raw = cells.get(name, "")
            if name == "contact_phone":
                raw = normalize_phone(_fold(raw))
            if raw and self._check(name, raw, errors):
                values[name] = raw
        for name, lookup, suffix, allowed in (
                ("industry", INDUSTRY_LOOKUP, "", "字母A–T或门类名称"),
                ("size", SIZE_LOOKUP, "企业", "大型/中型/小型/微型"),
                ("ownership", OWNERSHIP_LOOKUP, "企业", "民营/国有/外资/港澳台/个体")):
            raw = cells.get(name, "")
            if raw:
                value = _choice(raw, lookup, suffix)
                if value is None:
                    errors.append(f"{COLUMN_BY_KEY[name].header}：无法识别“{raw}”，应为{allowed}")
                else:
                    values[name] = value
        town = cells.get("town", "")
        if town:
            town_id = self.towns.get(_fold(town)) or self.towns.get(_fold(town).lower())
            if town_id is None:
                errors.append(f"所在乡镇/园区：系统中没有名为“{town}”的乡镇（街道）或园区")
            else:
                values["town_id"] = town_id
        tags = None
        if cells.get("tags"):
            tags = list(dict.fromkeys(t for t in TAG_SEPARATORS.split(cells["tags"]) if t))
            for tag in tags:
                if len(tag) <= self.tag_field.max_length:
                    continue
                try:
                    self.tag_field.run_validators(tag)
                except ValidationError as exc:
                    errors.append(f"标签“{tag}”：{'；'.join(exc.messages)}")
        return uscc, uscc_valid, values, tags, errors


def _rows_to_cells(rows: list[list], start: int, positions: dict[str, int]) -> Iterator[tuple[int, dict[str, str]]]:
    for index in range(start, len(rows)):
        row = rows[index]
        cells = {key: _text(row[pos]) if pos < len(row) else "" for key, pos in positions.items()}
        if any(cells.values()):
            yield index + 1, cells


# ---------------------------------------------------------------------------------------------------- writing


def _chunks(items: list, size: int | None = None) -> Iterable[list]:
    size = size or LOOKUP_CHUNK
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _matching(queryset, field: str, keys: list, *values: str) -> Iterator[tuple]:
    """``values_list(field, *values)`` of the rows whose ``field`` is one of ``keys``. When the keys are a good
    share of the table, one scan filtered here beats chunked ``IN`` lists: PostgreSQL spends seconds parsing and
    planning 70,000 bound literals."""
    if not keys:
        return
    if len(keys) * 2 >= queryset.count():
        wanted = set(keys)
        yield from (row for row in queryset.values_list(field, *values).iterator(chunk_size=5000)
                    if row[0] in wanted)
        return
    for chunk in _chunks(keys):
        yield from queryset.filter(**{f"{field}__in": chunk}).values_list(field, *values)


def _ensure_tags(names: set[str], report: ImportReport) -> dict[str, int]:
    tag_ids: dict[str, int] = {}
    for chunk in _chunks(sorted(names)):
        tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
    missing = sorted(names - tag_ids.keys())
    if missing:
        # ignore_conflicts: another import may create the same tag concurrently; we re-read the ids below.
        Tag.objects.bulk_create([Tag(name=n) for n in missing], batch_size=BATCH_SIZE, ignore_conflicts=True)
        for chunk in _chunks(missing):
            tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
        report.tags_created = len(missing)
    return tag_ids


# Columns whose values, as the importer builds them (str, int, None), go to the driver unchanged: for these
# get_db_prep_save is the identity, and skipping 700,000 calls to it is most of the write time saved.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.ForeignKey)


def _db_value(field, value):
    return value if isinstance(field, _PLAIN_FIELDS) else field.get_db_prep_save(value, connection)


def _insert_rows(model, rows: list[dict], *, constants: dict | None = None, bar=None) -> None:
    """Insert ``rows`` (attname -> plain value: str, int, None); an attname a row lacks takes ``constants``, else
    the field's default. Primary keys are not returned.

    Not bulk_create: at 70,000 rows it spends most of its time building instances and compiling SQL, and on
    SQLite it is capped at 999 parameters a statement. Here PostgreSQL gets ``COPY`` (a huge multi-row INSERT
    makes psycopg re-parse every placeholder on the client) and SQLite multi-row INSERTs within its limit.
    """
    opts = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    base = {f.attname: f.get_db_prep_save((constants or {}).get(f.attname, f.get_default()), connection)
            for f in fields}
    names = list(base)
    table, columns = quote(opts.db_table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for chunk in _chunks(rows, BATCH_SIZE):
                    for row in chunk:
                        copy.write_row([row.get(name, base[name]) for name in names])
                    if bar is not None:
                        bar.update(len(chunk))
            return
        per_statement = min(BATCH_SIZE, (connection.features.max_query_params or 65535) // len(fields))
        placeholder = f"({', '.join(['%s'] * len(fields))})"
        for chunk in _chunks(rows, per_statement):
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(chunk))}",
                           [row.get(name, base[name]) for row in chunk for name in names])
            if bar is not None:
                bar.update(len(chunk))


def _update_rows(updates: list[tuple[int, dict]], now, bar) -> None:
    """Write the changed columns (and ``updated_at``) of existing enterprises, grouped by the set of changed
    columns. Not bulk_update: it builds a CASE WHEN per column over each batch and managed ~600 rows/s on the
    benchmark. SQLite gets ``UPDATE … WHERE id = ?`` through executemany (in-process, cheap); PostgreSQL gets the
    new values COPYed into a temporary table and one ``UPDATE … FROM`` it, instead of a round trip per row."""
    opts = Enterprise._meta
    quote = connection.ops.quote_name
    table, pk_column = quote(opts.db_table), quote(opts.pk.column)
    stamp_field = opts.get_field("updated_at")
    stamp = stamp_field.get_db_prep_save(now, connection)
    groups: dict[tuple[str, ...], list[tuple[int, dict]]] = defaultdict(list)
    for pk, diff in updates:
        groups[tuple(sorted(diff))].append((pk, diff))
    with connection.cursor() as cursor:
        for names, rows in groups.items():
            fields = [opts.get_field(name) for name in names]
            columns = [quote(f.column) for f in fields]
            if connection.vendor == "postgresql":
                staged = ", ".join([pk_column, *columns])
                cursor.execute(f"CREATE TEMPORARY TABLE import_changes ON COMMIT DROP AS "
                               f"SELECT {staged} FROM {table} WITH NO DATA")
                with cursor.copy(f"COPY import_changes ({staged}) FROM STDIN") as copy:
                    for chunk in _chunks(rows, BATCH_SIZE):
                        for pk, diff in chunk:
                            copy.write_row([pk, *(_db_value(f, diff[n]) for f, n in zip(fields, names))])
                        bar.update(len(chunk))
                assignments = ", ".join([*(f"{c} = changes.{c}" for c in columns), f"{quote(stamp_field.column)} = %s"])
                cursor.execute(f"UPDATE {table} SET {assignments} FROM import_changes AS changes "
                               f"WHERE {table}.{pk_column} = changes.{pk_column}", [stamp])
                cursor.execute("DROP TABLE import_changes")
                continue
            assignments = ", ".join(f"{c} = %s" for c in [*columns, quote(stamp_field.column)])
            sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"
            for chunk in _chunks(rows, BATCH_SIZE):
                cursor.executemany(sql, [[*(_db_value(f, diff[n]) for f, n in zip(fields, names)), stamp, pk]
                                         for pk, diff in chunk])
                bar.update(len(chunk))


def _write(valid: list[_ValidRow], report: ImportReport, progress: ProgressFactory) -> None:
    through = Enterprise.tags.through
    # uscc -> (pk, stored values). Tuples rather than model instances: building 70,000 instances just to compare
    # them would cost more than the comparison.
    existing: dict[str, tuple[int, dict]] = {}
    for uscc, pk, *stored in _matching(Enterprise.objects.all(), "uscc", [r.uscc for r in valid], "pk",
                                       *SCALAR_FIELDS):
        existing[uscc] = (pk, dict(zip(SCALAR_FIELDS, stored)))
    current_tags: dict[int, set[str]] = {}
    tagged_existing = [existing[r.uscc][0] for r in valid if r.tags is not None and r.uscc in existing]
    for enterprise_id, name in _matching(through.objects.all(), "enterprise_id", tagged_existing, "tag__name"):
        current_tags.setdefault(enterprise_id, set()).add(name)

    now = timezone.now()
    to_create: list[dict] = []
    updates: list[tuple[int, dict]] = []  # (pk, the changed values)
    new_tags: dict[str, list[str]] = {}  # uscc -> the tag set to store (created rows, or changed tag sets)
    ids: dict[str, int] = {}  # uscc -> pk of the enterprises whose tags are written
    for row in valid:
        found = existing.get(row.uscc)
        if found is None:
            to_create.append({**row.values, "uscc": row.uscc})
            if row.tags:
                new_tags[row.uscc] = row.tags
            continue
        pk, stored = found
        diff = {k: v for k, v in row.values.items() if stored[k] != v}
        tags_differ = row.tags is not None and set(row.tags) != current_tags.get(pk, set())
        if not diff and not tags_differ:
            report.unchanged += 1
            continue
        updates.append((pk, diff))
        if tags_differ:
            new_tags[row.uscc] = row.tags
            ids[row.uscc] = pk
    report.created, report.updated = len(to_create), len(updates)

    bar = progress(total=len(to_create) + len(updates), desc="写入", unit="行")
    try:
        _insert_rows(Enterprise, to_create, constants={"created_at": now, "updated_at": now}, bar=bar)
        _update_rows(updates, now, bar)
    finally:
        bar.close()

    if new_tags:
        tag_ids = _ensure_tags({t for tags in new_tags.values() for t in tags}, report)
        # Tag sets replaced on existing enterprises: drop their old links first.
        for chunk in _chunks(list(ids.values())):
            through.objects.filter(enterprise_id__in=chunk).delete()
        ids.update(_matching(Enterprise.objects.all(), "uscc", [u for u in new_tags if u not in ids], "pk"))
        _insert_rows(through, [{"enterprise_id": ids[u], "tag_id": tag_ids[t]}
                               for u, tags in new_tags.items() for t in tags])


# ---------------------------------------------------------------------------------------------------- the service


def import_enterprises(source: str | Path | IO, *, filename: str | None = None, dry_run: bool = False,
                       progress: ProgressFactory | None = None) -> ImportReport:
    """Import enterprises from a .csv or .xlsx file (a path, or an open binary file such as an upload).

    Raises ``ImportFileError`` when the file as a whole cannot be imported. Writes all valid rows atomically;
    with ``dry_run`` validates and counts but writes nothing. ``progress`` is a tqdm-like factory.
    """
    progress = progress or _NoProgress
    data, name = _read_bytes(source)
    report = ImportReport(filename=filename or name, dry_run=dry_run)
    rows = _read_rows(data, report.filename)
    start = _find_header(rows)
    if start is None:
        raise ImportFileError("找不到表头：第一行应为列名，至少包含 "
                              + "、".join(c.header for c in REQUIRED))
    positions, report.columns, report.ignored_columns = _map_header(rows[start])
    data_rows = list(_rows_to_cells(rows, start + 1, positions))
    del rows, data
    report.rows = len(data_rows)

    validator = _RowValidator()
    valid: list[_ValidRow] = []
    first_line_of: dict[str, int] = {}
    bar = progress(total=len(data_rows), desc="校验", unit="行")
    try:
        for line, cells in data_rows:
            uscc, uscc_valid, values, tags, errors = validator.validate(cells)
            # The first row with a code owns it, even when that row is rejected for another reason: a later row
            # with the same code is a duplicate to resolve in the file, not a fallback.
            if uscc_valid:
                if uscc in first_line_of:
                    errors.insert(0, f"统一社会信用代码与第 {first_line_of[uscc]} 行重复")
                else:
                    first_line_of[uscc] = line
            if errors:
                report.rejected.append(RejectedRow(line=line, uscc=uscc or cells.get("uscc", ""),
                                                   name=cells.get("name", ""), reason="；".join(errors),
                                                   values=cells))
            else:
                valid.append(_ValidRow(line=line, uscc=uscc, values=values, tags=tags))
            bar.update(1)
    finally:
        bar.close()

    try:
        with transaction.atomic():
            _write(valid, report, progress)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except IntegrityError as exc:
        # Only a concurrent change (another import or an edit creating the same USCC) gets here: rows were
        # validated against the same data we write to.
        raise ImportFileError("导入时企业名录被同时修改（可能有人在同时导入），已全部撤销，请重试") from exc
    return report


# ---------------------------------------------------------------------------------------------------- workbooks


def _workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _style_header(sheet, widths: list[int]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for index, cell in enumerate(sheet[1], start=1):
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[get_column_letter(index)].width = widths[index - 1]
    sheet.freeze_panes = "A2"


def template_workbook() -> bytes:
    """The import template: the header row on the first sheet, what each column takes on a second one."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "企业名录"
    sheet.append([c.header for c in COLUMNS])
    _style_header(sheet, [32 if c.key in ("name", "address") else 20 for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        if column.required:
            sheet.cell(row=1, column=index).font = Font(bold=True, color="C00000")
        if column.key in ("uscc", "contact_phone"):
            # Text, so that Excel neither drops a leading 0 nor rounds an all-digit code to 15 significant digits.
            sheet.column_dimensions[get_column_letter(index)].number_format = "@"

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "说明"])
    for column in COLUMNS:
        notes.append([column.header, column.hint or "选填"])
    notes.append([])
    notes.append(["行业门类", "；".join(label for _, label in Industry.choices)])
    towns = Department.objects.filter(kind__in=[Department.Kind.TOWN, Department.Kind.PARK], is_active=True)
    notes.append(["乡镇（街道）/园区", "、".join(towns.values_list("name", flat=True)) or "（尚未配置）"])
    notes.append(["导入规则", "按统一社会信用代码新增或更新；空白单元格不会清除已有信息；未识别的列将被忽略；"
                              "统一社会信用代码和联系电话请保持“文本”格式"])
    _style_header(notes, [18, 100])
    return _workbook_bytes(workbook)


def rejected_rows_workbook(rejected: Iterable[RejectedRow]) -> bytes:
    """The rejected rows with their line numbers and reasons, in the template's columns so that the user can correct
    them and import this very file again (行号 and 错误原因 are then ignored)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "未导入的行"
    sheet.append([*REPORT_HEADERS, *(c.header for c in COLUMNS)])
    for row in rejected:
        sheet.append([row.line, row.reason, *(row.values.get(c.key, "") for c in COLUMNS)])
    _style_header(sheet, [8, 50] + [32 if c.key in ("name", "address") else 18 for c in COLUMNS])
    return _workbook_bytes(workbook)
