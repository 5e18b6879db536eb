"""The input of common problems, shared by the pages and the API (field names are the API's)."""

from __future__ import annotations

import re

from django import forms

from lianxi.appeals.forms import DispatchForm, ReplyForm
from lianxi.appeals.models import Appeal
from lianxi.core.api import form_errors
from lianxi.core.errors import InvalidInput, NotFound, NotPermitted

from . import access, selectors
from .models import CommonProblem
from .services import PERFORMERS, create_problem

MAX_APPEALS = 200  # one request groups at most this many appeals
_SEPARATORS = re.compile(r"[\s,，、;；]+")


class AppealListWidget(forms.Textarea):
    """A JSON list (the API), repeated form values, or one text of numbers separated by spaces, commas or 、."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            return values[0] if len(values) == 1 else values
        return data.get(name)


class AppealListField(forms.Field):
    """Appeals by id or number (LX20261127-0042), among those the user can see, in the order given, each once."""

    widget = AppealListWidget

    def __init__(self, *args, **kwargs):
        self.queryset = Appeal.objects.none()
        kwargs.setdefault("widget", AppealListWidget(attrs={"rows": 3}))
        super().__init__(*args, **kwargs)

    def to_python(self, value) -> list[str]:
        if value in (None, ""):
            return []
        items = value if isinstance(value, (list, tuple)) else [value]
        tokens = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                raise forms.ValidationError("请填写诉求编号或ID", code="invalid")
            tokens.extend(t for t in _SEPARATORS.split(str(item).strip()) if t)
        return list(dict.fromkeys(t.upper() for t in tokens))

    def validate(self, value):
        super().validate(value)
        if len(value) > MAX_APPEALS:
            raise forms.ValidationError(f"一次最多{MAX_APPEALS}件诉求", code="max_length")

    def clean(self, value) -> list[Appeal]:
        tokens = super().clean(value)
        ids = [int(t) for t in tokens if t.isdigit()]
        numbers = [t for t in tokens if not t.isdigit()]
        found = {}
        for appeal in self.queryset.filter(pk__in=ids):
            found[str(appeal.pk)] = appeal
        for appeal in self.queryset.filter(number__in=numbers):
            found[appeal.number] = appeal
        missing = [t for t in tokens if t not in found]
        if missing:
            raise forms.ValidationError("找不到诉求（请填写诉求编号）：" + "、".join(missing), code="invalid_choice")
        return list({found[t].pk: found[t] for t in tokens}.values())


class _UserForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, AppealListField):
                field.queryset = Appeal.objects.visible_to(user)


class ProblemForm(_UserForm):
    title = forms.CharField(label="共性问题名称", max_length=200)
    description = forms.CharField(label="问题描述", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    appeals = AppealListField(label="归入诉求", required=False,
                              help_text="诉求编号，多个用空格、逗号或顿号分隔；只有已登记或已交办的诉求可以归入")


class MembersForm(_UserForm):
    appeals = AppealListField(label="诉求编号", help_text="多个用空格、逗号或顿号分隔")


class ProblemDispatchForm(DispatchForm):
    """The loop's dispatch input, applied to every member."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].help_text = "所有诉求同一时限；留空则按成员诉求中最短的类别时限（工作日）计算"


class ProblemReplyForm(ReplyForm):
    """The loop's reply input, sent to every member's enterprise; no attachments (see the package docstring)."""

    attachments = None


class AcceptForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class GroupForm(_UserForm):
    """归入共性问题 from an appeal's page: an open problem, or a new one by its name."""

    problem = forms.ModelChoiceField(CommonProblem.objects.none(), label="归入已有共性问题", required=False,
                                     empty_label="（新建共性问题）")
    title = forms.CharField(label="新共性问题名称", max_length=200, required=False,
                            help_text="选择已有共性问题时不填")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].queryset = selectors.open_problems_for_grouping(self.user)

    def clean(self):
        data = super().clean()
        if not data.get("problem") and not (data.get("title") or "").strip() and "problem" not in self.errors:
            self.add_error("title", "请选择已有共性问题，或填写新共性问题名称")
        return data


# The input of each action on a problem, by the name its URL carries.
ACTION_FORMS: dict[str, type[forms.Form]] = {
    "add": MembersForm, "remove": MembersForm, "dispatch": ProblemDispatchForm, "accept": AcceptForm,
    "reply": ProblemReplyForm,
}

ACTION_LABELS = {"add": "归入诉求", "remove": "移出诉求", "dispatch": "交办", "accept": "签收", "reply": "办结答复"}


def _may(name: str, user, problem) -> bool:
    if name in ("add", "remove"):
        return access.may_group(user)
    if name == "dispatch":
        return access.may_dispatch(user)
    return access.may_handle(user, problem)


def action_kwargs(form: forms.Form) -> dict:
    return form.action_kwargs() if hasattr(form, "action_kwargs") else dict(form.cleaned_data)


def submit(name: str, problem: CommonProblem, *, acting_user, data) -> CommonProblem:
    """Parse ``data`` with the action's form and perform it: the one entry point for the page and the API.

    Visibility (404) and permission (403) come before the input (400), as for an appeal's actions; the service
    checks them again under the problem's row lock."""
    if not CommonProblem.objects.visible_to(acting_user).filter(pk=problem.pk).exists():
        raise NotFound("共性问题不存在或您无权查看")
    if not _may(name, acting_user, problem):
        raise NotPermitted(f"您无权对该共性问题执行“{ACTION_LABELS[name]}”")
    form = ACTION_FORMS[name](data, user=acting_user)
    if not form.is_valid():
        raise InvalidInput(fields=form_errors(form))
    return PERFORMERS[name](problem, acting_user=acting_user, **action_kwargs(form))


def submit_create(*, acting_user, data) -> CommonProblem:
    if not access.may_group(acting_user):
        raise NotPermitted("只有派单员、督办员可以创建共性问题")
    form = ProblemForm(data, user=acting_user)
    if not form.is_valid():
        raise InvalidInput(fields=form_errors(form))
    return create_problem(acting_user=acting_user, **form.cleaned_data)
