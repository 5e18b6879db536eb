"""/api/v1/stats/: summary, breakdown, ranking and growth of a period and cut (lianxi.stats.selectors)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lianxi.core.errors import InvalidInput
from lianxi.similar.api import HotspotsSerializer, hotspots_data

from . import selectors
from .facts import as_of
from .sentence import sentence
from .serializers import BreakdownSerializer, GrowthSerializer, RankingSerializer, SummarySerializer

QUESTION_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="起始登记日期（含），默认今年1月1日"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="截止登记日期（含），默认今天"),
    OpenApiParameter("department", OpenApiTypes.INT, description="主办单位 id（部门人员只能看本单位）"),
    OpenApiParameter("channel", OpenApiTypes.INT, description="渠道 id"),
    OpenApiParameter("category", OpenApiTypes.INT, description="类别 id"),
    OpenApiParameter("meeting", OpenApiTypes.INT, description="会议 id"),
    OpenApiParameter("town", OpenApiTypes.INT, description="企业所在乡镇/园区 id"),
    OpenApiParameter("size", OpenApiTypes.STR, description="企业规模：large/medium/small/micro"),
    OpenApiParameter("ownership", OpenApiTypes.STR, description="经济类型：private/state/foreign/hmt/individual"),
]
BY_BREAKDOWN = ["department", "channel", "category", "month", "town", "size", "ownership"]
BY_GROWTH = ["category", "town", "channel", "department"]


def _by(request, allowed: list[str]) -> str:
    by = request.query_params.get("by", "")
    if by not in allowed:
        raise InvalidInput(fields={"by": [f"请选择分组方式：{'、'.join(allowed)}"]})
    return by


def _period(q: selectors.Question) -> dict:
    return {"from": q.start, "to": q.end}


class StatsViewSet(viewsets.ViewSet):
    """The numbers leaders read (DOMAIN.md), counted over the appeals registered in the period. Rates are
    fractions 0–1, or null when there is nothing to divide."""

    @extend_schema(parameters=QUESTION_PARAMETERS, responses=SummarySerializer)
    @action(detail=False)
    def summary(self, request):
        q = selectors.question(request.user, request.query_params)
        numbers = selectors.summary(q, timezone.now())
        data = {**_period(q), **numbers, "sentence": sentence(q, numbers), "as_of": as_of()}
        return Response(SummarySerializer(data).data)

    @extend_schema(parameters=[*QUESTION_PARAMETERS,
                               OpenApiParameter("by", OpenApiTypes.STR, enum=BY_BREAKDOWN, required=True)],
                   responses=BreakdownSerializer)
    @action(detail=False)
    def breakdown(self, request):
        by = _by(request, BY_BREAKDOWN)
        q = selectors.question(request.user, request.query_params)
        data = {"by": by, **_period(q), "results": selectors.breakdown(q, by, timezone.now())}
        return Response(BreakdownSerializer(data).data)

    @extend_schema(parameters=QUESTION_PARAMETERS, responses=RankingSerializer)
    @action(detail=False)
    def ranking(self, request):
        q = selectors.question(request.user, request.query_params)
        data = {**_period(q), **selectors.ranking(q, timezone.now())}
        return Response(RankingSerializer(data).data)

    @extend_schema(parameters=[*QUESTION_PARAMETERS,
                               OpenApiParameter("by", OpenApiTypes.STR, enum=BY_GROWTH, required=True)],
                   responses=GrowthSerializer)
    @action(detail=False)
    def growth(self, request):
        """热点：受理量比上一等长周期增长最多的类别或乡镇。"""
        by = _by(request, BY_GROWTH)
        q = selectors.question(request.user, request.query_params)
        data = {"by": by, **_period(q), "results": selectors.growth(q, by, timezone.now(), limit=10)}
        return Response(GrowthSerializer(data).data)

    @extend_schema(parameters=[*QUESTION_PARAMETERS,
                               OpenApiParameter("limit", OpenApiTypes.INT, description="话题数，1–50，默认20")],
                   responses=HotspotsSerializer)
    @action(detail=False)
    def hotspots(self, request):
        """热点话题：本期登记的相似诉求聚类（lianxi.similar.clusters），按比上一等长周期的增长排序。"""
        return Response(hotspots_data(request, selectors.question(request.user, request.query_params)))
