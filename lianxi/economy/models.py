"""企业季度经济指标: what each enterprise in the directory reported for a quarter. The private-economy monitor
(lianxi.economy.selectors) sums them by ownership."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from lianxi.directory.models import Enterprise

from .periods import MAX_YEAR, MIN_YEAR, Period

# 万元 with two decimals: up to 999,999,999,999.99 万元 for one enterprise in one quarter.
AMOUNT_DIGITS = 14
NOT_NEGATIVE = [MinValueValidator(0)]


def amount_field(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=AMOUNT_DIGITS, decimal_places=2, null=True, blank=True,
                               validators=NOT_NEGATIVE)


class EnterpriseIndicator(models.Model):
    """One enterprise's figures for one quarter. A figure not reported is null (not 0): it counts in no sum."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="indicators")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(MIN_YEAR),
                                                               MaxValueValidator(MAX_YEAR)])
    quarter = models.PositiveSmallIntegerField("季度", choices=[(q, f"第{q}季度") for q in range(1, 5)])
    taxes_paid = amount_field("纳税额（万元）")
    employees = models.PositiveIntegerField("从业人数", null=True, blank=True)
    revenue = amount_field("营业收入（万元）")
    output_value = amount_field("产值（万元）")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "企业季度经济指标"
        ordering = ["-year", "-quarter", "enterprise_id"]
        constraints = [
            # The importer's upsert key; its index also serves one enterprise's history.
            models.UniqueConstraint(fields=["enterprise", "year", "quarter"], name="indicator_enterprise_period"),
            models.CheckConstraint(name="indicator_quarter_1_to_4", condition=Q(quarter__gte=1, quarter__lte=4)),
            models.CheckConstraint(name="indicator_year_in_range",
                                   condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR)),
            models.CheckConstraint(name="indicator_amounts_not_negative",
                                   condition=Q(taxes_paid__gte=0) & Q(revenue__gte=0) & Q(output_value__gte=0)),
        ]
        indexes = [
            # The monitor's sums read one quarter (or the trend's eight) across all enterprises, and the latest
            # period with data is the top of this index.
            models.Index(fields=["year", "quarter"], name="indicator_period"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.period.label}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.quarter)
