"""DRF glue shared by every app's API: the exception handler renders LianxiError one way."""

from __future__ import annotations


from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .db import KeysFirstPaginator
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


class Pagination(PageNumberPagination):
    """``count``/``next``/``previous``/``results``; ``?page_size=`` up to 200; pages fetched keys first."""

    django_paginator_class = KeysFirstPaginator
    page_size_query_param = "page_size"
    max_page_size = 200


class AtomicWritesMixin:
    """A viewset whose create and update each run in one transaction (a serializer saving related rows, such
    as tags or roles, must not leave half of them behind)."""

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()
