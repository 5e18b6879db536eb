"""Hot topics of March 2026 (the previous period: February).

    污水管网 (DRAINAGE)  5 in March from 甲 ×2, 乙 ×2 (卫城镇) and 丙 (站街镇), none in February: growing, first
    用电报装 (POWER)     6 in March, 5 in February: bigger, but grew by one: second
    招聘 (HIRING)        4 in March, 4 in February: no growth: third
    and two appeals alike to nothing: no topic
"""

import pytest

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal
from lianxi.directory.models import Department, Enterprise
from lianxi.similar.api import listed_appeals
from lianxi.similar.clusters import Topic
from lianxi.similar.index import index_pending
from lianxi.stats.facts import refresh

from .conftest import DRAINAGE, HIRING, POWER, TECH_SUBSIDY, UNRELATED, at

pytestmark = pytest.mark.django_db
MARCH = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def bing(db):
    zhanjie = Department.objects.create(code="zjz", name="站街镇", kind="town")
    return Enterprise.objects.create(name="清镇丙建材有限公司", uscc="91520181MA6DM2B07X", town=zhanjie)


@pytest.fixture
def march(jia, yi, bing, register):
    """The story of the module docstring; returns the appeals of each topic in March."""
    drainage = [register(e, text, at(3, 2 + i)) for i, (e, text) in enumerate(zip([jia, yi, bing, jia, yi], DRAINAGE))]
    power = [register(yi, text, at(3, 10 + i)) for i, text in enumerate(POWER)]
    power_before = [register(jia, text, at(2, 2 + i)) for i, text in enumerate(POWER[:5])]
    hiring = [register(bing, text, at(3, 20 + i)) for i, text in enumerate(HIRING)]
    hiring_before = [register(jia, text, at(2, 10 + i)) for i, text in enumerate(HIRING)]
    register(jia, TECH_SUBSIDY, at(3, 25))
    register(yi, UNRELATED, at(3, 26))
    refresh()
    index_pending()
    return {"drainage": drainage, "power": power, "hiring": hiring, "before": power_before + hiring_before}


def test_a_planted_group_is_one_topic_and_the_growing_topic_ranks_first(api, leader, march, jia, bing):
    answer = api.as_(leader).get(f"/api/v1/stats/hotspots/?{MARCH}")
    assert answer.status_code == 200
    data = answer.json()
    assert (data["from"], data["to"]) == ("2026-03-01", "2026-03-31")
    assert data["previous"] == {"from": "2026-02-01", "to": "2026-02-28"}
    topics = data["results"]
    assert [t["size"] for t in topics] == [5, 6, 4] and [t["previous"] for t in topics] == [0, 5, 4]
    drainage = topics[0]
    assert drainage["increase"] == 5 and drainage["growth_rate"] is None  # new this period
    assert drainage["enterprises"] == 3 and drainage["towns"] == ["卫城镇", "站街镇"]  # 4 of 5 in 卫城镇
    assert drainage["title"] in [title for title, _ in DRAINAGE]
    assert any("污水" in term or "管网" in term for term in drainage["terms"])
    assert not any(term in ("企业", "公司", "希望", "问题") for term in drainage["terms"])
    assert [a["id"] for a in drainage["appeals"]] == [a.pk for a in reversed(march["drainage"])]
    assert drainage["url"] == f"/hotspots/{drainage['key']}/?from=2026-03-01&to=2026-03-31"
    assert drainage["key"] in [a.pk for a in march["drainage"]]
    assert topics[1]["growth_rate"] == pytest.approx(0.2) and topics[2]["increase"] == 0
    assert {a["id"] for a in topics[1]["appeals"]} == {a.pk for a in march["power"]}


def test_the_hotspots_page_lists_the_topics_each_linking_to_its_appeals(as_user, leader, march):
    client = as_user(leader)
    page = client.get(f"/hotspots/?{MARCH}")
    html = page.content.decode()
    assert page.status_code == 200 and "热点话题" in html
    first = march["drainage"]
    assert html.index(first[0].number) < html.index(march["power"][0].number)  # ranked by growth
    key = int(html.split('data-topic="')[1].split('"')[0])
    assert key in [a.pk for a in first]
    topic = client.get(f"/hotspots/{key}/?{MARCH}").content.decode()
    assert all(a.number in topic for a in first) and march["power"][0].number not in topic
    # Any appeal of the topic finds it; an appeal in no topic of the period finds none.
    assert client.get(f"/hotspots/{first[-1].pk}/?{MARCH}").status_code == 200
    assert client.get(f"/hotspots/{march['before'][0].pk}/?{MARCH}").status_code == 404
    # The dashboard and the navigation lead here.
    assert "data-hotspots-link" in client.get(f"/dashboard/?{MARCH}").content.decode()
    assert 'href="/hotspots/"' in client.get("/").content.decode()


