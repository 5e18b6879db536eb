"""The monitor's numbers on the small city of conftest.py, computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lianxi.economy import selectors
from lianxi.economy.periods import Period
from lianxi.economy.selectors import latest_period, monitor, periods_with_data, trend

pytestmark = pytest.mark.django_db

Q3 = Period(2026, 3)


def shares(share):
    return share.total, share.private, share.non_public, share.private_share, share.non_public_share


def test_the_city_as_a_whole(figures_2026):
    city = monitor(Q3).overall

    # 5 enterprises: 私营甲, 个体乙, 民营戊 private; all but 国有丙 non-public.
    assert shares(city["market_entities"]) == (5, 3, 4, pytest.approx(0.6), pytest.approx(0.8))
    # Taxes 60 + 10 + 20 + 10 + 0 = 100; private 70; non-public 80.
    assert shares(city["taxes_paid"]) == (Decimal("100.00"), Decimal("70.00"), Decimal("80.00"),
                                          pytest.approx(0.7), pytest.approx(0.8))
    assert shares(city["employees"]) == (100, 55, 60, pytest.approx(0.55), pytest.approx(0.6))
    # 外资丁 reported no revenue: it counts in neither part nor whole.
    assert shares(city["revenue"]) == (Decimal("1000.00"), Decimal("700.00"), Decimal("700.00"),
                                       pytest.approx(0.7), pytest.approx(0.7))
    assert shares(city["output_value"])[3:] == (pytest.approx(700 / 1200), pytest.approx(800 / 1200))


def test_the_headline_reads_like_the_source_page(figures_2026):
    result = monitor(Q3)
    assert result.headline == "2026年第3季度，全市非公经济贡献了80.0%的税收、60.0%的就业岗位和80.0%的市场主体数量"
    assert result.private_line == "其中民营经济贡献了70.0%的税收、55.0%的就业岗位和60.0%的市场主体数量"


def test_by_town_and_park_with_a_null_share_where_nothing_can_be_divided(figures_2026):
    rows = monitor(Q3).groups["town"]

    assert [r.name for r in rows] == ["卫城镇", "清镇经济开发区", "未填乡镇/园区"]
    town, park, nowhere = rows
    assert shares(town["market_entities"]) == (2, 2, 2, 1.0, 1.0)
    assert town["taxes_paid"].total == Decimal("70.00") and town["taxes_paid"].non_public_share == 1.0
    # The park: 国有丙 and 外资丁. A private share of 0 is a real 0, not a missing one.
    assert shares(park["market_entities"]) == (2, 0, 1, 0.0, 0.5)
    assert park["taxes_paid"].private_share == 0.0
    assert park["taxes_paid"].non_public_share == pytest.approx(10 / 30)
    # 民营戊 has no town: its taxes sum to 0 and it reported nothing else. Zero or no denominator -> None.
    assert nowhere["market_entities"].private_share == 1.0
    assert nowhere["taxes_paid"].total == 0 and nowhere["taxes_paid"].non_public_share is None
    assert nowhere["employees"].total is None and nowhere["employees"].private_share is None


def test_by_industry(figures_2026):
    rows = monitor(Q3).groups["industry"]

    assert [r.name for r in rows] == ["C 制造业", "F 批发和零售业", "未填行业"]
    manufacturing = rows[0]
    assert manufacturing["market_entities"].non_public_share == pytest.approx(2 / 3)
    assert manufacturing["taxes_paid"].total == Decimal("90.00")
    assert manufacturing["taxes_paid"].private_share == pytest.approx(60 / 90)
    assert manufacturing["taxes_paid"].non_public_share == pytest.approx(70 / 90)
    assert rows[1]["employees"].private_share == 1.0
    assert rows[2]["taxes_paid"].private_share is None


def test_the_trend_is_the_last_eight_quarters_with_gaps_where_there_is_no_data(figures_2026):
    points = trend(Q3)

    assert [p.name for p in points][0] == "2024年第4季度" and [p.key for p in points][-2:] == [Period(2026, 2), Q3]
    assert len(points) == 8
    # 2026Q2: 私营甲 50 and 国有丙 50.
    assert points[-2]["taxes_paid"].non_public_share == 0.5
    assert points[-1]["taxes_paid"].non_public_share == pytest.approx(0.8)
    assert all(p["taxes_paid"].non_public_share is None for p in points[:-2])
    # Market entities are the directory of today, in every quarter.
    assert [p["market_entities"].non_public_share for p in points] == [pytest.approx(0.8)] * 8


def test_the_latest_period_with_data_is_the_default(figures_2026):
    assert latest_period() == Q3
    assert periods_with_data() == [Q3, Period(2026, 2)]
    # Nobody reported jobs for 2026Q2: the sentence leaves them out rather than saying 0.
    assert monitor(Period(2026, 2)).headline == "2026年第2季度，全市非公经济贡献了50.0%的税收和80.0%的市场主体数量"


def test_without_any_figures_only_the_directory_counts(firms):
    assert latest_period() is None
    result = monitor(None)
    assert result.period is None and result.headline is None and result.trend == []
    assert result.overall["market_entities"].non_public_share == pytest.approx(0.8)
    assert result.overall["taxes_paid"].total is None and result.overall["taxes_paid"].non_public_share is None
    # A quarter nobody reported: every figure share is null, never 0.
    empty = monitor(Period(2025, 1))
    assert empty.overall["employees"].non_public_share is None
    assert empty.headline == "2025年第1季度，全市非公经济贡献了80.0%的市场主体数量"


@pytest.mark.parametrize("value, text", [(None, "—"), (1, "100.0%"), (0.9996, "99.9%"), (0.999, "99.9%"),
                                         (0.783, "78.3%"), (0.0004, "0.1%"), (0, "0.0%")])
def test_a_share_is_shown_with_one_decimal_and_never_a_rounded_100(value, text):
    assert selectors.percent(value) == text
