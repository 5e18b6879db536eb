"""DRF glue shared by every app's API: the exception handler renders LianxiError one way."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import LianxiError


def exception_handler(exc, context):
    if isinstance(exc, LianxiError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def form_errors(form) -> dict[str, list[str]]:
    """A bound Django form's errors as {field: [messages]}; non-field errors under ``non_field_errors``."""
    errors = {}
    for field, messages in form.errors.items():
        errors["non_field_errors" if field == "__all__" else field] = [str(m) for m in messages]
    return errors
