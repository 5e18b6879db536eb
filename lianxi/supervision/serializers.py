"""How orders, accountability records and an appeal's trail read in the API. Writes never go through a
serializer: they are forms (lianxi.supervision.forms, lianxi.appeals.forms) + services/actions. The *Input
serializers below only describe request bodies for the OpenAPI document."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lianxi.appeals.models import AppealEvent

from . import selectors
from .models import ANSWER_STATE_LABELS, Accountability, AccountabilityTrigger, Level, Measure, Supervision


class SupervisionSerializer(serializers.ModelSerializer):
    appeal_number = serializers.CharField(source="appeal.number", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    answer_state = serializers.SerializerMethodField()
    answer_state_display = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Supervision
        fields = ["id", "number", "appeal", "appeal_number", "level", "level_display", "trigger", "trigger_display",
                  "limit", "department", "department_name", "text", "answer_due_at", "issued_by_name", "issued_at",
                  "answer", "answered_at", "answered_by_name", "answer_state", "answer_state_display",
                  "document_url"]
        read_only_fields = fields

    def _state(self, order) -> str:
        return order.answer_state(self.context.get("now") or timezone.now())

    def get_answer_state(self, order) -> str:
        """none（无需答复）/ pending（待答复）/ late（逾期未答复）/ answered（已答复）"""
        return self._state(order)

    def get_answer_state_display(self, order) -> str:
        return ANSWER_STATE_LABELS[self._state(order)]

    def get_document_url(self, order) -> str:
        return reverse("supervision-document", args=[order.pk])


class AccountabilitySerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    person_name = serializers.CharField(source="person.display_name", read_only=True, default=None)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    measure_display = serializers.CharField(source="get_measure_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    appeals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    appeal_numbers = serializers.SerializerMethodField()
    supervision_number = serializers.CharField(source="supervision.number", read_only=True, default=None)
    decided_by_name = serializers.CharField(source="decided_by.display_name", read_only=True, default=None)

    class Meta:
        model = Accountability
        fields = ["id", "number", "department", "department_name", "person", "person_name", "subject", "trigger",
                  "trigger_display", "measure", "measure_display", "status", "status_display", "text", "appeals",
                  "appeal_numbers", "supervision", "supervision_number", "recorded_by_name", "recorded_at",
                  "decided_by", "decided_by_name", "decided_at", "decision_note"]
        read_only_fields = fields

    def get_appeal_numbers(self, record) -> list[str]:
        return [a.number for a in record.appeals.all()]


class EvidenceEventSerializer(serializers.ModelSerializer):
    action_display = serializers.SerializerMethodField()

    class Meta:
        model = AppealEvent
        fields = ["id", "action", "action_display", "actor_name", "actor_department", "at", "from_state", "to_state",
                  "data"]
        read_only_fields = fields

    def get_action_display(self, event) -> str:
        return selectors.event_label(event.action)


class EvidenceSerializer(serializers.Serializer):
    """An appeal behind the record. ``title`` and ``events`` only for an appeal the user may see."""

    appeal = serializers.IntegerField(source="appeal.pk")
    number = serializers.CharField(source="appeal.number")
    visible = serializers.BooleanField()
    title = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    events_url = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    def get_title(self, item) -> str | None:
        return item.appeal.title if item.visible else None

    def get_state(self, item) -> str | None:
        return item.appeal.state if item.visible else None

    def get_events_url(self, item) -> str | None:
        return reverse("appeal-events", args=[item.appeal.pk]) if item.visible else None

    @extend_schema_field(EvidenceEventSerializer(many=True))
    def get_events(self, item):
        return EvidenceEventSerializer(item.events, many=True).data if item.visible else []


class AccountabilityDetailSerializer(AccountabilitySerializer):
    evidence = serializers.SerializerMethodField()

    class Meta(AccountabilitySerializer.Meta):
        fields = AccountabilitySerializer.Meta.fields + ["evidence"]
        read_only_fields = fields

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, record):
        request = self.context.get("request")
        user = request.user if request is not None else None
        return EvidenceSerializer(selectors.evidence(record, user), many=True).data


class TrailItemSerializer(serializers.Serializer):
    """One step of an appeal's 转办 → 督办 → 问责 trail (``selectors.trail_data``)."""

    stage = serializers.ChoiceField(choices=list(selectors.STAGES.items()))
    stage_label = serializers.CharField()
    kind = serializers.CharField(help_text="dispatch / return / arbitrate / supervision / accountability")
    id = serializers.IntegerField(help_text="事件、督办单或问责记录的 id")
    at = serializers.DateTimeField()
    label = serializers.CharField()
    actor_name = serializers.CharField()
    number = serializers.CharField(help_text="督办单文号或问责记录编号")
    department_name = serializers.CharField()
    text = serializers.CharField()
    status = serializers.CharField(help_text="督办单的答复情况，或问责记录的状态")
    status_label = serializers.CharField()
    url = serializers.CharField(help_text="页面地址")
    details = serializers.DictField()


# ---- OpenAPI only: request bodies ---------------------------------------------------------------------------

class SupervisionInput(serializers.Serializer):
    appeal = serializers.CharField(help_text="诉求 id 或诉求编号")
    level = serializers.ChoiceField(choices=Level.choices)
    department = serializers.IntegerField(required=False, help_text="被督办单位；留空则为主办单位")
    text = serializers.CharField(help_text="督办意见")
    answer_due_at = serializers.DateTimeField(required=False,
                                              help_text="答复期限；留空：提醒无需答复，督办、挂牌督办按默认工作日")


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField(help_text="书面答复")


class AccountabilityInput(serializers.Serializer):
    department = serializers.IntegerField(required=False, help_text="问责单位（与 person 至少填一项）")
    person = serializers.IntegerField(required=False, help_text="问责对象（用户 id）")
    trigger = serializers.ChoiceField(choices=AccountabilityTrigger.choices)
    measure = serializers.ChoiceField(choices=Measure.choices)
    appeals = serializers.ListField(child=serializers.CharField(), help_text="关联诉求的 id 或编号")
    text = serializers.CharField(help_text="问责事由")
    supervision = serializers.CharField(required=False, help_text="关联督办单的 id 或文号")


class DecideInput(serializers.Serializer):
    measure = serializers.ChoiceField(choices=Measure.choices, required=False)
    dismiss = serializers.BooleanField(required=False, help_text="不予问责（须填写 note）")
    note = serializers.CharField(required=False, help_text="认定意见")
