"""/api/v1/stats/: the fixed points of API.md, the access rule for numbers, bad input, ranking and growth."""

import pytest
from django.utils import timezone

from lianxi.stats.models import AppealFact

from .conftest import MARCH, NOW, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def get(api, user, path, **params):
    return api.as_(user).get(f"/api/v1/stats/{path}/", {**MARCH, **params})


def test_summary_carries_the_fixed_points(story, api, leader):
    response = get(api, leader, "summary")
    assert response.status_code == 200
    body = response.json()
    for name in ("received", "completed", "completion_rate", "on_time_rate", "response_rate", "satisfaction_rate",
                 "solved_rate", "reopen_rate", "avg_reply_workdays"):
        assert name in body
    assert body["received"] == 7 and body["completed"] == 3
    assert body["completion_rate"] == pytest.approx(3 / 7)
    assert body["from"] == "2026-03-01" and body["to"] == "2026-03-31"
    assert body["sentence"] == "2026年3月，收集问题7个，办结3个，办结率42.9%，满意率100%"
    assert body["as_of"] is not None


def test_rates_are_null_with_nothing_to_divide(story, api, leader):
    body = api.as_(leader).get("/api/v1/stats/summary/", {"from": "2026-05-01", "to": "2026-05-31"}).json()
    assert body["received"] == 0 and body["completion_rate"] is None and body["satisfaction_rate"] is None
    assert body["sentence"] == "2026年5月，收集问题0个"


def test_the_default_period_is_this_year_to_today(story, api, leader):
    body = api.as_(leader).get("/api/v1/stats/summary/").json()
    assert body["from"] == "2026-01-01" and body["to"] == "2026-03-31"
    assert body["received"] == 8  # March's seven and A0 of February


