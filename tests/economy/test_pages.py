"""The pages: 民营经济运行监测 for leaders, supervisors, dispatchers and admins; nothing at all for anybody else; the
upload for admins only."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from django.urls import reverse

from lianxi.directory.models import Department, Enterprise
from lianxi.economy.models import EnterpriseIndicator
from lianxi.web.nav import nav_items

from .conftest import indicator_csv, make_uscc, read_xlsx, upload

pytestmark = pytest.mark.django_db

MONITOR = reverse("economy:monitor")
EXPORT = reverse("economy:export")
IMPORT = reverse("economy:import")
TEMPLATE = reverse("economy:import_template")
REJECTED = reverse("economy:import_rejected")


def test_a_leader_reads_the_headline_the_cards_the_tables_and_the_chart(client, leader, figures_2026):
    client.force_login(leader)
    response = client.get(MONITOR)

    assert response.status_code == 200
    page = response.content.decode()
    assert ('<p class="economy-headline" id="economy-headline">2026年第3季度，全市非公经济贡献了80.0%的税收、'
            '60.0%的就业岗位和80.0%的市场主体数量</p>') in page
    assert '<span class="share-value" id="share-taxes_paid">80.0%</span>' in page
    assert 'id="table-town"' in page and "清镇经济开发区" in page and "未填乡镇/园区" in page
    assert 'id="table-industry"' in page and "C 制造业" in page
    assert "除国有以外的全部企业" in page  # the definitions in small print
    # ECharts from our own static files, its data through json_script.
    assert '<script src="/static/echarts/echarts.min.js" defer></script>' in page
    assert not re.search(r'<script[^>]+src="https?://', page)
    chart = json.loads(re.search(r'<script id="economy-trend-data" type="application/json">(.*?)</script>',
                                 page, re.S).group(1))
    assert chart["periods"][-1] == "2026年第3季度" and len(chart["periods"]) == 8
    taxes = next(s for s in chart["series"] if s["name"] == "税收（非公）")
    assert taxes["data"][-2:] == [50.0, 80.0] and taxes["data"][0] is None


def test_another_quarter_can_be_chosen_and_a_half_chosen_one_is_refused(client, supervisor, figures_2026):
    client.force_login(supervisor)
    page = client.get(MONITOR, {"year": 2026, "quarter": 2}).content.decode()
    assert "2026年第2季度，全市非公经济贡献了50.0%的税收和80.0%的市场主体数量" in page

    response = client.get(MONITOR, {"year": 2026})
    assert response.status_code == 400 and "请同时指定年度和季度" in response.content.decode()


def test_names_typed_by_people_are_escaped(client, dispatcher, figures_2026):
    park = Department.objects.get(code="kfq")
    park.name = "<script>alert(1)</script>园区"
    park.save()
    client.force_login(dispatcher)
    page = client.get(MONITOR).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;园区" in page


def test_with_no_figures_yet_the_page_says_so(client, admin_user, firms):
    client.force_login(admin_user)
    page = client.get(MONITOR).content.decode()
    assert "尚无企业季度经济指标" in page and f'href="{IMPORT}"' in page
    assert 'id="economy-trend"' not in page


def test_every_reader_gets_in_and_everybody_else_gets_a_404(client, readers, outsiders, superuser, figures_2026):
    for user in [*readers, superuser]:
        client.force_login(user)
        assert client.get(MONITOR).status_code == 200, user
        assert client.get(EXPORT).status_code == 200, user
        assert "经济监测" in [item.label for item in nav_items(user)]
    for user in outsiders:
        client.force_login(user)
        for url in (MONITOR, EXPORT, IMPORT, TEMPLATE, REJECTED):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(IMPORT, {"file": upload(indicator_csv([]))}).status_code == 404
        assert "经济监测" not in [item.label for item in nav_items(user)]
    client.logout()
    assert client.get(MONITOR).status_code == 302


def test_the_export_opens_with_openpyxl_and_holds_the_numbers(client, leader, figures_2026):
    client.force_login(leader)
    response = client.get(EXPORT, {"year": 2026, "quarter": 3})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "2026Q3" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["全市", "按乡镇园区", "按行业", "近8季度走势"]
    city = {row[0]: row for row in book["全市"].iter_rows(min_row=3, values_only=True) if row[1]}
    assert city["税收"][2:7] == (100, 70, 80, 0.7, 0.8)
    assert city["市场主体"][2:5] == (5, 3, 4)
    assert book["全市"]["F4"].number_format == "0.0%"
    towns = {row[0]: row for row in book["按乡镇园区"].iter_rows(min_row=3, values_only=True)}
    # 税收 columns: total, non-public share, private share.
    assert towns["清镇经济开发区"][4:7] == (30, pytest.approx(1 / 3), 0)
    assert towns["未填乡镇/园区"][5] == "—"  # nothing to divide by
    trend = list(book["近8季度走势"].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in trend][-1] == "2026年第3季度" and len(trend) == 8

    assert client.get(EXPORT, {"year": 2026}).status_code == 400


# ---- the upload ----------------------------------------------------------------------------------------------

def test_an_admin_imports_and_downloads_the_rejected_rows(client, admin_user, firms):
    client.force_login(admin_user)
    assert client.get(IMPORT).status_code == 200
    content = indicator_csv([[make_uscc(1), "私营甲", "2026", "3", "60", "50", "", ""],
                             [make_uscc(2), "<b>个体乙</b>", "2026", "3", "abc", "", "", ""]], encoding="gbk")

    response = client.post(IMPORT, {"file": upload(content, "指标.csv")})

    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd id="count-created">1</dd>' in page and '<dd id="count-rejected">1</dd>' in page
    assert '<td data-label="行号">3</td>' in page and "纳税额（万元）：“abc”不是数字" in page
    assert "<b>个体乙</b>" not in page and "&lt;b&gt;个体乙&lt;/b&gt;" in page
    assert EnterpriseIndicator.objects.count() == 1

    download = client.get(REJECTED)
    assert download.status_code == 200
    assert read_xlsx(download.content)[1][:4] == (3, "纳税额（万元）：“abc”不是数字", make_uscc(2), "<b>个体乙</b>")


def test_a_bad_file_shows_one_message_and_imports_nothing(client, admin_user, firms):
    client.force_login(admin_user)
    response = client.post(IMPORT, {"file": upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "指标.xlsx")})
    assert response.status_code == 400 and "不是 Excel" in response.content.decode()
    response = client.post(IMPORT, {})
    assert response.status_code == 400 and "请选择要导入的文件" in response.content.decode()
    response = client.post(IMPORT, {"file": upload(b"%PDF-1.4", "指标.pdf")})
    assert response.status_code == 400 and "只能导入 .xlsx 或 .csv 文件" in response.content.decode()
    assert not EnterpriseIndicator.objects.exists()
    assert client.get(REJECTED).status_code == 404  # nothing rejected to download yet


def test_readers_who_are_not_admins_see_the_monitor_but_may_not_import(client, leader, supervisor, dispatcher,
                                                                        firms):
    for user in (leader, supervisor, dispatcher):
        client.force_login(user)
        assert client.get(IMPORT).status_code == 403
        assert client.post(IMPORT, {"file": upload(indicator_csv([[make_uscc(1), "", "2026", "3", "1", "", "", ""]]))
                                    }).status_code == 403
        assert client.get(TEMPLATE).status_code == 403
        assert f'href="{IMPORT}"' not in client.get(MONITOR).content.decode()
    assert not EnterpriseIndicator.objects.exists()


def test_the_template_download_is_the_import_template(client, admin_user, firms):
    client.force_login(admin_user)
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert read_xlsx(response.content)[0] == ("统一社会信用代码", "企业名称", "年度", "季度", "纳税额（万元）", "从业人数",
                                              "营业收入（万元）", "产值（万元）")
    assert Enterprise.objects.count() == 5
