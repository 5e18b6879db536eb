"""Keeping ``AppealFact`` true: what an appeal counts for, computed from its row and its events.

Every action marks its appeal stale (``mark_stale``, called by lianxi.appeals.actions in the action's own
transaction); ``refresh`` recomputes the stale ones in batches and ``rebuild`` recomputes everything (after an
upgrade or a bulk load). A batch takes its marks with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and deletes them in
the transaction that writes the facts: an action that commits meanwhile marks the appeal again, so the next pass
sees it. The facts are event-sourced — the events are the evidence (DOMAIN.md), and they keep what the appeal row
overwrites (whether an earlier reply was on time, when the latest dispatch happened).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models.fields.json import KT
from django.utils import timezone

from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.appeals.workflow import State
from lianxi.core.workdays import local_date, working_time

from .models import AppealFact, Refresh, StaleAppeal

BATCH = 1000
COMPLETED_STATES = frozenset({State.REPLIED, State.FOLLOWED_UP, State.CLOSED})
NOT_RECEIVED_STATES = frozenset({State.REJECTED, State.MERGED})
# The states in which the 办结 (or 差评整改) limit runs: its due date in force is Appeal.due_at.
RUNNING_REPLY_STATES = frozenset({State.DISPATCHED, State.HANDLING})
DISPATCH_ACTIONS = ("dispatch", "arbitrate")
RESPONSE_ACTIONS = ("accept", "return")
EVENT_ACTIONS = (*DISPATCH_ACTIONS, *RESPONSE_ACTIONS, "reply")
FACT_FIELDS = [f.name for f in AppealFact._meta.concrete_fields if not f.primary_key]
_APPEAL_COLUMNS = ("pk", "created_at", "enterprise_id", "lead_department_id", "channel_id", "category_id",
                   "meeting_id", "state", "due_at", "rating", "solved", "reopen_count", "return_count")


def mark_stale(appeal_ids: Iterable[int]) -> None:
    """Called inside the action's transaction: the mark commits (or rolls back) with the change."""
    StaleAppeal.objects.bulk_create([StaleAppeal(appeal_id=pk) for pk in appeal_ids], ignore_conflicts=True)


def compute(row: dict, events: list[tuple[str, dt.datetime, bool | None]], now: dt.datetime) -> AppealFact:
    """The facts of one appeal from its row (``_APPEAL_COLUMNS``) and its loop events in order: (action, at,
    on_time) with on_time as the event recorded it (accept, return and reply record whether they met their
    limit)."""
    state = row["state"]
    dispatches = [at for action, at, _ in events if action in DISPATCH_ACTIONS]
    last_dispatch = dispatches[-1] if dispatches else None
    # The 签收 of the latest dispatch: the first accept or return after it, as recorded when it happened.
    response = next((on_time for action, at, on_time in events
                     if action in RESPONSE_ACTIONS and last_dispatch is not None and at >= last_dispatch), None)
    replies = [(at, on_time) for action, at, on_time in events if action == "reply"]
    first_reply_after_dispatch = next((at for at, _ in replies if last_dispatch is not None and at >= last_dispatch),
                                      None)
    reply_workdays = None
    if first_reply_after_dispatch is not None:
        reply_workdays = working_time(last_dispatch, first_reply_after_dispatch) / dt.timedelta(days=1)
    rated = row["rating"] is not None
    return AppealFact(
        appeal_id=row["pk"], registered_on=local_date(row["created_at"]), enterprise_id=row["enterprise_id"],
        lead_department_id=row["lead_department_id"], channel_id=row["channel_id"],
        category_id=row["category_id"], meeting_id=row["meeting_id"], state=state,
        received=state not in NOT_RECEIVED_STATES,
        completed=state in COMPLETED_STATES,
        dispatched=bool(dispatches),
        responded=bool(response),
        returned=row["return_count"] > 0,
        replied=bool(replies),
        on_time=bool(replies and replies[-1][1]),
        rated=rated,
        satisfied=rated and row["rating"] >= 3,
        solved=rated and bool(row["solved"]),
        reopened=row["reopen_count"] > 0,
        open_due_at=row["due_at"] if state in RUNNING_REPLY_STATES else None,
        reply_workdays=reply_workdays,
        refreshed_at=now,
    )


