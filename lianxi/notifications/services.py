"""Writes a user makes to their own inbox and channel choices. A notification belongs to its recipient alone:
anyone else gets NotFound, exactly as if it did not exist."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from lianxi.core.errors import InvalidInput, NotFound

from .models import Notification, NotificationPreference


def inbox(user):
    """The user's notifications, newest first (the only way to read them)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def mark_read(notification: Notification | int, *, acting_user, now: dt.datetime | None = None) -> Notification:
    pk = notification.pk if isinstance(notification, Notification) else notification
    now = now or timezone.now()
    # Conditional: reading twice keeps the first moment read.
    inbox(acting_user).filter(pk=pk, read_at__isnull=True).update(read_at=now)
    found = inbox(acting_user).filter(pk=pk).first()
    if found is None:
        raise NotFound("消息不存在")
    return found


def mark_all_read(*, acting_user, now: dt.datetime | None = None) -> int:
    return inbox(acting_user).filter(read_at__isnull=True).update(read_at=now or timezone.now())


def preference_of(user) -> NotificationPreference:
    """The user's channel choices; the defaults (unsaved) when they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def update_preferences(*, acting_user, **choices: bool) -> NotificationPreference:
    unknown = set(choices) - set(NotificationPreference.DEFAULTS)
    if unknown:
        raise InvalidInput(fields={name: ["未知的接收渠道"] for name in sorted(unknown)})
    bad = {name: ["须为 true 或 false"] for name, value in choices.items() if not isinstance(value, bool)}
    if bad:
        raise InvalidInput(fields=bad)
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=acting_user)
        for name, value in choices.items():
            setattr(preference, name, value)
        preference.save()
    return preference
