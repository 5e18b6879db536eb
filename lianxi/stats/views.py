"""统计分析: the dashboard and the big screen (数据大屏). Thin: the question and every number come from
lianxi.stats.selectors; this module arranges them for the pages, each number with the URL of the appeal list
that holds exactly what it counted (``selectors.list_url``).

One page costs a fixed handful of aggregate queries whatever the volume: the summary, one breakdown per chart
(month, channel, category), the ranking, the growth of categories and of towns (two each: this period and the
one before), and the overdue list (at most ``OVERDUE_ROWS`` facts with their appeals, in one query).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from lianxi.core.errors import InvalidInput
from lianxi.core.workdays import workdays_between
from lianxi.web.views import lianxi_pages

from . import selectors
from .facts import as_of
from .forms import StatsForm
from .measures import RATE_BY_NAME
from .sentence import percent, sentence

OVERDUE_ROWS = 20
SCREEN_RANKING_ROWS = 10
SCREEN_REFRESH_SECONDS = 60
# Shown in the filter form, in this order ("meeting" is carried as a hidden field when a link set it).
FORM_FIELDS = ["from", "to", "department", "channel", "category", "town", "size", "ownership"]
# The rate columns of the ranking table, after 受理量.
RANKING_RATES = [("response_rate", "签收及时率"), ("solved_rate", "解决率"), ("satisfaction_rate", "满意率"),
                 ("on_time_rate", "按期办结率")]
SCREEN_RATES = ("solved_rate", "satisfaction_rate")  # the big screen's narrower ranking: the rates that weigh most
# The tables the .xlsx export offers (lianxi.stats downloads, URL name stats_files:export).
EXPORT_TABLES = ["summary", "department", "channel", "category", "month", "town", "ranking", "growth_category",
                 "growth_town", "overdue"]


def tone(rate: float | None) -> str:
    """The colour of a rate cell: ≥ 95 % good (green), ≥ 85 % fair (amber), below poor (red), none grey."""
    if rate is None:
        return "none"
    return "good" if rate >= 0.95 else "fair" if rate >= 0.85 else "poor"


def _percent_number(rate: float | None) -> float | None:
    """A rate as a chart value in per cent, as ``percent`` shows it (one decimal, never a 100 that is not exact);
    None for "nothing to divide"."""
    return None if rate is None else float(percent(rate).removesuffix("%"))


# ---- the period presets ----------------------------------------------------------------------------------------

def preset_periods(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """本月 · 本季度 · 今年 · 近12个月 (the last twelve calendar months, this one included), each up to today."""
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [("本月", today.replace(day=1), today), ("本季度", quarter_start, today),
            ("今年", dt.date(today.year, 1, 1), today), ("近12个月", selectors.add_months(today, -11), today)]


def presets(request, q: selectors.Question | None, today: dt.date) -> list[dict]:
    """The quick period links: the request's other parameters kept, the period replaced."""
    base = request.GET.copy()
    out = []
    for label, start, end in preset_periods(today):
        base["from"], base["to"] = start.isoformat(), end.isoformat()
        out.append({"label": label, "url": f"?{base.urlencode()}",
                    "active": q is not None and (q.start, q.end) == (start, end)})
    return out


# ---- the filter form --------------------------------------------------------------------------------------------

