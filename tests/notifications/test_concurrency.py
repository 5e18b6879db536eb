"""Two deliverers at once never send one message twice (the claim's row locks), and between them send all.

Needs real concurrent transactions: PostgreSQL, or a file SQLite test database (see tests/appeals/
test_concurrency.py for why the in-memory one cannot). Each thread opens its own connection and closes it."""

from __future__ import annotations

import threading
import time
from collections import Counter

from django.db import connection
from django.utils import timezone

from lianxi.notifications import delivery
from lianxi.notifications.models import Notification, OutboxMessage
from lianxi.notifications.senders import Sender
from tests.conftest import concurrency_marks


pytestmark = concurrency_marks()

MESSAGES = 24


class SlowRecordingSender(Sender):
    def __init__(self):
        self.lock = threading.Lock()
        self.sent: list[tuple[str, int]] = []  # (thread name, message id)

    def send(self, message) -> None:
        time.sleep(0.01)  # a network round trip: the other deliverer gets to run meanwhile
        with self.lock:
            self.sent.append((threading.current_thread().name, message.pk))


def test_two_deliverers_send_each_message_exactly_once(monkeypatch, handler_gxj):
    now = timezone.now()
    ids = [OutboxMessage.objects.create(
        notification=Notification.objects.create(recipient=handler_gxj, kind="dispatch", title="t", body="b",
                                                 created_at=now),
        channel="email", address="h@gxj.gov.cn", subject="t", body="b", next_attempt_at=now, created_at=now).pk
        for _ in range(MESSAGES)]

    # Hold each claim open between reading the due rows and pushing them past the lease: without the row locks
    # both deliverers would read the same rows here and both send them.
    original = delivery._option

    def slow_option(name):
        if name == "CLAIM_SECONDS":
            time.sleep(0.2)
        return original(name)

    monkeypatch.setattr(delivery, "_option", slow_option)
    sender = SlowRecordingSender()
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            while delivery.deliver(now=now, batch=5, senders={"email": sender}).claimed:
                pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, name=f"deliverer-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a deliverer hung"
    assert not errors, errors

    per_message = Counter(pk for _, pk in sender.sent)
    assert sorted(per_message) == sorted(ids) and set(per_message.values()) == {1}
    assert {name for name, _ in sender.sent} == {"deliverer-0", "deliverer-1"}  # both really worked
    assert OutboxMessage.objects.filter(state="sent", attempts=1).count() == MESSAGES
