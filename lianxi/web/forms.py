"""Forms of the pages that are not loop actions: the directory and user configuration, and the inline
enterprise of the registration page. The loop's own forms live in lianxi.appeals.forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction

from lianxi.accounts.models import Role, User
from lianxi.appeals.forms import ActionForm
from lianxi.directory.models import Category, Channel, Department, Enterprise
from lianxi.accounts.rules import membership_errors
from lianxi.directory.forms import EnterpriseForm as DirectoryEnterpriseForm
from lianxi.directory.validators import normalize_phone, normalize_uscc, validate_phone


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocorrect="off")
        self.error_messages["invalid_login"] = "用户名或密码不正确"
        self.error_messages["inactive"] = "该账号已停用"


class EnterpriseForm(DirectoryEnterpriseForm):
    class Meta(DirectoryEnterpriseForm.Meta):
        widgets = {"tags": forms.CheckboxSelectMultiple}


class QuickEnterpriseForm(EnterpriseForm):
    """The few facts a clerk takes down at the window when the enterprise is not in the directory yet."""

    # Required only when no enterprise was chosen from the search: the browser must not insist on them.
    use_required_attribute = False

    class Meta(EnterpriseForm.Meta):
        fields = ["name", "uscc", "legal_representative", "contact_person", "contact_phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # Shown beside the enterprise search, but submitted with the registration form.
            field.widget.attrs["form"] = "register-form"


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "kind", "parent", "remit", "is_active", "sort_order"]
        widgets = {"remit": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].queryset = Department.objects.exclude(pk=self.instance.pk)

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        seen = set()
        node = parent
        while node is not None and node.pk not in seen:
            if self.instance.pk and node.pk == self.instance.pk:
                raise forms.ValidationError("上级单位不能是本单位或其下级单位", code="cycle")
            seen.add(node.pk)
            node = node.parent
        return parent


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "default_department", "accept_days", "urgent_days", "general_days",
                  "complex_days", "followup_days", "rectify_days", "is_active", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("accept_days", "urgent_days", "general_days", "complex_days", "followup_days",
                     "rectify_days"):
            self.fields[name].widget.attrs["min"] = 1
            self.fields[name].validators.append(_at_least_one)


def _at_least_one(value):
    if value is not None and value < 1:
        raise forms.ValidationError("时限至少为1个工作日", code="min_value")


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ["code", "name", "is_active", "sort_order"]


class EnterpriseByUSCCField(forms.ModelChoiceField):
    """An enterprise named by its USCC: a select of every enterprise would not survive the directory's size."""

    def __init__(self, **kwargs):
        super().__init__(Enterprise.objects.all(), to_field_name="uscc", widget=forms.TextInput, **kwargs)
        self.error_messages["invalid_choice"] = "找不到该统一社会信用代码对应的企业"

    def to_python(self, value):
        return super().to_python(normalize_uscc(value) if isinstance(value, str) else value)

    def prepare_value(self, value):
        if isinstance(value, int):
            return Enterprise.objects.filter(pk=value).values_list("uscc", flat=True).first() or ""
        return super().prepare_value(value)


class UserForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    password = forms.CharField(label="密码", required=False, strip=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
    enterprise = EnterpriseByUSCCField(label="所属企业（统一社会信用代码）", required=False)

    class Meta:
        model = User
        fields = ["username", "name", "phone", "department", "enterprise", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.role_codes)
            self.fields["password"].help_text = "留空则不修改密码"
        else:
            self.fields["password"].required = True

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data.get("phone"))
        validate_phone(phone)
        return phone

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            password_validation.validate_password(password, self.instance)
        return password

    def clean(self):
        cleaned = super().clean()
        for field, message in membership_errors(cleaned.get("roles"), cleaned.get("department"),
                                                cleaned.get("enterprise")).items():
            self.add_error(field, message)
        return cleaned

    @transaction.atomic
    def save(self, commit=True):
        user = super().save(commit=False)
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        user.save()
        user.set_roles(self.cleaned_data["roles"])
        return user


# The loop forms pick their own widgets for the API's sake; on a page (and a phone) radio buttons read better.
YES_NO = {"follow-up": {"solved": [("true", "已解决"), ("false", "未解决")]},
          "decide-extension": {"approve": [("true", "同意"), ("false", "不同意")]}}


def for_page(name: str, form: ActionForm) -> ActionForm:
    if name == "follow-up":
        form.fields["rating"].widget = forms.RadioSelect(choices=form.fields["rating"].choices)
    for field, choices in YES_NO.get(name, {}).items():
        form.fields[field].widget = forms.RadioSelect(choices=choices)
    return form


def appeal_filter_form(filterset, *, enterprise_view: bool = False):
    """The appeal list's filter form as the page shows it (AppealFilter itself stays as the API uses it)."""
    form = filterset.form
    form.fields["state"].widget = forms.Select(choices=[("", "全部状态"), *form.fields["state"].choices])
    form.fields["deadline"].widget = forms.Select(choices=[("", "全部时限"), ("due_soon", "即将到期"),
                                                           ("overdue", "已超期")])
    for name, label in (("channel", "全部渠道"), ("category", "全部类别"), ("department", "全部单位")):
        form.fields[name].empty_label = label
    for name in ("created_from", "created_to"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    form.fields["search"].widget.attrs.update(placeholder="标题、企业名称、信用代码或诉求编号", type="search")
    shown = ["search", "state"] if enterprise_view else ["search", "state", "deadline", "channel", "category",
                                                          "department", "created_from", "created_to"]
    return [form[name] for name in shown]


# Filters the page does not offer as fields but carries when a link set them (the numbers' click-through, a
# meeting's appeals): shown as chips, kept as hidden inputs when the visible filters change.
CARRIED_FILTERS = ("lead_department", "town", "size", "ownership", "meeting", "measure")


def carried_filters(filterset, user) -> list[tuple[str, str, str]]:
    """(name, value, "label：shown value") of each carried filter the request set validly. A row of a model with
    an access rule (a meeting) is named only to a user who may see it; to others it is its number."""
    form = filterset.form
    if not form.is_valid():
        return []
    carried = []
    for name in CARRIED_FILTERS:
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            continue
        field = form.fields[name]
        if hasattr(value, "pk"):
            rule = getattr(type(value).objects, "visible_to", None)
            hidden = rule is not None and not rule(user).filter(pk=value.pk).exists()
            raw, shown = value.pk, f"#{value.pk}" if hidden else str(value)
        else:
            raw, shown = value, dict(field.choices).get(value, value)
        carried.append((name, raw, f"{field.label}：{shown}"))
    return carried
