"""The input of opinions and their tasks, shared by the pages and the API."""

from __future__ import annotations

from django import forms

from lianxi.accounts.models import Role
from lianxi.meetings.forms import EnterpriseRefField, PersonChoiceField, users_with_role
from lianxi.meetings.models import Meeting
from lianxi.appeals.forms import RegisterForm

from .models import Opinion


class OpinionForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Opinion.Kind.choices)
    body = forms.ChoiceField(label="所属", choices=Opinion.Body.choices)
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 8}))
    deputy = PersonChoiceField(None, label="代表/委员", required=False,
                               help_text="受理员、派单员代为登记时选择；代表委员本人登记时不填")
    meeting = forms.ModelChoiceField(Meeting.objects.none(), label="视察/协商活动", required=False,
                                     empty_label="（不是在会议或视察中提出的）")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = users_with_role(Role.DEPUTY)
        self.fields["meeting"].queryset = (Meeting.objects.visible_to(user).select_related("type")
                                           .order_by("-date", "-id"))
        if user is not None and not user.has_role(Role.CLERK, Role.DISPATCHER):
            del self.fields["deputy"]


class TaskForm(RegisterForm):
    """A rectification task: the registration form, less the channel and meeting (the opinion sets them); the
    enterprise concerned may be named as well as numbered."""

    enterprise = EnterpriseRefField(label="涉及企业", max_length=200, help_text="企业名称、统一社会信用代码或编号")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("channel", "meeting"):
            del self.fields[name]
