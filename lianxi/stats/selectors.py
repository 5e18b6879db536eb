"""Reading the numbers: who may read which, and the summary, breakdown, ranking and growth of a question.

The access rule for numbers: citywide staff (leaders, supervisors, dispatchers, clerks, admins) read every
department's; a department's own staff (its head, its handlers) read their department's only — the cut is forced
to it, and asking for another department is refused (403); enterprises and deputies read none (403).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse

from lianxi.accounts.access import sees_everything
from lianxi.accounts.models import DEPARTMENT_ROLES
from lianxi.core.api import form_errors
from lianxi.core.errors import InvalidInput, NotPermitted
from lianxi.directory.models import Category, Channel, Department, Ownership, Size

from . import measures
from .forms import CUT_LOOKUPS, StatsForm
from .models import AppealFact

NO_DEPARTMENT = "未交办"
NO_TOWN = "未填写乡镇/园区"


def department_scope(user) -> int | None:
    """None: every department's numbers; an id: that department's only. Raises NotPermitted: none."""
    if sees_everything(user):
        return None
    if user.is_authenticated and user.has_role(*DEPARTMENT_ROLES) and user.department_id:
        return user.department_id
    raise NotPermitted("统计数据仅向领导、督办、营商办及各部门负责人开放")


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def whole_months(start: dt.date, end: dt.date) -> int:
    """How many calendar months [start, end] covers exactly (0: not whole months)."""
    if start.day != 1 or (end + dt.timedelta(days=1)).day != 1:
        return 0
    following = end + dt.timedelta(days=1)
    return (following.year - start.year) * 12 + following.month - start.month


@dataclass
class Question:
    """A validated period and cut, for one user."""

    start: dt.date
    end: dt.date
    cuts: dict = field(default_factory=dict)  # parameter -> object or code
    forced_department: int | None = None
    forced_name: str = ""  # that department's name (a department's own staff are confined to it)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Question":
        """The period just before this one, same cut (for growth): whole calendar months (a month, a quarter, a
        year) compare with as many months before; any other period with as many days before."""
        months = whole_months(self.start, self.end)
        if months:
            start = add_months(self.start, -months)
            return replace(self, start=start, end=self.start - dt.timedelta(days=1))
        end = self.start - dt.timedelta(days=1)
        return replace(self, start=end - dt.timedelta(days=self.days - 1), end=end)

    @property
    def department_name(self) -> str | None:
        """The lead department the numbers are cut to: forced for a department's staff, or chosen."""
        if self.forced_department is not None:
            return self.forced_name
        chosen = self.cuts.get("department")
        return chosen.name if chosen else None

    def facts(self) -> QuerySet:
        qs = AppealFact.objects.filter(registered_on__gte=self.start, registered_on__lte=self.end)
        for name, value in self.cuts.items():
            qs = qs.filter(**{CUT_LOOKUPS[name]: value})
        if self.forced_department is not None:
            qs = qs.filter(lead_department_id=self.forced_department)
        return qs

    def params(self) -> dict:
        """As query parameters (for links to the list, the export and the report)."""
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for name, value in self.cuts.items():
            out[name] = getattr(value, "pk", value)
        return out


# Question parameter -> the appeal list's filter (lianxi.appeals.filters.AppealFilter).
LIST_PARAMS = {"from": "created_from", "to": "created_to", "department": "lead_department"}


def list_url(q: Question, measure: str | None = None, **extra) -> str:
    """The appeal list holding exactly the appeals a number counted: the same period, cut and measure."""
    params = {LIST_PARAMS.get(k, k): v for k, v in q.params().items()}
    if q.forced_department is not None:
        params["lead_department"] = q.forced_department
    if measure:
        params["measure"] = measure
    params.update({LIST_PARAMS.get(k, k): v for k, v in extra.items() if v is not None})
    return f"{reverse('web:appeal_list')}?{urlencode(params)}"


def question(user, data) -> Question:
    """Validate the period and cut in ``data`` (a QueryDict or dict) for ``user``; InvalidInput / NotPermitted."""
    forced = department_scope(user)
    q = system_question(data)
    if forced is not None:
        asked = q.cuts.pop("department", None)
        if asked is not None and asked.pk != forced:
            raise NotPermitted("只能查看本单位的统计数据")
        q.forced_department, q.forced_name = forced, user.department.name
    return q


def system_question(data) -> Question:
    """The question as the system asks it (a scheduled report): no user, so no access rule; InvalidInput."""
    form = StatsForm(data)
    if not form.is_valid():
        raise InvalidInput(fields=form_errors(form))
    return Question(form.cleaned_data["from"], form.cleaned_data["to"], form.cuts, None)


def summary(q: Question, now: dt.datetime) -> dict:
    return measures.measure(q.facts(), now)


def overdue_facts(q: Question, now: dt.datetime) -> QuerySet:
    """The facts counted in 当前超期 (overdue_now), the longest overdue first, with their appeal, its enterprise
    and the lead department: the one overdue list of the dashboard, the export and the report (each slices it)."""
    return (q.facts().filter(measures.fact_condition("overdue_now", now))
            .select_related("appeal__enterprise", "lead_department").order_by("open_due_at", "appeal_id"))


# ---- breakdowns ------------------------------------------------------------------------------------------------

