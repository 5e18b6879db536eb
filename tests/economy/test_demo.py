"""The demo's quarterly figures: eight complete quarters, and a headline near the source page's."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from lianxi.demo.economy import QUARTERS, build_indicators, last_complete_quarter
from lianxi.directory.models import Enterprise
from lianxi.economy.models import EnterpriseIndicator
from lianxi.economy.periods import Period
from lianxi.economy.selectors import monitor

from .conftest import make_uscc

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def directory(db):
    rng = random.Random(1)
    ownerships = ["private"] * 40 + ["individual"] * 5 + ["state"] * 3 + ["foreign", "hmt"]
    Enterprise.objects.bulk_create([
        Enterprise(name=f"企业{n}", uscc=make_uscc(n), ownership=ownership, industry=rng.choice("ACEFGHI"),
                   size=rng.choice(["large", "medium", "small", "micro"])) for n, ownership in enumerate(ownerships)])


def stored() -> list[tuple]:
    return list(EnterpriseIndicator.objects.order_by("enterprise__uscc", "year", "quarter").values_list(
        "enterprise__uscc", "year", "quarter", "taxes_paid", "employees", "revenue", "output_value"))


def test_eight_complete_quarters_for_every_enterprise_and_the_source_pages_headline(directory):
    assert last_complete_quarter(TODAY) == Period(2026, 3)
    assert build_indicators(TODAY, seed=7) == 50 * QUARTERS

    periods = set(EnterpriseIndicator.objects.values_list("year", "quarter").distinct())
    assert periods == {(p.year, p.quarter) for p in Period(2026, 3).last(QUARTERS)}
    city = monitor(Period(2026, 3)).overall
    assert 0.78 <= city["taxes_paid"].non_public_share < 0.80
    assert 0.80 <= city["employees"].non_public_share < 0.83
    # The private sector grows over the eight quarters.
    oldest = monitor(Period(2024, 4)).overall
    assert oldest["taxes_paid"].non_public_share < city["taxes_paid"].non_public_share
    # Services report no output value; nothing is negative.
    assert not EnterpriseIndicator.objects.filter(enterprise__industry="F", output_value__isnull=False).exists()
    assert not EnterpriseIndicator.objects.filter(taxes_paid__lt=0).exists()


def test_the_same_seed_gives_the_same_figures(directory):
    build_indicators(TODAY, seed=7)
    first = stored()
    EnterpriseIndicator.objects.all().delete()
    build_indicators(TODAY, seed=7)
    assert stored() == first
