"""Retraining as Celery tasks (beat runs ``maybe_retrain``; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .models import RoutingModel
from .training import maybe_retrain as maybe_retrain_step
from .training import train_from_history


@shared_task(name="lianxi.routing.tasks.maybe_retrain", ignore_result=False)
def maybe_retrain() -> int | None:
    """Retrain when RETRAIN_EVERY new dispatches came since the active model; the new version, or None."""
    row = maybe_retrain_step(force_check=True)
    return row.version if row else None


@shared_task(name="lianxi.routing.tasks.retrain", ignore_result=False)
def retrain() -> int:
    """Retrain now (as ``routing_train``, in the background); the new version."""
    return train_from_history(trigger=RoutingModel.Trigger.BACKGROUND).version
