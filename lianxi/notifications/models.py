"""Notifications: the in-app inbox (Notification), the outbox of external messages waiting to be delivered
(OutboxMessage) and each user's choice of channels (NotificationPreference).

Rows are written by lianxi.notifications.hooks in the transaction of the event that causes them; only
lianxi.notifications.delivery sends, after commit, from a background loop.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    """External channels. The in-app inbox is always on and is not a channel here."""

    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    WEBHOOK = "webhook", "企业微信/钉钉"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField("类型", max_length=32)  # the event's action, e.g. "dispatch"
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="诉求", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey("appeals.AppealEvent", verbose_name="办理记录", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="notifications")
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox: one user's messages, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            # The unread count in the navigation bar, on every page: only unread rows are in this index.
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]
        constraints = [
            # One event notifies a person once, however many rules name them.
            models.UniqueConstraint(fields=["event", "recipient"], name="notification_event_recipient",
                                    condition=Q(event__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unread(self) -> bool:
        return self.read_at is None


class OutboxMessage(models.Model):
    """One message to one address on one external channel, delivered by lianxi.notifications.delivery."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    # Stable across retries: a sender passes it on so the receiving side can drop a duplicate.
    key = models.UUIDField("消息标识", default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(Notification, verbose_name="站内消息", on_delete=models.CASCADE,
                                     related_name="outbox")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    address = models.CharField("地址", max_length=254, blank=True)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    last_error = models.TextField("最近错误", blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = verbose_name_plural = "待发消息"
        ordering = ["created_at", "id"]
        indexes = [
            # The deliverer's only question, "pending and due": sent and failed rows stay out of the index.
            models.Index(fields=["next_attempt_at", "id"], name="outbox_due",
                         condition=Q(state="pending")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="outbox_notification_channel"),
            models.CheckConstraint(name="outbox_state_valid", condition=Q(state__in=["pending", "sent", "failed"])),
            models.CheckConstraint(name="outbox_sent_has_time", condition=~Q(state="sent") | Q(sent_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address or '—'}: {self.subject}"


class NotificationPreference(models.Model):
    """Which external channels a user receives. No row means the defaults below; the inbox is always on."""

    # Defaults: e-mail costs nothing and goes only where an address is set; SMS costs money per message and
    # the group-robot channel posts into a shared chat, so both are opted into.
    DEFAULTS = {"email": True, "sms": False, "webhook": False}

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField("电子邮件", default=DEFAULTS["email"])
    sms = models.BooleanField("短信", default=DEFAULTS["sms"])
    webhook = models.BooleanField("企业微信/钉钉", default=DEFAULTS["webhook"])

    class Meta:
        verbose_name = verbose_name_plural = "接收渠道"

    def __str__(self) -> str:
        return f"{self.user} 的接收渠道"

    def channels(self) -> list[str]:
        return [c for c in Channel.values if getattr(self, c)]
