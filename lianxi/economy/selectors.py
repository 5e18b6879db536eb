"""The private-economy monitor's numbers (民营经济运行监测): for a quarter, the private sector's shares of market
entities, taxes, jobs, revenue and output value — overall, by town/park and by industry — and their trend.

Definitions (the page prints them in small type):

- 民营经济 (private economy) = enterprises whose 经济类型 is 民营 or 个体 (``Ownership.PRIVATE``,
  ``Ownership.INDIVIDUAL``). 非公经济 (non-public economy) = every 经济类型 but 国有 (``Ownership.STATE``): 民营,
  个体, 外资 and 港澳台. The headline gives the 非公 shares, as the source page does; the tables give both.
- 市场主体 (market entities) = the enterprises in the directory now, counted by 经济类型; in a town/park or
  industry cut, those of that town/park (``Enterprise.town``) or GB/T 4754 section (``Enterprise.industry``).
  The directory keeps no registration history, so this share is the same for every quarter.
- 税收, 就业岗位, 营业收入, 产值 = the sums of 纳税额, 从业人数, 营业收入 and 产值 over the quarter's indicator rows
  (``EnterpriseIndicator``); a figure not reported (null) counts in neither the part nor the whole.
- A share is part / whole as a fraction 0–1; with nothing to divide by (no enterprise, no figure, a zero sum) it is
  ``None`` — shown as "—" — never 0.

Every sum is one ``GROUP BY`` query with conditional aggregates (``SUM(…) FILTER (WHERE …)`` on PostgreSQL and
recent SQLite): a quarter of 73,900 enterprises is never walked in Python.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import Count, DecimalField, IntegerField, Q, Sum

from lianxi.directory.models import Department, Enterprise, Industry, Ownership
from lianxi.stats.sentence import honest_points

from .models import EnterpriseIndicator
from .periods import Period

PRIVATE_OWNERSHIPS = (Ownership.PRIVATE, Ownership.INDIVIDUAL)
TREND_QUARTERS = 8
BY_CHOICES = {"town": "乡镇（街道）/园区", "industry": "行业门类"}
UNSET = {"town": "未填乡镇/园区", "industry": "未填行业"}
# Wide enough for the sum of 73,900 enterprises' figures (each up to 14 digits).
SUM_FIELD = DecimalField(max_digits=24, decimal_places=2)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # as the headline says it: 税收, 就业岗位 …
    unit: str
    headline: str = ""  # the phrase in the headline sentence, when it has one


MEASURES: tuple[Measure, ...] = (
    Measure("market_entities", "市场主体", "户", "的市场主体数量"),
    Measure("taxes_paid", "税收", "万元", "的税收"),
    Measure("employees", "就业岗位", "人", "的就业岗位"),
    Measure("revenue", "营业收入", "万元"),
    Measure("output_value", "产值", "万元"),
)
FIGURES = tuple(m.key for m in MEASURES if m.key != "market_entities")
MEASURE_KEYS = frozenset(m.key for m in MEASURES)
# The order of the headline sentence, as on the source page: taxes, jobs, market entities.
HEADLINE_ORDER = ("taxes_paid", "employees", "market_entities")


def share(part, whole) -> float | None:
    if not whole:
        return None
    return float(part or 0) / float(whole)


@dataclass(frozen=True)
class Share:
    """One measure of one row: the whole, the private (民营) and the non-public (非公) parts."""

    total: int | Decimal | None = None
    private: int | Decimal | None = None
    non_public: int | Decimal | None = None

    @property
    def private_share(self) -> float | None:
        return share(self.private, self.total)

    @property
    def non_public_share(self) -> float | None:
        return share(self.non_public, self.total)


@dataclass
class Row:
    """One line of a table: the city (overall), a town/park, an industry, or a quarter of the trend."""

    key: object
    name: str
    measures: dict[str, Share] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Share:
        # Only measures: a template's ``row.name`` must still reach the attribute.
        if key not in MEASURE_KEYS:
            raise KeyError(key)
        return self.measures.get(key, Share())

    @property
    def cells(self) -> list[tuple[Measure, Share]]:
        return [(m, self[m.key]) for m in MEASURES]


@dataclass
class Monitor:
    period: Period | None
    overall: Row
    groups: dict[str, list[Row]]  # "town" / "industry" -> rows
    trend: list[Row]  # oldest first, key = Period

    @property
    def headline(self) -> str | None:
        """"2026年第3季度，全市非公经济贡献了78.3%的税收、80.5%的就业岗位和99.2%的市场主体数量"."""
        if self.period is None:
            return None
        return contribution(self.overall, "non_public_share", f"{self.period.label}，全市非公经济")

    @property
    def private_line(self) -> str | None:
        return contribution(self.overall, "private_share", "其中民营经济") if self.period else None


def percent(value: float | None) -> str:
    """78.3%: one decimal, never rounded to 100.0% (or 0.0%) that is not exact (``honest_points``)."""
    if value is None:
        return "—"
    return f"{honest_points(value):.1f}%"


def contribution(row: Row, attribute: str, subject: str) -> str | None:
    """"<subject>贡献了78.3%的税收、80.5%的就业岗位和99.2%的市场主体数量" with the shares (``attribute``) that can
    be computed, in the source page's order; None when none can."""
    by_key = {m.key: m for m in MEASURES}
    parts = [f"{percent(value)}{by_key[key].headline}" for key in HEADLINE_ORDER
             if (value := getattr(row[key], attribute)) is not None]
    if not parts:
        return None
    said = parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "和" + parts[-1]
    return f"{subject}贡献了{said}"


# ---------------------------------------------------------------------------------------------------- periods


