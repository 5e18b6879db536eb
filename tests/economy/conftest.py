"""The economy tests' small city: five enterprises of every ownership in a town, a park and nowhere, with figures
for two quarters whose shares are computed by hand in test_selectors.py.

    enterprise  ownership   town      industry  2026Q3: taxes employees revenue output   2026Q2: taxes
    私营甲       private     卫城镇     C                 60     50        600     700            50
    个体乙       individual  卫城镇     F                 10      5        100      —
    国有丙       state       开发区     C                 20     40        300     400            50
    外资丁       foreign     开发区     C                 10      5         —      100
    民营戊       private     —         —                  0      —         —       —
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lianxi.directory.models import Department, Enterprise
from lianxi.economy.models import EnterpriseIndicator
from tests.conftest import make_user
from tests.directory.conftest import csv_bytes, make_uscc, read_xlsx, upload, xlsx_bytes  # noqa: F401

HEADER = ["统一社会信用代码", "企业名称", "年度", "季度", "纳税额（万元）", "从业人数", "营业收入（万元）", "产值（万元）"]
PERIOD_HEADER = ["统一社会信用代码", "企业名称", "期间", "纳税额（万元）", "从业人数", "营业收入（万元）", "产值（万元）"]


def indicator_csv(rows, *, header=HEADER, encoding: str = "utf-8") -> bytes:
    return csv_bytes(rows, header=header, encoding=encoding)


def figures(enterprise) -> dict:
    """{(year, quarter): (taxes, employees, revenue, output)} as stored."""
    return {(i.year, i.quarter): (i.taxes_paid, i.employees, i.revenue, i.output_value)
            for i in EnterpriseIndicator.objects.filter(enterprise=enterprise)}


@pytest.fixture
def park(db):
    return Department.objects.create(code="kfq", name="清镇经济开发区", kind="park", sort_order=20)


@pytest.fixture
def firms(town, park):
    town.sort_order = 10
    town.save()

    def firm(n, name, ownership, where, industry):
        return Enterprise.objects.create(name=name, uscc=make_uscc(n), ownership=ownership, town=where,
                                         industry=industry)

    return {
        "jia": firm(1, "私营甲", "private", town, "C"),
        "yi": firm(2, "个体乙", "individual", town, "F"),
        "bing": firm(3, "国有丙", "state", park, "C"),
        "ding": firm(4, "外资丁", "foreign", park, "C"),
        "wu": firm(5, "民营戊", "private", None, ""),
    }


@pytest.fixture
def figures_2026(firms):
    def add(key, year, quarter, taxes=None, employees=None, revenue=None, output=None):
        EnterpriseIndicator.objects.create(
            enterprise=firms[key], year=year, quarter=quarter, employees=employees,
            taxes_paid=None if taxes is None else Decimal(taxes), revenue=None if revenue is None else Decimal(revenue),
            output_value=None if output is None else Decimal(output))

    add("jia", 2026, 3, "60", 50, "600", "700")
    add("yi", 2026, 3, "10", 5, "100")
    add("bing", 2026, 3, "20", 40, "300", "400")
    add("ding", 2026, 3, "10", 5, None, "100")
    add("wu", 2026, 3, "0")
    add("jia", 2026, 2, "50")
    add("bing", 2026, 2, "50")
    return firms


@pytest.fixture
def readers(leader, supervisor, dispatcher, admin_user):
    return [leader, supervisor, dispatcher, admin_user]


@pytest.fixture
def outsiders(clerk, handler_gxj, head_gxj, user_jia, deputy):
    """Signed in, but not meant to see the monitor: a clerk, a department's handler and head, an enterprise user
    and a deputy."""
    return [clerk, handler_gxj, head_gxj, user_jia, deputy]


@pytest.fixture
def superuser(db):
    user = make_user("root", name="超级用户")
    user.is_superuser = True
    user.save()
    return user
