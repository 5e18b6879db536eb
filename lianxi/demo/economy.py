"""Demo 企业季度经济指标: eight quarters of figures for every demo enterprise, so that the private-economy monitor
(民营经济运行监测) opens on numbers like the source page's: 非公经济 78 %+ of taxes and 80 %+ of jobs.

Each enterprise gets a base from its size, industry and ownership (staff from its size; revenue per head from its
industry; tax as a share of revenue; 产值 only for agriculture, mining, manufacturing, utilities and construction),
then every quarter a season, a little growth and noise. A few small firms leave a figure unreported (null), as real
returns do. The state-owned firms are then scaled so that the latest quarter's 国有 share of taxes and jobs lands on
``STATE_TAX_SHARE`` and ``STATE_JOB_SHARE`` whatever the directory's mix, with a slightly larger share in earlier
quarters so that the trend shows the private sector growing. Seeded: the same figures on every machine.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from lianxi.directory.models import Enterprise, Ownership
from lianxi.economy.models import EnterpriseIndicator
from lianxi.economy.periods import Period, quarter_of_date

QUARTERS = 8
STATE_TAX_SHARE = 0.212  # → 非公 about 78.8 % of taxes in the latest quarter
STATE_JOB_SHARE = 0.186  # → 非公 about 81.4 % of jobs
STATE_DRIFT = 0.025  # the state share a quarter further back, relative: the private sector grows
STAFF = {"large": (400, 1500), "medium": (100, 400), "small": (15, 100), "micro": (2, 15)}
INDIVIDUAL_STAFF = (1, 6)
# 营业收入 per head and quarter (万元), by GB/T 4754 section.
REVENUE_PER_HEAD = {"A": (3, 8), "B": (10, 25), "C": (8, 20), "D": (20, 45), "E": (10, 25), "F": (15, 40),
                    "G": (8, 16), "H": (3, 6), "I": (8, 18), "K": (20, 50), "L": (6, 15)}
DEFAULT_REVENUE_PER_HEAD = (5, 12)
TAX_RATE = (0.025, 0.06)
INDIVIDUAL_TAX_RATE = (0.005, 0.015)
PRODUCING = set("ABCDE")  # sections that report 产值
SEASON = {1: 0.88, 2: 1.0, 3: 1.02, 4: 1.12}
GROWTH = 0.015  # a quarter


def last_complete_quarter(today: dt.date) -> Period:
    return quarter_of_date(today).shifted(-1)


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.2f}")


def _base(rng: random.Random, ownership: str, size: str, industry: str) -> dict:
    individual = ownership == Ownership.INDIVIDUAL
    staff = rng.randint(*(INDIVIDUAL_STAFF if individual else STAFF.get(size, STAFF["small"])))
    revenue = staff * rng.uniform(*REVENUE_PER_HEAD.get(industry, DEFAULT_REVENUE_PER_HEAD))
    tax_rate = rng.uniform(*(INDIVIDUAL_TAX_RATE if individual else TAX_RATE))
    output = revenue * rng.uniform(0.9, 1.15) if industry in PRODUCING else None
    return {"employees": staff, "revenue": revenue, "taxes_paid": revenue * tax_rate, "output_value": output}


def _quarter(rng: random.Random, base: dict, period: Period, age: int, small: bool) -> dict:
    """One quarter's figures (floats; None when not reported), ``age`` quarters before the latest."""
    level = SEASON[period.quarter] * (1 + GROWTH) ** -age
    figures = {"employees": max(1, round(base["employees"] * rng.uniform(0.96, 1.04) * (1 + GROWTH / 2) ** -age))}
    for key in ("revenue", "taxes_paid", "output_value"):
        value = base[key]
        figures[key] = None if value is None else value * level * rng.uniform(0.92, 1.08)
    if small and rng.random() < 0.08:
        figures[rng.choice(["taxes_paid", "revenue"])] = None  # a small firm's incomplete return
    return figures


def _state_scale(rows: list[tuple[str, int, dict]], key: str, target: float, latest: Period) -> float:
    """The factor on state-owned firms' ``key`` that gives them ``target`` of the latest quarter's total."""
    state = sum(f[key] or 0 for ownership, _, f in rows if ownership == Ownership.STATE and f["period"] == latest)
    other = sum(f[key] or 0 for ownership, _, f in rows if ownership != Ownership.STATE and f["period"] == latest)
    if not state or not other:
        return 1.0
    return target / (1 - target) * other / state


def build_indicators(today: dt.date, seed: int) -> int:
    """Write the demo enterprises' figures for the ``QUARTERS`` complete quarters before ``today``; returns the
    number of rows written."""
    rng = random.Random(seed + 4754)
    latest = last_complete_quarter(today)
    periods = latest.last(QUARTERS)
    rows: list[tuple[str, int, dict]] = []  # (ownership, enterprise id, figures with their period)
    for pk, ownership, size, industry in Enterprise.objects.order_by("pk").values_list(
            "pk", "ownership", "size", "industry"):
        base = _base(rng, ownership, size, industry)
        small = ownership == Ownership.INDIVIDUAL or size == "micro"
        for age, period in enumerate(reversed(periods)):
            rows.append((ownership, pk, {**_quarter(rng, base, period, age, small), "period": period, "age": age}))

    tax_scale = _state_scale(rows, "taxes_paid", STATE_TAX_SHARE, latest)
    job_scale = _state_scale(rows, "employees", STATE_JOB_SHARE, latest)
    indicators = []
    for ownership, pk, f in rows:
        if ownership == Ownership.STATE:
            drift = 1 + STATE_DRIFT * f["age"]
            for key in ("taxes_paid", "revenue", "output_value"):
                f[key] = None if f[key] is None else f[key] * tax_scale * drift
            f["employees"] = round(f["employees"] * job_scale * drift)
        indicators.append(EnterpriseIndicator(
            enterprise_id=pk, year=f["period"].year, quarter=f["period"].quarter, employees=f["employees"],
            taxes_paid=_money(f["taxes_paid"]), revenue=_money(f["revenue"]), output_value=_money(f["output_value"])))
    EnterpriseIndicator.objects.bulk_create(indicators, batch_size=500)
    return len(indicators)
