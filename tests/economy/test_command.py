"""``manage.py import_indicators``: what the operator sees."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from lianxi.economy.models import EnterpriseIndicator

from .conftest import indicator_csv, make_uscc, read_xlsx

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_indicators", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_prints_rejected_rows_the_counts_and_a_progress_bar(tmp_path, firms):
    path = tmp_path / "指标.csv"
    path.write_bytes(indicator_csv([[make_uscc(1), "私营甲", "2026", "3", "60", "50", "", ""],
                                    [make_uscc(99), "无名", "2026", "3", "1", "", "", ""]], encoding="gbk"))

    out, err = run(str(path))

    assert f"第 3 行（{make_uscc(99)}）：企业不存在（统一社会信用代码 {make_uscc(99)} 不在企业名录中" in out
    assert "共 2 行：新增 1，更新 0，未变 0，拒绝 1" in out
    assert "校验" in err and "写入" in err  # the progress bars
    assert EnterpriseIndicator.objects.count() == 1

    out, err = run(str(path), "--no-progress")
    assert "新增 0，更新 0，未变 1，拒绝 1" in out and err == ""


def test_the_command_writes_the_rejected_rows_workbook_and_dry_runs(tmp_path, firms):
    path = tmp_path / "指标.csv"
    path.write_bytes(indicator_csv([[make_uscc(1), "", "2026", "3", "-1", "", "", ""],
                                    [make_uscc(2), "", "2026", "3", "1", "", "", ""]]))
    rejected = tmp_path / "rejected.xlsx"

    out, _ = run(str(path), "--no-progress", "--dry-run", "--rejected-out", str(rejected))

    assert "新增 1" in out and "仅检查，未写入" in out and f"未导入的行已写入 {rejected}" in out
    assert read_xlsx(rejected.read_bytes())[1][:2] == (2, "纳税额（万元）：不能为负数")
    assert not EnterpriseIndicator.objects.exists()


def test_a_bad_file_stops_the_command_with_one_message(tmp_path, firms):
    path = tmp_path / "指标.csv"
    path.write_bytes(indicator_csv([[make_uscc(1), "", "2026", "3", "1", "", "", ""]],
                                   header=["统一社会信用代码", "企业名称", "年度", "x", "纳税额", "a", "b", "c"]))
    with pytest.raises(CommandError, match="缺少期间列.*未导入任何数据"):
        run(str(path))
    assert not EnterpriseIndicator.objects.exists()
