"""One FilterSet per list: the orders (督办单) and the accountability list (问责). The pages, the API and the
.xlsx export filter with them."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone

from lianxi.directory.models import Department

from .models import (ANSWER_STATE_LABELS, Accountability, AccountabilityStatus, AccountabilityTrigger, Level,
                     Measure, Supervision)


def answer_state_q(state: str, now: dt.datetime) -> Q:
    """The rows whose ``Supervision.answer_state(now)`` is ``state``; the two must agree."""
    asks = Q(answer_due_at__isnull=False)
    unanswered = asks & Q(answered_at__isnull=True)
    return {
        "none": Q(answer_due_at__isnull=True),
        "answered": asks & Q(answered_at__isnull=False),
        "pending": unanswered & Q(answer_due_at__gte=now),
        "late": unanswered & Q(answer_due_at__lt=now),
    }[state]


def local_day_start(day: dt.date) -> dt.datetime:
    """00:00 of a local (Asia/Shanghai) date: periods are whole local days, compared on the raw column so that the
    recorded_at index serves them."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class SupervisionFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="关键词")
    appeal = django_filters.NumberFilter(field_name="appeal_id", label="诉求")
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label="被督办单位")
    level = django_filters.ChoiceFilter(choices=Level.choices, label="督办级别")
    answer_state = django_filters.ChoiceFilter(choices=list(ANSWER_STATE_LABELS.items()), method="filter_answer",
                                               label="答复情况")

    class Meta:
        model = Supervision
        fields = ["search", "appeal", "department", "level", "answer_state"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(appeal__number__startswith=value.upper())
                               | Q(text__icontains=value))

    def filter_answer(self, queryset, name, value):
        return queryset.filter(answer_state_q(value, timezone.now()))


class AccountabilityFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="关键词")
    appeal = django_filters.NumberFilter(field_name="appeals", label="诉求")
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label="问责单位")
    status = django_filters.ChoiceFilter(choices=AccountabilityStatus.choices, label="状态")
    trigger = django_filters.ChoiceFilter(choices=AccountabilityTrigger.choices, label="问责情形")
    measure = django_filters.ChoiceFilter(choices=Measure.choices, label="问责方式")

    class Meta:
        model = Accountability
        fields = ["search", "appeal", "department", "status", "trigger", "measure"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(text__icontains=value))

    def filter_from(self, queryset, name, value):
        return queryset.filter(recorded_at__gte=local_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(recorded_at__lt=local_day_start(value + dt.timedelta(days=1)))


# ?from= and ?to= (API.md's period parameters) are Python keywords, so they cannot be class attributes.
AccountabilityFilter.base_filters["from"] = django_filters.DateFilter(field_name="recorded_at", method="filter_from",
                                                                    label="记录自")
AccountabilityFilter.base_filters["to"] = django_filters.DateFilter(field_name="recorded_at", method="filter_to",
                                                                  label="记录至")
