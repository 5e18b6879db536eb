"""The numbers leaders read (DOMAIN.md), as counts over ``AppealFact`` rows: defined once, here.

The population of every measure is the appeals registered in the period and received (rejected and merged ones
are in no number). Each rate is a numerator over a denominator of that population; with nothing to divide it is
``None`` (shown as "—"), never 0. Interpretations the definitions left open, made here and documented in the
README ("统计口径"):

- 办结 (completed) is the state now: replied, followed up or closed. A reopened appeal back in handling is not
  completed until it is replied again.
- "Replied" (the denominator of the on-time and reopen rates) is replied at least once. On time is the latest
  reply against the due date in force when it was made (an approved extension moves it; a reopened appeal's
  rectification reply is measured against its 差评整改 limit), as recorded in the reply's event.
- 签收及时 (responded) is the latest dispatch's answer — accepted or returned — within its 签收 limit; the earlier
  dispatches of a re-dispatched appeal were answered by other departments, and the lead is measured.
- Overdue is "open past due" (dispatched or handling, the 办结/整改 due date in force passed: decided when counted)
  or "replied after due" (the latest reply was late). Suspended (挂账) appeals stop the clock and are not overdue.
- Average working days to reply runs from the latest dispatch to the first reply after it, in working days
  (weekends and holidays stop the clock, 调休 included), with fractions.
- Every cut is by the lead department (主办单位); co-handling departments are not measured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet


def _counts(now: dt.datetime) -> dict[str, Q]:
    """The counts: name -> condition on AppealFact (labels in COUNT_LABELS). All within the received population."""
    overdue_now = Q(open_due_at__lt=now)
    late = Q(replied=True, on_time=False)
    return {
        "received": Q(),
        "completed": Q(completed=True),
        "dispatched": Q(dispatched=True),
        "responded": Q(dispatched=True, responded=True),
        "returned": Q(dispatched=True, returned=True),
        "replied": Q(replied=True),
        "on_time": Q(replied=True, on_time=True),
        "rated": Q(rated=True),
        "satisfied": Q(rated=True, satisfied=True),
        "solved": Q(rated=True, solved=True),
        "reopened": Q(replied=True, reopened=True),
        "overdue": overdue_now | late,
        "overdue_now": overdue_now,
    }


COUNT_LABELS = {
    "received": "受理量", "completed": "办结", "dispatched": "交办", "responded": "及时签收", "returned": "退单",
    "replied": "答复", "on_time": "按期办结", "rated": "回访评价", "satisfied": "满意", "solved": "解决",
    "reopened": "重办", "overdue": "超期", "overdue_now": "当前超期",
}


@dataclass(frozen=True)
class Rate:
    name: str
    label: str
    numerator: str
    denominator: str


RATES = [
    Rate("completion_rate", "办结率", "completed", "received"),
    Rate("on_time_rate", "按期办结率", "on_time", "replied"),
    Rate("response_rate", "签收及时率", "responded", "dispatched"),
    Rate("satisfaction_rate", "满意率", "satisfied", "rated"),
    Rate("solved_rate", "解决率", "solved", "rated"),
    Rate("reopen_rate", "重办率", "reopened", "replied"),
    Rate("overdue_rate", "超期率", "overdue", "received"),
    Rate("return_rate", "退单率", "returned", "dispatched"),
]
RATE_BY_NAME = {rate.name: rate for rate in RATES}
AVG_REPLY = "avg_reply_workdays"
COUNT_NAMES = list(COUNT_LABELS)


PREFIX = "n_"  # aggregate aliases may not shadow the facts' own columns (received, dispatched…)


def aggregates(now: dt.datetime) -> dict:
    """The ``aggregate()`` / ``annotate()`` arguments that count every measure in one pass over the facts."""
    exprs = {PREFIX + name: Count("pk", filter=q) if q else Count("pk") for name, q in _counts(now).items()}
    exprs[PREFIX + AVG_REPLY] = Avg("reply_workdays")
    return exprs


def ratio(numerator: int, denominator: int) -> float | None:
    return None if not denominator else numerator / denominator


def finish(counts: dict) -> dict:
    """Counts (and the average) as aggregated -> every measure: the counts, the rates, the average."""
    counts = {name.removeprefix(PREFIX): value for name, value in counts.items()}
    result = {name: counts.get(name) or 0 for name in COUNT_NAMES}
    for rate in RATES:
        result[rate.name] = ratio(result[rate.numerator], result[rate.denominator])
    avg = counts.get(AVG_REPLY)
    result[AVG_REPLY] = None if avg is None else round(avg, 2)
    return result


def received(facts: QuerySet) -> QuerySet:
    return facts.filter(received=True)


def measure(facts: QuerySet, now: dt.datetime) -> dict:
    """Every measure over these facts (already cut to a period and a cut)."""
    return finish(received(facts).aggregate(**aggregates(now)))


def measure_by(facts: QuerySet, key: str, now: dt.datetime) -> list[tuple[object, dict]]:
    """Every measure per value of ``key`` (a field path or an annotation on the facts), in one GROUP BY."""
    rows = received(facts).values(key).order_by(key).annotate(**aggregates(now))
    return [(row.pop(key), finish(row)) for row in rows]


def fact_condition(name: str, now: dt.datetime) -> Q:
    """The condition a fact meets to be counted in ``name`` (a count): for the click-through lists."""
    return Q(received=True) & _counts(now)[name]
