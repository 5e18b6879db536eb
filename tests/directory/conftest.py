"""Helpers for the directory tests: valid USCCs on demand and spreadsheets built in memory."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc as stdnum_uscc

from lianxi.directory.models import Department

HEADER = ["企业名称", "统一社会信用代码", "法定代表人", "联系人", "联系电话", "行业门类", "企业规模", "经济类型",
          "所在乡镇/园区", "地址", "标签"]


def make_uscc(n: int) -> str:
    """The n-th valid code of a fictitious series in 清镇 (520181)."""
    body = f"91520181MA{n:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


def csv_bytes(rows, *, encoding: str = "utf-8", header=HEADER) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=HEADER, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "企业.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def read_xlsx(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def park(db):
    return Department.objects.create(code="qzgyy", name="清镇经济开发区", kind="park")
