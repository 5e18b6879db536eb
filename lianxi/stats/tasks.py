"""Bringing the numbers' facts up to date as a Celery task (beat runs it every minute)."""

from __future__ import annotations

from celery import shared_task

from .facts import refresh


@shared_task(name="lianxi.stats.tasks.refresh_stats", ignore_result=False)
def refresh_stats() -> int:
    return refresh()