def filter_form(request, q: selectors.Question | None, forced_department: int | None) -> tuple[StatsForm, list, list]:
    """The bound form, the fields shown and the (name, value) pairs carried as hidden inputs. The period shown is
    the question's (the default one filled in); a department's staff have no department field: their cut is
    forced."""
    data = request.GET.copy()
    if q is not None:
        data["from"], data["to"] = q.start.isoformat(), q.end.isoformat()
    form = StatsForm(data)
    for name in ("from", "to"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    for name in ("department", "channel", "category", "town"):
        form.fields[name].empty_label = "全部"
    shown = [name for name in FORM_FIELDS if not (name == "department" and forced_department is not None)]
    carried = [("meeting", request.GET["meeting"])] if request.GET.get("meeting") else []
    return form, [form[name] for name in shown], carried


# ---- the numbers, arranged --------------------------------------------------------------------------------------

def cards(q: selectors.Question, n: dict) -> list[dict]:
    """受理量, 办结率, 按期办结率, 满意率, 当前超期: each with what it divides and the list it counted."""
    url = partial(selectors.list_url, q)
    return [
        {"name": "received", "label": "受理量", "value": n["received"], "unit": "件",
         "detail": f"交办 {n['dispatched']} · 答复 {n['replied']}", "url": url("received"), "tone": ""},
        {"name": "completion_rate", "label": "办结率", "value": percent(n["completion_rate"]), "unit": "",
         "detail": f"办结 {n['completed']} / 受理 {n['received']}", "url": url("completed"),
         "tone": tone(n["completion_rate"])},
        {"name": "on_time_rate", "label": "按期办结率", "value": percent(n["on_time_rate"]), "unit": "",
         "detail": f"按期办结 {n['on_time']} / 答复 {n['replied']}", "url": url("on_time"),
         "tone": tone(n["on_time_rate"])},
        {"name": "satisfaction_rate", "label": "满意率", "value": percent(n["satisfaction_rate"]), "unit": "",
         "detail": f"满意 {n['satisfied']} / 回访评价 {n['rated']}", "url": url("satisfied"),
         "tone": tone(n["satisfaction_rate"])},
        {"name": "overdue_now", "label": "当前超期", "value": n["overdue_now"], "unit": "件",
         "detail": f"在办已过办结时限 · 超期率 {percent(n['overdue_rate'])}", "url": url("overdue_now"),
         "tone": "poor" if n["overdue_now"] else "good"},
    ]


def _month_bounds(q: selectors.Question, key: str) -> tuple[dt.date, dt.date]:
    """A trend month ("2026-03") intersected with the period."""
    year, month = map(int, key.split("-"))
    first = dt.date(year, month, 1)
    last = selectors.add_months(first, 1) - dt.timedelta(days=1)
    return max(first, q.start), min(last, q.end)


def trend_chart(q: selectors.Question, rows: list[dict]) -> dict:
    one_year = q.start.year == q.end.year
    received_urls, completed_urls = [], []
    for row in rows:
        start, end = _month_bounds(q, row["key"])
        received_urls.append(selectors.list_url(q, "received", **{"from": start, "to": end}))
        completed_urls.append(selectors.list_url(q, "completed", **{"from": start, "to": end}))
    return {
        "kind": "trend",
        "labels": [f"{int(r['key'][5:])}月" if one_year else r["key"] for r in rows],
        "titles": [r["name"] for r in rows],
        "series": [
            {"name": "受理量", "type": "bar", "values": [r["received"] for r in rows], "urls": received_urls},
            {"name": "办结率", "type": "line", "percent": True,
             "values": [_percent_number(r["completion_rate"]) for r in rows], "urls": completed_urls},
        ],
    }


def share_chart(q: selectors.Question, rows: list[dict], by: str, kind: str) -> dict:
    """受理量 per channel (a ring) or per category (bars, most first), each with its completion rate."""
    return {
        "kind": kind,
        "labels": [r["name"] for r in rows],
        "titles": [r["name"] for r in rows],
        "notes": [f"办结率 {percent(r['completion_rate'])}" for r in rows],
        "series": [{"name": "受理量", "type": "bar", "values": [r["received"] for r in rows],
                    "urls": [selectors.list_url(q, "received", **{by: r["key"]}) for r in rows]}],
    }


def ranking_row(q: selectors.Question, row: dict) -> dict:
    return {
        "rank": row["rank"], "name": row["name"], "received": row["received"], "reason": row.get("reason", ""),
        "cells": [{"label": label, "text": percent(row[name]), "tone": tone(row[name]),
                   "weighty": name in SCREEN_RATES} for name, label in RANKING_RATES],
        "score": "—" if row["score"] is None else f"{row['score']:.2f}",
        "url": selectors.list_url(q, "received", department=row["key"]),
    }


def ranking_table(q: selectors.Question, ranking: dict) -> dict:
    table = {"ranked": [ranking_row(q, r) for r in ranking["results"]],
             "unranked": [ranking_row(q, r) for r in ranking["unranked"]],
             "ranked_count": ranking["ranked_count"], "min_received": ranking["min_received"],
             "weights": "、".join(f"{RATE_BY_NAME[name].label} {weight:g}"
                                  for name, weight in ranking["weights"].items())}
    if q.forced_department is not None:  # a department's staff: their own row only, with its rank among all
        own = (table["ranked"] or table["unranked"] or [None])[0]
        table["own"], table["own_rows"] = own, [own] if own else []
    return table


def growth_rows(q: selectors.Question, rows: list[dict], by: str) -> list[dict]:
    return [{
        "name": r["name"], "current": r["current"], "previous": r["previous"], "increase": r["increase"],
        "rate": "新增" if not r["previous"] else percent(r["growth_rate"]),
        # Appeals without a town have no list filter of their own: that row is shown without a link.
        "url": selectors.list_url(q, "received", **{by: r["key"]}) if r["key"] is not None else None,
    } for r in rows]


def overdue_rows(q: selectors.Question, now: dt.datetime) -> list[dict]:
    """The open appeals counted in 当前超期, the longest overdue first (at most ``OVERDUE_ROWS``)."""
    return [{"appeal": fact.appeal, "lead_department": fact.lead_department, "state": fact.state,
             "due_at": fact.open_due_at, "workdays": workdays_between(fact.open_due_at, now),
             "url": reverse("web:appeal_detail", args=[fact.appeal_id])}
            for fact in selectors.overdue_facts(q, now)[:OVERDUE_ROWS]]


def downloads(q: selectors.Question) -> dict:
    """The .docx report and the .xlsx tables of this question."""
    report, export = reverse("stats_files:report"), reverse("stats_files:export")
    params = q.params()
    return {"report": f"{report}?{urlencode(params)}",
            "export": {table: f"{export}?{urlencode({**params, 'table': table})}" for table in EXPORT_TABLES}}


def as_of_text(now: dt.datetime) -> str:
    moment = as_of()
    if moment is None:
        return "尚未统计"
    moment = timezone.localtime(moment)
    return f"{moment:%H:%M}" if moment.date() == timezone.localtime(now).date() else f"{moment:%Y-%m-%d %H:%M}"


def numbers(request, q: selectors.Question, now: dt.datetime) -> dict:
    """Everything both pages show for one question."""
    n = selectors.summary(q, now)
    return {
        "q": q, "numbers": n, "sentence": sentence(q, n), "as_of": as_of_text(now),
        "department_name": q.forced_name,
        "cards": cards(q, n),
        "charts": {
            "trend": trend_chart(q, selectors.breakdown(q, "month", now)),
            "channel": share_chart(q, selectors.breakdown(q, "channel", now), "channel", "pie"),
            "category": share_chart(q, selectors.breakdown(q, "category", now), "category", "bars"),
        },
        "ranking": ranking_table(q, selectors.ranking(q, now)),
        "hot_categories": growth_rows(q, selectors.growth(q, "category", now), "category"),
        "hot_towns": growth_rows(q, selectors.growth(q, "town", now), "town"),
        "previous": q.previous(),
        "overdue": overdue_rows(q, now),
        "overdue_url": selectors.list_url(q, "overdue_now"),
        "downloads": downloads(q),
    }


# ---- the pages ------------------------------------------------------------------------------------------------

def _question(request) -> tuple[selectors.Question | None, int | None, InvalidInput | None]:
    """The question, or the input error to show beside the form (the form shows it per field). A user who may
    read no numbers, or a department's staff asking for another department, gets NotPermitted (403)."""
    forced = selectors.department_scope(request.user)
    try:
        return selectors.question(request.user, request.GET), forced, None
    except InvalidInput as exc:
        return None, forced, exc


@lianxi_pages
def dashboard(request):
    q, forced, error = _question(request)
    now = timezone.now()
    form, fields, carried = filter_form(request, q, forced)
    context = {"form": form, "fields": fields, "carried": carried, "error": error,
               "presets": presets(request, q, timezone.localdate()),
               "filtered": any(request.GET.values()),
               "screen_url": f"{reverse('stats:screen')}?{request.GET.urlencode()}"}
    if q is not None:
        context.update(numbers(request, q, now))
    return render(request, "stats/dashboard.html", context, status=400 if error else 200)


@lianxi_pages
def screen(request):
    """数据大屏: the same numbers in large type, refreshed by HTMX polling every minute. A poll (HX-Request)
    gets only the parts that change, swapped out of band so the charts update in place without a reload."""
    q, _, error = _question(request)
    now = timezone.now()
    context = {"error": error, "refresh_seconds": SCREEN_REFRESH_SECONDS, "ranking_rows": SCREEN_RANKING_ROWS,
               "ranking_slice": f":{SCREEN_RANKING_ROWS}",
               "dashboard_url": f"{reverse('stats:dashboard')}?{request.GET.urlencode()}"}
    if q is not None:
        context.update(numbers(request, q, now))
    template = "stats/screen_update.html" if request.htmx and q is not None else "stats/screen.html"
    response = render(request, template, context, status=400 if error else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response
