"""/api/v1/appeals/: list, detail, register (with Idempotency-Key), the loop actions, history.

Thin: parse, call ``forms.submit_*`` (which calls the action functions), render with the serializers."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lianxi.core.errors import InvalidInput
from lianxi.similar import api as similar_api
from lianxi.supervision.selectors import trail_data
from lianxi.supervision.serializers import TrailItemSerializer

from . import selectors
from .deadlines import RUNNING_ATTR, prefetch_running
from .exports import appeals_xlsx
from .filters import AppealFilter
from .forms import ACTION_FORMS, EditForm, RegisterForm, submit_action, submit_registration
from .models import IdempotencyKey
from .serializers import AppealEventSerializer, AppealListSerializer, AppealSerializer, form_schema

def known_relations(appeal, **relations) -> None:
    """Fill an appeal's prefetch cache with what its to-many relations are known to hold, saving the queries.
    Only for an object about to be serialized and dropped: the cache does not follow later changes."""
    cache = appeal.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in relations.items():
        queryset = getattr(appeal, name).all()
        queryset._result_cache, queryset._prefetch_done = list(objects), True
        cache[name] = queryset


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
class RegisteredAppealSerializer(AppealSerializer):
    """The 201 answer of a registration, as documented: the appeal, and the appeals similar to it (查重)."""

    similar = similar_api.SimilarAppealSerializer(many=True, read_only=True,
                                                  help_text="相似诉求（查重），最相似者在前")

    class Meta(AppealSerializer.Meta):
        fields = [*AppealSerializer.Meta.fields, "similar"]
        read_only_fields = fields


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="同一用户24小时内以相同的键重复提交，返回首次的应答，不重复登记")


class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AppealFilter

    def get_queryset(self):
        qs = selectors.appeals_for(self.request.user).select_related(*selectors.LIST_RELATED)
        if self.action == "list":
            return qs.prefetch_related("co_departments", prefetch_running()).order_by("-created_at", "-id")
        return qs.prefetch_related("co_departments", "attachments", prefetch_running())

    def get_serializer_class(self):
        return AppealListSerializer if self.action == "list" else AppealSerializer

    def _answer(self, appeal, code=status.HTTP_200_OK, *, reload: bool = True) -> Response:
        if reload:
            appeal = (type(appeal).objects.select_related(*selectors.LIST_RELATED)
                      .prefetch_related("co_departments", "attachments", prefetch_running()).get(pk=appeal.pk))
        return Response(AppealSerializer(appeal, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=form_schema("AppealRegistration", RegisterForm),
                   responses={201: RegisteredAppealSerializer},
                   parameters=[IDEMPOTENCY_HEADER])
    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key and len(key) > 200:
            raise InvalidInput(fields={"Idempotency-Key": ["长度不能超过200个字符"]})
        registration = submit_registration(acting_user=request.user, data=request.data, files=request.FILES,
                                           idempotency_key=key)
        if not registration.created:
            stored = (IdempotencyKey.objects.filter(user=request.user, key=key)
                      .values_list("response", flat=True).first())
            if stored is not None:
                return Response(stored, status=status.HTTP_201_CREATED, headers={"Idempotent-Replayed": "true"})
        # A fresh registration is answered as register() returned it, no reload: its enterprise, channel and
        # category are the objects the form resolved; it has no co-departments yet and the attachments just saved.
        appeal = registration.appeal
        known_relations(appeal, co_departments=[], attachments=registration.attachments)
        setattr(appeal, RUNNING_ATTR, [])  # no limit runs before dispatch
        response = self._answer(appeal, status.HTTP_201_CREATED, reload=False)
        response.data["similar"] = similar_api.for_appeal(request.user, appeal)  # 查重: duplicates, common problems
        if key and registration.created:
            IdempotencyKey.objects.filter(user=request.user, key=key).update(response=response.data)
        return response

    @extend_schema(request=form_schema("AppealEdit", EditForm), responses=AppealSerializer)
    def partial_update(self, request, *args, **kwargs):
        """PATCH: correct a registration (title, content, category, channel, kind, urgency) before dispatch."""
        appeal = submit_action("edit", self.get_object(), acting_user=request.user, data=request.data)
        return self._answer(appeal)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """The filtered list as .xlsx (at most exports.MAX_ROWS rows; the same filters and access rule)."""
        queryset = self.filter_queryset(self.get_queryset())
        content, rows = appeals_xlsx(queryset)
        response = HttpResponse(content, content_type=XLSX)
        filename = quote(f"诉求清单-{timezone.localdate():%Y%m%d}.xlsx")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        response["X-Rows"] = str(rows)
        return response

    @extend_schema(responses=TrailItemSerializer(many=True))
    @action(detail=True, methods=["get"])
    def trail(self, request, pk=None):
        """转办 → 督办 → 问责: the appeal's dispatches and returns, its supervision orders and accountability records
        (those the user may see), oldest first."""
        appeal = self.get_object()
        return Response(trail_data(appeal, request.user))

    @extend_schema(responses=similar_api.SimilarAppealSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def similar(self, request, pk=None):
        """相似诉求: the same enterprise's duplicates (merge candidates) and other enterprises' common problems,
        best first, among the appeals the user may see (lianxi.similar)."""
        return Response(similar_api.for_appeal(request.user, self.get_object()))

    @extend_schema(request=similar_api.SimilarCheckSerializer,
                   responses=similar_api.SimilarAppealSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="similar", url_name="similar-check", filter_backends=[],
            pagination_class=None)
    def similar_check(self, request):
        """登记前查重: the appeals similar to a typed title and content, for the enterprise raising it."""
        return Response(similar_api.for_text(request.user, request.data))

    @extend_schema(responses=AppealEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        appeal = self.get_object()
        return Response(AppealEventSerializer(selectors.appeal_events(appeal), many=True).data)


def _loop_action(name: str, form_class):
    def perform(self, request, pk=None):
        appeal = self.get_object()  # 404 for what the user cannot see
        appeal = submit_action(name, appeal, acting_user=request.user, data=request.data, files=request.FILES)
        return self._answer(appeal)

    perform.__name__ = name.replace("-", "_") + "_action"  # "dispatch" would shadow APIView.dispatch
    perform.__doc__ = f"{name}: see DOMAIN.md, the loop's action table."
    schema_name = "".join(part.title() for part in name.split("-")) + "Input"
    perform = extend_schema(request=form_schema(schema_name, form_class), responses=AppealSerializer)(perform)
    return action(detail=True, methods=["post"], url_path=name, url_name=name)(perform)


# One POST /appeals/<id>/<action>/ per action of the workflow table.
for _name, _form in ACTION_FORMS.items():
    if _name == "edit":  # PATCH /appeals/<id>/
        continue
    setattr(AppealViewSet, _name.replace("-", "_") + "_action", _loop_action(_name, _form))
