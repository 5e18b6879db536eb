"""/api/v1/notifications/: the current user's inbox, read/unread, and their channel choices. Thin: the queries
and writes are lianxi.notifications.services."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lianxi.core.errors import InvalidInput

from . import services
from .models import Notification
from .serializers import MarkedSerializer, NotificationSerializer, PreferenceSerializer


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="仅未读")

    class Meta:
        model = Notification
        fields = ["unread"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The current user's notifications, newest first; another user's answer 404."""

    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return services.inbox(self.request.user).select_related("appeal")

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.mark_read(int(pk), acting_user=request.user)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.mark_all_read(acting_user=request.user)})

    @extend_schema(methods=["GET"], responses=PreferenceSerializer)
    @extend_schema(methods=["PATCH"], request=PreferenceSerializer, responses=PreferenceSerializer)
    @action(detail=False, methods=["get", "patch"], filter_backends=[], pagination_class=None,
            serializer_class=PreferenceSerializer)
    def preferences(self, request):
        if request.method == "PATCH":
            serializer = PreferenceSerializer(data=request.data, partial=True)
            if not serializer.is_valid():
                raise InvalidInput(fields={k: [str(m) for m in v] for k, v in serializer.errors.items()})
            choices = {k: v for k, v in serializer.validated_data.items() if k in ("email", "sms", "webhook")}
            preference = services.update_preferences(acting_user=request.user, **choices)
        else:
            preference = services.preference_of(request.user)
        return Response(PreferenceSerializer(preference).data)
