"""Celery tasks, for running background work on workers instead of the management-command loops (README:
"Background work"). The beat schedule in config/settings.py runs ``deliver_outbox`` every 10 seconds."""

from __future__ import annotations

from celery import shared_task

from .delivery import deliver


@shared_task(name="lianxi.notifications.tasks.deliver_outbox", ignore_result=False)
def deliver_outbox(batch: int = 100) -> dict:
    """One delivery step; safe to run on several workers at once (see lianxi.notifications.delivery)."""
    return deliver(batch=batch).as_dict()
