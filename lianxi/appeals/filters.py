"""One FilterSet for the appeal list: the page, the API and the export all filter with it."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from lianxi.core.workdays import due_after
from lianxi.directory.models import Category, Channel, Department, Enterprise

from .models import Appeal
from .workflow import State

# Appeals whose clock is running: the deadline filters only look at these.
RUNNING_STATES = (State.DISPATCHED, State.HANDLING)
DUE_SOON_WORKDAYS = 2


class AppealFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="关键词")
    # distinct=False: nothing here joins to a many-valued relation, and DISTINCT over every column costs seconds
    # at a million rows.
    state = django_filters.MultipleChoiceFilter(choices=State.choices, label="状态", distinct=False)
    channel = django_filters.ModelChoiceFilter(queryset=Channel.objects.all(), label="渠道")
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label="类别")
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), method="filter_department",
                                                  label="承办单位")
    enterprise = django_filters.ModelChoiceFilter(queryset=Enterprise.objects.all(), label="企业")
    deadline = django_filters.ChoiceFilter(choices=[("due_soon", "即将到期"), ("overdue", "已超期")],
                                           method="filter_deadline", label="时限")
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="登记自")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="登记至")

    class Meta:
        model = Appeal
        fields = ["search", "state", "channel", "category", "department", "enterprise", "deadline"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.upper().startswith("LX"):
            return queryset.filter(number__startswith=value.upper())
        # Enterprise names are matched through a subquery so each side can use its own (trigram) index.
        enterprises = Enterprise.objects.filter(Q(name__icontains=value) | Q(uscc=value.upper())).values("pk")
        return queryset.filter(Q(title__icontains=value) | Q(enterprise_id__in=enterprises))

    def filter_department(self, queryset, name, value):
        """Appeals the department leads or co-handles."""
        co = Appeal.co_departments.through.objects.filter(department=value).values("appeal_id")
        return queryset.filter(Q(lead_department=value) | Q(pk__in=co))

    def filter_deadline(self, queryset, name, value):
        now = timezone.now()
        running = queryset.filter(state__in=RUNNING_STATES)
        if value == "overdue":
            return running.filter(due_at__lt=now)
        return running.filter(due_at__gte=now, due_at__lte=due_after(now, DUE_SOON_WORKDAYS))
