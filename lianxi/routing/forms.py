"""The input of a suggestion request: a title, a content, at least one of them."""

from __future__ import annotations

from django import forms

MISSING = "标题和诉求内容至少填写一项"


class SuggestForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200, required=False)
    content = forms.CharField(label="诉求内容", max_length=20_000, required=False)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("title") or cleaned.get("content")):
            self.add_error("title", forms.ValidationError(MISSING, code="required"))
            self.add_error("content", forms.ValidationError(MISSING, code="required"))
        return cleaned
