"""Filters of the monitor's page: a share as a percentage, an amount with thousands separators, "—" for none."""

from __future__ import annotations

from decimal import Decimal

from django import template

from lianxi.economy.selectors import percent

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    return percent(value)


@register.filter
def amount(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"