def latest_period() -> Period | None:
    """The latest quarter with any indicator row: the top of the (year, quarter) index."""
    found = EnterpriseIndicator.objects.order_by("-year", "-quarter").values_list("year", "quarter").first()
    return Period(*found) if found else None


def periods_with_data() -> list[Period]:
    rows = EnterpriseIndicator.objects.order_by("-year", "-quarter").values_list("year", "quarter").distinct()
    return [Period(*r) for r in rows]


def _in_periods(periods: list[Period]) -> Q:
    """(year, quarter) pairs OR-ed: each uses the period index, where year * 4 + quarter would scan."""
    return reduce(operator.or_, (Q(year=p.year, quarter=p.quarter) for p in periods))


# ---------------------------------------------------------------------------------------------------- the sums


def _parts(measure: str, aggregate, value: str, prefix: str = "", output_field=None) -> dict:
    """The whole, private and non-public conditional aggregates of ``value``, named after ``measure``;
    ``prefix`` is the path to Enterprise."""
    private = Q(**{f"{prefix}ownership__in": PRIVATE_OWNERSHIPS})
    non_public = ~Q(**{f"{prefix}ownership": Ownership.STATE})
    extra = {"output_field": output_field} if output_field is not None else {}
    return {f"{measure}__total": aggregate(value, **extra),
            f"{measure}__private": aggregate(value, filter=private, **extra),
            f"{measure}__non_public": aggregate(value, filter=non_public, **extra)}


ENTITY_AGGREGATES = _parts("market_entities", Count, "pk")
FIGURE_AGGREGATES = {name: aggregate for key in FIGURES for name, aggregate in _parts(
    key, Sum, key, "enterprise__", IntegerField() if key == "employees" else SUM_FIELD).items()}


def _exact(value):
    """SQLite sums decimals as floats and hands back Decimal('15950.6200000000'): back to cents."""
    return value.quantize(CENT) if isinstance(value, Decimal) else value


def _shares(values: dict, keys) -> dict[str, Share]:
    """One aggregated row -> Share per measure. With a whole, a missing part is 0 (a sum over no rows is NULL)."""
    shares = {}
    for key in keys:
        total = values[f"{key}__total"]
        parts = (values[f"{key}__private"], values[f"{key}__non_public"])
        shares[key] = Share(_exact(total), *(_exact(p or 0) for p in parts)) if total is not None else Share()
    return shares


def _entity_rows(by: str | None) -> dict:
    """Market entities (directory counts) by ownership: {group key: {measure: Share}}, or {None: …} overall."""
    if by is None:
        counts = {None: Enterprise.objects.aggregate(**ENTITY_AGGREGATES)}
    else:
        counts = {r[by]: r for r in Enterprise.objects.values(by).annotate(**ENTITY_AGGREGATES).order_by()}
    return {key: _shares(r, ["market_entities"]) for key, r in counts.items()}


def _figure_rows(period: Period, by: str | None) -> dict:
    """The quarter's figure sums by ownership: {group key: {measure: Share}}, or {None: …} overall."""
    rows = EnterpriseIndicator.objects.filter(year=period.year, quarter=period.quarter)
    if by is None:
        return {None: _shares(rows.aggregate(**FIGURE_AGGREGATES), FIGURES)}
    group = f"enterprise__{by}"
    return {r[group]: _shares(r, FIGURES) for r in rows.values(group).annotate(**FIGURE_AGGREGATES).order_by()}


def _names(by: str, keys) -> list[tuple[object, str]]:
    """The groups' keys in display order with their names; the unset group last."""
    if by == "town":
        towns = Department.objects.filter(pk__in=[k for k in keys if k is not None]).order_by("sort_order", "code")
        named = [(t.pk, t.name) for t in towns]
    else:
        labels = dict(Industry.choices)
        named = [(k, labels.get(k, k)) for k in sorted(k for k in keys if k)]
    unset = [k for k in keys if k in (None, "")]
    return named + [(k, UNSET[by]) for k in unset[:1]]


def _rows(period: Period | None, by: str | None) -> list[Row]:
    entities = _entity_rows(by)
    figures = _figure_rows(period, by) if period is not None else {}
    if by is None:
        return [Row(None, "全市", {**entities.get(None, {}), **figures.get(None, {})})]
    return [Row(key, name, {**entities.get(key, {}), **figures.get(key, {})})
            for key, name in _names(by, set(entities) | set(figures))]


def trend(period: Period, quarters: int = TREND_QUARTERS, *, entities: Share | None = None) -> list[Row]:
    """The shares of the ``quarters`` quarters ending with ``period``, oldest first; a quarter without data has
    null shares (a gap in the chart). Market entities are today's directory (``entities``, when the caller has
    counted them already) in every quarter."""
    periods = period.last(quarters)
    sums = {Period(r["year"], r["quarter"]): _shares(r, FIGURES) for r in
            EnterpriseIndicator.objects.filter(_in_periods(periods)).values("year", "quarter")
            .annotate(**FIGURE_AGGREGATES).order_by()}
    counted = {"market_entities": entities} if entities is not None else _entity_rows(None)[None]
    return [Row(p, p.label, {**counted, **sums.get(p, {})}) for p in periods]


def monitor(period: Period | None, *, cuts=("town", "industry"), with_trend: bool = True) -> Monitor:
    """Everything the page, the API and the export show for ``period`` (None: no indicator data yet)."""
    overall = _rows(period, None)[0]
    return Monitor(period=period, overall=overall, groups={by: _rows(period, by) for by in cuts},
                   trend=trend(period, entities=overall["market_entities"]) if with_trend and period else [])
