from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from .models import Opinion


class OpinionSerializer(serializers.ModelSerializer):
    """``appeals``: the rectification tasks the requesting user may see; ``tasks_total`` / ``tasks_answered``
    count them all, since they decide whether the answer letter is due."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    body_display = serializers.CharField(source="get_body_display", read_only=True)
    deputy_name = serializers.CharField(source="deputy.display_name", read_only=True)
    appeals = serializers.SerializerMethodField()
    tasks_total = serializers.SerializerMethodField()
    tasks_answered = serializers.SerializerMethodField()
    answer_letter = serializers.SerializerMethodField()

    class Meta:
        model = Opinion
        fields = ["id", "kind", "kind_display", "body", "body_display", "deputy", "deputy_name", "title", "content",
                  "meeting", "appeals", "tasks_total", "tasks_answered", "answer_letter", "created_by",
                  "created_at"]
        read_only_fields = fields

    def get_appeals(self, opinion) -> list[int]:
        return sorted(getattr(opinion, "visible_task_ids", ()))

    def get_tasks_total(self, opinion) -> int:
        return opinion.progress.total

    def get_tasks_answered(self, opinion) -> int:
        return opinion.progress.answered

    def get_answer_letter(self, opinion) -> str | None:
        """The answer letter's address once every task is answered, else null."""
        if not opinion.progress.ready:
            return None
        return reverse("api-opinion-answer-letter", kwargs={"pk": opinion.pk})
