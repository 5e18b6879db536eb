"""What the economy API answers: indicator rows, and the monitor's shares (fractions 0–1, or null where nothing
can be divided; amounts in 万元 as numbers)."""

from __future__ import annotations

from rest_framework import serializers

from .importer import AMOUNTS
from .models import EnterpriseIndicator


class IndicatorSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    enterprise_uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    quarter = serializers.IntegerField(read_only=True, help_text="1–4")

    class Meta:
        model = EnterpriseIndicator
        fields = ["id", "enterprise", "enterprise_name", "enterprise_uscc", "year", "quarter", "taxes_paid",
                  "employees", "revenue", "output_value", "imported_at", "updated_at"]
        read_only_fields = fields
        extra_kwargs = {name: {"coerce_to_string": False} for name in AMOUNTS}


SHARE = {"allow_null": True, "help_text": "占比（0–1）；分母为零或无数据时为 null"}


class CountShareSerializer(serializers.Serializer):
    total = serializers.IntegerField(allow_null=True, help_text="合计")
    private = serializers.IntegerField(allow_null=True, help_text="民营经济（民营、个体）")
    non_public = serializers.IntegerField(allow_null=True, help_text="非公经济（除国有外）")
    private_share = serializers.FloatField(**SHARE)
    non_public_share = serializers.FloatField(**SHARE)


def _amount(help_text: str):
    return serializers.DecimalField(max_digits=24, decimal_places=2, coerce_to_string=False, allow_null=True,
                                    help_text=help_text)


class AmountShareSerializer(CountShareSerializer):
    total = _amount("合计（万元）")
    private = _amount("民营经济（万元）")
    non_public = _amount("非公经济（万元）")


class SharesRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="乡镇/园区的部门 id，或行业门类字母（A–T）；全市或未填为 null")
    name = serializers.CharField()
    market_entities = CountShareSerializer(help_text="市场主体（户）：企业名录中的企业数")
    taxes_paid = AmountShareSerializer(help_text="税收（万元）：纳税额之和")
    employees = CountShareSerializer(help_text="就业岗位（人）：从业人数之和")
    revenue = AmountShareSerializer(help_text="营业收入（万元）")
    output_value = AmountShareSerializer(help_text="产值（万元）")


class TrendPointSerializer(SharesRowSerializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()


class SharesSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True, help_text="统计年度；尚无任何指标时为 null")
    quarter = serializers.IntegerField(allow_null=True)
    label = serializers.CharField(allow_null=True, help_text="如 2026年第3季度")
    headline = serializers.CharField(allow_null=True, help_text="按来源页面口径生成的一句话（非公经济占比）")
    private_line = serializers.CharField(allow_null=True, help_text="民营经济占比的一句话")
    overall = SharesRowSerializer()
    by = serializers.CharField(allow_null=True, help_text="分组：town 乡镇（街道）/园区，industry 行业门类")
    groups = SharesRowSerializer(many=True)
    trend = TrendPointSerializer(many=True, help_text="截至该季度的近 8 个季度，由远及近")
