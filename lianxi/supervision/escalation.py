"""The supervision pass: deadlines that bite.

One pass, as of a moment ``now``:
- a running limit that reached 80 % of its working time → a reminder (提醒) to the handling department;
- one past due → a supervision order (督办) to the department, its head and the supervisors;
- one N working days past due (setting ``LISTED_AFTER_WORKDAYS``) → 挂牌督办, and the department goes on the
  accountability list (a proposed 问责 record);
- an order whose answer is late → on the accountability list as 督办未答复.

It reads only the rows whose next escalation moment has come (``Deadline.next_alert_at``, a partial index), so
its work is proportional to what changed, not to the table. It is idempotent: each limit's level only rises, is
raised under the row lock, and a limit that jumped several levels while the pass was not running gets one order
at the level it has reached. Running it twice for the same moment creates nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, DateTimeField, F, PositiveSmallIntegerField, Value, When
from django.utils import formats, timezone

from lianxi.appeals.deadlines import listed_after_workdays, next_alert_at, reached
from lianxi.appeals.models import Alert, Appeal, Deadline, Limit

from . import services
from .models import AccountabilityTrigger, Level, Supervision, Trigger

BATCH = 500
DEADLINE_RELATED = ("appeal", "appeal__lead_department", "appeal__created_by__department")

LEVEL_FOR_ALERT = {Alert.WARNING: Level.REMINDER, Alert.OVERDUE: Level.SUPERVISE, Alert.LISTED: Level.LISTED}
TRIGGER_FOR_ALERT = {Alert.WARNING: Trigger.WARNING, Alert.OVERDUE: Trigger.OVERDUE,
                     Alert.LISTED: Trigger.OVERDUE_DAYS}


@dataclass
class PassReport:
    now: dt.datetime
    counts: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        c = self.counts
        return (f"{timezone.localtime(self.now):%Y-%m-%d %H:%M:%S} 检查时限 {c['checked']} 个："
                f"提醒 {c['reminder']}，督办 {c['supervise']}，挂牌督办 {c['listed']}，"
                f"督办未答复转问责 {c['unanswered']}")


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y年n月j日 H:i")


def _order_text(deadline: Deadline, alert: Alert) -> str:
    appeal, limit = deadline.appeal, Limit(deadline.limit).label
    if alert == Alert.WARNING:
        return f"诉求{appeal.number}“{appeal.title}”的{limit}时限将于{_when(deadline.due_at)}到期，请抓紧办理。"
    if alert == Alert.OVERDUE:
        return (f"诉求{appeal.number}“{appeal.title}”的{limit}时限已于{_when(deadline.due_at)}到期，"
                f"现予督办，请立即办理并书面答复。")
    return (f"诉求{appeal.number}“{appeal.title}”的{limit}时限已超期{listed_after_workdays()}个工作日以上"
            f"（{_when(deadline.due_at)}到期），现予挂牌督办，并列入问责清单。")


def _addressed(deadline: Deadline):
    """Who must act on the limit: the lead department; for 回访, the department of the desk that registered it."""
    appeal = deadline.appeal
    if deadline.limit == Limit.FOLLOWUP:
        registrar = appeal.created_by
        return registrar.department if registrar is not None and registrar.department_id else None
    return appeal.lead_department


def _escalate(deadlines: list[Deadline], now: dt.datetime, report: PassReport) -> None:
    """Raise each limit of the batch to the level its clock has reached: the orders, their events and
    notifications, the accountability proposals and the limits' new levels, each written in one statement."""
    rising = []  # (deadline, level reached)
    for deadline in deadlines:
        report.counts["checked"] += 1
        if not deadline.appeal.is_open:
            # The loop ends a limit whenever its step ends; a running limit on a finished appeal is a leftover
            # (e.g. data from before this pass existed). Stop it rather than supervise a closed appeal.
            deadline.ended_at = now
            report.counts["stale"] += 1
        else:
            level = reached(deadline, now)
            if level > deadline.alert:
                rising.append((deadline, level))
                deadline.alert = level
        deadline.next_alert_at = None if deadline.ended_at else next_alert_at(deadline)

    orders = [services.build_order(d.appeal, acting_user=None, level=LEVEL_FOR_ALERT[level],
                                   text=_order_text(d, level), department=_addressed(d),
                                   trigger=TRIGGER_FOR_ALERT[level], deadline=d, now=now)
              for d, level in rising]
    services.issue_orders(orders, now)
    for order in orders:
        report.counts[order.level] += 1
    services.propose_accountabilities([
        (order.department, order.appeal, AccountabilityTrigger.OVERDUE, f"{order.text}（{order.number}）", order)
        for order in orders if order.level == Level.LISTED and order.department is not None], now)
    # Limits crossing at one moment share their new values (due dates end at 23:59:59): one UPDATE per group.
    groups = defaultdict(list)
    for d in deadlines:
        groups[(d.alert, d.next_alert_at, d.ended_at)].append(d.pk)
    for (alert, following, ended_at), ids in groups.items():
        Deadline.objects.filter(pk__in=ids).update(alert=alert, next_alert_at=following, ended_at=ended_at)


