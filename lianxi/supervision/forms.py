"""The input of answering an order and of recording / deciding accountability, shared by the pages and the API.

A form parses and type-checks (field-named errors); lianxi.supervision.services enforces the rules again. Every
form takes the acting ``user`` so that references only accept what that user can see. Issuing an order is the
loop's ``supervise`` action and uses lianxi.appeals.forms.SuperviseForm.
"""

from __future__ import annotations

import re

from django import forms

from lianxi.accounts.models import User
from lianxi.appeals.models import Appeal
from lianxi.core.api import form_errors
from lianxi.core.errors import InvalidInput
from lianxi.directory.models import Department

from .models import AccountabilityTrigger, Measure, Supervision

SEPARATORS = re.compile(r"[\s,，、;；]+")


def _is_id(ref: str) -> bool:
    return ref.isdigit() and len(ref) <= 18  # longer would overflow the bigint column: it is not an id


class ListOrTextInput(forms.Textarea):
    """Reads a JSON list (the API), several values under one name, or one text to split (the page)."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            return values[0] if len(values) == 1 else values
        return data.get(name)


class AppealsField(forms.Field):
    """Appeals by id or by number (LX20261127-0042), among those the user can see: a list, or numbers separated
    by spaces, commas or 、 as people paste them."""

    widget = ListOrTextInput(attrs={"rows": 2})
    default_error_messages = {"required": "请至少关联一件诉求"}

    def __init__(self, *args, **kwargs):
        self.queryset = Appeal.objects.none()
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in (None, "", [], ()):
            return []
        items = value if isinstance(value, (list, tuple)) else SEPARATORS.split(str(value))
        return [str(item).strip().upper() for item in items if str(item).strip()]

    def validate(self, value):
        super().validate(value)
        if len(value) > 200:
            raise forms.ValidationError("一次最多关联200件诉求", code="too_many")

    def clean(self, value):
        refs = super().clean(value)
        ids = {int(r) for r in refs if _is_id(r)}
        numbers = {r for r in refs if not _is_id(r)}
        found = list(self.queryset.filter(pk__in=ids)) + list(self.queryset.filter(number__in=numbers))
        by_ref = {**{str(a.pk): a for a in found}, **{a.number: a for a in found}}
        missing = [r for r in refs if r not in by_ref]
        if missing:
            raise forms.ValidationError(f"找不到诉求：{'、'.join(missing[:10])}", code="invalid_choice")
        appeals = {}
        for ref in refs:
            appeals.setdefault(by_ref[ref].pk, by_ref[ref])
        return list(appeals.values())

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "、".join(getattr(v, "number", str(v)) for v in value)
        return value


class SupervisionRefField(forms.CharField):
    """An order by id or by its 文号 (清联督〔2026〕15号), among those the user can see."""

    def __init__(self, *args, **kwargs):
        self.queryset = Supervision.objects.none()
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        lookup = {"pk": int(value)} if _is_id(value) else {"number": value}
        order = self.queryset.filter(**lookup).first()
        if order is None:
            raise forms.ValidationError("找不到该督办单（请填写文号）", code="invalid_choice")
        return order


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.display_name}（{user.department.name}）" if user.department_id else user.display_name


class AccountabilityForm(forms.Form):
    department = forms.ModelChoiceField(Department.objects.all(), label="问责单位", required=False,
                                        empty_label="（不针对单位）")
    person = StaffChoiceField(User.objects.none(), label="问责对象（个人）", required=False,
                              empty_label="（不针对个人）")
    trigger = forms.ChoiceField(label="问责情形", choices=AccountabilityTrigger.choices,
                                error_messages={"required": "请选择问责情形"})
    measure = forms.ChoiceField(label="问责方式", choices=Measure.choices,
                                error_messages={"required": "请选择问责方式：约谈、通报批评、责令整改或移交纪检监察"})
    appeals = AppealsField(label="关联诉求（编号）", help_text="可填多个诉求编号，以空格、逗号或顿号分隔")
    text = forms.CharField(label="问责事由", widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": "此项为必填项"})
    supervision = SupervisionRefField(label="关联督办单（文号）", required=False, max_length=40)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        # A named person is a member of staff (not an enterprise's account).
        self.fields["person"].queryset = (User.objects.filter(is_active=True, enterprise__isnull=True)
                                          .select_related("department").order_by("department__name", "name", "pk"))
        self.fields["appeals"].queryset = Appeal.objects.visible_to(user)
        self.fields["supervision"].queryset = Supervision.objects.visible_to(user)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("department") and not cleaned.get("person") and not self.has_error("department") \
                and not self.has_error("person"):
            self.add_error("department", "请指定问责单位或问责对象")
        return cleaned

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class DecideForm(forms.Form):
    """认定: a measure, or ``dismiss`` (不予问责) with a note saying why."""

    measure = forms.ChoiceField(label="问责方式", choices=Measure.choices, required=False,
                                widget=forms.RadioSelect)
    dismiss = forms.BooleanField(label="不予问责", required=False)
    note = forms.CharField(label="认定意见", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="不予问责的须说明理由")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("dismiss") and cleaned.get("measure"):
            self.add_error("dismiss", "已选择问责方式，又选择了不予问责：请二选一")
        elif not cleaned.get("dismiss") and not cleaned.get("measure") and not self.has_error("measure"):
            self.add_error("measure", "请选择问责方式，或选择不予问责")
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"measure": None if data["dismiss"] else data["measure"], "note": data["note"]}


class AnswerForm(forms.Form):
    answer = forms.CharField(label="书面答复", required=False, widget=forms.Textarea(attrs={"rows": 5}),
                             help_text="答复办理情况、措施和结果；提交后不能修改")


def parsed(form: forms.Form) -> dict:
    """The form's service keywords, or InvalidInput with its field-named errors."""
    if not form.is_valid():
        raise InvalidInput(fields=form_errors(form))
    return form.service_kwargs() if hasattr(form, "service_kwargs") else dict(form.cleaned_data)
