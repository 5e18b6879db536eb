"""The upload page (mounted at the site root by config/urls.py): a clerk imports a spreadsheet; a handler may not;
nobody anonymous gets in."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from lianxi.directory.models import Enterprise

from .conftest import HEADER, csv_bytes, make_uscc, read_xlsx, upload

pytestmark = pytest.mark.django_db

IMPORT = "directory:enterprise_import"
TEMPLATE = "directory:enterprise_import_template"
REJECTED = "directory:enterprise_import_rejected"

GOOD = ["清镇甲科技有限公司", make_uscc(1), "", "", "13800000001", "", "", "", "卫城镇", "", ""]
BAD = ["<script>alert(1)</script>公司", make_uscc(2), "", "", "12", "", "", "", "", "", ""]


def test_a_clerk_imports_and_sees_the_summary_and_the_rejected_rows(client, clerk, town):
    client.force_login(clerk)
    assert client.get(reverse(IMPORT)).status_code == 200

    response = client.post(reverse(IMPORT), {"file": upload(csv_bytes([GOOD, BAD], encoding="gbk"))})

    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd id="count-created">1</dd>' in page and '<dd id="count-rejected">1</dd>' in page
    assert '<td data-label="行号">3</td>' in page and "联系电话：" in page
    # What the user typed is shown escaped, never run.
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;公司" in page
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [make_uscc(1)]

    download = client.get(reverse(REJECTED))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    rows = read_xlsx(download.content)
    assert rows[1][0] == 3 and rows[1][1].startswith("联系电话") and rows[1][2] == BAD[0]


def test_ignored_columns_are_named_on_the_page(client, clerk, town):
    client.force_login(clerk)
    response = client.post(reverse(IMPORT), {"file": upload(csv_bytes([GOOD + ["x"]], header=HEADER + ["备注"]))})
    assert "已忽略未识别的列：备注" in response.content.decode()


def test_a_bad_file_shows_one_message_and_imports_nothing(client, clerk, town):
    client.force_login(clerk)
    response = client.post(reverse(IMPORT), {"file": upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "logo.xlsx")})
    assert response.status_code == 400
    assert "不是 Excel" in response.content.decode()
    assert not Enterprise.objects.exists()

    header = [h for h in HEADER if h != "企业名称"]
    response = client.post(reverse(IMPORT), {"file": upload(csv_bytes([GOOD[1:]], header=header))})
    assert response.status_code == 400 and "缺少必需的列：企业名称" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_other_file_types_are_refused_before_reading(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse(IMPORT), {})
    assert response.status_code == 400 and "请选择要导入的文件" in response.content.decode()
    response = client.post(reverse(IMPORT), {"file": upload(b"%PDF-1.4", "名录.pdf")})
    assert response.status_code == 400 and "只能导入 .xlsx 或 .csv 文件" in response.content.decode()


def test_a_dry_run_from_the_page_writes_nothing(client, clerk, town):
    client.force_login(clerk)
    response = client.post(reverse(IMPORT), {"file": upload(csv_bytes([GOOD])), "dry_run": "on"})
    assert '<dd id="count-created">1</dd>' in response.content.decode() and "仅检查，未写入" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_the_template_download_is_an_xlsx_with_the_header_row(client, clerk, town):
    client.force_login(clerk)
    response = client.get(reverse(TEMPLATE))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert list(read_xlsx(response.content)[0]) == HEADER


def test_the_template_imports_cleanly_once_filled(client, clerk, town):
    """The template's header is exactly what the importer reads: fill a row, upload, it imports."""
    client.force_login(clerk)
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse(TEMPLATE)).content))
    book["填写说明"].sheet_view.tabSelected = True
    book.active = book.sheetnames.index("填写说明")  # saved while looking at the notes: still found
    book["企业名录"].append(GOOD)
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(reverse(IMPORT), {"file": upload(buffer.getvalue(), "模板.xlsx")})
    assert '<dd id="count-created">1</dd>' in response.content.decode()


def test_nothing_to_download_before_an_import_with_rejections(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse(REJECTED)).status_code == 404


@pytest.mark.parametrize("name", [IMPORT, TEMPLATE, REJECTED])
def test_a_handler_may_not_import(client, handler_gxj, name):
    client.force_login(handler_gxj)
    assert client.get(reverse(name)).status_code == 403


def test_a_handler_post_is_refused_and_imports_nothing(client, handler_gxj, town):
    client.force_login(handler_gxj)
    assert client.post(reverse(IMPORT), {"file": upload(csv_bytes([GOOD]))}).status_code == 403
    assert not Enterprise.objects.exists()


def test_an_admin_may_import(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse(IMPORT)).status_code == 200


@pytest.mark.parametrize("name", [IMPORT, TEMPLATE, REJECTED])
def test_anonymous_is_sent_to_the_login_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login") + "?next=")
