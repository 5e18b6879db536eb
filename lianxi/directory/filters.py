"""One FilterSet for the enterprise directory: the list page and /api/v1/enterprises/ filter with it."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from .models import Department, Enterprise, Industry, Size, Tag
from .validators import normalize_uscc


class EnterpriseFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="名称或信用代码")
    town = django_filters.ModelChoiceFilter(
        queryset=Department.objects.filter(kind__in=[Department.Kind.TOWN, Department.Kind.PARK]),
        label="乡镇/园区", empty_label="全部乡镇/园区")
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label="行业", empty_label="全部行业")
    size = django_filters.ChoiceFilter(choices=Size.choices, label="规模", empty_label="全部规模")
    tag = django_filters.ModelChoiceFilter(field_name="tags", queryset=Tag.objects.all(), label="标签",
                                           empty_label="全部标签")

    class Meta:
        model = Enterprise
        fields = ["search", "town", "industry", "size", "tag"]

    def filter_search(self, queryset, name, value):
        return search_enterprises(queryset, value)


def search_enterprises(queryset, text: str):
    """By part of the name, or by the start of the USCC as people type it."""
    text = (text or "").strip()
    if not text:
        return queryset
    return queryset.filter(Q(name__icontains=text) | Q(uscc__startswith=normalize_uscc(text)))
