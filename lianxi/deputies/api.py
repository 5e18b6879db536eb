"""/api/v1/opinions/: deputies' opinions, their rectification tasks and the answer letter."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxi.appeals.api import known_relations
from lianxi.appeals.deadlines import prefetch_running
from lianxi.appeals.models import Appeal
from lianxi.appeals.selectors import LIST_RELATED
from lianxi.appeals.serializers import AppealListSerializer, AppealSerializer, form_schema
from lianxi.meetings.api import valid

from . import letter, selectors, services
from .forms import OpinionForm, TaskForm
from .serializers import OpinionSerializer


def with_visible_tasks(opinions, user) -> list:
    opinions = selectors.with_progress(opinions)
    links = (Appeal.opinions.through.objects
             .filter(opinion_id__in=[o.pk for o in opinions],
                     appeal_id__in=Appeal.objects.visible_to(user).filter(opinions__isnull=False).values("pk"))
             .values_list("opinion_id", "appeal_id"))
    visible: dict[int, list[int]] = {}
    for opinion_id, appeal_id in links:
        visible.setdefault(opinion_id, []).append(appeal_id)
    for opinion in opinions:
        opinion.visible_task_ids = visible.get(opinion.pk, [])
    return opinions


class OpinionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A deputy sees and registers their own; citywide staff see all; POST /opinions/<id>/tasks/ registers a
    rectification task (an appeal) linked to the opinion."""

    serializer_class = OpinionSerializer
    filter_backends = [filters.SearchFilter]
    search_fields = ["title", "content"]

    def get_queryset(self):
        return selectors.opinions_for(self.request.user).order_by("-created_at", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            self.get_serializer(with_visible_tasks(page, request.user), many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(with_visible_tasks([self.get_object()], request.user)[0]).data)

    @extend_schema(request=form_schema("OpinionInput", OpinionForm), responses={201: OpinionSerializer})
    def create(self, request, *args, **kwargs):
        form = valid(OpinionForm(request.data, user=request.user))
        opinion = services.register_opinion(acting_user=request.user, **form.cleaned_data)
        opinion = self.get_queryset().get(pk=opinion.pk)
        return Response(self.get_serializer(with_visible_tasks([opinion], request.user)[0]).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=AppealListSerializer(many=True))
    @extend_schema(methods=["post"], request=form_schema("OpinionTaskInput", TaskForm),
                   responses={201: AppealSerializer})
    @action(detail=True, methods=["get", "post"])
    def tasks(self, request, pk=None):
        """GET: the opinion's rectification tasks you may see. POST: register one (an appeal of the loop)."""
        opinion = self.get_object()
        if request.method == "GET":
            tasks = selectors.tasks_for(opinion, request.user).prefetch_related("co_departments",
                                                                                prefetch_running())
            return Response(AppealListSerializer(tasks, many=True).data)
        form = valid(TaskForm(request.data, request.FILES, user=request.user))
        appeal = services.add_task(opinion, acting_user=request.user, **form.action_kwargs())
        appeal = Appeal.objects.select_related(*LIST_RELATED).get(pk=appeal.pk)
        known_relations(appeal, co_departments=[], attachments=list(appeal.attachments.all()))
        return Response(AppealSerializer(appeal, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class AnswerLetterView(APIView):
    """GET /api/v1/opinions/<id>/answer-letter.docx: 409 until every rectification task is answered."""

    @extend_schema(responses={(200, letter.DOCX): OpenApiTypes.BINARY}, operation_id="opinions_answer_letter")
    def get(self, request, pk):
        return letter_response(selectors.opinion_detail(request.user, pk))


def letter_response(opinion) -> HttpResponse:
    response = HttpResponse(letter.render(opinion), content_type=letter.DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(letter.filename_of(opinion))}"
    return response
