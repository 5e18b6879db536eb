"""/api/v1/common-problems/: the contract (fields, status codes, bad input) and the story told through it."""

from __future__ import annotations

import pytest

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.problems.models import CommonProblem, ProblemMember

pytestmark = pytest.mark.django_db

URL = "/api/v1/common-problems/"
REPLY = "已协调供电局开辟绿色通道"


def test_a_dispatcher_creates_a_problem_with_appeals_by_number_or_id(api, dispatcher, appeals):
    answer = api.as_(dispatcher).post(URL, {"title": "园区用电增容难", "description": "多家企业反映",
                                            "appeals": [appeals[0].number, str(appeals[1].pk)]}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["title"], body["state"], body["state_display"], body["member_count"]) == (
        "园区用电增容难", "collecting", "待交办", 2)
    assert body["created_by"] == dispatcher.pk and body["lead_department"] is None
    assert [(m["appeal"], m["number"], m["enterprise_name"], m["state"], m["rating"]) for m in body["members"]] == [
        (appeals[0].pk, appeals[0].number, "贵州甲材料有限公司", "registered", None),
        (appeals[1].pk, appeals[1].number, "清镇乙食品有限公司", "registered", None)]
    assert api.get(f"{URL}{body['id']}/").json() == body


def test_bad_input_names_the_field_and_stores_nothing(api, dispatcher, appeals):
    client = api.as_(dispatcher)
    no_title = client.post(URL, {"appeals": [appeals[0].pk]}, format="json")
    assert no_title.status_code == 400 and "title" in no_title.json()
    unknown = client.post(URL, {"title": "t", "appeals": [appeals[0].number, "LX20990101-0001"]}, format="json")
    assert unknown.status_code == 400 and "LX20990101-0001" in unknown.json()["appeals"][0]
    not_a_list = client.post(URL, {"title": "t", "appeals": {"a": 1}}, format="json")
    assert not_a_list.status_code == 400 and "appeals" in not_a_list.json()
    assert not CommonProblem.objects.exists() and not ProblemMember.objects.exists()
    problem = client.post(URL, {"title": "t"}, format="json").json()
    empty = client.post(f"{URL}{problem['id']}/add/", {"appeals": []}, format="json")
    assert empty.status_code == 400 and "appeals" in empty.json()
    no_lead = client.post(f"{URL}{problem['id']}/dispatch/", {"due_at": "nonsense"}, format="json")
    assert no_lead.status_code == 400 and {"lead_department", "due_at"} <= set(no_lead.json())


def test_who_may_create_and_see(api, dispatcher, supervisor, handler_gxj, user_jia, deputy, appeals, gxj):
    for outsider in (handler_gxj, user_jia):
        answer = api.as_(outsider).post(URL, {"title": "t", "appeals": [appeals[0].pk]}, format="json")
        assert answer.status_code == 403
    assert api.as_(supervisor).post(URL, {"title": "督办员也可以"}, format="json").status_code == 201
    problem = api.as_(dispatcher).post(URL, {"title": "t", "appeals": [a.pk for a in appeals]}, format="json").json()
    # Enterprises and deputies: no problems at all (403 on the list, 404 on one).
    for outsider in (user_jia, deputy):
        assert api.as_(outsider).get(URL).status_code == 403
        assert api.as_(outsider).get(f"{URL}{problem['id']}/").status_code == 404
        assert api.as_(outsider).post(f"{URL}{problem['id']}/add/", {"appeals": []}, format="json").status_code == 404
    # A department sees a problem once it leads it.
    assert api.as_(handler_gxj).get(URL).json()["count"] == 0
    assert api.as_(handler_gxj).get(f"{URL}{problem['id']}/").status_code == 404
    api.as_(dispatcher).post(f"{URL}{problem['id']}/dispatch/", {"lead_department": gxj.pk}, format="json")
    assert [p["id"] for p in api.as_(handler_gxj).get(URL).json()["results"]] == [problem["id"]]
    assert api.get(f"{URL}{problem['id']}/").json()["member_count"] == 2
    assert api.as_(handler_gxj).post(f"{URL}{problem['id']}/add/", {"appeals": []}, format="json").status_code == 403
    api.force_authenticate(None)
    assert api.get(URL).status_code == 401


def test_list_filters(api, dispatcher, appeals, gxj):
    client = api.as_(dispatcher)
    first = client.post(URL, {"title": "用电增容难", "appeals": [appeals[0].pk]}, format="json").json()
    client.post(URL, {"title": "招工难", "description": "技术工人"}, format="json")
    client.post(f"{URL}{first['id']}/dispatch/", {"lead_department": gxj.pk}, format="json")
    listed = client.get(URL).json()
    assert listed["count"] == 2 and "members" not in listed["results"][0]
    assert {p["title"]: p["member_count"] for p in listed["results"]} == {"用电增容难": 1, "招工难": 0}
    assert [p["title"] for p in client.get(URL, {"state": "dispatched"}).json()["results"]] == ["用电增容难"]
    assert [p["title"] for p in client.get(URL, {"search": "技术"}).json()["results"]] == ["招工难"]


