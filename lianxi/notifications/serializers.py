"""How notifications and channel choices read in the API."""

from __future__ import annotations

from rest_framework import serializers

from .models import Notification, NotificationPreference


class NotificationSerializer(serializers.ModelSerializer):
    appeal_number = serializers.CharField(source="appeal.number", read_only=True, default=None)
    unread = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "appeal", "appeal_number", "event", "created_at", "read_at",
                  "unread"]
        read_only_fields = fields


class PreferenceSerializer(serializers.ModelSerializer):
    """The external channels the user receives (the in-app inbox is always on), and the addresses they go to:
    a channel whose address is empty is skipped."""

    email_address = serializers.EmailField(source="user.email", read_only=True)
    phone = serializers.CharField(source="user.phone", read_only=True)

    class Meta:
        model = NotificationPreference
        fields = ["email", "sms", "webhook", "email_address", "phone"]


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
