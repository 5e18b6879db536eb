"""结对子: leaders paired with enterprises, their visits, the appeals heard there, and a leader's own page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.core.errors import InvalidInput, NotPermitted
from lianxi.meetings import selectors, services
from lianxi.meetings.models import Pairing, Visit
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def vice_mayor(db):
    return make_user("vice_mayor", "leader", name="副市长")


@pytest.fixture
def pairing(dispatcher, leader, jia, now):
    return services.create_pairing(acting_user=dispatcher, leader=leader, enterprise=jia,
                                   started_on=dt.date(2026, 1, 5), now=now)


@pytest.fixture
def visit(pairing, leader, now):
    return services.log_visit(pairing, acting_user=leader, date=dt.date(2026, 3, 9), people="市长、工信局局长、张甲",
                              discussed="企业反映新厂房用电增容和招工问题", now=now)


def test_pairing_rules(dispatcher, clerk, leader, handler_gxj, jia, pairing):
    assert (pairing.leader_id, pairing.enterprise_id, pairing.created_by_id) == (leader.pk, jia.pk, dispatcher.pk)
    with pytest.raises(InvalidInput) as twice:
        services.create_pairing(acting_user=dispatcher, leader=leader, enterprise=jia)
    assert set(twice.value.fields) == {"enterprise"}
    with pytest.raises(InvalidInput) as not_leader:
        services.create_pairing(acting_user=dispatcher, leader=handler_gxj, enterprise=jia)
    assert set(not_leader.value.fields) == {"leader"}
    with pytest.raises(NotPermitted):
        services.create_pairing(acting_user=clerk, leader=leader, enterprise=jia)
    assert Pairing.objects.count() == 1
    ended = services.end_pairing(pairing, acting_user=dispatcher, ended_on=dt.date(2026, 6, 30))
    assert ended.ended_on == dt.date(2026, 6, 30) and not ended.is_active
    renewed = services.create_pairing(acting_user=dispatcher, leader=leader, enterprise=jia)
    assert renewed.is_active and Pairing.objects.count() == 2


def test_a_leader_logs_a_visit_and_the_clerk_registers_what_was_heard(visit, leader, clerk, category, jia, now):
    assert (visit.pairing.leader_id, visit.created_by_id, visit.date) == (leader.pk, leader.pk, dt.date(2026, 3, 9))
    appeal = services.register_from_visit(visit, acting_user=clerk, title="用电增容", content="新厂房需增容至800千伏安",
                                          category=category, now=now)
    appeal.refresh_from_db()
    assert (appeal.enterprise_id, appeal.channel.code, appeal.created_by_id) == (jia.pk, "leader_pairing", clerk.pk)
    assert list(visit.appeals.all()) == [appeal]
    assert AppealEvent.objects.get(appeal=appeal).data["channel"] == "leader_pairing"


def test_the_leader_cannot_register_appeals_themselves(visit, leader, category):
    # The loop's register is for clerks, dispatchers, deputies and enterprises; a leader's secretary (clerk) does it.
    with pytest.raises(NotPermitted):
        services.register_from_visit(visit, acting_user=leader, title="t", content="c", category=category)
    assert Appeal.objects.count() == 0


def test_visit_rules(pairing, vice_mayor, handler_gxj, clerk, leader, yi, category, now):
    for persona in (vice_mayor, handler_gxj):  # another leader's pairing; not a leader at all
        with pytest.raises(NotPermitted):
            services.log_visit(pairing, acting_user=persona, date=dt.date(2026, 3, 9), people="x", discussed="y")
    with pytest.raises(InvalidInput) as before_pairing:
        services.log_visit(pairing, acting_user=leader, date=dt.date(2025, 12, 1), people="x", discussed="y", now=now)
    assert set(before_pairing.value.fields) == {"date"}
    other = actions.register(acting_user=clerk, enterprise=yi, title="乙的诉求", content="c", category=category).appeal
    with pytest.raises(InvalidInput) as foreign:
        services.log_visit(pairing, acting_user=clerk, date=dt.date(2026, 3, 9), people="x", discussed="y",
                           appeals=[other], now=now)
    assert set(foreign.value.fields) == {"appeals"}
    assert Visit.objects.count() == 0


def test_the_leaders_page_lists_their_enterprises_and_open_appeals_with_deadline_state(
        client, pairing, leader, vice_mayor, dispatcher, clerk, jia, yi, category, gxj, now):
    services.create_pairing(acting_user=dispatcher, leader=vice_mayor, enterprise=yi)
    long_ago = timezone.now() - dt.timedelta(days=60)
    late = actions.register(acting_user=clerk, enterprise=jia, title="超期的用地问题", content="c", category=category,
                            now=long_ago).appeal
    actions.dispatch(late, acting_user=dispatcher, lead_department=gxj, now=long_ago)
    fresh = actions.register(acting_user=clerk, enterprise=jia, title="刚登记的融资问题", content="c",
                             category=category).appeal
    done = actions.register(acting_user=clerk, enterprise=jia, title="已不予受理", content="c", category=category).appeal
    actions.reject(done, acting_user=dispatcher, reason="不属于涉企诉求")
    yis = actions.register(acting_user=clerk, enterprise=yi, title="乙公司的问题", content="c", category=category).appeal

    [item] = selectors.leader_overview(leader, leader)
    assert item.pairing == pairing
    assert [(o.appeal.pk, o.deadline.state if o.deadline else None) for o in item.open_appeals] == [
        (late.pk, "overdue"), (fresh.pk, None)]
    assert item.overdue == 1

    client.force_login(leader)
    page = client.get("/pairings/mine/").content.decode()
    assert jia.name in page and late.number in page and fresh.number in page
    assert 'data-deadline-state="overdue"' in page
    assert done.number not in page and yis.number not in page and yi.name not in page
    # The vice mayor's page is theirs: 乙, not 甲.
    client.force_login(vice_mayor)
    theirs = client.get("/pairings/mine/").content.decode()
    assert yi.name in theirs and yis.number in theirs and jia.name not in theirs


def test_who_sees_pairings(api, pairing, dispatcher, vice_mayor, leader, user_jia, user_yi, handler_gxj, yi, visit):
    other = services.create_pairing(acting_user=dispatcher, leader=vice_mayor, enterprise=yi)
    ids = lambda user: {p["id"] for p in api.as_(user).get("/api/v1/pairings/").json()["results"]}  # noqa: E731
    assert ids(leader) == {pairing.pk, other.pk}  # leaders read everything
    assert ids(dispatcher) == {pairing.pk, other.pk}
    mine = api.as_(leader).get(f"/api/v1/pairings/?leader={leader.pk}").json()["results"]
    assert [p["id"] for p in mine] == [pairing.pk]
    assert ids(user_jia) == {pairing.pk} and ids(user_yi) == {other.pk}  # an enterprise: its own pairing
    assert ids(handler_gxj) == set()
    assert api.as_(user_yi).get(f"/api/v1/pairings/{pairing.pk}/").status_code == 404
    assert api.as_(user_yi).get(f"/api/v1/visits/{visit.pk}/").status_code == 404
    assert api.as_(user_jia).get(f"/api/v1/visits/{visit.pk}/").status_code == 200


def test_the_api(api, dispatcher, leader, clerk, jia, category, now):
    created = api.as_(dispatcher).post("/api/v1/pairings/", {"leader": leader.pk, "enterprise": jia.pk,
                                                             "started_on": "2026-01-05"}, format="json")
    assert created.status_code == 201 and created.json()["leader_name"] == "市长"
    pairing_id = created.json()["id"]
    visit = api.as_(leader).post("/api/v1/visits/", {"pairing": pairing_id, "date": "2026-03-09", "people": "市长",
                                                     "discussed": "用电"}, format="json")
    assert visit.status_code == 201, visit.content
    visit_id = visit.json()["id"]
    raised = api.as_(clerk).post(f"/api/v1/visits/{visit_id}/appeals/", {"title": "用电增容", "content": "800千伏安",
                                                                         "category": category.pk}, format="json")
    assert raised.status_code == 201, raised.content
    appeal = Appeal.objects.get(pk=raised.json()["id"])
    assert appeal.channel.code == "leader_pairing" and appeal.enterprise_id == jia.pk
    assert api.as_(clerk).get(f"/api/v1/visits/{visit_id}/").json()["appeals"] == [appeal.pk]
    assert api.as_(leader).post(f"/api/v1/visits/{visit_id}/appeals/", {"title": "t", "content": "c",
                                                                        "category": category.pk},
                                format="json").status_code == 403
    ended = api.as_(dispatcher).patch(f"/api/v1/pairings/{pairing_id}/", {"ended_on": "2026-12-31"}, format="json")
    assert ended.status_code == 200 and ended.json()["is_active"] is False


def test_pages(client, dispatcher, leader, clerk, jia, category):
    client.force_login(dispatcher)
    created = client.post("/pairings/", {"leader": leader.pk, "enterprise": f"{jia.name} {jia.uscc}",
                                         "started_on": "2026-01-05"})
    assert created.status_code == 302
    pairing = Pairing.objects.get()
    assert client.get("/pairings/").content.decode().count(jia.name) >= 1
    client.force_login(leader)
    logged = client.post(f"/pairings/{pairing.pk}/", {"date": "2026-03-09", "people": "市长", "discussed": "用电"})
    visit = Visit.objects.get()
    assert logged.status_code == 302 and logged.url == f"/visits/{visit.pk}/"
    client.force_login(clerk)
    raised = client.post(f"/visits/{visit.pk}/", {"title": "用电增容", "content": "800千伏安", "category": category.pk,
                                                  "kind": "help"})
    assert raised.status_code == 302
    assert visit.appeals.get().title == "用电增容"


def test_search(api, pairing, visit, dispatcher, vice_mayor, yi):
    services.create_pairing(acting_user=dispatcher, leader=vice_mayor, enterprise=yi)
    found = api.as_(dispatcher).get("/api/v1/pairings/?search=甲材料").json()["results"]
    assert [p["id"] for p in found] == [pairing.pk]
    assert [v["id"] for v in api.get("/api/v1/visits/?search=增容").json()["results"]] == [visit.pk]
    assert api.get("/api/v1/visits/?search=不存在").json()["count"] == 0
