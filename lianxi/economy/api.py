"""/api/v1/economy/indicators/ (企业季度经济指标, read-only) and /api/v1/economy/shares/ (the monitor's numbers).

Thin: parse with the page's form, read through the selectors, render with the serializers. Only those who may read
the monitor get in: anybody else signed in is refused with 403 on both endpoints, whatever they ask for (an
enterprise user learns nothing, not even whether a quarter has data)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxi.core.api import form_errors
from lianxi.core.errors import InvalidInput

from .access import may_read_economy
from .filters import IndicatorFilter
from .forms import SharesForm
from .models import EnterpriseIndicator
from .selectors import Monitor, Row, monitor
from .serializers import IndicatorSerializer, SharesSerializer


class ReadsEconomy(BasePermission):
    message = "民营经济运行监测仅对领导、督办员、派单员和平台管理员开放"

    def has_permission(self, request, view):
        return request.user.is_authenticated and may_read_economy(request.user)


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """企业季度经济指标, latest quarter first (filters: ``enterprise``, ``year``, ``quarter``, ``search``).
    Written only by the import (``manage.py import_indicators`` or the upload page)."""

    serializer_class = IndicatorSerializer
    permission_classes = [ReadsEconomy]
    filterset_class = IndicatorFilter
    queryset = EnterpriseIndicator.objects.select_related("enterprise").order_by("-year", "-quarter", "enterprise_id")
    lookup_value_regex = r"\d+"


def _row(row: Row) -> dict:
    return {"key": None if row.key in (None, "") else str(row.key), "name": row.name,
            **{measure.key: share for measure, share in row.cells}}


def shares_data(result: Monitor, by: str | None) -> dict:
    period = result.period
    return {
        "year": period.year if period else None, "quarter": period.quarter if period else None,
        "label": period.label if period else None,
        "headline": result.headline, "private_line": result.private_line,
        "overall": _row(result.overall), "by": by, "groups": [_row(r) for r in result.groups.get(by, [])],
        "trend": [{**_row(r), "key": r.key.code, "year": r.key.year, "quarter": r.key.quarter} for r in result.trend],
    }


class SharesView(APIView):
    permission_classes = [ReadsEconomy]

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="年度（与 quarter 同时给出；都不给则取有数据的最近一季）"),
                    OpenApiParameter("quarter", OpenApiTypes.INT, enum=[1, 2, 3, 4], description="季度"),
                    OpenApiParameter("by", OpenApiTypes.STR, enum=["town", "industry"],
                                     description="分组：town 乡镇（街道）/园区，industry 行业门类")],
        responses=SharesSerializer)
    def get(self, request):
        """The private (民营) and non-public (非公) economy's shares of market entities, taxes, jobs, revenue and
        output value for a quarter, overall and by town/park or industry, with the trend of the last 8 quarters.
        民营 = 经济类型 民营 or 个体; 非公 = all but 国有. Market entities are the directory's enterprises; the other
        measures sum the quarter's indicator rows. A share with nothing to divide by is null."""
        form = SharesForm(request.query_params)
        if not form.is_valid():
            raise InvalidInput(fields=form_errors(form))
        by = form.cleaned_data["by"] or None
        result = monitor(form.period(), cuts=(by,) if by else ())
        return Response(SharesSerializer(shares_data(result, by)).data)
