"""The appeal serializers render straight from the instance for speed; their output must be exactly what DRF's
own field machinery renders, for appeals in every kind of state."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal
from lianxi.appeals.serializers import AppealListSerializer, AppealSerializer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def drf_rendering(serializer):
    """What DRF's ModelSerializer renders for the same instance, field by field."""
    return lambda appeal: serializers.ModelSerializer.to_representation(serializer, appeal)


def appeals_in_many_states(clerk, dispatcher, handler_gxj, supervisor, jia, category, channel, gxj, rsj, now):
    pdf = SimpleUploadedFile("报告.pdf", b"%PDF-1.7 x", content_type="application/pdf")
    registered = actions.register(acting_user=clerk, enterprise=jia, title="甲", content="内容", category=category,
                                  channel=channel, attachments=[pdf], now=now).appeal
    handled = actions.register(acting_user=clerk, enterprise=jia, title="乙", content="内容", category=category,
                               channel=channel, now=now).appeal
    actions.dispatch(handled, acting_user=dispatcher, lead_department=gxj, co_departments=[rsj], now=now)
    actions.accept(handled, acting_user=handler_gxj, now=now)
    actions.suspend(handled, acting_user=supervisor, reason="待资金", review_date=dt.date(2026, 6, 1), now=now)
    replied = actions.register(acting_user=clerk, enterprise=jia, title="丙", content="内容", category=category,
                               channel=channel, now=now).appeal
    actions.dispatch(replied, acting_user=dispatcher, lead_department=gxj, now=now)
    actions.accept(replied, acting_user=handler_gxj, now=now)
    actions.reply(replied, acting_user=handler_gxj, result="已办", outcome="solved", now=now)
    actions.follow_up(replied, acting_user=clerk, rating=2, solved=False, now=now)
    return Appeal.objects.filter(pk__in=[registered.pk, handled.pk, replied.pk]).order_by("pk")


@pytest.mark.parametrize("serializer_class", [AppealListSerializer, AppealSerializer])
@pytest.mark.parametrize("persona", ["clerk", "handler_gxj", "supervisor"])
def test_fast_rendering_equals_drf_rendering(serializer_class, persona, request, clerk, dispatcher, handler_gxj,
                                             supervisor, jia, category, channel, gxj, rsj, now):
    appeals = appeals_in_many_states(clerk, dispatcher, handler_gxj, supervisor, jia, category, channel, gxj, rsj,
                                     now)
    http = APIRequestFactory().get("/api/v1/appeals/")
    http.user = request.getfixturevalue(persona)
    serializer = serializer_class(context={"request": http})
    for appeal in appeals:
        fast = serializer.to_representation(appeal)
        assert fast == drf_rendering(serializer)(appeal)
        assert list(fast) == serializer_class.Meta.fields
