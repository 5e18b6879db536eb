"""``manage.py deliver_outbox``: one pass with --once; the loop stops cleanly on Ctrl-C."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from lianxi.notifications.delivery import DeliveryReport
from lianxi.notifications.management.commands import deliver_outbox
from lianxi.notifications.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db


def test_once_sends_what_is_due(handler_gxj):
    notification = Notification.objects.create(recipient=handler_gxj, kind="dispatch", title="t", body="b",
                                               created_at=timezone.now())
    message = OutboxMessage.objects.create(notification=notification, channel="email", address="h@gxj.gov.cn",
                                           subject="t", body="b", next_attempt_at=timezone.now(),
                                           created_at=timezone.now())
    out = StringIO()
    call_command("deliver_outbox", "--once", stdout=out)
    assert "发送 1 条" in out.getvalue()
    message.refresh_from_db()
    assert message.state == "sent"
    out = StringIO()
    call_command("deliver_outbox", "--once", stdout=out)
    assert "发送 0 条" in out.getvalue()


def test_the_loop_runs_again_at_once_after_a_full_batch_and_stops_on_ctrl_c(monkeypatch):
    passes = []

    def fake_deliver(batch):
        passes.append(batch)
        if len(passes) == 1:
            return DeliveryReport(sent=batch)  # a full batch: go again without sleeping
        raise KeyboardInterrupt

    monkeypatch.setattr(deliver_outbox, "deliver", fake_deliver)
    monkeypatch.setattr(deliver_outbox.time, "sleep", lambda s: pytest.fail("slept after a full batch"))
    out = StringIO()
    call_command("deliver_outbox", "--batch", "3", "--interval", "60", stdout=out)
    assert passes == [3, 3]
    assert "发送 3 条" in out.getvalue() and "已停止" in out.getvalue()
