"""The input of meetings, reception days, pairings and visits: one form per write, shared by the pages and the
API (as lianxi.appeals.forms is for the loop). Reference fields only accept what the acting user can see."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.db.models import Q

from lianxi.accounts.models import Role, User
from lianxi.appeals.forms import RegisterForm
from lianxi.appeals.models import Appeal, Urgency
from lianxi.core.api import form_errors
from lianxi.directory.filters import search_enterprises
from lianxi.directory.models import Category, Department, Enterprise
from lianxi.directory.validators import normalize_uscc

from .models import Meeting, MeetingType, Pairing

USCC_IN_TEXT = re.compile(r"[0-9A-Z]{18}")


def users_with_role(*roles: str):
    return (User.objects.filter(is_active=True, role_grants__role__in=roles).distinct()
            .prefetch_related("role_grants").order_by("name", "username"))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.display_name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        roles = "、".join(Role(r).label for r in sorted(user.role_codes) if r in (Role.LEADER, Role.DEPUTY))
        return f"{user.display_name}（{roles}）" if roles else user.display_name


class MeetingTypeChoiceField(forms.ModelChoiceField):
    """A meeting type by id or by code (``symposium``): DOMAIN.md names a meeting's type by its code."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            found = self.queryset.filter(code=value.strip()).first()
            if found is None:
                raise forms.ValidationError("没有这个会议类型", code="invalid_choice")
            return found
        return super().to_python(value)


