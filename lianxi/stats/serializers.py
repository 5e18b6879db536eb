"""The shapes of the numbers in the API (for the schema and for the answers alike)."""

from __future__ import annotations

from rest_framework import serializers

from .measures import COUNT_LABELS, RATES


def _measure_fields() -> dict:
    fields = {name: serializers.IntegerField(help_text=label) for name, label in COUNT_LABELS.items()}
    for rate in RATES:
        fields[rate.name] = serializers.FloatField(
            allow_null=True, help_text=f"{rate.label}：{COUNT_LABELS[rate.numerator]}/{COUNT_LABELS[rate.denominator]}"
                                        "，0–1 的小数；无可除之数时为 null")
    fields["avg_reply_workdays"] = serializers.FloatField(allow_null=True, help_text="平均答复用时（工作日）")
    return fields


def _period() -> dict:
    """``from`` and ``to`` (inclusive registration dates): keywords in Python, so declared through type()."""
    return {"from": serializers.DateField(help_text="起始日期（含）"),
            "to": serializers.DateField(help_text="截止日期（含）")}


MeasuresSerializer = type("MeasuresSerializer", (serializers.Serializer,), _measure_fields())
PeriodSerializer = type("PeriodSerializer", (serializers.Serializer,), _period())


class SummarySerializer(MeasuresSerializer, PeriodSerializer):
    sentence = serializers.CharField(help_text="领导引用的一句话")
    as_of = serializers.DateTimeField(allow_null=True, help_text="统计数据刷新时间")


class GroupSerializer(MeasuresSerializer):
    key = serializers.JSONField(
        help_text="分组键：单位/渠道/类别/乡镇 id（整数，未交办或未填写为 null），规模/经济类型代码，或月份 YYYY-MM")
    name = serializers.CharField()


class BreakdownSerializer(PeriodSerializer):
    by = serializers.CharField()
    results = GroupSerializer(many=True)


class RankedSerializer(GroupSerializer):
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True, help_text="综合得分（百分制）")
    reason = serializers.CharField(required=False, help_text="未参与排名的原因")


class RankingSerializer(PeriodSerializer):
    weights = serializers.DictField(child=serializers.FloatField())
    min_received = serializers.IntegerField()
    ranked_count = serializers.IntegerField()
    results = RankedSerializer(many=True)
    unranked = RankedSerializer(many=True)


class GrowthRowSerializer(serializers.Serializer):
    key = serializers.JSONField(help_text="类别/乡镇/渠道/单位 id")
    name = serializers.CharField()
    current = serializers.IntegerField()
    previous = serializers.IntegerField()
    increase = serializers.IntegerField()
    growth_rate = serializers.FloatField(allow_null=True)


class GrowthSerializer(PeriodSerializer):
    by = serializers.CharField()
    results = GrowthRowSerializer(many=True)
