"""The question every number answers: a period (registration dates, inclusive) and a cut. One form for the API,
the pages, the report and the export, so they read their parameters alike and refuse bad ones alike."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from lianxi.directory.models import Category, Channel, Department, Ownership, Size
from lianxi.meetings.models import Meeting

MAX_SPAN_DAYS = 366 * 10

# Cut parameter -> the AppealFact lookup it filters.
CUT_LOOKUPS = {
    "department": "lead_department",
    "channel": "channel",
    "category": "category",
    "meeting": "meeting",
    "town": "enterprise__town",
    "size": "enterprise__size",
    "ownership": "enterprise__ownership",
}


def this_year(today: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(today.year, 1, 1), today


class StatsForm(forms.Form):
    """``from``/``to`` (default: this year to today) and the cuts. ``from`` is a Python keyword, so the field is
    declared under that name after the class (see below)."""

    to = forms.DateField(label="截止日期", required=False)
    department = forms.ModelChoiceField(Department.objects.all(), label="主办单位", required=False)
    channel = forms.ModelChoiceField(Channel.objects.all(), label="渠道", required=False)
    category = forms.ModelChoiceField(Category.objects.all(), label="类别", required=False)
    meeting = forms.ModelChoiceField(Meeting.objects.all(), label="会议", required=False)
    town = forms.ModelChoiceField(Department.objects.filter(kind__in=[Department.Kind.TOWN, Department.Kind.PARK]),
                                  label="乡镇/园区", required=False)
    size = forms.ChoiceField(choices=[("", "全部"), *Size.choices], label="企业规模", required=False)
    ownership = forms.ChoiceField(choices=[("", "全部"), *Ownership.choices], label="经济类型", required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        start, end = data.get("from"), data.get("to")
        if "from" in self.errors or "to" in self.errors:
            return data
        default_start, default_end = this_year(end or today)
        start, end = start or default_start, end or default_end
        if start > end:
            self.add_error("to", "截止日期不能早于起始日期")
        elif (end - start).days > MAX_SPAN_DAYS:
            self.add_error("from", "统计区间不能超过十年")
        data["from"], data["to"] = start, end
        return data

    @property
    def cuts(self) -> dict:
        """The chosen cuts as {parameter: value} (objects for the foreign keys)."""
        return {name: self.cleaned_data[name] for name in CUT_LOOKUPS if self.cleaned_data.get(name)}


# Declared here because ``from`` cannot be a class attribute name; first in the field order.
StatsForm.base_fields = {"from": forms.DateField(label="起始日期", required=False), **StatsForm.base_fields}
StatsForm.declared_fields = StatsForm.base_fields
