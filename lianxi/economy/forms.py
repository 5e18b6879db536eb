"""Forms of the monitor: which quarter (and cut) to show, shared by the page, the export and the API; and the
upload of a spreadsheet of indicators (the enterprise import's form, with its own wording)."""

from __future__ import annotations

from django import forms

from lianxi.directory.forms import EnterpriseImportForm

from .periods import MAX_YEAR, MIN_YEAR, Period
from .selectors import BY_CHOICES, latest_period

QUARTER_CHOICES = [(q, f"第{q}季度") for q in range(1, 5)]


class IndicatorImportForm(EnterpriseImportForm):
    file = forms.FileField(label="经济指标文件", help_text="支持 .xlsx 或 .csv（UTF-8 或 GBK 编码），不超过 20 MB",
                           error_messages={"required": "请选择要导入的文件", "empty": "文件是空的"})


class SharesForm(forms.Form):
    """``year`` and ``quarter`` together, or neither (the latest quarter with data); ``by`` a cut (API only)."""

    year = forms.IntegerField(label="年度", required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    quarter = forms.TypedChoiceField(label="季度", required=False, choices=[("", "—"), *QUARTER_CHOICES], coerce=int,
                                     empty_value=None)
    by = forms.ChoiceField(label="分组", required=False, choices=[("", "不分组"), *BY_CHOICES.items()])

    def clean(self):
        data = super().clean()
        year, quarter = data.get("year"), data.get("quarter")
        if (year is None) != (quarter is None) and not self.errors:
            missing = "quarter" if year is not None else "year"
            self.add_error(missing, "请同时指定年度和季度")
        return data

    def period(self) -> Period | None:
        """The quarter asked for, else the latest one with data (None when there is none)."""
        year, quarter = self.cleaned_data.get("year"), self.cleaned_data.get("quarter")
        return Period(year, quarter) if year is not None and quarter is not None else latest_period()