def _names(model, ids) -> dict:
    return dict(model.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name"))


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    key: str  # the AppealFact lookup grouped by

    def labels(self, keys) -> dict:
        if self.name in ("department", "town"):
            names = _names(Department, keys)
            return {k: names.get(k, NO_DEPARTMENT if self.name == "department" else NO_TOWN) for k in keys}
        if self.name == "channel":
            return _names(Channel, keys)
        if self.name == "category":
            return _names(Category, keys)
        if self.name == "size":
            return {k: dict(Size.choices).get(k, "未填写") for k in keys}
        if self.name == "ownership":
            return {k: dict(Ownership.choices).get(k, "未填写") for k in keys}
        return {k: f"{k.year}年{k.month}月" for k in keys}  # month


DIMENSIONS = {d.name: d for d in [
    Dimension("department", "主办单位", "lead_department"),
    Dimension("channel", "渠道", "channel"),
    Dimension("category", "类别", "category"),
    Dimension("town", "乡镇/园区", "enterprise__town"),
    Dimension("size", "企业规模", "enterprise__size"),
    Dimension("ownership", "经济类型", "enterprise__ownership"),
    Dimension("month", "月份", "month"),
]}


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_key(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def breakdown(q: Question, by: str, now: dt.datetime) -> list[dict]:
    """Every measure per group of ``by``; groups in a stable order (most received first; months in order, the
    empty ones included so a trend has no gaps)."""
    dim = DIMENSIONS[by]
    facts = q.facts()
    if by == "month":
        facts = facts.annotate(month=TruncMonth("registered_on"))
    grouped = {(_month_key(k) if by == "month" else k): m for k, m in measures.measure_by(facts, dim.key, now)}
    if by == "month":
        empty = measures.finish({})
        keys = _months(q.start, q.end)
        grouped = {k: grouped.get(k, empty) for k in keys}
    else:
        keys = sorted(grouped, key=lambda k: (-grouped[k]["received"], k is None, str(k)))
    labels = dim.labels(keys)
    rows = []
    for key in keys:
        out_key = key.strftime("%Y-%m") if by == "month" else key
        rows.append({"key": out_key, "name": labels.get(key, str(key)), **grouped[key]})
    return rows


# ---- ranking ---------------------------------------------------------------------------------------------------

def ranking_settings() -> tuple[dict[str, float], int]:
    conf = settings.LIANXI
    return dict(conf["RANKING_WEIGHTS"]), conf["RANKING_MIN_RECEIVED"]


def score(row: dict, weights: dict[str, float]) -> float | None:
    """综合得分 out of 100: the weighted rates (weights normalised to sum 1); None if a weighted rate is None."""
    total = sum(weights.values())
    if any(row[name] is None for name in weights) or not total:
        return None
    return round(100 * sum(row[name] * w for name, w in weights.items()) / total, 2)


def ranking(q: Question, now: dt.datetime) -> dict:
    """Departments by composite score. A department is ranked once it has ``RANKING_MIN_RECEIVED`` appeals in
    the period and every weighted rate has something to divide; the others are listed unranked with the reason.
    Equal scores share a rank (1, 2, 2, 4). A department's own staff see only their department's row, with its
    rank among all."""
    weights, minimum = ranking_settings()
    forced = q.forced_department
    everyone = Question(q.start, q.end, {k: v for k, v in q.cuts.items() if k != "department"}, None)
    rows = [row for row in breakdown(everyone, "department", now) if row["key"] is not None]
    ranked, unranked = [], []
    for row in rows:
        row["score"] = score(row, weights)
        if row["received"] < minimum:
            row["reason"] = f"受理量不足{minimum}件"
            unranked.append(row)
        elif row["score"] is None:
            row["reason"] = "暂无回访评价，无法计算"
            unranked.append(row)
        else:
            ranked.append(row)
    ranked.sort(key=lambda r: (-r["score"], -r["received"], r["name"]))
    previous, rank = None, 0
    for position, row in enumerate(ranked, 1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    for row in unranked:
        row["rank"] = None
    if forced is not None:
        ranked = [r for r in ranked if r["key"] == forced]
        unranked = [r for r in unranked if r["key"] == forced]
    return {"weights": weights, "min_received": minimum, "ranked_count": len([r for r in rows if r.get("rank")]),
            "results": ranked, "unranked": unranked}


# ---- growth (hot spots) ----------------------------------------------------------------------------------------

def growth(q: Question, by: str, now: dt.datetime, limit: int = 5) -> list[dict]:
    """The groups (categories, towns) whose received count grew most against the previous period of the same
    length: by the increase, then by the growth rate (None when the previous period had none)."""
    dim = DIMENSIONS[by]
    current = {k: m["received"] for k, m in measures.measure_by(q.facts(), dim.key, now)}
    before = {k: m["received"] for k, m in measures.measure_by(q.previous().facts(), dim.key, now)}
    keys = [k for k in current if current[k] > before.get(k, 0)]
    labels = dim.labels(keys)
    rows = [{"key": k, "name": labels.get(k, str(k)), "current": current[k], "previous": before.get(k, 0),
             "increase": current[k] - before.get(k, 0),
             "growth_rate": measures.ratio(current[k] - before.get(k, 0), before.get(k, 0))} for k in keys]
    rows.sort(key=lambda r: (-r["increase"], -(r["growth_rate"] or float("inf")), r["name"]))
    return rows[:limit]
