"""The sentence leaders quote, written from the numbers: "2026年1—9月，通过季度民营企业发展座谈会收集问题89个，
办结88个，办结率98.9%，满意率100%"."""

from __future__ import annotations

import calendar
import datetime as dt

from lianxi.directory.models import Ownership, Size

from .selectors import Question


def honest_points(value: float) -> float:
    """A fraction as percentage points to one decimal, never rounded to 100 (or 0) that is not exact: a leader who
    says "满意率100%" must be right."""
    shown = round(value * 100, 1)
    if shown >= 100 and value < 1:
        return 99.9
    if shown <= 0 and value > 0:
        return 0.1
    return shown


def percent(value: float | None) -> str:
    """98.9%: one decimal, the trailing .0 dropped (``honest_points``)."""
    if value is None:
        return "—"
    text = f"{honest_points(value):.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def period_phrase(start: dt.date, end: dt.date) -> str:
    """2026年 · 2026年9月 · 2026年1—9月 · 2025年10月—2026年3月 · 2026年1月1日至11月27日."""
    whole_months = start.day == 1 and _month_end(end)
    if whole_months and start.year == end.year:
        if start.month == 1 and end.month == 12:
            return f"{start.year}年"
        if start.month == end.month:
            return f"{start.year}年{start.month}月"
        return f"{start.year}年{start.month}—{end.month}月"
    if whole_months:
        return f"{start.year}年{start.month}月—{end.year}年{end.month}月"
    if start.year == end.year:
        if start == end:
            return f"{start.year}年{start.month}月{start.day}日"
        return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def _enterprises(cuts: dict) -> str:
    words = [cuts["town"].name if "town" in cuts else "",
             dict(Ownership.choices).get(cuts.get("ownership"), ""),
             dict(Size.choices).get(cuts.get("size"), "")]
    words = "".join(words)
    return f"向{words}企业" if words else ""


def sentence(q: Question, numbers: dict) -> str:
    cuts = q.cuts
    source = ""
    if "meeting" in cuts:
        source = f"通过{cuts['meeting'].title}"
    elif "channel" in cuts:
        source = f"通过{cuts['channel'].name}"
    category = f"{cuts['category'].name}类" if "category" in cuts else ""
    lead = q.department_name
    text = f"{period_phrase(q.start, q.end)}，{source}{_enterprises(cuts)}收集{category}问题{numbers['received']}个"
    if lead:
        text += f"（{lead}主办）"
    if not numbers["received"]:
        return text
    text += f"，办结{numbers['completed']}个，办结率{percent(numbers['completion_rate'])}"
    if numbers["rated"]:
        text += f"，满意率{percent(numbers['satisfaction_rate'])}"
    else:
        text += "，暂无回访评价"
    return text
