"""How suggestions read in the API (requests are parsed by lianxi.routing.forms)."""

from __future__ import annotations

from rest_framework import serializers


class SuggestionSerializer(serializers.Serializer):
    department = serializers.IntegerField(help_text="部门 id")
    name = serializers.CharField(help_text="部门名称")
    score = serializers.FloatField(min_value=0, max_value=1, help_text="建议得分（0–1，越高越有把握）")


class SuggestRequestSerializer(serializers.Serializer):
    """OpenAPI only: the request body."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="标题")
    content = serializers.CharField(required=False, allow_blank=True, max_length=20_000,
                                    help_text="诉求内容（标题和内容至少填写一项）")
