"""``manage.py import_enterprises``: what the operator sees."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from lianxi.directory.models import Enterprise

from .conftest import csv_bytes, make_uscc, read_xlsx

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_enterprises", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_and_prints_rejected_rows_and_the_counts(tmp_path, town):
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes([
        ["甲公司", make_uscc(1), "", "", "", "", "", "", "卫城镇", "", ""],
        ["乙公司", make_uscc(2), "", "", "", "", "", "", "火星镇", "", ""],
    ], encoding="gbk"))

    out, err = run(str(path))

    assert "第 3 行（" + make_uscc(2) + "）：所在乡镇/园区：系统中没有名为“火星镇”的乡镇（街道）或园区" in out
    assert "共 2 行：新增 1，更新 0，未变 0，拒绝 1" in out
    assert "校验" in err  # the progress bar
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [make_uscc(1)]

    out, _ = run(str(path), "--no-progress")
    assert "新增 0，更新 0，未变 1，拒绝 1" in out


def test_the_command_writes_the_rejected_rows_workbook(tmp_path, town):
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes([["", make_uscc(1), "", "", "", "", "", "", "", "", ""]]))
    rejected = tmp_path / "rejected.xlsx"
    out, _ = run(str(path), "--no-progress", "--rejected-out", str(rejected))
    assert f"未导入的行已写入 {rejected}" in out
    assert read_xlsx(rejected.read_bytes())[1][:2] == (2, "企业名称：必填")


def test_a_dry_run_writes_nothing(tmp_path, town):
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes([["甲公司", make_uscc(1), "", "", "", "", "", "", "", "", ""]]))
    out, _ = run(str(path), "--dry-run", "--no-progress")
    assert "新增 1" in out and "仅检查，未写入" in out
    assert not Enterprise.objects.exists()


def test_a_bad_file_stops_the_command_with_one_message(tmp_path):
    path = tmp_path / "logo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CommandError) as error:
        run(str(path))
    assert "不是 Excel" in str(error.value) and "未导入任何数据" in str(error.value)

    with pytest.raises(CommandError, match="无法读取文件"):
        run(str(tmp_path / "missing.csv"))