def _escalate_unanswered(orders: list[Supervision], now: dt.datetime, report: PassReport) -> None:
    Supervision.objects.filter(pk__in=[order.pk for order in orders]).update(escalated_at=now)
    services.propose_accountabilities([
        (order.department, order.appeal, AccountabilityTrigger.UNANSWERED,
         f"督办单{order.number}要求于{_when(order.answer_due_at)}前书面答复，逾期未答复。", order)
        for order in orders if order.department_id], now)
    report.counts["unanswered"] += len(orders)


def _claim(candidates, related: tuple, batch: int, skipped: set) -> tuple[list, int]:
    """Lock the next batch: first the appeals (in the order the loop's actions lock them — the appeal, then its
    limits — so the pass never deadlocks with an action), skipping appeals an action holds right now; they are
    left for the next pass. ``skip_locked`` also lets two passes (a loop and a Celery beat, say) share the work.
    Returns (the locked rows, how many candidates were looked at)."""
    pairs = list(candidates.exclude(pk__in=skipped).values_list("pk", "appeal_id")[:batch])
    if not pairs:
        return [], 0
    free = set(Appeal.objects.select_for_update(skip_locked=True).filter(pk__in={a for _, a in pairs})
               .values_list("pk", flat=True))
    skipped.update(pk for pk, appeal_id in pairs if appeal_id not in free)
    ids = [pk for pk, appeal_id in pairs if appeal_id in free]
    # Re-read under the lock: another pass may have raised these limits in the meantime.
    rows = list(candidates.filter(pk__in=ids).select_for_update(of=("self",)).select_related(*related))
    return rows, len(pairs)


def baseline(now: dt.datetime | None = None) -> int:
    """Record the level every running limit has reached at ``now`` without issuing anything: for going live on
    historical data, where the first pass would otherwise issue an order for every limit that ran out long ago.
    An explicit operator's choice (``supervise --baseline``); from then on the pass escalates what changes.
    One set-based UPDATE: the same rule as ``deadlines.reached`` / ``next_alert_at``, written in SQL (the test
    of --baseline checks the two agree); returns the number of limits it moved."""
    now = now or timezone.now()
    level = Case(When(listed_at__lte=now, then=Value(int(Alert.LISTED))),
                 When(due_at__lt=now, then=Value(int(Alert.OVERDUE))),
                 When(warn_at__lte=now, then=Value(int(Alert.WARNING))), default=F("alert"),
                 output_field=PositiveSmallIntegerField())
    following = Case(When(listed_at__lte=now, then=Value(None)),
                     When(due_at__lt=now, then=F("listed_at")),
                     When(warn_at__lte=now, then=F("due_at") + dt.timedelta(seconds=1)),
                     default=F("next_alert_at"), output_field=DateTimeField())
    return (Deadline.objects.filter(ended_at__isnull=True, next_alert_at__lte=now)
            .update(alert=level, next_alert_at=following))


def run_pass(now: dt.datetime | None = None, batch: int = BATCH) -> PassReport:
    now = now or timezone.now()
    report = PassReport(now)
    running = (Deadline.objects.filter(ended_at__isnull=True, next_alert_at__lte=now)
               .order_by("next_alert_at", "id"))
    late_orders = (Supervision.objects.filter(answered_at__isnull=True, escalated_at__isnull=True,
                                              answer_due_at__lt=now).order_by("answer_due_at", "id"))
    for candidates, related, step in ((running, DEADLINE_RELATED, _escalate),
                                      (late_orders, ("appeal", "department"), _escalate_unanswered)):
        skipped: set[int] = set()
        while True:
            with transaction.atomic():
                rows, seen = _claim(candidates, related, batch, skipped)
                step(rows, now, report)
            if seen < batch:
                break
    return report