@pytest.mark.parametrize("params, field", [
    ({"from": "2026-13-01"}, "from"),
    ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
    ({"department": "999999"}, "department"),
    ({"size": "huge"}, "size"),
])
def test_bad_parameters_name_the_field(story, api, leader, params, field):
    response = api.as_(leader).get("/api/v1/stats/summary/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_breakdown_needs_a_known_by(story, api, leader):
    response = get(api, leader, "breakdown", by="weather")
    assert response.status_code == 400 and "by" in response.json()


def test_breakdown_by_department_channel_and_month(story, api, leader, gxj, channel):
    rows = get(api, leader, "breakdown", by="department").json()["results"]
    assert [(r["key"], r["received"]) for r in rows] == [(gxj.pk, 6), (None, 1)]
    assert rows[1]["name"] == "未交办"
    by_channel = {r["key"]: r for r in get(api, leader, "breakdown", by="channel").json()["results"]}
    assert by_channel[channel.pk]["received"] == 6 and by_channel[channel.pk]["name"] == channel.name
    months = get(api, leader, "breakdown", by="month", **{"from": "2026-01-15"}).json()["results"]
    assert [(m["key"], m["received"]) for m in months] == [("2026-01", 0), ("2026-02", 1), ("2026-03", 7)]
    assert months[0]["completion_rate"] is None and months[0]["name"] == "2026年1月"


def test_every_breakdown_adds_up_to_the_summary(story, api, leader):
    total = get(api, leader, "summary").json()
    for by in ("department", "channel", "category", "month", "town", "size", "ownership"):
        rows = get(api, leader, "breakdown", by=by).json()["results"]
        for name in ("received", "completed", "rated", "satisfied", "overdue"):
            assert sum(r[name] for r in rows) == total[name], (by, name)


def test_a_department_head_reads_only_their_department(story, api, head_gxj, rsj, gxj):
    body = get(api, head_gxj, "summary").json()
    assert body["received"] == 6  # the cut is forced to 工信局
    assert "市工业和信息化局" in body["sentence"]
    assert get(api, head_gxj, "summary", department=gxj.pk).status_code == 200
    refused = get(api, head_gxj, "summary", department=rsj.pk)
    assert refused.status_code == 403
    rows = get(api, head_gxj, "breakdown", by="department").json()["results"]
    assert [r["key"] for r in rows] == [gxj.pk]


@pytest.mark.parametrize("persona", ["user_jia", "deputy"])
def test_enterprises_and_deputies_read_no_numbers(story, api, request, persona):
    user = request.getfixturevalue(persona)
    for path in ("summary", "ranking"):
        assert get(api, user, path).status_code == 403
    assert get(api, user, "breakdown", by="channel").status_code == 403


def test_anonymous_gets_401(api):
    assert api.get("/api/v1/stats/summary/").status_code == 401


def test_ranking_by_weighted_score_with_a_minimum(story, rsj_appeals, api, leader, settings, clerk, dispatcher, yi,
                                                  category, channel):
    from lianxi.appeals import actions
    from lianxi.directory.models import Department
    from lianxi.stats.facts import refresh

    # rsj_appeals: 人社局, two appeals signed in time, solved, very satisfied (100 points); a minimum of two.
    settings.LIANXI = {**settings.LIANXI,
                       "RANKING_WEIGHTS": {"response_rate": 0.1, "solved_rate": 0.5, "satisfaction_rate": 0.4}}
    fgw = Department.objects.create(code="fgw", name="市发展和改革局")
    a = actions.register(acting_user=clerk, enterprise=yi, title="项目", content="项目", category=category,
                         channel=channel, now=at(3, 4, 9)).appeal
    actions.dispatch(a, acting_user=dispatcher, lead_department=fgw, now=at(3, 4, 10))
    refresh(now=NOW)

    body = get(api, leader, "ranking").json()
    assert body["weights"] == {"response_rate": 0.1, "solved_rate": 0.5, "satisfaction_rate": 0.4}
    assert [(r["name"], r["rank"], r["score"]) for r in body["results"]] == [
        ("市人力资源和社会保障局", 1, 100.0),
        # 工信局: response 4/6, solved 2/3, satisfied 3/3 → 10·0.667 + 50·0.667 + 40 = 80
        ("市工业和信息化局", 2, 80.0)]
    assert [(r["name"], r["rank"], r["reason"]) for r in body["unranked"]] == [("市发展和改革局", None, "受理量不足2件")]
    assert body["ranked_count"] == 2


def test_ranking_ties_share_a_rank_and_heads_see_their_own_row(story, rsj_appeals, api, leader, head_gxj, settings,
                                                               gxj, clerk, dispatcher, yi, category, channel):
    from lianxi.appeals import actions
    from lianxi.directory.models import Department
    from lianxi.stats.facts import refresh
    from lianxi.stats.selectors import score
    from tests.conftest import make_user

    assert score({"a": 0.5, "b": None}, {"a": 1, "b": 1}) is None
    settings.LIANXI = {**settings.LIANXI, "RANKING_MIN_RECEIVED": 1}
    # Two departments with the same story: one appeal, signed late (3/4, due 3/3), solved, very satisfied.
    for code, name in (("fgw", "市发展和改革局"), ("swj", "市商务局")):
        department = Department.objects.create(code=code, name=name)
        handler = make_user(f"handler_{code}", "handler", department=department)
        a = actions.register(acting_user=clerk, enterprise=yi, title="项目", content="项目", category=category,
                             channel=channel, now=at(3, 2, 9)).appeal
        a = actions.dispatch(a, acting_user=dispatcher, lead_department=department, now=at(3, 2, 10))
        a = actions.accept(a, acting_user=handler, now=at(3, 4, 9))
        a = actions.reply(a, acting_user=handler, result="已办", outcome="solved", now=at(3, 5))
        actions.follow_up(a, acting_user=clerk, rating=5, solved=True, now=at(3, 6))
    refresh(now=NOW)

    body = get(api, leader, "ranking").json()
    # response 0/1, solved 1/1, satisfied 1/1 → 0 + 50 + 40 = 90 each: one rank shared, and the next is 4th.
    assert [(r["name"], r["rank"], r["score"]) for r in body["results"]] == [
        ("市人力资源和社会保障局", 1, 100.0), ("市发展和改革局", 2, 90.0), ("市商务局", 2, 90.0),
        ("市工业和信息化局", 4, 80.0)]
    body = get(api, head_gxj, "ranking").json()
    assert [(r["key"], r["rank"]) for r in body["results"]] == [(gxj.pk, 4)]


def test_growth_against_the_previous_period(story, api, leader, category):
    # March (31 days) against the 31 days before it (29 Jan – 28 Feb): policy 0 → ... A0 is in February.
    body = get(api, leader, "growth", by="category").json()
    assert body["results"] == [{"key": category.pk, "name": category.name, "current": 7, "previous": 1,
                                "increase": 6, "growth_rate": 6.0}]
    assert get(api, leader, "growth", by="month").status_code == 400


def test_the_facts_are_what_the_api_counts(story, api, leader):
    AppealFact.objects.all().delete()  # facts gone (as before the first refresh): the numbers say so
    assert get(api, leader, "summary").json()["received"] == 0


def test_every_number_clicks_through_to_exactly_its_appeals(story, api, leader, gxj):
    from lianxi.stats import measures

    for params in ({}, {"department": gxj.pk}):
        summary = get(api, leader, "summary", **params).json()
        for name in measures.COUNT_NAMES:
            listed = api.as_(leader).get("/api/v1/appeals/", {
                "created_from": MARCH["from"], "created_to": MARCH["to"], "measure": name,
                **({"lead_department": gxj.pk} if params else {})}).json()
            assert listed["count"] == summary[name], (params, name)


def test_the_list_page_carries_the_click_through_filters(story, as_user, leader, gxj):
    from lianxi.stats import selectors

    q = selectors.question(leader, {**MARCH, "department": gxj.pk})
    page = as_user(leader).get(selectors.list_url(q, "overdue_now")).content.decode()
    assert "共 1 条" in page and story.a4.number in page
    assert 'name="measure" value="overdue_now"' in page and "统计口径：当前超期" in page
    assert f'name="lead_department" value="{gxj.pk}"' in page


@pytest.mark.parametrize("start, end, before", [
    ("2026-03-01", "2026-03-31", ("2026-02-01", "2026-02-28")),  # a month: the month before
    ("2026-07-01", "2026-09-30", ("2026-04-01", "2026-06-30")),  # a quarter: the quarter before
    ("2026-01-01", "2026-12-31", ("2025-01-01", "2025-12-31")),  # a year
    ("2026-03-10", "2026-03-19", ("2026-02-28", "2026-03-09")),  # ten days: the ten days before
])
def test_growth_compares_with_the_period_before(leader, start, end, before):
    from lianxi.stats import selectors

    previous = selectors.question(leader, {"from": start, "to": end}).previous()
    assert (previous.start.isoformat(), previous.end.isoformat()) == before
