"""The supervision pass as a Celery task, through the real Redis (see tests/notifications/test_celery.py for the
worker fixture: skipped without Redis, a failure under CI)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.directory.models import Category, Channel
from lianxi.supervision.models import Accountability, Supervision
from lianxi.supervision.tasks import supervise
from tests.notifications.test_celery import worker  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_task_runs_the_pass_through_redis(worker, clerk, dispatcher, jia, gxj):  # noqa: F811
    # A transactional test may run after another one flushed the seeded categories and channels: make our own.
    category = Category.objects.create(code="bench_policy", name="政策兑现（测试）", default_department=gxj)
    channel = Channel.objects.create(code="bench_window", name="窗口（测试）")
    long_ago = timezone.now() - dt.timedelta(days=60)
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="用地手续", content="土地证办理缓慢",
                              category=category, channel=channel, now=long_ago).appeal
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=long_ago)

    counts = supervise.delay().get(timeout=60)
    # Both limits (签收, 办结) are far past 挂牌督办: one order each, and the department on the accountability list.
    assert counts["listed"] == 2 and counts.get("reminder", 0) == 0
    assert sorted(Supervision.objects.filter(appeal=appeal).values_list("limit", "level")) == [
        ("accept", "listed"), ("reply", "listed")]
    assert Accountability.objects.filter(department=gxj, status="proposed").count() == 2
    # Again: nothing new.
    assert supervise.delay().get(timeout=60).get("listed", 0) == 0
    assert Supervision.objects.count() == 2
