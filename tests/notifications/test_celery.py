"""The scale-out path: the Celery task runs on a worker fed through the real Redis at 127.0.0.1:6379 (db 15, kept
apart from anything else on the server). Skipped when Redis is unreachable, except under CI (CI=true), where
that is a failure — as the browser test does with Chromium."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery import app as celery_app
from lianxi.notifications.models import Notification, OutboxMessage
from lianxi.notifications.tasks import deliver_outbox

REDIS_URL = os.environ.get("LIANXI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.django_db(transaction=True)  # the worker thread reads the rows on its own connection


@pytest.fixture
def worker():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        message = f"Redis is unreachable at {REDIS_URL}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    keys = ("broker_url", "result_backend", "task_always_eager", "worker_hijack_root_logger")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False,
                           worker_hijack_root_logger=False)
    celery_app.control.purge()  # nothing left over from an earlier, interrupted run
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20,
                          loglevel="WARNING"):
            yield celery_app
    finally:
        celery_app.conf.update(saved)


def test_the_task_delivers_the_outbox_through_redis(worker, handler_gxj):
    now = timezone.now()
    notification = Notification.objects.create(recipient=handler_gxj, kind="dispatch", title="【交办】", body="b",
                                               created_at=now)
    message = OutboxMessage.objects.create(notification=notification, channel="email", address="h@gxj.gov.cn",
                                           subject="【交办】", body="b", next_attempt_at=now - dt.timedelta(seconds=1),
                                           created_at=now)

    result = deliver_outbox.delay()
    assert result.get(timeout=30) == {"claimed": 1, "sent": 1, "retried": 0, "failed": 0}
    message.refresh_from_db()
    assert message.state == "sent" and message.attempts == 1
    # The answer travelled through Redis: the result backend stored it there.
    assert redis.Redis.from_url(REDIS_URL).exists(f"celery-task-meta-{result.id}")

    # Run again: nothing is due, nothing is sent twice.
    assert deliver_outbox.delay().get(timeout=30)["claimed"] == 0
