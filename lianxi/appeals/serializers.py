"""How an appeal reads in the API. Writes never go through a serializer: they are forms + action functions."""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lianxi.routing.serializers import SuggestionSerializer

from . import deadlines, workflow
from .forms import AppealRefField, MultipleFileField
from .models import Appeal, AppealEvent, Attachment


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "uploaded_at", "event", "url"]

    def get_url(self, attachment) -> str | None:
        try:
            return reverse("web:attachment", args=[attachment.appeal_id, attachment.pk])
        except NoReverseMatch:
            return None


def _datetime(value):
    """What DRF's DateTimeField renders: local time (Asia/Shanghai), ISO 8601."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class DeadlineStatusSerializer(serializers.Serializer):
    """One limit running on the appeal now (签收, 办结, 回访 or 差评整改)."""

    limit = serializers.ChoiceField(choices=deadlines.Limit.choices)
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=list(deadlines.DEADLINE_STATE_LABELS.items()))
    due_at = serializers.DateTimeField(help_text="到期时间（现行，含已批准的延期）")
    original_due_at = serializers.DateTimeField(help_text="到期时间（原定）")
    workdays_left = serializers.IntegerField(help_text="今天之后到到期日的工作日数；负数为已超期的工作日数")


def _deadline(status) -> dict:
    return {"limit": status.limit, "label": status.label, "state": status.state,
            "due_at": _datetime(status.due_at), "original_due_at": _datetime(status.original_due_at),
            "workdays_left": status.workdays_left}


class AppealListSerializer(serializers.ModelSerializer):
    """The list's columns: everything that comes from the appeal row and its select_related joins.

    Rendering goes straight from the instance instead of through DRF's ~45 field objects, which cost a third of
    a registration's CPU (bench/bench_register.py); tests/api/test_representation.py proves the output is the
    same as DRF's own. The fields stay declared for the OpenAPI schema."""

    state_display = serializers.CharField(source="get_state_display", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    lead_department_name = serializers.CharField(source="lead_department.name", read_only=True, default=None)
    co_departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    deadline_state = serializers.SerializerMethodField(
        help_text="时限状态：ok 正常 / warning 临期（已用80%） / overdue 超期；null 表示当前没有计时的时限")
    deadline = serializers.SerializerMethodField(help_text="当前最紧迫的时限")

    class Meta:
        model = Appeal
        fields = ["id", "number", "state", "state_display", "enterprise", "enterprise_name", "title", "content",
                  "channel", "category", "kind", "urgency", "meeting", "lead_department", "lead_department_name",
                  "co_departments", "due_at", "original_due_at", "created_at", "deadline_state", "deadline"]
        read_only_fields = fields

    def _statuses(self, appeal) -> list:
        # Computed once per appeal and rendering: get_deadline_state, get_deadline and get_deadlines share it.
        cached = appeal.__dict__.get("_deadline_statuses")
        if cached is None:
            cached = appeal.__dict__["_deadline_statuses"] = deadlines.statuses(appeal, timezone.now())
        return cached

    def get_deadline_state(self, appeal) -> str | None:
        worst = deadlines.worst(self._statuses(appeal))
        return worst.state if worst else None

    @extend_schema_field(DeadlineStatusSerializer(allow_null=True))
    def get_deadline(self, appeal) -> dict | None:
        worst = deadlines.worst(self._statuses(appeal))
        return _deadline(worst) if worst else None

    @classmethod
    def _plan(cls) -> list[tuple[str, object]]:
        """(name, how to read it) for every model field of Meta.fields, worked out once per class."""
        plan = cls.__dict__.get("_row_plan")
        if plan is None:
            plan = []
            for name in cls.Meta.fields:
                try:
                    field = Appeal._meta.get_field(name)
                except FieldDoesNotExist:
                    continue  # declared on the serializer: rendered by extra()
                if field.many_to_many or field.one_to_many:
                    continue
                if isinstance(field, models.DateTimeField):
                    plan.append((name, lambda a, attname=field.attname: _datetime(getattr(a, attname))))
                elif isinstance(field, models.DateField):
                    plan.append((name, lambda a, attname=field.attname: (getattr(a, attname).isoformat()
                                                                         if getattr(a, attname) else None)))
                else:
                    plan.append((name, lambda a, attname=field.attname: getattr(a, attname)))
            cls._row_plan = plan
        return plan

    def extra(self, appeal) -> dict:
        lead = appeal.lead_department
        return {"state_display": appeal.get_state_display(), "enterprise_name": appeal.enterprise.name,
                "lead_department_name": lead.name if lead else None,
                "co_departments": [d.pk for d in appeal.co_departments.all()],
                "deadline_state": self.get_deadline_state(appeal), "deadline": self.get_deadline(appeal)}

    def to_representation(self, appeal):
        data = {name: read(appeal) for name, read in self._plan()}
        data.update(self.extra(appeal))
        return {name: data[name] for name in self.Meta.fields}


class AppealSerializer(AppealListSerializer):
    """One appeal as it now stands, with what the requesting user may do to it now."""

    attachments = AttachmentSerializer(many=True, read_only=True)
    available_actions = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField(help_text="当前计时的全部时限（签收、办结、回访、差评整改）")
    suggested_departments = serializers.SerializerMethodField(
        help_text="智能派单建议（同 POST /api/v1/routing/suggest/；已退回本诉求的部门降权）；"
                  "仅派单员、督办员可见，其他用户为 null")

    class Meta(AppealListSerializer.Meta):
        fields = AppealListSerializer.Meta.fields + [
            "created_by", "instructions", "dispatched_at", "accept_due_at", "accepted_at", "return_count",
            "extension_due_at", "extension_reason", "replied_at", "outcome", "result", "reply", "followed_up_at",
            "rating", "solved", "reopen_count", "closed_at", "suspend_reason", "review_date", "reject_reason",
            "merged_into", "arbitrated_at", "updated_at", "deadlines", "attachments", "available_actions",
            "suggested_departments"]
        read_only_fields = fields

    def extra(self, appeal) -> dict:
        return {**super().extra(appeal), "available_actions": self.get_available_actions(appeal),
                "deadlines": self.get_deadlines(appeal),
                "attachments": AttachmentSerializer(appeal.attachments.all(), many=True, context=self.context).data,
                "suggested_departments": self.get_suggested_departments(appeal)}

    @extend_schema_field(DeadlineStatusSerializer(many=True))
    def get_deadlines(self, appeal) -> list[dict]:
        return [_deadline(s) for s in self._statuses(appeal)]

    @extend_schema_field(SuggestionSerializer(many=True, allow_null=True))
    def get_suggested_departments(self, appeal) -> list[dict] | None:
        """One suggestion call for the appeal shown; only for those who choose lead departments."""
        from lianxi.routing.access import sees_appeal_suggestions
        from lianxi.routing.suggest import suggest_for_appeal

        request = self.context.get("request")
        if request is None or not sees_appeal_suggestions(request.user):
            return None
        return [s.as_dict() for s in suggest_for_appeal(appeal)]

    def get_available_actions(self, appeal) -> list[dict]:
        request = self.context.get("request")
        if request is None:
            return []
        return [{"action": a.action.name, "label": a.action.label, "allowed": a.allowed, "reason": a.reason}
                for a in workflow.available(request.user, appeal, timezone.now())]


class AppealEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppealEvent
        fields = ["id", "action", "actor", "actor_name", "actor_roles", "actor_department", "from_state",
                  "to_state", "at", "data"]
        read_only_fields = fields


# ---- OpenAPI only: the request body of each action, derived from its form ------------------------------------

def _schema_field(field: forms.Field) -> serializers.Field:
    common = {"required": field.required, "help_text": str(field.help_text or field.label or "")}
    if isinstance(field, MultipleFileField):
        return serializers.ListField(child=serializers.FileField(), **common)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(field, AppealRefField):
        return serializers.CharField(**common)
    if isinstance(field, forms.ChoiceField):
        return serializers.ChoiceField(choices=field.choices, **common)
    if isinstance(field, forms.NullBooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    return serializers.CharField(**common)


def form_schema(name: str, form_class: type[forms.Form]) -> type[serializers.Serializer]:
    fields = {key: _schema_field(f) for key, f in form_class.base_fields.items()}
    return type(name, (serializers.Serializer,), fields)
