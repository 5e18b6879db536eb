"""Outbox delivery: exactly once through a failing sender that recovers, backoff respected, nothing lost."""

from __future__ import annotations

import datetime as dt

import pytest

from lianxi.notifications.delivery import backoff, claim, deliver, retry
from lianxi.notifications.models import Notification, OutboxMessage
from lianxi.notifications.senders import Sender

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


class FlakySender(Sender):
    """Fails its first ``failures`` calls (a mail server that is down), then accepts every message."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.calls = 0
        self.accepted: list = []  # the keys of the messages handed over

    def send(self, message) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionRefusedError("邮件服务器无法连接")
        self.accepted.append(message.key)


@pytest.fixture
def notify(settings):
    settings.LIANXI_NOTIFY = {**settings.LIANXI_NOTIFY, "BACKOFF_SECONDS": 60, "BACKOFF_CAP_SECONDS": 600,
                              "MAX_ATTEMPTS": 4, "CLAIM_SECONDS": 300}
    return settings.LIANXI_NOTIFY


@pytest.fixture
def message(notify, handler_gxj, now):
    notification = Notification.objects.create(recipient=handler_gxj, kind="dispatch", title="【交办】LX1 标题",
                                               body="正文", created_at=now)
    return OutboxMessage.objects.create(notification=notification, channel="email", address="h@gxj.gov.cn",
                                        subject=notification.title, body="正文", next_attempt_at=now, created_at=now)


def test_a_failing_sender_that_recovers_sends_exactly_once(message, now):
    sender = FlakySender(failures=2)
    senders = {"email": sender}

    first = deliver(now=now, senders=senders)
    message.refresh_from_db()
    assert (first.retried, first.sent) == (1, 0)
    assert (message.state, message.attempts, message.next_attempt_at) == ("pending", 1, now + MINUTE)
    assert "ConnectionRefusedError: 邮件服务器无法连接" == message.last_error

    # Backoff respected: nothing is tried before next_attempt_at.
    assert deliver(now=now + MINUTE - dt.timedelta(seconds=1), senders=senders).claimed == 0
    assert sender.calls == 1

    second = deliver(now=now + MINUTE, senders=senders)
    message.refresh_from_db()
    assert second.retried == 1 and message.attempts == 2
    assert message.next_attempt_at == now + 3 * MINUTE  # doubled: two minutes after the second try
    assert deliver(now=now + 3 * MINUTE - dt.timedelta(seconds=1), senders=senders).claimed == 0

    third = deliver(now=now + 3 * MINUTE, senders=senders)
    message.refresh_from_db()
    assert third.sent == 1
    assert (message.state, message.attempts, message.sent_at, message.last_error) == (
        "sent", 3, now + 3 * MINUTE, "")
    assert sender.accepted == [message.key]

    # Sent is final: later passes never pick it again.
    for later in (now + 3 * MINUTE, now + dt.timedelta(days=30)):
        assert deliver(now=later, senders=senders).claimed == 0
    assert sender.calls == 3 and sender.accepted == [message.key]


def test_a_sender_that_never_recovers_ends_failed_and_kept(message, now, notify):
    sender = FlakySender(failures=1000)
    moment = now
    for attempt in range(1, notify["MAX_ATTEMPTS"] + 1):
        report = deliver(now=moment, senders={"email": sender})
        assert report.claimed == 1
        message.refresh_from_db()
        assert message.attempts == attempt
        moment = message.next_attempt_at
    assert report.failed == 1 and message.state == "failed" and message.sent_at is None
    assert "邮件服务器无法连接" in message.last_error
    assert deliver(now=now + dt.timedelta(days=365), senders={"email": sender}).claimed == 0
    assert sender.calls == notify["MAX_ATTEMPTS"]
    assert Notification.objects.filter(pk=message.notification_id).exists()  # the inbox copy is untouched

    # An admin puts it back; it goes out on the next pass.
    assert retry([message], acting_user=None, now=now + dt.timedelta(days=2)) == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("pending", 0)
    recovered = FlakySender()
    assert deliver(now=now + dt.timedelta(days=2), senders={"email": recovered}).sent == 1
    assert recovered.accepted == [message.key]


def test_running_twice_at_the_same_moment_sends_nothing_new(message, now, handler_gxj):
    more = [OutboxMessage.objects.create(notification=message.notification, channel=channel, address="13900000000",
                                         subject="s", body="b", next_attempt_at=now, created_at=now)
            for channel in ("sms", "webhook")]
    sender = FlakySender()
    senders = {"email": sender, "sms": sender, "webhook": sender}
    assert deliver(now=now, senders=senders).sent == 3
    assert deliver(now=now, senders=senders).claimed == 0
    assert sorted(map(str, sender.accepted)) == sorted(str(m.key) for m in [message, *more])


def test_a_batch_is_a_limit_and_the_oldest_due_go_first(message, now):
    later = OutboxMessage.objects.create(notification=message.notification, channel="sms", address="1",
                                         subject="s", body="b", next_attempt_at=now + MINUTE, created_at=now)
    sender = FlakySender()
    senders = {"email": sender, "sms": sender}
    assert deliver(now=now + MINUTE, batch=1, senders=senders).sent == 1
    assert sender.accepted == [message.key]
    assert deliver(now=now + MINUTE, batch=1, senders=senders).sent == 1
    assert sender.accepted == [message.key, later.key]


def test_a_deliverer_that_dies_after_claiming_loses_nothing(message, now, notify):
    """Claimed, then the process died before sending: the message is retried once the claim's lease runs out."""
    assert [m.pk for m in claim(now, 10)] == [message.pk]
    sender = FlakySender()
    assert deliver(now=now + MINUTE, senders={"email": sender}).claimed == 0  # still claimed
    lease_over = now + dt.timedelta(seconds=notify["CLAIM_SECONDS"])
    assert deliver(now=lease_over, senders={"email": sender}).sent == 1
    message.refresh_from_db()
    assert message.state == "sent" and message.attempts == 1


def test_senders_come_from_the_settings(message, now, settings):
    settings.LIANXI_NOTIFY = {**settings.LIANXI_NOTIFY,
                              "SENDERS": {**settings.LIANXI_NOTIFY["SENDERS"],
                                          "email": "tests.notifications.test_delivery.RecordingSender"}}
    RecordingSender.accepted.clear()
    assert deliver(now=now).sent == 1
    assert RecordingSender.accepted == [message.key]


def test_a_misconfigured_sender_fails_the_message_not_the_loop(message, now, settings):
    settings.LIANXI_NOTIFY = {**settings.LIANXI_NOTIFY,
                              "SENDERS": {**settings.LIANXI_NOTIFY["SENDERS"], "email": "no.such.Sender"}}
    report = deliver(now=now)
    message.refresh_from_db()
    assert report.retried == 1 and message.state == "pending" and "no.such" in message.last_error


def test_backoff_doubles_up_to_the_cap(notify):
    assert [backoff(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_the_default_logging_sender_delivers(message, now, caplog):
    caplog.set_level("INFO", logger="lianxi.notifications")
    assert deliver(now=now).sent == 1  # the settings' default: LoggingSender on every channel
    assert "h@gxj.gov.cn" in caplog.text and "【交办】LX1 标题" in caplog.text and str(message.key) in caplog.text


class RecordingSender(Sender):
    accepted: list = []

    def send(self, message) -> None:
        RecordingSender.accepted.append(message.key)

