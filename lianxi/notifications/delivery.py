"""Outbox delivery: an idempotent step that sends what is due, run by ``manage.py deliver_outbox`` in a loop or by
the Celery task ``lianxi.notifications.tasks.deliver_outbox``.

How a message travels:

1. **Claim** (a short transaction): the due pending messages are locked — ``SELECT … FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so two deliverers take disjoint sets; on SQLite the IMMEDIATE transaction serializes them — and
   their ``next_attempt_at`` is pushed past a lease (``CLAIM_SECONDS``). A claimed message is no longer due, so no
   other deliverer picks it while this one works on it.
2. **Send**, outside any transaction: a slow mail server or chat robot holds no lock and blocks no action.
3. **Record**: ``sent`` with ``sent_at``; or, on an exception, ``attempts`` + 1, ``last_error`` and the next try
   after an exponential backoff (``BACKOFF_SECONDS`` × 2^(attempts−1), at most ``BACKOFF_CAP_SECONDS``); after
   ``MAX_ATTEMPTS`` the message is ``failed`` — kept, visible in the admin, and retried from there by hand.

The guarantee, honestly: nothing is lost (a message leaves ``pending`` only as ``sent`` or ``failed``, and a
deliverer that dies holding a claim leaves it to be retried when the lease runs out), a message recorded as sent is
never picked again, and two deliverers never send the same message concurrently. What no outbox can rule out is a
crash (or a send outlasting the lease, which the senders' timeout prevents) *between* the other side accepting a
message and this side recording it: that message is sent again. Every sender passes ``message.key``, stable
across retries, so the receiving side can drop the duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage
from .senders import Sender, sender_for

logger = logging.getLogger("lianxi.notifications")

PENDING, SENT, FAILED = OutboxMessage.State.PENDING, OutboxMessage.State.SENT, OutboxMessage.State.FAILED


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # failed this time, will be tried again
    failed: int = 0  # failed for the last time

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed

    def as_dict(self) -> dict:
        return {"claimed": self.claimed, "sent": self.sent, "retried": self.retried, "failed": self.failed}

    def __str__(self) -> str:
        return f"发送 {self.sent} 条，待重试 {self.retried} 条，失败 {self.failed} 条"


def _option(name: str) -> int:
    return settings.LIANXI_NOTIFY[name]


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: doubling from BACKOFF_SECONDS, capped."""
    seconds = _option("BACKOFF_SECONDS") * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, _option("BACKOFF_CAP_SECONDS")))


def claim(now: dt.datetime, batch: int) -> list[OutboxMessage]:
    """Take up to ``batch`` due messages for this deliverer (step 1 above)."""
    with transaction.atomic():
        due = (OutboxMessage.objects.select_for_update(skip_locked=True)
               .filter(state=PENDING, next_attempt_at__lte=now).order_by("next_attempt_at", "id")[:batch])
        messages = list(due)
        if messages:
            lease = now + dt.timedelta(seconds=_option("CLAIM_SECONDS"))
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(next_attempt_at=lease)
    return messages


def deliver(now: dt.datetime | None = None, batch: int = 100,
            senders: Mapping[str, Sender] | None = None) -> DeliveryReport:
    """Send the messages due at ``now`` (default: the clock), at most ``batch`` of them. ``senders`` replaces the
    configured sender of a channel (tests)."""
    clock = (lambda: now) if now is not None else timezone.now
    report = DeliveryReport()
    chosen: dict[str, Sender] = dict(senders or {})
    for message in claim(clock(), batch):
        try:
            if message.channel not in chosen:
                chosen[message.channel] = sender_for(message.channel)  # a bad setting fails the message, not the loop
            chosen[message.channel].send(message)
        except Exception as exc:  # any failure of any sender is a reason to retry, never to stop the loop
            _record_failure(message, exc, clock(), report)
        else:
            # Conditional on still being pending: a message an admin marked otherwise meanwhile is left alone.
            OutboxMessage.objects.filter(pk=message.pk, state=PENDING).update(
                state=SENT, sent_at=clock(), attempts=F("attempts") + 1, last_error="")
            report.sent += 1
    return report


def _record_failure(message: OutboxMessage, exc: Exception, now: dt.datetime, report: DeliveryReport) -> None:
    attempts = message.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    changes = {"attempts": attempts, "last_error": error}
    if attempts >= _option("MAX_ATTEMPTS"):
        changes["state"] = FAILED
        report.failed += 1
        logger.error("outbox %s (%s → %s) failed for good after %s attempts: %s", message.pk, message.channel,
                     message.address, attempts, error)
    else:
        changes["next_attempt_at"] = now + backoff(attempts)
        report.retried += 1
        logger.warning("outbox %s (%s → %s) attempt %s failed, retry at %s: %s", message.pk, message.channel,
                       message.address, attempts, changes["next_attempt_at"], error)
    OutboxMessage.objects.filter(pk=message.pk, state=PENDING).update(**changes)


def retry(messages, *, acting_user, now: dt.datetime | None = None) -> int:
    """Put failed messages back in the queue, due now, with a fresh count of attempts (the admin's action)."""
    logger.info("outbox %s put back by %s", [m.pk for m in messages], acting_user or "系统")
    return (OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], state=FAILED)
            .update(state=PENDING, attempts=0, next_attempt_at=now or timezone.now(), last_error=""))
