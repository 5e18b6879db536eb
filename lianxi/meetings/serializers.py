"""How meetings, reception days, pairings and visits read in the API. Writes go through lianxi.meetings.forms
and lianxi.meetings.services, as the appeals' do."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from .models import Meeting, MeetingType, Pairing, ReceptionSession, Visit


class MeetingTypeSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", queryset=MeetingType._meta.get_field("channel")
                                           .related_model.objects.all())

    class Meta:
        model = MeetingType
        fields = ["id", "code", "name", "channel", "is_active", "sort_order"]


class MeetingSerializer(serializers.ModelSerializer):
    """``type`` is the meeting type's code (DOMAIN.md: a meeting's type is the code of the channel it feeds).
    ``enterprises`` lists the attending enterprises the requesting user may see; ``appeal_count`` counts the
    meeting's appeals the user may see."""

    type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    type_name = serializers.CharField(source="type.name", read_only=True)
    channel = serializers.CharField(source="type.channel.code", read_only=True)
    host_name = serializers.SerializerMethodField()
    attendees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    enterprises = serializers.SerializerMethodField()
    appeal_count = serializers.SerializerMethodField()
    reception_session = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = ["id", "type", "type_name", "channel", "title", "date", "place", "host", "host_name", "attendees",
                  "departments", "enterprises", "minutes", "appeal_count", "reception_session", "documents",
                  "created_by", "created_at", "updated_at"]
        read_only_fields = fields

    def get_host_name(self, meeting) -> str | None:
        return meeting.host.display_name if meeting.host_id else None

    def get_enterprises(self, meeting) -> list[int]:
        return sorted(e.pk for e in getattr(meeting, "visible_enterprises", meeting.enterprises.all()))

    def get_appeal_count(self, meeting) -> int:
        return getattr(meeting, "appeal_count", 0)

    def get_reception_session(self, meeting) -> int | None:
        session = getattr(meeting, "reception_session", None)  # the reverse one-to-one raises AttributeError
        return session.pk if session else None

    def get_documents(self, meeting) -> dict[str, str]:
        return {f"{key}.{fmt}": reverse("api-meeting-document", kwargs={"pk": meeting.pk, "document": key,
                                                                         "fmt": fmt})
                for key in ("problem-list", "responsibility-table") for fmt in ("xlsx", "docx")}


class ReceptionSessionSerializer(serializers.ModelSerializer):
    duty_departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ReceptionSession
        fields = ["id", "date", "status", "status_display", "duty_departments", "meeting", "note"]
        read_only_fields = fields


class _ReceptionStatsBase(serializers.Serializer):
    def to_representation(self, stats):
        return {"from": stats.start.isoformat() if stats.start else None,
                "to": stats.end.isoformat() if stats.end else None,
                "sessions_scheduled": stats.sessions_scheduled, "sessions_held": stats.sessions_held,
                "sessions_cancelled": stats.sessions_cancelled, "appeals_raised": stats.appeals_raised,
                "solved": stats.solved, "reported_solved": stats.reported_solved, "sentence": stats.sentence,
                "sessions": [{"id": r.session.pk, "date": r.session.date.isoformat(), "status": r.session.status,
                              "meeting": r.session.meeting_id, "appeals_raised": r.raised, "solved": r.solved,
                              "held_total": r.held_total, "raised_total": r.raised_total,
                              "solved_total": r.solved_total} for r in stats.rows]}


class ReceptionSessionStatsSerializer(serializers.Serializer):
    """One session's numbers, and the running totals from the range's first day."""

    id = serializers.IntegerField()
    date = serializers.DateField()
    status = serializers.ChoiceField(choices=ReceptionSession.Status.choices)
    meeting = serializers.IntegerField(allow_null=True)
    appeals_raised = serializers.IntegerField()
    solved = serializers.IntegerField()
    held_total = serializers.IntegerField(help_text="截至本次累计开展次数")
    raised_total = serializers.IntegerField()
    solved_total = serializers.IntegerField()


# Built from a dict: "from" is a Python keyword and cannot be a class attribute.
ReceptionStatsSerializer = type("ReceptionStatsSerializer", (_ReceptionStatsBase,), {
    "from": serializers.DateField(allow_null=True, help_text="统计起始日期（含）"),
    "to": serializers.DateField(allow_null=True, help_text="统计截止日期（含）"),
    "sessions_scheduled": serializers.IntegerField(help_text="安排的接待日"),
    "sessions_held": serializers.IntegerField(help_text="已开展的接待日"),
    "sessions_cancelled": serializers.IntegerField(help_text="取消的接待日"),
    "appeals_raised": serializers.IntegerField(help_text="接待日上收集的诉求"),
    "solved": serializers.IntegerField(help_text="回访时企业确认已解决的诉求"),
    "reported_solved": serializers.IntegerField(help_text="承办单位答复“已解决”的诉求（含尚未回访的）"),
    "sentence": serializers.CharField(help_text="如：2023年1月1日以来开展59次，已为民营企业解决急难问题42个"),
    "sessions": ReceptionSessionStatsSerializer(many=True, help_text="期间内每次接待日的数字及累计"),
})


class PairingSerializer(serializers.ModelSerializer):
    leader_name = serializers.CharField(source="leader.display_name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Pairing
        fields = ["id", "leader", "leader_name", "enterprise", "enterprise_name", "started_on", "ended_on",
                  "is_active", "note", "created_at"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    """``appeals``: the appeals raised on or taken up by the visit that the requesting user may see."""

    leader = serializers.IntegerField(source="pairing.leader_id", read_only=True)
    enterprise = serializers.IntegerField(source="pairing.enterprise_id", read_only=True)
    appeals = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = ["id", "pairing", "leader", "enterprise", "date", "people", "discussed", "appeals", "created_by",
                  "created_at"]
        read_only_fields = fields

    def get_appeals(self, visit) -> list[int]:
        visible = self.context.get("visible_appeal_ids")
        ids = sorted(a.pk for a in visit.appeals.all())
        return ids if visible is None else [i for i in ids if i in visible]