def _loop_events(appeal_ids: list[int]) -> dict[int, list]:
    """(action, at, on_time) of the appeals' dispatch, accept, return and reply events. Only the one key is read
    from the event data: a reply's data holds its whole text."""
    events = defaultdict(list)
    rows = (AppealEvent.objects.filter(appeal_id__in=appeal_ids, action__in=EVENT_ACTIONS)
            .order_by("appeal_id", "at", "id")
            .values_list("appeal_id", "action", "at", KT("data__on_time")))
    for appeal_id, action, at, on_time in rows:
        events[appeal_id].append((action, at, on_time in ("true", "1", True, 1)))
    return events


def recompute(appeal_ids: list[int], now: dt.datetime | None = None) -> int:
    """Write the facts of these appeals (an appeal that no longer exists loses its fact row)."""
    now = now or timezone.now()
    rows = list(Appeal.objects.filter(pk__in=appeal_ids).values(*_APPEAL_COLUMNS))
    events = _loop_events([row["pk"] for row in rows])
    facts = [compute(row, events.get(row["pk"], []), now) for row in rows]
    AppealFact.objects.bulk_create(facts, batch_size=BATCH, update_conflicts=True, unique_fields=["appeal"],
                                   update_fields=FACT_FIELDS)
    missing = set(appeal_ids) - {row["pk"] for row in rows}
    if missing:
        AppealFact.objects.filter(appeal_id__in=missing).delete()
    return len(facts)


def _take_marks(limit: int) -> list[int]:
    marks = StaleAppeal.objects.order_by("appeal_id")
    if connection.features.has_select_for_update_skip_locked:
        marks = marks.select_for_update(skip_locked=True)
    ids = list(marks.values_list("appeal_id", flat=True)[:limit])
    StaleAppeal.objects.filter(appeal_id__in=ids).delete()
    return ids


def refresh(*, batch: int = BATCH, now: dt.datetime | None = None) -> int:
    """Recompute every appeal marked stale, a batch per transaction; returns how many were recomputed."""
    done = 0
    while True:
        with transaction.atomic():
            ids = _take_marks(batch)
            if ids:
                done += recompute(ids, now)
        if len(ids) < batch:
            break
    Refresh.objects.update_or_create(pk=1, defaults={"finished_at": now or timezone.now(), "rows": done})
    return done


def _id_ranges(size: int) -> Iterator[tuple[int, int]]:
    bounds = Appeal.objects.order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        window = list(bounds.filter(pk__gt=last)[size - 1:size])
        if not window:
            break
        upper = window[0]
        yield last, upper
        last = upper
    yield last, None


def rebuild(*, batch: int = BATCH, progress=None) -> int:
    """Recompute the facts of every appeal (after an upgrade or a bulk load). The marks are cleared first: what
    they asked for is recomputed below, and an action that commits meanwhile marks its appeal again."""
    StaleAppeal.objects.all().delete()
    started = timezone.now()
    done = 0
    for low, high in _id_ranges(batch):
        ids = Appeal.objects.filter(pk__gt=low)
        if high is not None:
            ids = ids.filter(pk__lte=high)
        with transaction.atomic():
            count = recompute(list(ids.values_list("pk", flat=True)), started)
        done += count
        if progress:
            progress(count)
    Refresh.objects.update_or_create(pk=1, defaults={"finished_at": timezone.now(), "rows": done})
    return done


def as_of() -> dt.datetime | None:
    """When the facts were last brought up to date."""
    return Refresh.objects.filter(pk=1).values_list("finished_at", flat=True).first()
