"""How a common problem reads in the API. Writes go through forms + services, never a serializer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import CommonProblem
from .selectors import Member, members_of


class ProblemMemberSerializer(serializers.Serializer):
    """A member appeal as its problem shows it: where it stands and how its enterprise rated the reply."""

    appeal = serializers.IntegerField(source="membership.appeal_id")
    number = serializers.CharField(source="appeal.number")
    title = serializers.CharField(source="appeal.title")
    enterprise = serializers.IntegerField(source="appeal.enterprise_id")
    enterprise_name = serializers.CharField(source="appeal.enterprise.name")
    state = serializers.CharField(source="appeal.state")
    state_display = serializers.CharField(source="appeal.get_state_display")
    lead_department = serializers.IntegerField(source="appeal.lead_department_id", allow_null=True)
    due_at = serializers.DateTimeField(source="appeal.due_at", allow_null=True)
    replied_at = serializers.DateTimeField(source="appeal.replied_at", allow_null=True)
    rating = serializers.IntegerField(source="appeal.rating", allow_null=True, help_text="企业的满意度评价（1—5）")
    rating_display = serializers.CharField(source="appeal.get_rating_display", allow_null=True)
    solved = serializers.BooleanField(source="appeal.solved", allow_null=True, help_text="企业回访时是否认为已解决")
    added_at = serializers.DateTimeField(source="membership.added_at")


class CommonProblemSerializer(serializers.ModelSerializer):
    """``members``: the active members the requesting user may see (all of them, for whoever may act on the
    problem); ``member_count`` counts them all."""

    state_display = serializers.CharField(source="get_state_display", read_only=True)
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True, default=None)
    lead_department_name = serializers.CharField(source="lead_department.name", read_only=True, default=None)
    co_departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    member_count = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = CommonProblem
        fields = ["id", "title", "description", "state", "state_display", "created_by", "created_by_name",
                  "created_at", "lead_department", "lead_department_name", "co_departments", "instructions",
                  "due_at", "dispatched_at", "accepted_at", "replied_at", "outcome", "result", "reply",
                  "member_count", "members", "updated_at"]
        read_only_fields = fields

    def _members(self, problem) -> list[Member]:
        cached = problem.__dict__.get("_members")
        if cached is None:
            request = self.context.get("request")
            cached = problem.__dict__["_members"] = members_of(problem, request.user if request else None)
        return cached

    def get_member_count(self, problem) -> int:
        return len(self._members(problem))

    @extend_schema_field(ProblemMemberSerializer(many=True))
    def get_members(self, problem) -> list[dict]:
        return ProblemMemberSerializer([m for m in self._members(problem) if m.appeal is not None], many=True).data


class CommonProblemListSerializer(CommonProblemSerializer):
    """The list: without the members (``member_count`` from the list's own count)."""

    class Meta(CommonProblemSerializer.Meta):
        fields = [f for f in CommonProblemSerializer.Meta.fields if f != "members"]
        read_only_fields = fields

    def get_member_count(self, problem) -> int:
        return problem.member_count


# ---- OpenAPI only: request bodies ------------------------------------------------------------------------------


class CommonProblemInput(serializers.Serializer):
    title = serializers.CharField(help_text="共性问题名称")
    description = serializers.CharField(required=False, help_text="问题描述")
    appeals = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text="同时归入的诉求：ID或诉求编号（只有已登记或已交办的诉求）")


class ProblemMembersInput(serializers.Serializer):
    appeals = serializers.ListField(child=serializers.CharField(), help_text="诉求ID或诉求编号")