def test_enterprises_and_deputies_may_not_read_hotspots(api, as_user, user_jia, deputy, march):
    for user in (user_jia, deputy):
        assert api.as_(user).get(f"/api/v1/stats/hotspots/?{MARCH}").status_code == 403
        assert as_user(user).get(f"/hotspots/?{MARCH}").status_code == 403
        assert as_user(user).get(f"/hotspots/{march['drainage'][0].pk}/?{MARCH}").status_code == 403
    assert 'href="/hotspots/"' not in as_user(user_jia).get("/").content.decode()


def test_a_department_reads_the_topics_of_its_own_appeals_only(api, dispatcher, handler_gxj, gxj, rsj, jia, yi,
                                                                 register):
    led = [actions.dispatch(register(e, text, at(3, 2 + i)), acting_user=dispatcher, lead_department=gxj,
                            now=at(3, 2 + i, 11))
           for i, (e, text) in enumerate(zip([jia, yi, jia], DRAINAGE))]
    for i, text in enumerate(DRAINAGE[3:] + POWER):
        actions.dispatch(register(yi, text, at(3, 10 + i)), acting_user=dispatcher, lead_department=rsj,
                         now=at(3, 10 + i, 11))
    refresh()
    index_pending()
    topics = api.as_(handler_gxj).get(f"/api/v1/stats/hotspots/?{MARCH}").json()["results"]
    assert len(topics) == 1 and {a["id"] for a in topics[0]["appeals"]} == {a.pk for a in led}
    assert api.as_(handler_gxj).get(f"/api/v1/stats/hotspots/?{MARCH}&department={rsj.pk}").status_code == 403


def test_a_handler_never_reads_the_title_of_a_topic_appeal_moved_out_of_their_department(
        api, dispatcher, handler_gxj, gxj, rsj, jia, yi, register):
    led = [actions.dispatch(register(e, text, at(3, 2 + i)), acting_user=dispatcher, lead_department=gxj,
                            now=at(3, 2 + i, 11))
           for i, (e, text) in enumerate(zip([jia, yi, jia], DRAINAGE))]
    refresh()
    index_pending()
    assert api.as_(handler_gxj).get(f"/api/v1/stats/hotspots/?{MARCH}").json()["results"][0]["title"]
    # Moved to 人社局 since the numbers' facts were counted: the topic is still counted, its words are not shown.
    Appeal.objects.filter(pk__in=[a.pk for a in led]).update(lead_department=rsj)
    topic = api.as_(handler_gxj).get(f"/api/v1/stats/hotspots/?{MARCH}").json()["results"][0]
    assert topic["size"] == 3 and topic["title"] == "" and topic["appeals"] == []


def test_the_topic_page_reads_none_of_the_newest_appeals_it_does_not_show(leader, jia, register):
    appeals = [register(jia, text, at(3, 2 + i)) for i, text in enumerate(DRAINAGE[:3])]
    topic = Topic(label=0, current=[a.pk for a in appeals], previous=0, enterprises=1)
    assert [a["id"] for a in listed_appeals(leader, topic, 2)] == [appeals[2].pk, appeals[1].pk]
    assert listed_appeals(leader, topic, 0) == []


def test_bad_questions_are_refused_with_the_field_named(api, leader, march):
    assert "limit" in api.as_(leader).get(f"/api/v1/stats/hotspots/?{MARCH}&limit=0").json()
    assert "to" in api.as_(leader).get("/api/v1/stats/hotspots/?from=2026-03-31&to=2026-03-01").json()
    one = api.as_(leader).get(f"/api/v1/stats/hotspots/?{MARCH}&limit=1").json()["results"]
    assert len(one) == 1 and one[0]["size"] == 5
