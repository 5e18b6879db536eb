"""/api/v1/meetings/, /meeting-types/, /reception-sessions/, /pairings/, /visits/ and the meeting documents.

Thin: parse with the forms, call the services, render with the serializers."""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import Prefetch
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxi.appeals.api import known_relations
from lianxi.appeals.deadlines import prefetch_running
from lianxi.appeals.models import Appeal
from lianxi.appeals.selectors import LIST_RELATED
from lianxi.appeals.serializers import AppealListSerializer, AppealSerializer, form_schema
from lianxi.core.api import AtomicWritesMixin, form_errors
from lianxi.core.errors import InvalidInput
from lianxi.core.permissions import ReadOrConfigure
from lianxi.directory.models import Enterprise

from . import documents, selectors, services
from .access import sees_reception_days
from .filters import MeetingFilter, PairingFilter, VisitFilter
from .forms import (BulkRowForm, DateRangeForm, HoldForm, MeetingForm, PairingEndForm, PairingForm, ScheduleForm,
                    SessionForm, VisitAppealForm, VisitForm)
from .models import Meeting, MeetingType, ReceptionSession
from .serializers import (MeetingSerializer, MeetingTypeSerializer, PairingSerializer, ReceptionSessionSerializer,
                          ReceptionStatsSerializer, VisitSerializer)


def valid(form):
    if not form.is_valid():
        raise InvalidInput(fields=form_errors(form))
    return form


class MeetingInput(form_schema("MeetingFormInput", MeetingForm)):
    type = serializers.CharField(help_text="会议类型代码（如 symposium）或编号")


BULK_INPUT = inline_serializer("MeetingBulkRegistration", {
    "rows": serializers.ListField(child=form_schema("MeetingBulkRow", BulkRowForm)(),
                                  help_text="每行一条诉求：enterprise 为企业名称或统一社会信用代码"),
    "dispatch": serializers.BooleanField(required=False, help_text="派单员：按拟主办单位直接交办"),
})
BULK_OUTPUT = inline_serializer("MeetingBulkResult", {
    "appeals": AppealListSerializer(many=True), "dispatched": serializers.IntegerField()})


