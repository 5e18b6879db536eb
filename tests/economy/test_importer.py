"""The indicator import: an admin's spreadsheet of quarterly figures, good rows, bad rows and bad files."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from lianxi.core import bulk
from lianxi.directory.models import Enterprise
from lianxi.economy import importer
from lianxi.economy.importer import ImportFileError, import_indicators, rejected_rows_workbook, template_workbook
from lianxi.economy.models import EnterpriseIndicator

from .conftest import HEADER, PERIOD_HEADER, figures, indicator_csv, make_uscc, read_xlsx, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

D = Decimal


def test_good_rows_are_imported_with_every_figure(firms):
    report = import_indicators(upload(indicator_csv([
        [make_uscc(1), "私营甲", "2026", "3", "60.5", "50", "600", "700"],
        [make_uscc(2), "个体乙", "2026", "第3季度", "1,234.567", "5", "100万元", ""],
    ])))

    assert (report.rows, report.created, report.updated, report.unchanged, report.rejected) == (2, 2, 0, 0, [])
    assert figures(firms["jia"]) == {(2026, 3): (D("60.50"), 50, D("600.00"), D("700.00"))}
    # Thousands separators and a trailing unit are accepted; amounts keep two decimals, rounded half up.
    assert figures(firms["yi"]) == {(2026, 3): (D("1234.57"), 5, D("100.00"), None)}


@pytest.mark.parametrize("period", ["2026Q3", "2026q3", "2026-Q3", "2026 Q3", "2026年第3季度", "2026年第三季度",
                                    "2026年3季度", "２０２６Ｑ３"])
def test_one_period_column_takes_the_usual_spellings(firms, period):
    report = import_indicators(upload(indicator_csv([[make_uscc(1), "", period, "1", "2", "3", "4"]],
                                                    header=PERIOD_HEADER)))
    assert report.created == 1, report.rejected
    assert EnterpriseIndicator.objects.get().period.code == "2026Q3"


def test_a_gbk_csv_with_full_width_headers_and_spaces(firms):
    header = ["统一社会信用代码", "年 度", "季度", "纳税额(万元)", "从业人数（人）"]
    content = indicator_csv([[make_uscc(3), "２０２６", "２", "８．５", "４０"]], header=header, encoding="gbk")

    report = import_indicators(upload(content))

    assert report.created == 1, report.rejected
    assert figures(firms["bing"]) == {(2026, 2): (D("8.50"), 40, None, None)}


def test_an_xlsx_with_a_title_row_numeric_cells_and_an_unknown_column(firms):
    content = xlsx_bytes([[make_uscc(1), "私营甲", 2026, 3, 12.345, 50.0, 600, None, "见附件"]],
                         header=HEADER + ["备注"], title="2026年第3季度企业经济指标")

    report = import_indicators(upload(content, "指标.xlsx"))

    assert report.created == 1 and report.ignored_columns == ["备注"]
    assert figures(firms["jia"]) == {(2026, 3): (D("12.35"), 50, D("600.00"), None)}


def test_bad_rows_are_rejected_with_line_numbers_and_reasons_and_good_rows_still_imported(firms):
    unknown = make_uscc(99)
    bad_check_digit = make_uscc(1)[:-1] + ("0" if make_uscc(1)[-1] != "0" else "1")
    report = import_indicators(upload(indicator_csv([
        [make_uscc(1), "私营甲", "2026", "3", "60", "50", "600", "700"],     # line 2: fine
        [unknown, "不在名录", "2026", "3", "1", "", "", ""],                   # line 3
        [make_uscc(2), "个体乙", "2026", "5", "-1", "2.5", "abc", ""],         # line 4: four reasons
        [make_uscc(3), "国有丙", "", "3", "1", "", "", ""],                    # line 5
        [bad_check_digit, "", "2026", "3", "1", "", "", ""],                  # line 6
        [make_uscc(4), "外资丁", "2026", "3", "", "", "", ""],                  # line 7: no figure
        [make_uscc(1), "私营甲", "2026", "Q3", "61", "", "", ""],               # line 8: same firm, same quarter
        ["", "无代码", "2026", "3", "1", "", "", ""],                          # line 9
    ])))

    assert report.created == 1 and len(report.rejected) == 7
    reasons = {r.line: r.reason for r in report.rejected}
    assert reasons[3] == f"企业不存在（统一社会信用代码 {unknown} 不在企业名录中，请先导入企业名录）"
    assert {"季度：无法识别“5”", "纳税额（万元）：不能为负数", "从业人数：应为整数（人）",
            "营业收入（万元）：“abc”不是数字"} <= {part.split("，")[0] for part in reasons[4].split("；")}
    assert reasons[5].startswith("年度：必填")
    assert reasons[6].startswith("统一社会信用代码：") and "校验位" in reasons[6]
    assert reasons[7].startswith("未填写任何指标")
    assert reasons[8] == "与第 2 行重复（同一企业同一期间只能有一行）"
    assert reasons[9].startswith("统一社会信用代码：必填")
    assert {r.line: r.uscc for r in report.rejected}[3] == unknown
    assert figures(firms["jia"]) == {(2026, 3): (D("60.00"), 50, D("600.00"), D("700.00"))}
    assert EnterpriseIndicator.objects.count() == 1


def test_importing_the_same_file_again_changes_nothing(firms):
    content = indicator_csv([[make_uscc(1), "", "2026", "3", "60", "50", "600", "700"],
                             [make_uscc(2), "", "2026", "3", "10.1", "5", "", ""]])
    import_indicators(upload(content))
    stamps = dict(EnterpriseIndicator.objects.values_list("pk", "updated_at"))

    # The same figures typed with other decimals are the same figures.
    again = import_indicators(upload(indicator_csv([[make_uscc(1), "", "2026", "3", "60.00", "50", "600.0", "700"],
                                                    [make_uscc(2), "", "2026", "3", "10.10", "5", "", ""]])))

    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, [])
    assert dict(EnterpriseIndicator.objects.values_list("pk", "updated_at")) == stamps


def test_a_blank_cell_never_erases_a_stored_figure(firms):
    import_indicators(upload(indicator_csv([[make_uscc(1), "", "2026", "3", "60", "50", "600", "700"]])))
    before = EnterpriseIndicator.objects.get()

    report = import_indicators(upload(indicator_csv([[make_uscc(1), "", "2026", "3", "", "52", "-", "—"]])))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert figures(firms["jia"]) == {(2026, 3): (D("60.00"), 52, D("600.00"), D("700.00"))}
    after = EnterpriseIndicator.objects.get()
    assert after.pk == before.pk and after.updated_at > before.updated_at and after.imported_at == before.imported_at


def test_other_quarters_and_enterprises_are_left_alone(figures_2026):
    report = import_indicators(upload(indicator_csv([[make_uscc(1), "", "2026", "3", "66", "", "", ""],
                                                     [make_uscc(2), "", "2026", "4", "11", "", "", ""]])))
    assert (report.created, report.updated) == (1, 1)
    assert figures(figures_2026["jia"]) == {(2026, 3): (D("66.00"), 50, D("600.00"), D("700.00")),
                                            (2026, 2): (D("50.00"), None, None, None)}
    assert figures(figures_2026["yi"])[(2026, 4)] == (D("11.00"), None, None, None)
    assert EnterpriseIndicator.objects.count() == 8


@pytest.mark.parametrize("content, name, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "指标.xlsx", "不是 Excel"),
    (b"", "指标.csv", "文件是空的"),
    ("随便写的一段话\n没有表头".encode(), "指标.csv", "找不到表头"),
])
def test_a_file_that_is_not_a_usable_spreadsheet_gives_one_message(firms, content, name, message):
    with pytest.raises(ImportFileError, match=message):
        import_indicators(upload(content, name))


GOOD = [make_uscc(1), "", "2026", "3", "60", "50", "600", "700"]


@pytest.mark.parametrize("header, message", [
    ([h for h in HEADER if h != "统一社会信用代码"] + ["x"], "缺少必需的列：统一社会信用代码"),
    (["统一社会信用代码", "企业名称", "年度", "x", "纳税额（万元）", "从业人数", "营业收入（万元）", "产值（万元）"],
     "缺少期间列：需要“年度”和“季度”两列，或一列“期间”"),
    (["统一社会信用代码", "企业名称", "年度", "季度", "期间", "从业人数", "营业收入（万元）", "产值（万元）"],
     "“期间”列与“年度”“季度”列只能二选一"),
    (["统一社会信用代码", "企业名称", "年度", "季度", "a", "b", "c", "d"], "缺少指标列"),
    (["统一社会信用代码", "企业名称", "年度", "季度", "纳税额", "从业人数", "营业收入（万元）", "纳税额（万元）"],
     "“纳税额（万元）”列出现了不止一次"),
])
def test_a_file_level_error_stores_nothing_even_with_good_rows(firms, header, message):
    with pytest.raises(ImportFileError, match=message):
        import_indicators(upload(indicator_csv([GOOD], header=header)))
    assert not EnterpriseIndicator.objects.exists()


def test_a_dry_run_counts_but_writes_nothing(firms):
    report = import_indicators(upload(indicator_csv([GOOD])), dry_run=True)
    assert report.created == 1 and report.dry_run and "仅检查，未写入" in report.summary()
    assert not EnterpriseIndicator.objects.exists()


def test_many_rows_go_in_batches_and_updates_too(firms, monkeypatch):
    """Shrunk batches walk the chunked lookups and writes (COPY and the staged UPDATE on PostgreSQL)."""
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    monkeypatch.setattr(importer, "LOOKUP_CHUNK", 2)
    # Twenty more enterprises, each with figures for 2020Q1: the file's five enterprises (and its five per quarter)
    # are then a small share of the table, and bulk.matching takes the chunked IN path instead of one scan.
    for n in range(6, 26):
        extra = Enterprise.objects.create(name=f"企业{n}", uscc=make_uscc(n))
        EnterpriseIndicator.objects.create(enterprise=extra, year=2020, quarter=1, taxes_paid=D(1000))
    lookups = []
    real_chunks = bulk.chunks

    def spy(items, size=None):
        parts = list(real_chunks(items, size))
        if size == 2:
            lookups.append([len(part) for part in parts])
        return iter(parts)

    monkeypatch.setattr(bulk, "chunks", spy)
    rows = [[make_uscc(1 + n % 5), "", str(2020 + n // 20), str(1 + n // 5 % 4), str(n), str(n + 1), "", ""]
            for n in range(40)]
    assert import_indicators(upload(indicator_csv(rows))).created == 40
    # The enterprises by USCC and the stored 2020Q1 rows, five keys two at a time.
    assert lookups == [[2, 2, 1], [2, 2, 1]]

    changed = [row[:4] + [str(int(row[4]) + 1)] + row[5:] for row in rows[:25]]
    report = import_indicators(upload(indicator_csv(changed)))

    assert (report.created, report.updated, report.unchanged) == (0, 25, 0)
    assert sorted(EnterpriseIndicator.objects.values_list("taxes_paid", flat=True))[:3] == [D(1), D(2), D(3)]
    assert EnterpriseIndicator.objects.filter(employees__isnull=False).count() == 40


def test_the_rejected_rows_workbook_can_be_corrected_and_imported_again(firms):
    report = import_indicators(upload(indicator_csv([[make_uscc(1), "私营甲", "2026Q3", "-5", "", "", ""]],
                                                    header=PERIOD_HEADER)))
    workbook = rejected_rows_workbook(report.rejected)
    rows = read_xlsx(workbook)
    # The file's own columns: 期间, not 年度 and 季度 as well (that would be a file error).
    assert rows[0] == ("行号", "错误原因", "统一社会信用代码", "企业名称", "期间", "纳税额（万元）", "从业人数",
                       "营业收入（万元）", "产值（万元）")
    assert rows[1][:5] == (2, "纳税额（万元）：不能为负数", make_uscc(1), "私营甲", "2026Q3")

    book = openpyxl.load_workbook(io.BytesIO(workbook))
    book.active.cell(row=2, column=6, value=5)
    fixed = io.BytesIO()
    book.save(fixed)
    again = import_indicators(upload(fixed.getvalue(), "fixed.xlsx"))
    assert (again.created, again.rejected, again.ignored_columns) == (1, [], [])


def test_the_template_filled_in_imports_even_with_its_notes_sheet_active(firms):
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    assert book.sheetnames == ["企业季度经济指标", "填写说明"]
    book["企业季度经济指标"].append([make_uscc(4), "外资丁", 2026, 1, 3.5, 12, None, 40])
    book.active = 1  # saved with the notes showing
    content = io.BytesIO()
    book.save(content)

    report = import_indicators(upload(content.getvalue(), "模板.xlsx"))

    assert report.created == 1, report.rejected
    assert figures(firms["ding"]) == {(2026, 1): (D("3.50"), 12, None, D("40.00"))}
