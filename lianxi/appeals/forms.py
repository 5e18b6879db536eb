"""The input of every loop action, declared once and used by both the page and the API.

A form parses and type-checks (field-named errors); the action function in ``actions`` enforces the business
rules. Field names are the API's (API.md); ``action_kwargs()`` maps them onto the action function's keywords.
Every form takes the acting ``user`` so that reference fields only accept what that user can see.
"""

from __future__ import annotations

from django import forms

from lianxi.directory.models import Category, Channel, Department, Enterprise
from lianxi.meetings.models import Meeting
from lianxi.supervision.models import Level

from lianxi.core.api import form_errors
from lianxi.core.errors import InvalidInput, NotFound, NotPermitted

from . import workflow
from .actions import PERFORMERS, register
from .models import Appeal, Kind, Outcome, Rating, Urgency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class AppealRefField(forms.CharField):
    """An appeal by id or by number (LX20261127-0042), among those the user can see. A text input, because a
    select of every appeal would not survive a million rows."""

    def __init__(self, *args, **kwargs):
        self.queryset = Appeal.objects.none()
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        value = str(value).strip()
        lookup = {"pk": int(value)} if value.isdigit() else {"number": value.upper()}
        appeal = self.queryset.filter(**lookup).first()
        if appeal is None:
            raise forms.ValidationError("找不到该诉求（请填写诉求编号）", code="invalid_choice")
        return appeal


class ActionForm(forms.Form):
    """Base: binds the acting user and maps cleaned data to the action's keywords."""

    kwarg_names: dict[str, str] = {}  # form field -> action keyword, where they differ

    def __init__(self, *args, user=None, appeal: Appeal | None = None, **kwargs):
        self.user = user
        self.appeal = appeal  # the appeal acted on, for forms whose initial values come from it
        super().__init__(*args, **kwargs)
        active = Department.objects.filter(is_active=True)
        for field in self.fields.values():
            if isinstance(field, (forms.ModelChoiceField,)) and field.queryset.model is Department:
                field.queryset = active

    def action_kwargs(self) -> dict:
        return {self.kwarg_names.get(k, k): v for k, v in self.cleaned_data.items()}


class RegisterForm(ActionForm):
    enterprise = forms.ModelChoiceField(Enterprise.objects.all(), label="企业", widget=forms.TextInput)
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(Category.objects.filter(is_active=True), label="类别")
    channel = forms.ModelChoiceField(Channel.objects.filter(is_active=True), label="渠道", required=False)
    kind = forms.ChoiceField(label="诉求类型", choices=Kind.choices, initial=Kind.HELP, required=False)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.GENERAL, required=False)
    meeting = forms.ModelChoiceField(Meeting.objects.none(), label="会议", required=False,
                                     empty_label="（不是在会议上提出的）", help_text="在会议上提出的诉求，渠道随会议类型")
    attachments = MultipleFileField(label="附件")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.visible_to(user)
        self.fields["meeting"].queryset = (Meeting.objects.visible_to(user).select_related("type__channel")
                                           .order_by("-date", "-id"))
        if user is not None and user.enterprise_id and "enterprise" not in self.data:
            self.fields["enterprise"].required = False

    def clean_enterprise(self):
        enterprise = self.cleaned_data.get("enterprise")
        if enterprise is None and self.user is not None and self.user.enterprise_id:
            return self.user.enterprise
        return enterprise

    def action_kwargs(self) -> dict:
        kwargs = super().action_kwargs()
        kwargs["kind"] = kwargs.get("kind") or Kind.HELP
        kwargs["urgency"] = kwargs.get("urgency") or Urgency.GENERAL
        return kwargs


class EditForm(ActionForm):
    """Partial: only the fields present in the submitted data change (the page submits them all)."""

    title = forms.CharField(label="标题", max_length=200, required=False)
    content = forms.CharField(label="诉求内容", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(Category.objects.filter(is_active=True), label="类别", required=False)
    channel = forms.ModelChoiceField(Channel.objects.filter(is_active=True), label="渠道", required=False)
    kind = forms.ChoiceField(label="诉求类型", choices=Kind.choices, required=False)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, required=False)

    def __init__(self, *args, appeal: Appeal | None = None, **kwargs):
        if appeal is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(appeal, name + "_id", None) or getattr(appeal, name)
                                 for name in self.base_fields}
        super().__init__(*args, appeal=appeal, **kwargs)

    def action_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self.data}


