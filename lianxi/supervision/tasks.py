"""The supervision pass as a Celery task, for scale-out (Redis broker; beat runs it every minute)."""

from __future__ import annotations

from celery import shared_task

from .escalation import run_pass


@shared_task(name="lianxi.supervision.tasks.supervise", ignore_result=False)
def supervise() -> dict:
    report = run_pass()
    return dict(report.counts)
