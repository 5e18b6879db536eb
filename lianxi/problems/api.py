"""/api/v1/common-problems/: list, create, retrieve, and the actions add/, remove/, dispatch/, accept/, reply/.

Thin: parse with the forms, write through ``forms.submit`` (the services), read through the selectors.
Enterprises and deputies see no problem at all (403 on the list, 404 on one); a department's staff see the
problems their department leads or co-handles (others: 404); may see but not do: 403; an action that does not
apply to the problem or to one of its members: 409 naming it; bad input: 400 on the field."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lianxi.appeals.serializers import form_schema

from . import selectors
from .forms import ProblemDispatchForm, ProblemReplyForm, submit, submit_create
from .models import CommonProblem, Stage
from .serializers import (CommonProblemInput, CommonProblemListSerializer, CommonProblemSerializer,
                          ProblemMembersInput)

LIST_PARAMETERS = [
    OpenApiParameter("search", OpenApiTypes.STR, description="标题或描述中的文字"),
    OpenApiParameter("state", OpenApiTypes.STR, enum=Stage.values,
                     description="collecting 待交办 / dispatched 已交办 / handling 办理中 / replied 已答复"),
]


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class CommonProblemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """共性问题: appeals of several enterprises handled as one (one lead department, one reply to every
    enterprise, each enterprise rating its own appeal)."""

    filter_backends = []  # search and state are read by selectors.problem_list
    lookup_value_regex = r"\d+"
    queryset = CommonProblem.objects.none()  # for the schema; get_queryset answers per user

    def get_queryset(self):
        if self.action == "list":
            return selectors.problem_list(self.request.user, self.request.query_params)
        return selectors.problems_for(self.request.user).prefetch_related("co_departments")

    def get_object(self):
        return selectors.problem_detail(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self):
        return CommonProblemListSerializer if self.action == "list" else CommonProblemSerializer

    def _answer(self, problem, code=status.HTTP_200_OK) -> Response:
        problem = selectors.problem_detail(self.request.user, problem.pk)
        return Response(CommonProblemSerializer(problem, context=self.get_serializer_context()).data, status=code)

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset().prefetch_related("co_departments")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CommonProblemListSerializer(page, many=True).data)

    @extend_schema(request=CommonProblemInput, responses={201: CommonProblemSerializer})
    def create(self, request, *args, **kwargs):
        """创建共性问题 (dispatchers, supervisors), optionally grouping appeals into it at once."""
        problem = submit_create(acting_user=request.user, data=request.data)
        return self._answer(problem, status.HTTP_201_CREATED)

    def _act(self, name: str, request) -> Response:
        problem = self.get_object()  # 404 for what the user cannot see
        return self._answer(submit(name, problem, acting_user=request.user, data=request.data))

    @extend_schema(request=ProblemMembersInput, responses=CommonProblemSerializer)
    @action(detail=True, methods=["post"])
    def add(self, request, pk=None):
        """归入: appeals in 已登记 or 已交办; into a dispatched problem a registered appeal is dispatched at once to
        its lead department (dispatchers only); one dispatched to another department: 409."""
        return self._act("add", request)

    @extend_schema(request=ProblemMembersInput, responses=CommonProblemSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """移出: the appeals go on alone, as they stand."""
        return self._act("remove", request)

    @extend_schema(request=form_schema("CommonProblemDispatchInput", ProblemDispatchForm),
                   responses=CommonProblemSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_problem(self, request, pk=None):
        """交办: every registered member to the same departments with the same due date (dispatchers)."""
        return self._act("dispatch", request)

    @extend_schema(request=None, responses=CommonProblemSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """签收: every member waiting for the lead department (its handlers)."""
        return self._act("accept", request)

    @extend_schema(request=form_schema("CommonProblemReplyInput", ProblemReplyForm),
                   responses=CommonProblemSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """办结答复 once: every member replied with the same text; each enterprise is notified and rates its own."""
        return self._act("reply", request)