class DispatchForm(ActionForm):
    lead_department = forms.ModelChoiceField(Department.objects.all(), label="主办单位")
    co_departments = forms.ModelMultipleChoiceField(Department.objects.all(), label="协办单位", required=False)
    due_at = forms.DateTimeField(label="办结时限", required=False,
                                 help_text="留空则按类别时限（工作日）自动计算",
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    instructions = forms.CharField(label="交办意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_departments"].queryset = Department.objects.filter(is_active=True)


class ArbitrateForm(DispatchForm):
    instructions = None
    reason = forms.CharField(label="仲裁意见", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="说明裁定该单位为主办单位的理由，随交办送达")


class ReasonForm(ActionForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


class EmptyForm(ActionForm):
    pass


class ProgressForm(ActionForm):
    note = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}))


class RequestExtensionForm(ActionForm):
    due_at = forms.DateTimeField(label="申请延至", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}))


class DecideExtensionForm(ActionForm):
    approve = forms.NullBooleanField(label="审批意见", widget=forms.NullBooleanSelect)
    reason = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_approve(self):
        value = self.cleaned_data.get("approve")
        if value is None:
            raise forms.ValidationError("请选择同意或不同意", code="required")
        return value


class ReplyForm(ActionForm):
    result = forms.CharField(label="办理情况", widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label="办理结果", choices=Outcome.choices)
    reply = forms.CharField(label="答复企业", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="留空则以办理情况答复")
    attachments = MultipleFileField(label="附件")


class FollowUpForm(ActionForm):
    rating = forms.TypedChoiceField(label="满意度", choices=Rating.choices, coerce=int)
    solved = forms.NullBooleanField(label="问题是否解决", widget=forms.NullBooleanSelect)
    comment = forms.CharField(label="回访意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_solved(self):
        value = self.cleaned_data.get("solved")
        if value is None:
            raise forms.ValidationError("请选择是否解决", code="required")
        return value


class SuspendForm(ActionForm):
    reason = forms.CharField(label="挂账原因", widget=forms.Textarea(attrs={"rows": 3}))
    review_date = forms.DateField(label="复查日期", widget=forms.DateInput(attrs={"type": "date"}))


class ResumeForm(ActionForm):
    reason = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(ActionForm):
    into = AppealRefField(label="并入诉求（编号）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Appeal.objects.visible_to(self.user)


class SuperviseForm(ActionForm):
    level = forms.ChoiceField(label="督办级别", choices=Level.choices)
    department = forms.ModelChoiceField(Department.objects.all(), label="督办单位", required=False,
                                        help_text="留空则为主办单位")
    text = forms.CharField(label="督办意见", widget=forms.Textarea(attrs={"rows": 3}))
    answer_due_at = forms.DateTimeField(label="答复期限", required=False,
                                        help_text="留空：提醒无需答复；督办、挂牌督办默认2个工作日内答复",
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class InstructForm(ActionForm):
    text = forms.CharField(label="批示内容", widget=forms.Textarea(attrs={"rows": 3}))


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "edit": EditForm, "dispatch": DispatchForm, "return": ReasonForm, "accept": EmptyForm, "progress": ProgressForm,
    "request-extension": RequestExtensionForm, "decide-extension": DecideExtensionForm, "reply": ReplyForm,
    "follow-up": FollowUpForm, "close": EmptyForm, "suspend": SuspendForm, "resume": ResumeForm,
    "reject": ReasonForm, "merge": MergeForm, "supervise": SuperviseForm, "arbitrate": ArbitrateForm,
    "instruct": InstructForm,
}


def submit_action(name: str, appeal: Appeal, *, acting_user, data, files=None) -> Appeal:
    """Parse ``data``/``files`` with the action's form and perform it: the one entry point for pages and API.

    Visibility (404) and permission (403) are checked before the input (400), so that nobody learns about an
    appeal through validation messages; the action function checks all of it again under the row lock."""
    if not Appeal.objects.visible_to(acting_user).filter(pk=appeal.pk).exists():
        raise NotFound("诉求不存在或您无权查看")
    if not workflow.may(acting_user, workflow.ACTIONS[name], appeal):
        raise NotPermitted(f"您无权对该诉求执行“{workflow.ACTIONS[name].label}”")
    form = ACTION_FORMS[name](data, files, user=acting_user, appeal=appeal)
    if not form.is_valid():
        raise InvalidInput(fields=form_errors(form))
    return PERFORMERS[name](appeal, acting_user=acting_user, **form.action_kwargs())


def submit_registration(*, acting_user, data, files=None, idempotency_key: str | None = None):
    """Parse a registration and register it; returns actions.Registration."""
    if not workflow.may_register(acting_user):
        raise NotPermitted("您无权登记诉求")
    form = RegisterForm(data, files, user=acting_user)
    if not form.is_valid():
        raise InvalidInput(fields=form_errors(form))
    return register(acting_user=acting_user, idempotency_key=idempotency_key, **form.action_kwargs())
