"""The import service: a clerk's spreadsheet of enterprises, good rows, bad rows and bad files."""

from __future__ import annotations

import io
import os

import openpyxl
import pytest

from lianxi.directory import importer
from lianxi.directory.importer import ImportFileError, import_enterprises, rejected_rows_workbook
from lianxi.directory.models import Enterprise, Tag
from tests.conftest import USCC_JIA

from .conftest import HEADER, csv_bytes, make_uscc, read_xlsx, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

ROW_A = ["贵州清镇铝业有限公司", make_uscc(1), "赵铝", "钱联", "138 0000 0002", "C", "中型", "国有", "卫城镇",
         "卫城镇工业路1号", "专精特新、高新技术企业"]
ROW_B = ["清镇市红枫茶叶合作社", make_uscc(2), "", "", "0851-82511111", "农、林、牧、渔业", "微", "个体",
         "清镇经济开发区", "", "农业, 茶叶"]


def rows_of(*rows):
    return [list(r) for r in rows]


def test_good_rows_are_imported_with_every_field(town, park):
    report = import_enterprises(upload(csv_bytes([ROW_A, ROW_B])))

    assert (report.rows, report.created, report.updated, report.unchanged, report.rejected) == (2, 2, 0, 0, [])
    a = Enterprise.objects.get(uscc=make_uscc(1))
    assert (a.name, a.legal_representative, a.contact_person, a.contact_phone) == (
        "贵州清镇铝业有限公司", "赵铝", "钱联", "13800000002")
    assert (a.industry, a.size, a.ownership, a.town, a.address) == ("C", "medium", "state", town, "卫城镇工业路1号")
    assert set(a.tags.values_list("name", flat=True)) == {"专精特新", "高新技术企业"}
    b = Enterprise.objects.get(uscc=make_uscc(2))
    assert (b.industry, b.size, b.ownership, b.town) == ("A", "micro", "individual", park)
    assert set(b.tags.values_list("name", flat=True)) == {"茶叶", "农业"}
    assert Tag.objects.count() == 4 and report.tags_created == 4


def test_uscc_is_normalised_and_choices_accept_codes_and_long_names(town):
    messy = make_uscc(3).lower()
    messy = f" {messy[:4]} {messy[4:10]}-{messy[10:]} "
    full_width_phone = "１３８ ００００ ０００４"
    row = ["贵州甲（集团）有限公司", messy, "", "", full_width_phone, "c 制造业", "小型企业", "民营企业", "", "", ""]
    report = import_enterprises(upload(csv_bytes([row])))
    assert report.created == 1, report.rejected
    enterprise = Enterprise.objects.get(uscc=make_uscc(3))
    assert (enterprise.industry, enterprise.size, enterprise.ownership) == ("C", "small", "private")
    assert enterprise.contact_phone == "13800000004"
    assert enterprise.name == "贵州甲（集团）有限公司"  # names keep their full-width brackets


def test_bad_rows_are_rejected_with_line_numbers_and_reasons_and_good_rows_still_imported(town):
    bad_check_digit = make_uscc(10)[:-1] + ("0" if make_uscc(10)[-1] != "0" else "1")
    rows = [
        ROW_A,                                                                      # line 2: fine
        ["坏校验位公司", bad_check_digit, "", "", "", "", "", "", "", "", ""],      # line 3
        ["电话错公司", make_uscc(11), "", "", "12345", "", "", "", "", "", ""],     # line 4
        ["", make_uscc(12), "", "", "", "", "", "", "", "", ""],                  # line 5: no name
        ["乡镇错公司", make_uscc(13), "", "", "", "Z", "巨型", "", "火星镇", "", ""],  # line 6: three reasons
        ["无代码公司", "", "", "", "", "", "", "", "", "", ""],                      # line 7
    ]
    report = import_enterprises(upload(csv_bytes(rows)))

    assert (report.created, len(report.rejected)) == (1, 5)
    reasons = {r.line: r.reason for r in report.rejected}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "统一社会信用代码" in reasons[3] and "校验位" in reasons[3]
    assert reasons[4].startswith("联系电话：")
    assert reasons[5] == "企业名称：必填"
    assert "行业门类" in reasons[6] and "企业规模" in reasons[6] and "火星镇" in reasons[6]
    assert reasons[7] == "统一社会信用代码：必填"
    assert {r.line: r.uscc for r in report.rejected}[4] == make_uscc(11)
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [make_uscc(1)]


def test_duplicate_uscc_in_the_file_rejects_the_later_row_naming_the_first(town):
    again = ["同码另一家", make_uscc(1).lower(), "", "", "", "", "", "", "", "", ""]
    report = import_enterprises(upload(csv_bytes([ROW_A, ROW_B[:8] + ["", "", ""], again])))
    assert report.created == 2
    assert [(r.line, r.reason) for r in report.rejected] == [(4, "统一社会信用代码与第 2 行重复")]
    assert Enterprise.objects.get(uscc=make_uscc(1)).name == ROW_A[0]


