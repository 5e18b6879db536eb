"""/api/v1/supervisions/ (督办单) and /api/v1/accountabilities/ (问责).

Thin: parse with the forms, write through ``submit_action("supervise", …)`` and the services, read through the
selectors (the access rule), render with the serializers. What a user may not see answers 404; may see but not
do, 403; an appeal reference the user cannot see is bad input (400 on ``appeal``), as in the appeals API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lianxi.appeals.forms import AppealRefField, submit_action
from lianxi.appeals.models import Appeal
from lianxi.core.errors import InvalidInput, NotPermitted

from . import documents, selectors, services
from .filters import AccountabilityFilter, SupervisionFilter
from .forms import AccountabilityForm, AnswerForm, DecideForm, parsed
from .serializers import (AccountabilityDetailSerializer, AccountabilityInput, AccountabilitySerializer,
                          AnswerInput, DecideInput, SupervisionInput, SupervisionSerializer)


def appeal_reference(user, value) -> Appeal:
    """The appeal named by id or number, among those the user can see; else InvalidInput on ``appeal``."""
    field = AppealRefField(error_messages={"required": "请指定诉求"})
    field.queryset = Appeal.objects.visible_to(user)
    try:
        return field.clean(value)
    except ValidationError as exc:
        raise InvalidInput(fields={"appeal": exc.messages})


class SupervisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """督办单: the orders the user may see (citywide staff: all; a department's staff: those addressed to it)."""

    serializer_class = SupervisionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SupervisionFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (selectors.orders_for(self.request.user).select_related(*selectors.ORDER_RELATED)
                .order_by("-issued_at", "-id"))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _answer(self, order, code=status.HTTP_200_OK) -> Response:
        order = selectors.order_detail(self.request.user, order.pk)
        return Response(SupervisionSerializer(order, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=SupervisionInput, responses={201: SupervisionSerializer})
    def create(self, request, *args, **kwargs):
        """签发督办单: the loop's ``supervise`` action on an open appeal (the same path as
        ``POST /appeals/<id>/supervise/``). A closed appeal answers 409."""
        if not selectors.may_issue(request.user):
            raise NotPermitted("只有督办员可以签发督办单")
        appeal = appeal_reference(request.user, request.data.get("appeal"))
        appeal = submit_action("supervise", appeal, acting_user=request.user, data=request.data)
        return self._answer(appeal._last_supervision, status.HTTP_201_CREATED)

    @extend_schema(request=AnswerInput, responses=SupervisionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """书面答复: the addressed department's handlers or head, once."""
        order = self.get_object()
        order = services.answer_order(order, acting_user=request.user, **parsed(AnswerForm(request.data)))
        return self._answer(order)

    @extend_schema(responses={(200, documents.DOCX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        """The order as an official .docx (督办单 / 挂牌督办通知书)."""
        order = selectors.order_detail(request.user, pk)
        response = HttpResponse(documents.order_docx(order), content_type=documents.DOCX)
        response["Content-Disposition"] = documents.attachment_disposition(*documents.order_filename(order))
        return response


class AccountabilityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """问责: supervisors, leaders and admins see the list; a department head the records against their
    department; anybody the records naming them. Only supervisors record and decide."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = AccountabilityFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.accountability_rows(self.request.user)

    def get_serializer_class(self):
        return AccountabilityDetailSerializer if self.action != "list" else AccountabilitySerializer

    def _answer(self, record, code=status.HTTP_200_OK) -> Response:
        record = selectors.accountability_detail(self.request.user, record.pk)
        return Response(AccountabilityDetailSerializer(record, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(request=AccountabilityInput, responses={201: AccountabilityDetailSerializer})
    def create(self, request, *args, **kwargs):
        """记录问责 against a department or a named person, with the appeals behind it."""
        if not services.may_record_accountability(request.user):
            raise NotPermitted("只有督办员可以记录问责")
        kwargs = parsed(AccountabilityForm(request.data, user=request.user))
        record = services.record_accountability(acting_user=request.user, **kwargs)
        return self._answer(record, status.HTTP_201_CREATED)

    @extend_schema(request=DecideInput, responses=AccountabilityDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """认定 a proposed record (待认定): a ``measure``, or ``dismiss: true`` with a ``note`` (不予问责)."""
        record = self.get_object()
        if not services.may_record_accountability(request.user):
            raise NotPermitted("只有督办员可以认定问责")
        record = services.decide_accountability(record, acting_user=request.user, **parsed(DecideForm(request.data)))
        return self._answer(record)

    @extend_schema(responses={(200, documents.XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The period's 问责清单 as .xlsx (``?from=&to=``, local dates inclusive; the list's other filters too)."""
        filterset = self.filterset_class(request.GET, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise InvalidInput(fields={k: [str(m) for m in v] for k, v in filterset.errors.items()})
        start, end = filterset.form.cleaned_data.get("from"), filterset.form.cleaned_data.get("to")
        content, rows = documents.accountability_xlsx(filterset.qs, start=start, end=end)
        response = HttpResponse(content, content_type=documents.XLSX)
        response["Content-Disposition"] = documents.attachment_disposition(
            *documents.accountability_filename(start, end))
        response["X-Rows"] = str(rows)
        return response