class MeetingTypeViewSet(AtomicWritesMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                         mixins.UpdateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Meeting types: everyone reads, platform admins add and edit (deactivate instead of deleting)."""

    queryset = MeetingType.objects.select_related("channel").order_by("sort_order", "code")
    serializer_class = MeetingTypeSerializer
    permission_classes = [ReadOrConfigure]


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = MeetingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MeetingFilter

    def get_queryset(self):
        user = self.request.user
        return (Meeting.objects.visible_to(user).select_related("type__channel", "host", "reception_session")
                .prefetch_related("attendees", "departments",
                                  Prefetch("enterprises", queryset=Enterprise.objects.visible_to(user),
                                           to_attr="visible_enterprises"))
                .order_by("-date", "-id"))

    def _counted(self, meetings: list) -> list:
        return selectors.with_appeal_counts(meetings, self.request.user)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(self._counted(page), many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self._counted([self.get_object()])[0]).data)

    def _answer(self, meeting, code=status.HTTP_200_OK) -> Response:
        meeting = self._counted([self.get_queryset().get(pk=meeting.pk)])[0]
        return Response(self.get_serializer(meeting).data, status=code)

    @extend_schema(request=MeetingInput, responses={201: MeetingSerializer})
    def create(self, request, *args, **kwargs):
        form = valid(MeetingForm(request.data, user=request.user))
        meeting = services.create_meeting(acting_user=request.user, **form.service_kwargs())
        return self._answer(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingInput, responses=MeetingSerializer)
    def partial_update(self, request, *args, **kwargs):
        meeting = self.get_object()
        form = valid(MeetingForm(request.data, user=request.user, partial=True))
        meeting = services.update_meeting(meeting, acting_user=request.user, **form.service_kwargs())
        return self._answer(meeting)

    @extend_schema(responses=AppealListSerializer(many=True))
    @action(detail=True, methods=["get"])
    def appeals(self, request, pk=None):
        """The meeting's appeals that the requesting user may see, in the order raised."""
        meeting = self.get_object()
        appeals = (selectors.meeting_appeals(meeting, request.user)
                   .prefetch_related("co_departments", prefetch_running()))
        page = self.paginate_queryset(appeals)
        return self.get_paginated_response(AppealListSerializer(page, many=True).data)

    @extend_schema(request=BULK_INPUT, responses={201: BULK_OUTPUT})
    @action(detail=True, methods=["post"], url_path="bulk-register")
    def bulk_register(self, request, pk=None):
        """Register a meeting's list of appeals at once: all rows are valid and registered, or none is (400 with
        ``rows``: one dict of field errors per row, empty for a valid row)."""
        meeting = self.get_object()
        rows = request.data.get("rows")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidInput(fields={"rows": ["应为诉求行的列表"]})
        result = services.bulk_register(meeting, rows, acting_user=request.user,
                                        dispatch=bool(request.data.get("dispatch")))
        appeals = (Appeal.objects.filter(pk__in=[a.pk for a in result.appeals]).select_related(*LIST_RELATED)
                   .prefetch_related("co_departments", prefetch_running()).order_by("created_at", "id"))
        return Response({"appeals": AppealListSerializer(appeals, many=True).data,
                         "dispatched": result.dispatched}, status=status.HTTP_201_CREATED)


class MeetingDocumentView(APIView):
    """GET /api/v1/meetings/<id>/problem-list.xlsx|.docx and /responsibility-table.xlsx|.docx, generated from
    the data as it stands now; the rows are the meeting's appeals the requesting user may see."""

    @extend_schema(
        parameters=[OpenApiParameter("document", str, OpenApiParameter.PATH, enum=list(documents.DOCUMENTS),
                                     description="problem-list 问题清单；responsibility-table 责任分解表"),
                    OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(documents.FORMATS)),
                    OpenApiParameter("pk", int, OpenApiParameter.PATH)],
        responses={(200, documents.XLSX): OpenApiTypes.BINARY, (200, documents.DOCX): OpenApiTypes.BINARY},
        operation_id="meetings_document_retrieve")
    def get(self, request, pk, document, fmt):
        return document_response(selectors.meeting_detail(request.user, pk), request.user, document, fmt)


def document_response(meeting: Meeting, user, key: str, fmt: str) -> HttpResponse:
    content = documents.render(meeting, user, key, fmt)
    response = HttpResponse(content, content_type=documents.FORMATS[fmt])
    filename = quote(documents.filename_of(meeting, documents.DOCUMENTS[key], fmt))
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


# ---- 周二民企接待日 -------------------------------------------------------------------------------------------------

class SeesReceptionDays(BasePermission):
    message = "接待日安排仅对工作人员开放"

    def has_permission(self, request, view):
        return request.user.is_authenticated and sees_reception_days(request.user)


RANGE_PARAMETERS = [OpenApiParameter("from", OpenApiTypes.DATE, description="起始日期（含）"),
                    OpenApiParameter("to", OpenApiTypes.DATE, description="截止日期（含）")]


class ReceptionSessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The weekly Tuesday reception day: its schedule (working Tuesdays only), duty departments and numbers."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = ReceptionSessionSerializer
    permission_classes = [SeesReceptionDays]
    queryset = ReceptionSession.objects.prefetch_related("duty_departments").order_by("date")

    def _range(self):
        form = valid(DateRangeForm(self.request.query_params, required=False))
        return form.cleaned_data.get("from"), form.cleaned_data.get("to")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        start, end = self._range()
        return selectors.sessions_in(start, end, queryset)

    @extend_schema(parameters=RANGE_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=form_schema("ReceptionSessionInput", SessionForm), responses=ReceptionSessionSerializer)
    def partial_update(self, request, *args, **kwargs):
        form = valid(SessionForm(request.data))
        session = services.update_session(self.get_object(), acting_user=request.user, **form.service_kwargs())
        return Response(self.get_serializer(self.get_queryset().get(pk=session.pk)).data)

    @extend_schema(request=inline_serializer("ReceptionScheduleInput", {
        "from": serializers.DateField(), "to": serializers.DateField(),
        "duty_departments": serializers.ListField(child=serializers.IntegerField(), required=False)}),
        responses={201: ReceptionSessionSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def schedule(self, request):
        """Schedule every working Tuesday from ``from`` to ``to``; days already scheduled stay as they are."""
        form = valid(ScheduleForm(request.data))
        created = services.schedule_reception_days(form.cleaned_data["from"], form.cleaned_data["to"],
                                                   acting_user=request.user,
                                                   duty_departments=form.cleaned_data["duty_departments"])
        sessions = self.get_queryset().filter(pk__in=[s.pk for s in created])
        return Response(self.get_serializer(sessions, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=form_schema("ReceptionHoldInput", HoldForm), responses={201: MeetingSerializer})
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """开展接待: create the session's meeting, to which the day's appeals are registered."""
        form = valid(HoldForm(request.data))
        meeting = services.hold_session(self.get_object(), acting_user=request.user, **form.cleaned_data)
        meeting = selectors.with_appeal_counts([Meeting.objects.select_related("type__channel", "host")
                                                .get(pk=meeting.pk)], request.user)[0]
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=RANGE_PARAMETERS, responses=ReceptionStatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Sessions held, appeals raised in them and of those solved, for any date range."""
        start, end = self._range()
        return Response(ReceptionStatsSerializer(selectors.reception_stats(start, end)).data)


# ---- 结对子 -------------------------------------------------------------------------------------------------------

class PairingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Leader–enterprise pairings. PATCH with ``ended_on`` ends one."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = PairingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PairingFilter

    def get_queryset(self):
        return selectors.pairings_for(self.request.user).order_by("-started_on", "-id")

    @extend_schema(request=form_schema("PairingInput", PairingForm), responses={201: PairingSerializer})
    def create(self, request, *args, **kwargs):
        form = valid(PairingForm(request.data, user=request.user))
        pairing = services.create_pairing(acting_user=request.user, **form.cleaned_data)
        return Response(self.get_serializer(pairing).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=form_schema("PairingEndInput", PairingEndForm), responses=PairingSerializer)
    def partial_update(self, request, *args, **kwargs):
        pairing = self.get_object()
        form = valid(PairingEndForm(request.data))
        pairing = services.end_pairing(pairing, acting_user=request.user, **form.cleaned_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=pairing.pk)).data)


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits to paired enterprises; POST /visits/<id>/appeals/ registers an appeal heard on the visit."""

    serializer_class = VisitSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = VisitFilter

    def get_queryset(self):
        return selectors.visits_for(self.request.user).order_by("-date", "-id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["visible_appeal_ids"] = set(Appeal.objects.visible_to(self.request.user)
                                            .filter(visits__isnull=False).values_list("pk", flat=True))
        return context

    @extend_schema(request=form_schema("VisitInput", VisitForm), responses={201: VisitSerializer})
    def create(self, request, *args, **kwargs):
        form = valid(VisitForm(request.data, user=request.user))
        data = dict(form.cleaned_data)
        visit = services.log_visit(data.pop("pairing"), acting_user=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=visit.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=form_schema("VisitAppealInput", VisitAppealForm), responses={201: AppealSerializer})
    @action(detail=True, methods=["post"], url_path="appeals")
    def register_appeal(self, request, pk=None):
        """Register an appeal heard on this visit (channel 领导结对走访, the paired enterprise)."""
        visit = self.get_object()
        form = valid(VisitAppealForm(request.data, request.FILES, user=request.user))
        appeal = services.register_from_visit(visit, acting_user=request.user, **form.action_kwargs())
        appeal = Appeal.objects.select_related(*LIST_RELATED).get(pk=appeal.pk)
        known_relations(appeal, co_departments=[], attachments=list(appeal.attachments.all()))
        return Response(AppealSerializer(appeal, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
