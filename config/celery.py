"""The Celery app, for scale-out: ``celery -A config worker`` and ``celery -A config beat`` run the same steps
as the management-command loops (``deliver_outbox``, ``supervise``), with Redis as the broker.

Settings come from config/settings.py under the ``CELERY_`` prefix (CELERY_BROKER_URL from the environment,
default redis://127.0.0.1:6379/0; the beat schedule is CELERY_BEAT_SCHEDULE there)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lianxi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
