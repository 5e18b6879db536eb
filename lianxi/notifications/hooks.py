"""The one entry point the loop calls: ``on_appeal_event(event)``, inside the transaction that wrote the event.

It writes the inbox rows and the outbox rows in that same transaction and never sends anything: if the action
rolls back, its messages vanish with it; if it commits, lianxi.notifications.delivery sends them afterwards.
It is on every action's path (registration included), so it costs nothing for events that notify nobody and
three queries for the others: the recipients with their preferences, the inbox rows, the outbox rows.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Case, CharField, Value, When
from django.urls import reverse

from lianxi.accounts.models import User

from .models import Channel, Notification, NotificationPreference, OutboxMessage
from .recipients import audiences_for
from .rendering import render


def on_appeal_event(event) -> None:
    """Notify whoever the rules in lianxi.notifications.recipients name for this AppealEvent."""
    audiences = audiences_for(event)
    if not audiences:
        return
    variant = Case(*[When(a.users, then=Value(a.variant)) for a in audiences], output_field=CharField())
    recipients = (User.objects.filter(reduce(or_, [a.users for a in audiences]), is_active=True)
                  .exclude(pk=event.actor_id).annotate(variant=variant)
                  .select_related("notification_preference").order_by("pk"))
    _write(event, list(recipients))


def on_appeal_events(events) -> None:
    """The same for many events at once (the supervision pass writes hundreds per batch): each distinct audience
    (a department's handlers, every supervisor…) is read once for the whole batch, and the inbox and outbox rows
    are written in one INSERT each. Same rules, same messages as ``on_appeal_event``."""
    members: dict[tuple, list] = {}  # audience key -> its active users
    notifications: list[Notification] = []
    for event in events:
        chosen: dict[int, tuple] = {}  # user id -> (user, variant); the first audience naming a user wins
        for audience in audiences_for(event):
            key = audience.key or (event.pk, audience.variant)  # an audience without a key is read per event
            if key not in members:
                members[key] = list(User.objects.filter(audience.users, is_active=True)
                                    .select_related("notification_preference").order_by("pk"))
            for user in members[key]:
                if user.pk != event.actor_id and user.pk not in chosen:
                    chosen[user.pk] = (user, audience.variant)
        notifications += _notifications(event, [_with_variant(u, v) for u, v in sorted(
            chosen.values(), key=lambda pair: pair[0].pk)])
    _save(notifications)


def _with_variant(user, variant: str):
    user.variant = variant
    return user


def _write(event, recipients: list) -> None:
    _save(_notifications(event, recipients))


def _notifications(event, recipients: list) -> list[Notification]:
    if not recipients:
        return []
    url = reverse("web:appeal_detail", args=[event.appeal_id])
    messages = {}  # variant -> Message: each variant is rendered once, however many recipients share it
    notifications = []
    for user in recipients:
        if user.variant not in messages:
            messages[user.variant] = render(event, user.variant)
        message = messages[user.variant]
        notifications.append(Notification(recipient=user, kind=event.action, title=message.title, body=message.body,
                                          url=url, appeal_id=event.appeal_id, event=event, created_at=event.at))
    return notifications


def _save(notifications: list[Notification]) -> None:
    if not notifications:
        return
    Notification.objects.bulk_create(notifications)  # sets the primary keys (PostgreSQL, SQLite >= 3.35)
    outbox = [message for notification in notifications
              for message in _outbox_messages(notification, notification.created_at)]
    if outbox:
        OutboxMessage.objects.bulk_create(outbox)


def _preference(user) -> NotificationPreference:
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)  # the defaults, not saved


def _addresses(user) -> dict[str, str]:
    """Where each channel reaches the user. The chat robot (企业微信/钉钉) posts into one group configured in the
    settings and @-mentions the recipient by mobile number, so it needs the phone number too."""
    return {Channel.EMAIL: user.email.strip(), Channel.SMS: user.phone.strip(), Channel.WEBHOOK: user.phone.strip()}


def _outbox_messages(notification: Notification, now) -> list[OutboxMessage]:
    user = notification.recipient
    addresses = _addresses(user)
    link = settings.LIANXI_NOTIFY["SITE_URL"].rstrip("/") + notification.url
    bodies = {Channel.EMAIL: f"{notification.body}\n\n查看详情：{link}",
              Channel.SMS: f"{notification.title}。详情：{link}",  # an SMS is short: the title and the link
              Channel.WEBHOOK: f"{notification.body}\n\n[查看详情]({link})"}  # markdown, for the chat robot
    return [OutboxMessage(notification=notification, channel=channel, address=addresses[channel],
                          subject=notification.title, body=bodies[channel], next_attempt_at=now, created_at=now)
            for channel in _preference(user).channels() if addresses[channel]]  # no address: channel skipped
