"""统计分析 and 数据大屏, told with March 2026's story (tests/stats/conftest.py): who may open them, that every number
shown is the selectors' number, and that every number's link opens the appeal list holding exactly what it counted."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.directory.models import Category, Department, Enterprise
from lianxi.stats import selectors
from lianxi.stats.facts import refresh

from .conftest import MARCH, NOW, at

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"
SCREEN = "/dashboard/screen/"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def listed(client, url: str) -> list[int]:
    """The appeals the list page at ``url`` holds (every page of it)."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.context["page"]
    assert not page.paginator.capped
    return sorted(a.pk for number in page.paginator.page_range for a in page.paginator.page(number).object_list)


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# ---- who may open it ----------------------------------------------------------------------------------------

def test_a_leader_reads_the_citywide_dashboard(story, as_user, leader, gxj, rsj_appeals, rsj):
    response = as_user(leader).get(DASHBOARD, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年3月，收集问题9个，办结5个，办结率55.6%，满意率100%" in page
    assert "数据截至" in page and response.context["as_of"] == timezone.localtime(NOW).strftime("%H:%M")
    assert [r["name"] for r in response.context["ranking"]["ranked"]] == [rsj.name, gxj.name]
    assert 'name="department"' in page  # a leader may cut by any department
    assert 'data-chart="chart-trend-data"' in page and 'id="chart-trend-data"' in page
    assert "{#" not in page and "{%" not in page  # no template comment leaks into the page


def test_a_head_reads_their_own_department_and_their_rank_only(story, as_user, head_gxj, gxj, rsj, rsj_appeals):
    client = as_user(head_gxj)
    response = client.get(DASHBOARD, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    q = selectors.question(head_gxj, MARCH)
    numbers = selectors.summary(q, NOW)
    assert numbers["received"] == 6  # 工信局's own, not the city's nine
    assert [c["value"] for c in response.context["cards"]][0] == 6
    assert "（市工业和信息化局主办）" in response.context["sentence"]
    assert "本单位排名 <strong>第2/2名</strong>" in page
    assert rsj.name not in page  # no ranking of the others
    assert 'name="department"' not in page  # the cut is forced: no department field
    # Every link is cut to the department, and the list it opens holds the department's appeals.
    assert all(query(card["url"])["lead_department"] == str(gxj.pk) for card in response.context["cards"])
    assert client.get(DASHBOARD, {**MARCH, "department": gxj.pk}).status_code == 200


def test_a_head_cannot_ask_for_another_department(story, as_user, head_gxj, rsj):
    client = as_user(head_gxj)
    assert client.get(DASHBOARD, {**MARCH, "department": rsj.pk}).status_code == 403
    assert client.get(SCREEN, {**MARCH, "department": rsj.pk}).status_code == 403


@pytest.mark.parametrize("persona", ["user_jia", "deputy"])
def test_enterprises_and_deputies_get_the_403_page(story, as_user, request, persona):
    client = as_user(request.getfixturevalue(persona))
    for path in (DASHBOARD, SCREEN):
        response = client.get(path)
        assert response.status_code == 403
        assert "统计数据仅向领导、督办、营商办及各部门负责人开放" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    for path in (DASHBOARD, SCREEN):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_the_nav_offers_it_to_whoever_may_read_numbers(as_user, leader, head_gxj, handler_gxj, user_jia, deputy):
    for user, shown in [(leader, True), (head_gxj, True), (handler_gxj, True), (user_jia, False), (deputy, False)]:
        page = as_user(user).get(reverse("web:home")).content.decode()
        assert (f'href="{DASHBOARD}"' in page) is shown, user


# ---- the cards ------------------------------------------------------------------------------------------------

CARD_MEASURES = {"received": "received", "completion_rate": "completed", "on_time_rate": "on_time",
                 "satisfaction_rate": "satisfied", "overdue_now": "overdue_now"}


def test_the_cards_are_the_summary_and_link_to_exactly_their_appeals(story, as_user, leader):
    client = as_user(leader)
    response = client.get(DASHBOARD, MARCH)
    numbers = selectors.summary(selectors.question(leader, MARCH), NOW)
    cards = {card["name"]: card for card in response.context["cards"]}
    assert list(cards) == list(CARD_MEASURES)
    assert cards["received"]["value"] == numbers["received"] == 7
    assert cards["completion_rate"]["value"] == "42.9%" and cards["completion_rate"]["detail"] == "办结 3 / 受理 7"
    assert cards["on_time_rate"]["value"] == "100%" and cards["on_time_rate"]["detail"] == "按期办结 3 / 答复 3"
    assert cards["satisfaction_rate"]["detail"] == "满意 3 / 回访评价 3"
    assert cards["overdue_now"]["value"] == numbers["overdue_now"] == 1
    page = response.content.decode()
    for name, measure in CARD_MEASURES.items():
        assert query(cards[name]["url"])["measure"] == measure
        assert f'href="{cards[name]["url"].replace("&", "&amp;")}"' in page
        # The list the card opens holds as many appeals as the card's count (the numerator, for a rate).
        assert len(listed(client, cards[name]["url"])) == numbers[measure], name


def test_the_overdue_card_opens_exactly_the_overdue_appeal(story, as_user, leader):
    client = as_user(leader)
    cards = {c["name"]: c for c in client.get(DASHBOARD, MARCH).context["cards"]}
    assert listed(client, cards["overdue_now"]["url"]) == [story.a4.pk]
    # Rejected and merged appeals are in no number: the received list leaves them out.
    received = listed(client, cards["received"]["url"])
    assert story.a5.pk not in received and story.a6.pk not in received and story.a0.pk not in received


# ---- the charts ---------------------------------------------------------------------------------------------------

def test_each_chart_point_links_to_the_appeals_it_counted(story, as_user, leader, channel, category):
    client = as_user(leader)
    charts = client.get(DASHBOARD, {"from": "2026-02-15", "to": "2026-03-31"}).context["charts"]

    trend = charts["trend"]
    assert trend["labels"] == ["2月", "3月"]
    bars, line = trend["series"]
    assert bars["values"] == [1, 7] and line["values"] == [100.0, 42.9]
    # February starts on the 15th (the period), not on the 1st.
    assert query(bars["urls"][0])["created_from"] == "2026-02-15"
    assert query(bars["urls"][0])["created_to"] == "2026-02-28"
    assert listed(client, bars["urls"][0]) == [story.a0.pk]
    assert len(listed(client, bars["urls"][1])) == 7
    assert len(listed(client, line["urls"][1])) == 3  # the completed of March

    by_channel = dict(zip(charts["channel"]["labels"], charts["channel"]["series"][0]["urls"]))
    assert listed(client, by_channel["电话"]) == [story.a7.pk]
    assert len(listed(client, by_channel[channel.name])) == 7  # A0 and six of March
    by_category = dict(zip(charts["category"]["labels"], charts["category"]["series"][0]["urls"]))
    assert len(listed(client, by_category[category.name])) == 8


def test_chart_data_reaches_the_page_only_as_json(story, as_user, leader, category):
    category.name = '政策</script><script>alert("x")</script>'
    category.save()
    page = as_user(leader).get(DASHBOARD, MARCH).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "\\u003C/script\\u003E" in page  # json_script's escaping


# ---- the ranking, the hot spots and the overdue list ------------------------------------------------------------

def test_the_ranking_rows_are_colour_coded_and_link_to_each_department(story, as_user, leader, rsj_appeals, rsj,
                                                                      gxj):
    client = as_user(leader)
    response = client.get(DASHBOARD, MARCH)
    first, second = response.context["ranking"]["ranked"]
    assert (first["rank"], first["score"], second["rank"], second["score"]) == (1, "100.00", 2, "80.00")
    cells = {cell["label"]: (cell["text"], cell["tone"]) for cell in second["cells"]}
    assert cells == {"签收及时率": ("66.7%", "poor"), "解决率": ("66.7%", "poor"), "满意率": ("100%", "good"),
                     "按期办结率": ("100%", "good")}
    assert len(listed(client, first["url"])) == 2 and len(listed(client, second["url"])) == 6
    assert 'class="num rate rate-poor" data-label="签收及时率">66.7%' in response.content.decode()


def test_unranked_departments_are_listed_with_their_reason(story, as_user, leader, settings):
    settings.LIANXI = {**settings.LIANXI, "RANKING_MIN_RECEIVED": 10}
    response = as_user(leader).get(DASHBOARD, MARCH)
    assert response.context["ranking"]["ranked"] == []
    assert [(r["name"], r["reason"]) for r in response.context["ranking"]["unranked"]] == [
        ("市工业和信息化局", "受理量不足10件")]
    assert "未排名单位" in response.content.decode()


def test_the_overdue_list_and_its_view_all_link(story, as_user, leader, dispatcher, clerk, jia, category, gxj):
    client = as_user(leader)
    # Two more overdue, dispatched earlier than A4 (due 3/16): due 3/11 and 3/12 — they come first.
    older = []
    for day in (2, 3):
        a = actions.register(acting_user=clerk, enterprise=jia, title=f"超期{day}", content="超期",
                             category=category, now=at(3, day, 8)).appeal
        older.append(actions.dispatch(a, acting_user=dispatcher, lead_department=gxj, now=at(3, day, 9)))
    refresh(now=NOW)
    response = client.get(DASHBOARD, MARCH)
    rows = response.context["overdue"]
    assert [r["appeal"].pk for r in rows] == [older[0].pk, older[1].pk, story.a4.pk]
    assert rows[-1]["workdays"] == 11  # due 3/16, read on 3/31: the 17th to the 31st
    page = response.content.decode()
    assert f'href="{reverse("web:appeal_detail", args=[story.a4.pk])}"' in page
    view_all = response.context["overdue_url"]
    assert query(view_all)["measure"] == "overdue_now"
    assert listed(client, view_all) == sorted([older[0].pk, older[1].pk, story.a4.pk])


def test_the_overdue_list_stops_at_twenty(story, as_user, leader, dispatcher, clerk, jia, category, gxj):
    for i in range(21):
        a = actions.register(acting_user=clerk, enterprise=jia, title=f"超期{i}", content="超期", category=category,
                             now=at(3, 2, 8)).appeal
        actions.dispatch(a, acting_user=dispatcher, lead_department=gxj, now=at(3, 2, 9))
    refresh(now=NOW)
    response = as_user(leader).get(DASHBOARD, MARCH)
    assert response.context["numbers"]["overdue_now"] == 22
    assert len(response.context["overdue"]) == 20
    assert "仅列出超期最久的 20 件" in response.content.decode()


def test_hot_spots_grow_against_the_previous_period(story, as_user, leader, clerk, category, jia):
    # A park enterprise with a 融资信贷 appeal in March: a category and a town that had none in February.
    park = Department.objects.create(code="kfq", name="清镇经济开发区", kind="park")
    bing = Enterprise.objects.create(name="丙科技有限公司", uscc="91520181MA6DKQ1B00", town=park)
    finance = Category.objects.get(code="finance")
    actions.register(acting_user=clerk, enterprise=bing, title="贷款", content="贷款", category=finance,
                     now=at(3, 12))
    refresh(now=NOW)
    client = as_user(leader)
    response = client.get(DASHBOARD, MARCH)
    # The previous period is February (the month before March): A0 only.
    previous = response.context["previous"]
    assert (previous.start.isoformat(), previous.end.isoformat()) == ("2026-02-01", "2026-02-28")
    assert "上期（2026-02-01 至 2026-02-28）" in response.content.decode()
    categories = {r["name"]: r for r in response.context["hot_categories"]}
    assert (categories["政策咨询与兑现"]["current"], categories["政策咨询与兑现"]["previous"],
            categories["政策咨询与兑现"]["increase"], categories["政策咨询与兑现"]["rate"]) == (7, 1, 6, "600%")
    assert (categories["融资信贷"]["previous"], categories["融资信贷"]["rate"]) == (0, "新增")
    assert len(listed(client, categories["政策咨询与兑现"]["url"])) == 7
    towns = {r["name"]: r for r in response.context["hot_towns"]}
    assert towns["清镇经济开发区"]["rate"] == "新增" and towns["卫城镇"]["increase"] == 6
    assert len(listed(client, towns["清镇经济开发区"]["url"])) == 1
    assert "新增" in response.content.decode()


# ---- the filter form ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, field", [
    ({"from": "2026-13-01"}, "from"),
    ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
    ({"size": "huge"}, "size"),
    ({"channel": "999999"}, "channel"),
])
def test_bad_parameters_show_field_errors(story, as_user, leader, params, field):
    client = as_user(leader)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    page = response.content.decode()
    for message in response.context["form"].errors[field]:
        assert message in page
    assert "cards" not in response.context and 'data-chart=' not in page
    screen = client.get(SCREEN, params)
    assert screen.status_code == 400 and "返回统计分析" in screen.content.decode()