def test_a_gbk_csv_from_excel_is_decoded(town, park):
    report = import_enterprises(upload(csv_bytes([ROW_A, ROW_B], encoding="gbk")))
    assert report.created == 2 and not report.rejected
    assert Enterprise.objects.get(uscc=make_uscc(1)).name == "贵州清镇铝业有限公司"


def test_a_utf8_csv_with_bom_is_decoded(town, park):
    report = import_enterprises(upload(csv_bytes([ROW_A, ROW_B], encoding="utf-8-sig")))
    assert report.created == 2 and not report.rejected
    # The BOM must not stick to the first header, or 企业名称 would be "missing".
    assert report.columns[0] == "企业名称"


def test_an_xlsx_is_imported_with_numeric_cells_and_a_title_row_above_the_header(town, park):
    row = ["清镇数字科技有限公司", make_uscc(5), "孙数", "", 13800000003, "I", "小", "民营", "卫城镇", "", ""]
    report = import_enterprises(upload(xlsx_bytes([row, ROW_B], title="清镇市企业名录（2026年）"), "名录.xlsx"))
    assert report.created == 2, report.rejected
    assert Enterprise.objects.get(uscc=make_uscc(5)).contact_phone == "13800000003"


def test_an_xlsx_bad_row_is_reported_with_its_sheet_row_number(town):
    bad = ["", make_uscc(6), "", "", "", "", "", "", "", "", ""]
    report = import_enterprises(upload(xlsx_bytes([ROW_A, [], bad], title="名录"), "名录.xlsx"))
    # Title on row 1, header on row 2, ROW_A on 3, a blank row 4 (skipped), the bad row on 5.
    assert [(r.line, r.reason) for r in report.rejected] == [(5, "企业名称：必填")]
    assert report.rows == 2


def test_importing_the_same_file_again_changes_nothing(town, park):
    content = csv_bytes([ROW_A, ROW_B])
    import_enterprises(upload(content))
    before = list(Enterprise.objects.order_by("uscc").values_list("uscc", "updated_at"))
    tags_before = Tag.objects.count()

    report = import_enterprises(upload(content))

    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 2, [])
    assert list(Enterprise.objects.order_by("uscc").values_list("uscc", "updated_at")) == before
    assert Tag.objects.count() == tags_before and report.tags_created == 0


def test_an_existing_enterprise_is_updated_only_where_a_filled_cell_differs(jia, town, park):
    jia.tags.add(Tag.objects.create(name="老标签"))
    updated_at = jia.updated_at
    # Same name, a new phone, blank legal representative (keeps 张甲), a new tag set; 甲 already exists.
    row = [jia.name, USCC_JIA, "", "", "13900000009", "", "", "", "清镇经济开发区", "", "规上企业"]
    report = import_enterprises(upload(csv_bytes([row])))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    jia.refresh_from_db()
    assert (jia.contact_phone, jia.legal_representative, jia.contact_person, jia.town) == (
        "13900000009", "张甲", "李联", park)
    assert list(jia.tags.values_list("name", flat=True)) == ["规上企业"]
    assert jia.updated_at > updated_at
    assert Enterprise.objects.count() == 1


def test_updates_touch_only_the_enterprises_and_columns_that_changed(town, park, monkeypatch):
    # A directory larger than the file, so that existing rows are looked up in chunks rather than by a scan.
    monkeypatch.setattr(importer, "LOOKUP_CHUNK", 2)
    rows = [[f"企业{n}", make_uscc(200 + n), "", "", "", "C", "", "", "卫城镇", "", "甲标签"] for n in range(8)]
    import_enterprises(upload(csv_bytes(rows)))
    stamps = dict(Enterprise.objects.values_list("uscc", "updated_at"))
    changed = [
        ["企业0（更名）", make_uscc(200), "", "", "", "", "", "", "", "", ""],          # name only
        ["企业1", make_uscc(201), "", "", "", "D", "", "", "清镇经济开发区", "", ""],   # industry and town
        ["企业2", make_uscc(202), "", "", "", "", "", "", "", "", "乙标签 丙标签"],    # tags only
        ["企业3", make_uscc(203), "", "", "", "C", "", "", "卫城镇", "", "甲标签"],     # nothing
    ]
    report = import_enterprises(upload(csv_bytes(changed)))

    assert (report.created, report.updated, report.unchanged) == (0, 3, 1)
    by_uscc = {e.uscc: e for e in Enterprise.objects.all()}
    assert by_uscc[make_uscc(200)].name == "企业0（更名）" and by_uscc[make_uscc(200)].industry == "C"
    assert (by_uscc[make_uscc(201)].industry, by_uscc[make_uscc(201)].town) == ("D", park)
    assert set(by_uscc[make_uscc(202)].tags.values_list("name", flat=True)) == {"乙标签", "丙标签"}
    assert list(by_uscc[make_uscc(203)].tags.values_list("name", flat=True)) == ["甲标签"]
    touched = {u for u, e in by_uscc.items() if e.updated_at != stamps[u]}
    assert touched == {make_uscc(200), make_uscc(201), make_uscc(202)}


