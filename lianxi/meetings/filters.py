"""One FilterSet per list, used by the page and the API alike."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from lianxi.accounts.models import User
from lianxi.directory.models import Enterprise

from .models import Meeting, MeetingType, Pairing, Visit


class MeetingFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="关键词")
    type = django_filters.ModelChoiceFilter(queryset=MeetingType.objects.all(), to_field_name="code",
                                            label="会议类型", empty_label="全部类型")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="日期自")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="日期至")

    class Meta:
        model = Meeting
        fields = ["search", "type", "date_from", "date_to"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(place__icontains=value)) if value else queryset


class PairingFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="企业或领导")
    leader = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label="结对领导")
    enterprise = django_filters.ModelChoiceFilter(queryset=Enterprise.objects.all(), label="企业")
    active = django_filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull", label="结对中")

    class Meta:
        model = Pairing
        fields = ["search", "leader", "enterprise", "active"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(enterprise__name__icontains=value) | Q(enterprise__uscc=value.upper())
                               | Q(leader__name__icontains=value))


class VisitFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="关键词")
    pairing = django_filters.ModelChoiceFilter(queryset=Pairing.objects.all(), label="结对")
    leader = django_filters.ModelChoiceFilter(field_name="pairing__leader", queryset=User.objects.all(),
                                              label="结对领导")
    enterprise = django_filters.ModelChoiceFilter(field_name="pairing__enterprise",
                                                  queryset=Enterprise.objects.all(), label="企业")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="日期自")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="日期至")

    class Meta:
        model = Visit
        fields = ["search", "pairing", "leader", "enterprise", "date_from", "date_to"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(discussed__icontains=value) | Q(people__icontains=value)
                               | Q(pairing__enterprise__name__icontains=value))
