"""The time limits running on an appeal: when each is in warning (黄灯), overdue (红灯) or due for 挂牌督办.

DOMAIN.md: warning when 80 % of a limit is used, overdue past it. "Used" is measured in working time
(``lianxi.core.workdays.working_time``): a limit's clock runs through working days and stops on weekends and
holidays, 调休 included. The loop's actions open and close ``Deadline`` rows through ``start`` / ``finish`` /
``move``; pages and the API read ``statuses``; ``lianxi.supervision.escalation`` raises ``Deadline.alert``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch

from lianxi.core.workdays import after_working_time, due_after, local_date, working_time, workdays_between

from .models import Alert, Deadline, Limit

WARNING_SHARE = 0.8


def listed_after_workdays() -> int:
    """Working days overdue after which a limit is raised to 挂牌督办 and put on the accountability list."""
    return settings.LIANXI["LISTED_AFTER_WORKDAYS"]


def schedule(started_at: dt.datetime, due_at: dt.datetime) -> dict:
    """The escalation moments of a limit running from ``started_at`` to ``due_at``."""
    used = working_time(started_at, due_at) * WARNING_SHARE
    return {"warn_at": after_working_time(started_at, used) if used else started_at,
            "listed_at": due_after(due_at, listed_after_workdays())}


def reached(deadline: Deadline, now: dt.datetime) -> Alert:
    """The escalation level the limit stands at ``now`` (from the clock, not from what was sent)."""
    if now >= deadline.listed_at:
        return Alert.LISTED
    if now > deadline.due_at:
        return Alert.OVERDUE
    if now >= deadline.warn_at:
        return Alert.WARNING
    return Alert.NONE


def next_alert_at(deadline: Deadline) -> dt.datetime | None:
    """When the level after ``deadline.alert`` is reached (None: nothing left to raise)."""
    return {Alert.NONE: deadline.warn_at, Alert.WARNING: deadline.due_at + dt.timedelta(seconds=1),
            Alert.OVERDUE: deadline.listed_at}.get(deadline.alert)


# ---- writers (called only from lianxi.appeals.actions, inside the action's transaction) -----------------------

def start(appeal, limit: str, now: dt.datetime, due_at: dt.datetime) -> Deadline:
    """Open a limit from ``now``; a running limit of the same kind is stopped first (a re-dispatch restarts it)."""
    finish(appeal, now, limit)
    deadline = Deadline(appeal=appeal, limit=limit, started_at=now, due_at=due_at, original_due_at=due_at,
                        **schedule(now, due_at))
    deadline.next_alert_at = next_alert_at(deadline)
    deadline.save()
    return deadline


def finish(appeal, now: dt.datetime, *limits: str, done: bool = False) -> None:
    """End the running limits of these kinds (all kinds when none is named). ``done``: the step was completed
    (met = on time or not); otherwise it was stopped (returned, suspended, rejected…) and ``met`` stays unknown."""
    running = Deadline.objects.filter(appeal=appeal, ended_at__isnull=True)
    if limits:
        running = running.filter(limit__in=limits)
    for deadline in running:
        deadline.ended_at = now
        deadline.met = (now <= deadline.due_at) if done else None
        deadline.next_alert_at = None
        deadline.save(update_fields=["ended_at", "met", "next_alert_at"])


def move(appeal, limits: Iterable[str], due_at: dt.datetime) -> None:
    """An approved extension: the due date in force moves, the original stays. The page shows the limit within
    time again (``status`` reads the clock), but the escalation level already reached is kept: the department
    was reminded once and is not reminded again; the next order comes when the new due date passes."""
    for deadline in Deadline.objects.filter(appeal=appeal, ended_at__isnull=True, limit__in=list(limits)):
        deadline.due_at = due_at
        for name, value in schedule(deadline.started_at, due_at).items():
            setattr(deadline, name, value)
        deadline.next_alert_at = next_alert_at(deadline)
        deadline.save()


# ---- readers ---------------------------------------------------------------------------------------------------

OK, WARNING, OVERDUE = "ok", "warning", "overdue"
DEADLINE_STATE_LABELS = {OK: "正常", WARNING: "临期", OVERDUE: "超期"}
_SEVERITY = {OK: 0, WARNING: 1, OVERDUE: 2}


@dataclass(frozen=True)
class DeadlineStatus:
    limit: str
    label: str
    state: str  # ok / warning / overdue
    due_at: dt.datetime  # in force
    original_due_at: dt.datetime
    workdays_left: int  # whole working days after today up to the due date; negative: working days overdue
    alert: int

    @property
    def state_label(self) -> str:
        return DEADLINE_STATE_LABELS[self.state]

    @property
    def extended(self) -> bool:
        return self.due_at != self.original_due_at


def status(deadline: Deadline, now: dt.datetime) -> DeadlineStatus:
    level = reached(deadline, now)
    state = OVERDUE if level >= Alert.OVERDUE else WARNING if level == Alert.WARNING else OK
    if state == OVERDUE:
        left = -workdays_between(deadline.due_at, now)
    else:
        left = workdays_between(now, deadline.due_at) if local_date(now) < local_date(deadline.due_at) else 0
    return DeadlineStatus(deadline.limit, Limit(deadline.limit).label, state, deadline.due_at,
                          deadline.original_due_at, left, deadline.alert)


RUNNING_ATTR = "running_deadlines"


def prefetch_running() -> Prefetch:
    """For lists: each appeal's running limits in one query (``appeal.running_deadlines``)."""
    return Prefetch("deadlines", queryset=Deadline.objects.filter(ended_at__isnull=True), to_attr=RUNNING_ATTR)


def running(appeal) -> list[Deadline]:
    cached = getattr(appeal, RUNNING_ATTR, None)
    if cached is not None:
        return cached
    if not appeal.pk:
        return []
    return list(appeal.deadlines.filter(ended_at__isnull=True))


def statuses(appeal, now: dt.datetime) -> list[DeadlineStatus]:
    """Every limit that applies to the appeal now, in the order the loop runs them."""
    order = list(Limit.values)
    return sorted((status(d, now) for d in running(appeal)), key=lambda s: order.index(s.limit))


def worst(items: list[DeadlineStatus]) -> DeadlineStatus | None:
    """The limit that matters most: the most severe, then the soonest due. None: no limit is running."""
    return max(items, key=lambda s: (_SEVERITY[s.state], -s.due_at.timestamp()), default=None)
