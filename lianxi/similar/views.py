"""The pages: 查重 on the registration page (an HTMX partial), an appeal's similar appeals, and 热点话题.

Thin, as everywhere: the search and the topics come from lianxi.similar.search / clusters, the question and its
access rule (the numbers' rule: citywide staff all, a department's staff their own department, enterprises
and deputies none — 403) from lianxi.stats."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianxi.appeals import selectors as appeal_selectors
from lianxi.appeals.deadlines import prefetch_running
from lianxi.core.errors import InvalidInput
from lianxi.stats.views import _question, as_of_text, filter_form, presets
from lianxi.web.views import lianxi_pages

from . import clusters
from .api import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH, enterprise_for, topic_data
from .conf import similar_setting
from .search import DUPLICATE, similar_to_appeal, similar_to_text

TOPIC_PAGE_SIZE = 20


def _listing(results) -> dict:
    return {"results": results, "checked": True,
            "duplicates": sum(r.relation == DUPLICATE for r in results),
            "commons": sum(r.relation != DUPLICATE for r in results)}


@require_POST
@lianxi_pages
def check(request):
    """The registration page's 查重 panel: the appeals similar to what is being typed (title, content and the
    chosen enterprise), refreshed as the user types. Nothing typed yet, or more than a check reads (the API's
    limits, answered there with a 400): an empty panel."""
    title, content = request.POST.get("title", ""), request.POST.get("content", "")
    if not (title.strip() or content.strip()) or len(title) > TITLE_MAX_LENGTH or len(content) > CONTENT_MAX_LENGTH:
        return render(request, "similar/partials/similar_list.html", {})
    try:
        enterprise = enterprise_for(request.user, request.POST.get("enterprise"))
    except InvalidInput:
        enterprise = None  # a stale choice in the form: still show what is similar
    results = similar_to_text(request.user, title, content, enterprise_id=enterprise)
    return render(request, "similar/partials/similar_list.html",
                  {**_listing(results), "link_target": "_blank", "heading": "登记前查重：发现相似诉求"})


@lianxi_pages
def appeal_similar(request, pk):
    appeal = appeal_selectors.appeal_detail(request.user, pk)  # 404 for what the user may not see
    return render(request, "similar/appeal_similar.html",
                  {"appeal": appeal, **_listing(similar_to_appeal(request.user, appeal))})


@lianxi_pages
def hotspots(request):
    q, forced, error = _question(request)
    form, fields, carried = filter_form(request, q, forced)
    context = {"form": form, "fields": fields, "carried": carried, "error": error, "q": q,
               "presets": presets(request, q, timezone.localdate()), "filtered": any(request.GET.values()),
               "department_name": q.forced_name if q is not None else "", "min_size": similar_setting("CLUSTER_MIN_SIZE")}
    if q is not None:
        count = similar_setting("HOTSPOT_APPEALS")
        topics = [topic_data(request.user, q, t, count) for t in clusters.hotspots(q, user=request.user)]
        for topic in topics:
            topic["increase_abs"] = abs(topic["increase"])
        context.update(topics=topics, previous=q.previous(), as_of=as_of_text(timezone.now()))
    return render(request, "similar/hotspots.html", context, status=400 if error else 200)


@lianxi_pages
def topic(request, pk):
    """One topic of the period: all its appeals of the period (found again by the appeal that represents it, or
    any appeal in it)."""
    q, _, error = _question(request)
    if error is not None:
        raise Http404(error.message)
    found = clusters.topic_of(q, pk, user=request.user)
    if found is None:
        raise Http404("该话题在本期不存在")
    appeals = (appeal_selectors.appeals_for(request.user).filter(pk__in=found.current)
               .select_related(*appeal_selectors.LIST_RELATED).prefetch_related(prefetch_running())
               .order_by("-created_at", "-id"))
    page = Paginator(appeals, TOPIC_PAGE_SIZE).get_page(request.GET.get("page"))
    back = f"{reverse('similar:hotspots')}?{request.GET.urlencode()}" if request.GET else reverse("similar:hotspots")
    return render(request, "similar/topic.html", {"q": q, "topic": topic_data(request.user, q, found, 0),
                                                  "page": page, "back_url": back})
