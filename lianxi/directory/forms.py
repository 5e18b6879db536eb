"""Forms of the directory: editing one enterprise, and uploading a spreadsheet of them."""

from __future__ import annotations

from pathlib import Path

from django import forms

from .models import Enterprise
from .validators import normalize_phone, normalize_uscc

MAX_IMPORT_BYTES = 20 * 1024 * 1024
IMPORT_SUFFIXES = (".csv", ".txt", ".xlsx")


class USCCField(forms.CharField):
    """Accepts the code as people type it (lower case, spaces, hyphens, full-width characters) and validates the
    normalised form, so ``9152 0181 ma6d l8xx 4a`` is not refused for being longer than 18 characters."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["maxlength"] = "40"  # before compaction; the model keeps 18
        return attrs

    def to_python(self, value):
        return normalize_uscc(super().to_python(value))


class PhoneField(forms.CharField):
    def to_python(self, value):
        return normalize_phone(super().to_python(value))


class EnterpriseForm(forms.ModelForm):
    """One enterprise, for any page or API that creates or corrects one. The model's validators (USCC check digit,
    phone format) and its unique USCC are checked on the normalised values."""

    class Meta:
        model = Enterprise
        fields = ["name", "uscc", "legal_representative", "contact_person", "contact_phone", "industry", "size",
                  "ownership", "town", "address", "tags"]
        field_classes = {"uscc": USCCField, "contact_phone": PhoneField}

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class EnterpriseImportForm(forms.Form):
    file = forms.FileField(label="企业名录文件", help_text="支持 .xlsx 或 .csv（UTF-8 或 GBK 编码），不超过 20 MB",
                           error_messages={"required": "请选择要导入的文件", "empty": "文件是空的"})
    dry_run = forms.BooleanField(label="仅检查，不导入", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in IMPORT_SUFFIXES:
            raise forms.ValidationError("只能导入 .xlsx 或 .csv 文件（旧版 .xls 请先在 Excel 中另存为 .xlsx）",
                                        code="invalid_extension")
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("文件过大（上限 20 MB），请分成几个文件导入", code="too_large")
        return upload