def test_a_file_without_a_required_column_names_it_and_imports_nothing(town):
    header = [h for h in HEADER if h != "统一社会信用代码"]
    content = csv_bytes([[c for i, c in enumerate(ROW_A) if i != 1]], header=header)
    with pytest.raises(ImportFileError) as error:
        import_enterprises(upload(content))
    assert "缺少必需的列：统一社会信用代码" in error.value.message
    assert not Enterprise.objects.exists() and not Tag.objects.exists()


def test_a_header_given_twice_is_a_file_error(town):
    with pytest.raises(ImportFileError, match="企业名称.*不止一次"):
        import_enterprises(upload(csv_bytes([ROW_A + ["x"]], header=HEADER + ["名称"])))
    assert not Enterprise.objects.exists()


def test_unknown_columns_are_ignored_and_named(town):
    report = import_enterprises(upload(csv_bytes([["1"] + ROW_A + ["备注"]], header=["序号"] + HEADER + ["备注"])))
    assert report.created == 1
    assert report.ignored_columns == ["序号", "备注"]
    assert "已忽略未识别的列：序号、备注" in report.summary()


@pytest.mark.parametrize("content, name, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "名录.xlsx", "不是 Excel"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "名录.csv", "不是 CSV 文本或 Excel"),
    (os.urandom(4096).replace(b"\x00", b"") + b"\xff\xfe\xfd", "名录.csv", "无法识别文件编码"),
    (b"PK\x03\x04" + b"not really a zip" * 10, "名录.xlsx", "不是有效的 Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "名录.xls", "不支持旧版 Excel"),
    (b"", "名录.csv", "文件是空的"),
    ("随便写的一段话\n没有表头".encode(), "名录.csv", "找不到表头"),
])
def test_a_file_that_is_not_a_usable_spreadsheet_gives_one_message_and_imports_nothing(content, name, message):
    with pytest.raises(ImportFileError) as error:
        import_enterprises(upload(content, name))
    assert message in error.value.message
    assert not Enterprise.objects.exists()


def test_a_crash_while_writing_leaves_nothing_half_written(town, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # The enterprises are inserted, then the tags fail.
    monkeypatch.setattr(importer, "_ensure_tags", explode)
    with pytest.raises(RuntimeError):
        import_enterprises(upload(csv_bytes([ROW_A])))
    assert not Enterprise.objects.exists() and not Tag.objects.exists()


def test_a_dry_run_counts_but_writes_nothing(town):
    report = import_enterprises(upload(csv_bytes([ROW_A])), dry_run=True)
    assert report.created == 1 and report.dry_run
    assert not Enterprise.objects.exists() and not Tag.objects.exists()


def test_a_path_is_accepted_and_many_rows_go_in_batches(tmp_path, town, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 7)
    monkeypatch.setattr(importer, "LOOKUP_CHUNK", 5)
    rows = [[f"企业{n}", make_uscc(100 + n), "", "", "", "", "", "", "卫城镇", "", f"批次{n % 3}"] for n in range(30)]
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes(rows))
    assert import_enterprises(path).created == 30
    assert Enterprise.objects.filter(town=town).count() == 30
    assert Enterprise.tags.through.objects.count() == 30 and Tag.objects.count() == 3
    again = import_enterprises(str(path))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)


def test_the_rejected_rows_workbook_can_be_corrected_and_imported_again(town):
    report = import_enterprises(upload(csv_bytes([["待改公司", make_uscc(7), "", "", "123", "", "", "", "", "", ""]])))
    workbook = rejected_rows_workbook(report.rejected)
    rows = read_xlsx(workbook)
    assert rows[0][:4] == ("行号", "错误原因", "企业名称", "统一社会信用代码")
    assert rows[1][0] == 2 and rows[1][1].startswith("联系电话") and rows[1][2] == "待改公司"

    book = openpyxl.load_workbook(io.BytesIO(workbook))
    book.active.cell(row=2, column=2 + HEADER.index("联系电话") + 1, value="13800000123")
    fixed = io.BytesIO()
    book.save(fixed)
    again = import_enterprises(upload(fixed.getvalue(), "fixed.xlsx"))
    assert (again.created, again.rejected, again.ignored_columns) == (1, [], [])
