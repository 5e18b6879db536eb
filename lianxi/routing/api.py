"""POST /api/v1/routing/suggest/: the departments that should lead an appeal with this title and content."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lianxi.core.api import form_errors
from lianxi.core.errors import InvalidInput

from .access import may_request_suggestions
from .forms import SuggestForm
from .serializers import SuggestionSerializer, SuggestRequestSerializer
from .suggest import suggest


class MayRequestSuggestions(permissions.BasePermission):
    message = "只有受理员、派单员、督办员和平台管理员可以使用派单建议"

    def has_permission(self, request, view):
        return may_request_suggestions(request.user)  # refuses the anonymous too: DRF then answers 401


class RoutingViewSet(viewsets.ViewSet):
    permission_classes = [MayRequestSuggestions]

    @extend_schema(request=SuggestRequestSerializer, responses=SuggestionSerializer(many=True))
    @action(detail=False, methods=["post"])
    def suggest(self, request):
        """智能派单: up to five departments ranked by score (0–1); ``[]`` when the text gives nothing to go on
        (empty, nonsense, or no department scores above the threshold). 400 when both fields are missing."""
        form = SuggestForm(request.data)
        if not form.is_valid():
            raise InvalidInput(fields=form_errors(form))
        found = suggest(form.cleaned_data["title"], form.cleaned_data["content"])
        return Response([s.as_dict() for s in found])