def test_the_whole_story_through_the_api(api, dispatcher, handler_gxj, handler_rsj, user_jia, user_yi, appeals,
                                         gxj, rsj):
    problem = api.as_(dispatcher).post(URL, {"title": "园区用电增容难", "appeals": [a.pk for a in appeals]},
                                       format="json").json()
    pid = problem["id"]
    dispatched = api.post(f"{URL}{pid}/dispatch/", {"lead_department": gxj.pk, "co_departments": [rsj.pk],
                                                    "instructions": "统一办理"}, format="json")
    assert dispatched.status_code == 200, dispatched.json()
    body = dispatched.json()
    assert (body["state"], body["lead_department"], body["lead_department_name"], body["co_departments"]) == (
        "dispatched", gxj.pk, gxj.name, [rsj.pk])
    assert {m["state"] for m in body["members"]} == {"dispatched"}
    assert {m["due_at"] for m in body["members"]} == {body["due_at"]}
    assert api.post(f"{URL}{pid}/dispatch/", {"lead_department": gxj.pk}, format="json").status_code == 409
    # The co-department sees the problem but does not sign or reply for it.
    assert api.as_(handler_rsj).get(f"{URL}{pid}/").status_code == 200
    assert api.post(f"{URL}{pid}/accept/").status_code == 403
    client = api.as_(handler_gxj)
    early = client.post(f"{URL}{pid}/reply/", {"result": "r", "outcome": "solved"}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "conflict"
    assert client.post(f"{URL}{pid}/accept/").json()["state"] == "handling"
    bad = client.post(f"{URL}{pid}/reply/", {"outcome": "perhaps"}, format="json")
    assert bad.status_code == 400 and {"result", "outcome"} <= set(bad.json())
    assert not AppealEvent.objects.filter(action="reply").exists()
    replied = client.post(f"{URL}{pid}/reply/", {"result": "已协调", "outcome": "solved", "reply": REPLY},
                          format="json")
    assert replied.status_code == 200
    assert (replied.json()["state"], replied.json()["reply"]) == ("replied", REPLY)
    # Every enterprise reads the one reply on its own appeal, and rates it there.
    for appeal, enterprise_user, rating in ((appeals[0], user_jia, 5), (appeals[1], user_yi, 3)):
        own = api.as_(enterprise_user).get(f"/api/v1/appeals/{appeal.pk}/").json()
        assert (own["state"], own["reply"]) == ("replied", REPLY)
        rated = api.post(f"/api/v1/appeals/{appeal.pk}/follow-up/", {"rating": rating, "solved": True},
                         format="json")
        assert rated.status_code == 200
    members = api.as_(dispatcher).get(f"{URL}{pid}/").json()["members"]
    assert [(m["number"], m["rating"], m["rating_display"], m["solved"]) for m in members] == [
        (appeals[0].number, 5, "非常满意", True), (appeals[1].number, 3, "基本满意", True)]
    # A replied problem takes no new members and loses none.
    assert api.post(f"{URL}{pid}/remove/", {"appeals": [appeals[0].pk]}, format="json").status_code == 409


def test_add_and_remove(api, dispatcher, appeals, register, bing, gxj, rsj):
    client = api.as_(dispatcher)
    pid = client.post(URL, {"title": "t", "appeals": [appeals[0].pk]}, format="json").json()["id"]
    added = client.post(f"{URL}{pid}/add/", {"appeals": [appeals[1].number]}, format="json")
    assert added.status_code == 200 and added.json()["member_count"] == 2
    again = client.post(f"{URL}{pid}/add/", {"appeals": [appeals[1].number]}, format="json")
    assert again.status_code == 409 and appeals[1].number in again.json()["detail"]
    client.post(f"{URL}{pid}/dispatch/", {"lead_department": gxj.pk}, format="json")
    elsewhere = register(bing)
    actions.dispatch(elsewhere, acting_user=dispatcher, lead_department=rsj)
    refused = client.post(f"{URL}{pid}/add/", {"appeals": [elsewhere.pk]}, format="json")
    assert refused.status_code == 409 and elsewhere.number in refused.json()["detail"]
    removed = client.post(f"{URL}{pid}/remove/", {"appeals": [appeals[0].pk]}, format="json")
    assert removed.status_code == 200 and [m["appeal"] for m in removed.json()["members"]] == [appeals[1].pk]
    assert Appeal.objects.get(pk=appeals[0].pk).state == "dispatched"
    not_member = client.post(f"{URL}{pid}/remove/", {"appeals": [appeals[0].pk]}, format="json")
    assert not_member.status_code == 400 and appeals[0].number in not_member.json()["appeals"][0]


def test_the_schema_describes_the_endpoints(api, clerk):
    paths = api.as_(clerk).get("/api/schema/?format=json").json()["paths"]
    for suffix in ("", "{id}/", "{id}/add/", "{id}/remove/", "{id}/dispatch/", "{id}/accept/", "{id}/reply/"):
        assert f"/api/v1/common-problems/{suffix}" in paths
    reply = paths["/api/v1/common-problems/{id}/reply/"]["post"]
    schema = reply["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    components = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert set(components[schema]["properties"]) == {"result", "outcome", "reply"}
