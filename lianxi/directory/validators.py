"""Field validators for the directory: USCC by python-stdnum, phone numbers of mainland China."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

# Mobile (1[3-9]x, 11 digits) or fixed line with area code (0851-8xxxxxxx, hyphen optional), with an optional
# extension; 400/800 service numbers too.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|[48]00-?\d{3}-?\d{4})$")


def normalize_uscc(value: str) -> str:
    """As people type it: full-width characters, spaces, hyphens, lower case → the 18-character code."""
    return stdnum_uscc.compact(unicodedata.normalize("NFKC", value or ""))


def validate_uscc(value: str) -> None:
    try:
        stdnum_uscc.validate(value)
    except StdnumError:
        raise ValidationError("统一社会信用代码无效（应为18位，校验位须正确）", code="invalid_uscc")


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", value or "")).replace("+86", "")


def validate_phone(value: str) -> None:
    if value and not PHONE_RE.match(value):
        raise ValidationError("电话号码格式不正确（手机11位，或区号-号码）", code="invalid_phone")
