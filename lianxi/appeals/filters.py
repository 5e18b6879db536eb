"""One FilterSet for the appeal list: the page, the API and the export all filter with it."""

from __future__ import annotations

import django_filters
from django.db import connection
from django.db.models import Func, Q, TextField
from django.db.models.functions import Upper
from django.utils import timezone

from lianxi.accounts.access import department_rule
from lianxi.core.workdays import due_after
from lianxi.directory.models import Category, Channel, Department, Enterprise, Ownership, Size
from lianxi.meetings.models import Meeting
from lianxi.stats.measures import COUNT_LABELS, fact_condition
from lianxi.stats.models import AppealFact

from .models import Appeal, Deadline
from .workflow import State

DUE_SOON_WORKDAYS = 2


def _running(**conditions) -> Q:
    """Appeals with a running limit (签收, 办结, 回访 or 差评整改) meeting ``conditions``. The running limits are
    a small share of the table and have their own partial index on due_at (Deadline.Meta)."""
    return Q(pk__in=Deadline.objects.filter(ended_at__isnull=True, **conditions).values("appeal_id"))


def overdue_q(now) -> Q:
    """Appeals with a limit past its due date in force (红灯)."""
    return _running(due_at__lt=now)


def warning_q(now) -> Q:
    """Appeals with a limit that has used 80 % of its working time and is not yet due (黄灯)."""
    return _running(warn_at__lte=now, due_at__gte=now)


def due_soon_q(now) -> Q:
    """Appeals with a limit due within DUE_SOON_WORKDAYS working days."""
    return _running(due_at__gte=now, due_at__lte=due_after(now, DUE_SOON_WORKDAYS))


MAX_SEARCH_ENTERPRISES = 200


def _contains(field: str, value: str) -> Q:
    """Case-insensitive containment that the planner can serve: terms of three or more characters use the
    trigram index on UPPER(field) (migration 0003); shorter terms have no trigram, and a trigram index scan for
    them takes seconds, so they are matched on LOWER(field), which no index claims."""
    if len(value) >= 3:
        return Q(**{f"{field}__icontains": value})
    return Q(**{f"{field}__lower__contains": value.lower()})


def _matches(queryset, field: str, value: str):
    """(queryset, condition): ``field`` contains ``value``; the queryset may carry the annotation the condition
    tests. Two characters (用电, 融资, 退税… the commonest search) on PostgreSQL use the bigram index on the
    field: appeal titles (migration 0004) and enterprise names (0007)."""
    if len(value) == 2 and connection.vendor == "postgresql":
        alias = f"{field}_bigrams"
        queryset = queryset.annotate(**{alias: _Bigrams(Upper(field))})
        return queryset, Q(**{f"{alias}__contains": [value.upper()]})
    return queryset, _contains(field, value)


class _Bigrams(Func):
    function = "lianxi_bigrams"

    @property
    def output_field(self):
        from django.contrib.postgres.fields import ArrayField

        return ArrayField(TextField())


class AppealFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="关键词")
    # distinct=False: nothing here joins to a many-valued relation, and DISTINCT over every column costs seconds
    # at a million rows.
    state = django_filters.MultipleChoiceFilter(choices=State.choices, label="状态", distinct=False)
    channel = django_filters.ModelChoiceFilter(queryset=Channel.objects.all(), label="渠道")
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label="类别")
    # field_name only tells the OpenAPI schema the value is a department id; filter_department does the work.
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), method="filter_department",
                                                  field_name="lead_department", label="承办单位")
    enterprise = django_filters.ModelChoiceFilter(queryset=Enterprise.objects.all(), label="企业")
    meeting = django_filters.ModelChoiceFilter(queryset=Meeting.objects.all(), label="会议")
    deadline = django_filters.ChoiceFilter(choices=[("warning", "临期（黄灯）"), ("overdue", "已超期（红灯）"),
                                                    ("due_soon", "两个工作日内到期")],
                                           method="filter_deadline", label="时限")
    # The numbers' click-through (lianxi.stats): the lead department only, the enterprise's cuts, and the measure
    # a card or a chart counted (the same condition on the same facts, so the list holds exactly that number).
    lead_department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label="主办单位")
    town = django_filters.ModelChoiceFilter(queryset=Department.objects.filter(kind__in=["town", "park"]),
                                            field_name="enterprise__town", label="乡镇/园区")
    size = django_filters.ChoiceFilter(choices=Size.choices, field_name="enterprise__size", label="企业规模")
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, field_name="enterprise__ownership",
                                            label="经济类型")
    measure = django_filters.ChoiceFilter(choices=list(COUNT_LABELS.items()), method="filter_measure",
                                          label="统计口径")
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="登记自")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="登记至")

    class Meta:
        model = Appeal
        fields = ["search", "state", "channel", "category", "department", "enterprise", "meeting", "deadline"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.upper().startswith("LX"):
            return queryset.filter(number__startswith=value.upper())
        # Matching enterprises are resolved to a short list of ids first: inside the OR, an IN (subquery) would
        # make PostgreSQL read the whole appeal table.
        enterprises, name = _matches(Enterprise.objects.all(), "name", value)
        enterprise_ids = list(enterprises.filter(name | Q(uscc=value.upper()))
                              .values_list("pk", flat=True)[:MAX_SEARCH_ENTERPRISES])
        queryset, title = _matches(queryset, "title", value)
        return queryset.filter(title | Q(enterprise_id__in=enterprise_ids))

    def filter_department(self, queryset, name, value):
        """Appeals the department leads or co-handles."""
        return queryset.filter(department_rule(Appeal, value.pk))

    def filter_measure(self, queryset, name, value):
        return queryset.filter(pk__in=AppealFact.objects.filter(fact_condition(value, timezone.now()))
                               .values("appeal_id"))

    def filter_deadline(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter({"overdue": overdue_q, "warning": warning_q}.get(value, due_soon_q)(now))
