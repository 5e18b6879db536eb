"""The API's side of similar appeals and hot topics: serializers and the thin functions the viewsets call.

Routes (declared where their resources live): ``GET /api/v1/appeals/<id>/similar/`` and
``POST /api/v1/appeals/similar/`` (before registering: the typed title and content) on the AppealViewSet,
``similar`` in the 201 answer of ``POST /api/v1/appeals/``, and ``GET /api/v1/stats/hotspots/`` on the
StatsViewSet.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from rest_framework import serializers

from lianxi.core.errors import InvalidInput
from lianxi.directory.models import Enterprise
from lianxi.stats.serializers import PeriodSerializer

from . import clusters
from .conf import similar_setting
from .search import RELATION_LABELS, similar_to_appeal, similar_to_text

MAX_HOTSPOTS = 50
# The most a check reads: an appeal's title, and content as long as the router reads (lianxi.routing.forms).
TITLE_MAX_LENGTH, CONTENT_MAX_LENGTH = 200, 20_000


class _Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _AppealRef(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()


class SimilarAppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    enterprise = _Ref()
    state = serializers.CharField()
    state_label = serializers.CharField()
    created_at = serializers.DateTimeField()
    score = serializers.FloatField(help_text="相似度 0–1（两段文字字符二元组集合的余弦）")
    relation = serializers.ChoiceField(choices=list(RELATION_LABELS.items()),
                                       help_text="duplicate：同一企业，可合并；common：其他企业的共性问题")
    relation_label = serializers.CharField()
    merged_into = _AppealRef(allow_null=True, help_text="已合并的诉求：并入的诉求（当前用户可见时）")


class SimilarCheckSerializer(serializers.Serializer):
    """登记前查重: the typed title and content, and the enterprise raising it (fixed for an enterprise user)."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=TITLE_MAX_LENGTH)
    content = serializers.CharField(required=False, allow_blank=True, max_length=CONTENT_MAX_LENGTH)
    enterprise = serializers.IntegerField(required=False, allow_null=True)


_DATETIME = serializers.DateTimeField()


def serialize(results) -> list[dict]:
    """As SimilarAppealSerializer renders them (it documents the shape), built directly: the list is in every
    registration's 201 answer, and the generic serializer (with ``asdict``'s deep copies) cost a tenth of it."""
    return [{"id": r.id, "number": r.number, "title": r.title, "enterprise": dict(r.enterprise), "state": r.state,
             "state_label": r.state_label, "created_at": _DATETIME.to_representation(r.created_at),
             "score": r.score, "relation": r.relation, "relation_label": r.relation_label,
             "merged_into": dict(r.merged_into) if r.merged_into else None} for r in results]


def for_appeal(user, appeal) -> list[dict]:
    return serialize(similar_to_appeal(user, appeal))


def enterprise_for(user, value) -> int | None:
    """The enterprise a check is for: an enterprise user's own; else the given id among those the user sees."""
    if user.has_role("enterprise") and user.enterprise_id:
        return user.enterprise_id
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(fields={"enterprise": ["请填写企业 id"]})
    if not Enterprise.objects.visible_to(user).filter(pk=pk).exists():
        raise InvalidInput(fields={"enterprise": ["企业不存在或您无权查看"]})
    return pk


def for_text(user, data) -> list[dict]:
    """POST /api/v1/appeals/similar/: 400 with field-named errors, or the similar appeals."""
    form = SimilarCheckSerializer(data=data)
    if not form.is_valid():
        raise InvalidInput(fields={k: [str(m) for m in v] for k, v in form.errors.items()})
    title, content = form.validated_data.get("title", ""), form.validated_data.get("content", "")
    if not (title.strip() or content.strip()):
        raise InvalidInput(fields={"title": ["请填写标题或诉求内容"]})
    enterprise = enterprise_for(user, form.validated_data.get("enterprise"))
    return serialize(similar_to_text(user, title, content, enterprise_id=enterprise))


# ---- hot topics --------------------------------------------------------------------------------------------------

class HotspotSerializer(serializers.Serializer):
    key = serializers.IntegerField(help_text="代表诉求 id（话题页 /hotspots/<key>/ 以它找回该话题）")
    title = serializers.CharField(help_text="代表性标题")
    terms = serializers.ListField(child=serializers.CharField(), help_text="关键词")
    size = serializers.IntegerField(help_text="本期诉求数")
    previous = serializers.IntegerField(help_text="上期诉求数")
    increase = serializers.IntegerField()
    growth_rate = serializers.FloatField(allow_null=True, help_text="增长率（上期为0时为 null：新出现）")
    enterprises = serializers.IntegerField(help_text="涉及企业数")
    towns = serializers.ListField(child=serializers.CharField(), help_text="涉及乡镇/园区（按诉求数排序）")
    appeals = _AppealRef(many=True, help_text="本期诉求（最新的若干件）")
    url = serializers.CharField(help_text="话题页：本期全部诉求")


class HotspotsSerializer(PeriodSerializer):
    previous = PeriodSerializer(help_text="比较的上一期")
    as_of = serializers.DateTimeField(allow_null=True, help_text="统计数据刷新时间")
    results = HotspotSerializer(many=True)


def topic_url(q, topic) -> str:
    return f"{reverse('similar:topic', args=[topic.representative])}?{urlencode(q.params())}"


def listed_appeals(user, topic, count: int) -> list[dict]:
    """The topic's newest ``count`` appeals of the period, as the user may see them."""
    from lianxi.appeals.models import Appeal

    newest = topic.current[::-1][:count]
    if not newest:
        return []  # the topic page (count 0) lists its appeals itself, paginated
    rows = {pk: {"id": pk, "number": number, "title": title}
            for pk, number, title in Appeal.objects.visible_to(user).filter(pk__in=newest)
            .values_list("pk", "number", "title")}
    return [rows[pk] for pk in newest if pk in rows]


def topic_data(user, q, topic, count: int) -> dict:
    return {"key": topic.representative, "title": topic.title, "terms": topic.terms, "size": topic.size,
            "previous": topic.previous, "increase": topic.increase, "growth_rate": topic.growth_rate,
            "enterprises": topic.enterprises, "towns": topic.towns,
            "appeals": listed_appeals(user, topic, count), "url": topic_url(q, topic)}


def hotspot_limit(params) -> int | None:
    value = params.get("limit")
    if value in (None, ""):
        return None
    if not str(value).isdigit() or not 1 <= int(value) <= MAX_HOTSPOTS:
        raise InvalidInput(fields={"limit": [f"请填写 1–{MAX_HOTSPOTS} 的整数"]})
    return int(value)


def hotspots_data(request, q) -> dict:
    """GET /api/v1/stats/hotspots/: the question ``q`` was checked by lianxi.stats.selectors.question (the
    numbers' access rule)."""
    from lianxi.stats.facts import as_of

    limit = hotspot_limit(request.query_params)
    previous = q.previous()
    count = similar_setting("HOTSPOT_APPEALS")
    shown = clusters.hotspots(q, user=request.user, limit=limit)
    data = {"from": q.start, "to": q.end, "previous": {"from": previous.start, "to": previous.end},
            "as_of": as_of(), "results": [topic_data(request.user, q, t, count) for t in shown]}
    return HotspotsSerializer(data).data
