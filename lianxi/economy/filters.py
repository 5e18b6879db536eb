"""The indicator list's filters (API): enterprise, year, quarter, and free text on the enterprise."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from .models import EnterpriseIndicator


class IndicatorFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="企业名称或统一社会信用代码")

    class Meta:
        model = EnterpriseIndicator
        fields = ["enterprise", "year", "quarter"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(enterprise__name__icontains=value) | Q(enterprise__uscc=value.upper()))