def test_the_form_shows_the_period_asked_and_the_quick_choices_keep_the_cut(story, as_user, leader, channel):
    response = as_user(leader).get(DASHBOARD, {"channel": channel.pk})
    form = response.context["form"]
    assert (form["from"].value(), form["to"].value()) == ("2026-01-01", "2026-03-31")  # this year to today
    presets = {p["label"]: p for p in response.context["presets"]}
    assert list(presets) == ["本月", "本季度", "今年", "近12个月"]
    assert presets["今年"]["active"] and not presets["本月"]["active"]
    assert query(presets["本月"]["url"]) == {"channel": str(channel.pk), "from": "2026-03-01", "to": "2026-03-31"}
    assert query(presets["近12个月"]["url"])["from"] == "2025-04-01"
    assert query(presets["本季度"]["url"])["from"] == "2026-01-01"


def test_download_links_carry_the_question(story, as_user, leader, channel):
    response = as_user(leader).get(DASHBOARD, {**MARCH, "channel": channel.pk})
    downloads = response.context["downloads"]
    assert query(downloads["report"]) == {**MARCH, "channel": str(channel.pk)}
    assert query(downloads["export"]["ranking"]) == {**MARCH, "channel": str(channel.pk), "table": "ranking"}


# ---- the big screen ----------------------------------------------------------------------------------------------