class MeetingForm(forms.Form):
    type = MeetingTypeChoiceField(MeetingType.objects.filter(is_active=True), label="会议类型")
    title = forms.CharField(label="会议名称", max_length=200,
                            help_text="如：2026年第一季度民营企业发展座谈会")
    date = forms.DateField(label="会议日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.CharField(label="会议地点", max_length=200, required=False)
    host = PersonChoiceField(User.objects.none(), label="主持领导", required=False, empty_label="（未指定）")
    attendees = PeopleChoiceField(User.objects.none(), label="出席领导及代表委员", required=False,
                                  widget=forms.CheckboxSelectMultiple)
    departments = forms.ModelMultipleChoiceField(Department.objects.filter(is_active=True), label="参会部门",
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    enterprises = forms.ModelMultipleChoiceField(Enterprise.objects.none(), label="参会企业", required=False,
                                                 help_text="企业编号列表；登记诉求的企业会自动加入")
    minutes = forms.CharField(label="会议纪要", required=False, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, user=None, partial: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.partial = user, partial
        self.fields["host"].queryset = users_with_role(Role.LEADER)
        self.fields["attendees"].queryset = users_with_role(Role.LEADER, Role.DEPUTY)
        self.fields["enterprises"].queryset = Enterprise.objects.visible_to(user)
        if partial:
            for field in self.fields.values():
                field.required = False

    def service_kwargs(self) -> dict:
        """The cleaned values; for a partial update (PATCH) only the fields present in the request."""
        data = dict(self.cleaned_data)
        if self.partial:
            data = {k: v for k, v in data.items() if k in self.data}
        for name in ("place", "minutes"):
            if name in data and data[name] is None:
                data[name] = ""
        return data


# ---- the bulk-entry table --------------------------------------------------------------------------------------

def resolve_enterprise(queryset, text: str) -> Enterprise:
    """The enterprise a clerk means by ``text``: its credit code (anywhere in the text, as the completion list
    offers "名称 代码"), or its exact name. A partial name is not guessed at: the error names the candidates."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    code = USCC_IN_TEXT.search(normalize_uscc(text).upper()) or USCC_IN_TEXT.search(text.upper())
    if code:
        found = queryset.filter(uscc=code.group()).first()
        if found is not None:
            return found
        raise forms.ValidationError(f"找不到统一社会信用代码为 {code.group()} 的企业", code="invalid_choice")
    named = list(queryset.filter(name=text)[:2])
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise forms.ValidationError("有多家同名企业，请填写统一社会信用代码", code="ambiguous")
    candidates = list(search_enterprises(queryset, text).order_by("name")[:3])
    if candidates:
        names = "、".join(f"{e.name}（{e.uscc}）" for e in candidates)
        raise forms.ValidationError(f"找不到名称为“{text}”的企业。您要找的是否为：{names}", code="invalid_choice")
    raise forms.ValidationError(f"找不到名称为“{text}”的企业，请先在企业档案中新建", code="invalid_choice")


class EnterpriseRefField(forms.CharField):
    """An enterprise by exact name, credit code or id, among those the user can see."""

    def __init__(self, *args, **kwargs):
        self.queryset = Enterprise.objects.none()
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        if str(value).strip().isdigit() and len(str(value).strip()) < 18:
            found = self.queryset.filter(pk=int(value)).first()
            if found is None:
                raise forms.ValidationError("找不到该企业", code="invalid_choice")
            return found
        return resolve_enterprise(self.queryset, value)


class CodeOrIdChoiceField(forms.ModelChoiceField):
    """A category or department by id, code or name: the bulk table's selects send ids, a script may send codes."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            value = value.strip()
            found = self.queryset.filter(Q(code=value) | Q(name=value)).first()
            if found is None:
                raise forms.ValidationError(f"没有“{value}”这一选项", code="invalid_choice")
            return found
        return super().to_python(value)


class BulkRowForm(forms.Form):
    """One row of a meeting's list: 企业, 标题, 内容, 类别, 拟主办单位 (and optionally 紧急程度)."""

    enterprise = EnterpriseRefField(label="企业", max_length=200)
    title = forms.CharField(label="问题", max_length=200)
    content = forms.CharField(label="具体情况", required=False, help_text="留空则以问题为内容")
    category = CodeOrIdChoiceField(Category.objects.filter(is_active=True), label="类别")
    lead_department = CodeOrIdChoiceField(Department.objects.filter(is_active=True), label="拟主办单位",
                                          required=False)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.visible_to(user)

    def row_errors(self) -> dict[str, list[str]]:
        return {} if self.is_valid() else form_errors(self)


BULK_FIELDS = tuple(BulkRowForm.base_fields)


def rows_from_post(data) -> list[dict]:
    """The page's table posts each column as a list (one value per row, in order); blank rows are dropped."""
    columns = {name: data.getlist(name) for name in BULK_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {name: (values[i] if i < len(values) else "") for name, values in columns.items()}
        if any(str(row[name]).strip() for name in ("enterprise", "title", "content")):
            rows.append(row)
    return rows


# ---- reception days ----------------------------------------------------------------------------------------------

class DateRangeForm(forms.Form):
    """``from`` / ``to`` (inclusive), named as the stats API names them."""

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("from", "开始日期"), ("to", "结束日期")):
            self.fields[name] = forms.DateField(label=label, required=required,
                                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", "结束日期不能早于开始日期")
        return cleaned


class ScheduleForm(DateRangeForm):
    duty_departments = forms.ModelMultipleChoiceField(Department.objects.filter(is_active=True), label="值班部门",
                                                      required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["from", "to", "duty_departments"])


class SessionForm(forms.Form):
    duty_departments = forms.ModelMultipleChoiceField(Department.objects.filter(is_active=True), label="值班部门",
                                                      required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    cancelled = forms.NullBooleanField(label="取消本次接待", required=False)

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self.data}


class HoldForm(forms.Form):
    host = PersonChoiceField(User.objects.none(), label="接待领导", required=False, empty_label="（未指定）")
    place = forms.CharField(label="接待地点", max_length=200, required=False, initial="企业之家")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = users_with_role(Role.LEADER)


# ---- pairing -------------------------------------------------------------------------------------------------------

class PairingForm(forms.Form):
    leader = PersonChoiceField(User.objects.none(), label="结对领导")
    enterprise = EnterpriseRefField(label="结对企业", max_length=200, help_text="企业名称、统一社会信用代码或编号")
    started_on = forms.DateField(label="结对日期", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = users_with_role(Role.LEADER)
        self.fields["enterprise"].queryset = Enterprise.objects.visible_to(user)


class PairingEndForm(forms.Form):
    ended_on = forms.DateField(label="解除日期", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class VisitForm(forms.Form):
    pairing = forms.ModelChoiceField(Pairing.objects.none(), label="结对")
    date = forms.DateField(label="走访日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    people = forms.CharField(label="参加人员", max_length=300, help_text="领导、陪同部门人员、企业负责人")
    discussed = forms.CharField(label="座谈内容", widget=forms.Textarea(attrs={"rows": 5}))
    appeals = forms.ModelMultipleChoiceField(Appeal.objects.none(), label="涉及的已有诉求", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = Pairing.objects.visible_to(user).select_related("enterprise", "leader")
        self.fields["appeals"].queryset = Appeal.objects.visible_to(user)


class VisitAppealForm(RegisterForm):
    """An appeal heard on a visit: the registration form, less what the visit fixes (enterprise, channel,
    meeting)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("enterprise", "channel", "meeting"):
            del self.fields[name]


class MeetingTypeForm(forms.ModelForm):
    class Meta:
        model = MeetingType
        fields = ["code", "name", "channel", "is_active", "sort_order"]


def bound_meeting(meeting: Meeting) -> dict:
    """A meeting's current values as the form's initial data."""
    return {"type": meeting.type_id, "title": meeting.title, "date": meeting.date, "place": meeting.place,
            "host": meeting.host_id, "attendees": [u.pk for u in meeting.attendees.all()],
            "departments": [d.pk for d in meeting.departments.all()], "minutes": meeting.minutes}
