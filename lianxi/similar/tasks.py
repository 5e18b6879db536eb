"""Keeping the similar-appeal index up to date as a Celery task (Celery beat runs it every minute)."""

from __future__ import annotations

from celery import shared_task

from .index import index_pending


@shared_task(name="lianxi.similar.tasks.index_similar", ignore_result=False)
def index_similar() -> int:
    return index_pending()
