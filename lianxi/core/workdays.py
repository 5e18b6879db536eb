"""Working days by the official calendar (chinese_calendar: public holidays and 调休 weekend workdays).

A time limit of N working days counted from a moment ends at the end (23:59:59, Asia/Shanghai) of the N-th
working day after that moment's date: dispatched on Friday with a limit of 1 → due at the end of the next
working day, whatever the hour of dispatch. Years the library has no data for yet (the State Council publishes
each year's holidays in November) fall back to Monday–Friday; `calendar_covers` tells callers when that happens.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.utils import timezone

END_OF_DAY = dt.time(23, 59, 59)


@lru_cache(maxsize=8192)
def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def calendar_covers(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (n >= 1); n == 0 is ``start`` itself."""
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    while n:
        day += dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def due_after(moment: dt.datetime, workdays: int) -> dt.datetime:
    """The deadline of a limit of ``workdays`` working days counted from ``moment``."""
    day = add_workdays(local_date(moment), workdays)
    return timezone.make_aware(dt.datetime.combine(day, END_OF_DAY), timezone.get_default_timezone())


def workdays_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days after ``start``'s date up to and including ``end``'s date (0 if end is not later)."""
    first, last = local_date(start), local_date(end)
    count = 0
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def working_time(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """The part of [start, end) that falls on working days: the measure "how much of a limit is used".
    A limit's clock runs through the whole of each working day and stops on holidays and weekends."""
    total = dt.timedelta(0)
    day = local_date(start)
    while start < end:
        next_start = _day_start(day + dt.timedelta(days=1))
        if is_workday(day):
            total += min(end, next_start) - start
        start, day = next_start, day + dt.timedelta(days=1)
    return total


def after_working_time(start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The moment ``amount`` of working time after ``start`` (the inverse of ``working_time``)."""
    day = local_date(start)
    while True:
        next_start = _day_start(day + dt.timedelta(days=1))
        if is_workday(day):
            available = next_start - start
            if amount <= available:
                return start + amount
            amount -= available
        start, day = next_start, day + dt.timedelta(days=1)