def test_the_screen_shows_the_numbers_and_polls_every_minute(story, as_user, leader):
    response = as_user(leader).get(SCREEN, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert "数据大屏" in page and 'hx-trigger="every 60s"' in page
    assert page.count('data-chart="chart-') == 3
    assert response.context["cards"][0]["value"] == 7
    assert "HX-Request" in response["Vary"]


def test_the_screen_poll_gets_only_the_parts_swapped_out_of_band(story, as_user, leader, dispatcher, clerk, jia,
                                                                category, gxj):
    client = as_user(leader)
    a = actions.register(acting_user=clerk, enterprise=jia, title="新诉求", content="新", category=category,
                         now=at(3, 30)).appeal
    actions.dispatch(a, acting_user=dispatcher, lead_department=gxj, now=at(3, 30, 11))
    refresh(now=NOW)
    response = client.get(SCREEN, MARCH, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and "hx-trigger" not in page and "{#" not in page
    for part in ("screen-head", "screen-cards", "screen-ranking", "screen-overdue", "screen-data"):
        assert f'id="{part}" hx-swap-oob="innerHTML"' in page
    assert "收集问题8个" in page and response.context["cards"][0]["value"] == 8
    assert 'id="chart-trend-data"' in page


def test_the_dashboard_costs_the_same_queries_whatever_the_volume(story, as_user, leader, dispatcher, clerk, jia,
                                                                   category, gxj):
    """A fixed handful of aggregates: no query per appeal, department, month or overdue row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(leader)
    client.get(DASHBOARD, MARCH)  # the session and the caches warmed
    with CaptureQueriesContext(connection) as before:
        client.get(DASHBOARD, MARCH)
    for i in range(6):
        a = actions.register(acting_user=clerk, enterprise=jia, title=f"更多{i}", content="更多", category=category,
                             now=at(3, 2 + i, 8)).appeal
        actions.dispatch(a, acting_user=dispatcher, lead_department=gxj, now=at(3, 2 + i, 9))
    Department.objects.create(code="more", name="另一单位")
    refresh(now=NOW)
    with CaptureQueriesContext(connection) as after:
        response = client.get(DASHBOARD, {**MARCH, "from": "2025-04-01"})
    assert response.context["numbers"]["overdue_now"] == 7
    assert len(after) == len(before) <= 30
