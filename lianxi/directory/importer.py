"""Importing the enterprise directory from a spreadsheet (.csv or .xlsx): one service for the command and the page.

``import_enterprises(file_or_path)`` reads the whole file, validates every row, then writes all valid rows in one
transaction and returns an ``ImportReport``. The rules:

- The file is read by lianxi.core.sheets, which the indicator import shares: format by content (.xlsx, or CSV
  in UTF-8, GBK/GB18030 or UTF-16), columns found by their Chinese header (``COLUMNS``, with a few aliases;
  full-width characters, spaces and a ``*`` are tolerated) in the first of the top rows that names every required
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
with towns, tags and existing enterprises preloaded, and writes in bulk (lianxi.core.bulk:
73,900 rows take seconds, bench/bench_import.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianxi.core import bulk, sheets
from lianxi.core.sheets import Column, ImportFileError, NoProgress, ProgressFactory, RejectedRow, fold

from .models import Department, Enterprise, Industry, Ownership, Size, Tag
from .validators import normalize_phone, normalize_uscc

# Module constants rather than lianxi.core.bulk's, read at each call: tests shrink them to walk the chunked paths.
BATCH_SIZE = bulk.BATCH_SIZE
LOOKUP_CHUNK = bulk.LOOKUP_CHUNK

__all__ = ["COLUMNS", "ImportFileError", "ImportReport", "RejectedRow", "import_enterprises",
           "rejected_rows_workbook", "template_workbook"]


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
COLUMN_SET = sheets.Columns(COLUMNS)
COLUMN_BY_KEY = COLUMN_SET.by_key
# Plain text fields compared and written as they are.
TEXT_FIELDS = ("name", "legal_representative", "contact_person", "contact_phone", "address")
SCALAR_FIELDS = TEXT_FIELDS + ("industry", "size", "ownership", "town_id")

COMPACT_USCC = re.compile(r"[0-9A-Z]{18}")
TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")


@dataclass
class ImportReport(sheets.ImportReport):
    tags_created: int = 0


@dataclass
class _ValidRow:
    uscc: str
    values: dict  # field -> value, only the cells that hold a value
    tags: list[str] | None  # None: the cell was blank or the column absent


class _DryRun(Exception):
    pass


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
    text = re.sub(r"\s", "", fold(raw)).lower()
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
            self.towns.setdefault(fold(name), pk)
            self.towns.setdefault(fold(code).lower(), pk)

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
            uscc = normalize_uscc(fold(uscc))
        if not uscc:
            errors.append("统一社会信用代码：必填")
        uscc_valid = bool(uscc) and self._check("uscc", uscc, errors)
        if not cells.get("name"):
            errors.append("企业名称：必填")
        for name in TEXT_FIELDS:
            raw = cells.get(name, "")
            if name == "contact_phone":
                raw = normalize_phone(fold(raw))
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
            town_id = self.towns.get(fold(town)) or self.towns.get(fold(town).lower())
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


# ---------------------------------------------------------------------------------------------------- writing


def _ensure_tags(names: set[str], report: ImportReport) -> dict[str, int]:
    tag_ids: dict[str, int] = {}
    for chunk in bulk.chunks(sorted(names), LOOKUP_CHUNK):
        tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
    missing = sorted(names - tag_ids.keys())
    if missing:
        # ignore_conflicts: another import may create the same tag concurrently; we re-read the ids below.
        Tag.objects.bulk_create([Tag(name=n) for n in missing], batch_size=BATCH_SIZE, ignore_conflicts=True)
        for chunk in bulk.chunks(missing, LOOKUP_CHUNK):
            tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
        report.tags_created = len(missing)
    return tag_ids


def _write(valid: list[_ValidRow], report: ImportReport, progress: ProgressFactory) -> None:
    through = Enterprise.tags.through
    # uscc -> (pk, stored values). Tuples rather than model instances: building 70,000 instances just to compare
    # them would cost more than the comparison.
    existing: dict[str, tuple[int, dict]] = {}
    for uscc, pk, *stored in bulk.matching(Enterprise.objects.all(), "uscc", [r.uscc for r in valid], "pk",
                                           *SCALAR_FIELDS, chunk=LOOKUP_CHUNK):
        existing[uscc] = (pk, dict(zip(SCALAR_FIELDS, stored)))
    current_tags: dict[int, set[str]] = {}
    tagged_existing = [existing[r.uscc][0] for r in valid if r.tags is not None and r.uscc in existing]
    for enterprise_id, name in bulk.matching(through.objects.all(), "enterprise_id", tagged_existing, "tag__name",
                                             chunk=LOOKUP_CHUNK):
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

    bulk.write_rows(Enterprise, to_create, updates, constants={"created_at": now, "updated_at": now},
                    stamp=("updated_at", now), progress=progress, batch_size=BATCH_SIZE)

    if new_tags:
        tag_ids = _ensure_tags({t for tags in new_tags.values() for t in tags}, report)
        # Tag sets replaced on existing enterprises: drop their old links first.
        for chunk in bulk.chunks(list(ids.values()), LOOKUP_CHUNK):
            through.objects.filter(enterprise_id__in=chunk).delete()
        ids.update(bulk.matching(Enterprise.objects.all(), "uscc", [u for u in new_tags if u not in ids], "pk",
                                 chunk=LOOKUP_CHUNK))
        bulk.insert_rows(through, [{"enterprise_id": ids[u], "tag_id": tag_ids[t]}
                                   for u, tags in new_tags.items() for t in tags], batch_size=BATCH_SIZE)


# ---------------------------------------------------------------------------------------------------- the service


def import_enterprises(source: str | Path | IO, *, filename: str | None = None, dry_run: bool = False,
                       progress: ProgressFactory | None = None) -> ImportReport:
    """Import enterprises from a .csv or .xlsx file (a path, or an open binary file such as an upload).

    Raises ``ImportFileError`` when the file as a whole cannot be imported. Writes all valid rows atomically;
    with ``dry_run`` validates and counts but writes nothing. ``progress`` is a tqdm-like factory.
    """
    progress = progress or NoProgress
    table = sheets.read_table(source, COLUMN_SET, filename=filename)
    report = ImportReport(filename=table.filename, dry_run=dry_run, columns=table.columns,
                          ignored_columns=table.ignored_columns)
    data_rows = table.rows
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
                valid.append(_ValidRow(uscc=uscc, values=values, tags=tags))
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


def template_workbook() -> bytes:
    """The import template: the header row on the first sheet, what each column takes on a second one."""
    towns = Department.objects.filter(kind__in=[Department.Kind.TOWN, Department.Kind.PARK], is_active=True)
    notes = [[column.header, column.hint or "选填"] for column in COLUMNS] + [
        [],
        ["行业门类", "；".join(label for _, label in Industry.choices)],
        ["乡镇（街道）/园区", "、".join(towns.values_list("name", flat=True)) or "（尚未配置）"],
        ["导入规则", "按统一社会信用代码新增或更新；空白单元格不会清除已有信息；未识别的列将被忽略；"
                     "统一社会信用代码和联系电话请保持“文本”格式"],
    ]
    return sheets.template_workbook("企业名录", COLUMNS, [32 if c.key in ("name", "address") else 20 for c in COLUMNS],
                                    notes=notes, text_keys=("uscc", "contact_phone"))


def rejected_rows_workbook(rejected: Iterable[RejectedRow]) -> bytes:
    """The rejected rows with their line numbers and reasons, in the template's columns so that the user can correct
    them and import this very file again (行号 and 错误原因 are then ignored)."""
    return sheets.rejected_rows_workbook(rejected, COLUMN_SET,
                                         [32 if c.key in ("name", "address") else 18 for c in COLUMNS])
