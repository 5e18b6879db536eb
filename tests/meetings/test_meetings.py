"""Meetings: who records them, who sees them, and the appeals raised in them (their channel follows the meeting)."""

from __future__ import annotations

import datetime as dt

import pytest

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.core.errors import InvalidInput, NotPermitted
from lianxi.directory.models import Channel
from lianxi.meetings import services
from lianxi.meetings.models import Meeting, MeetingType
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_default_meeting_types_feed_the_channels_of_the_same_code():
    types = {t.code: t.channel.code for t in MeetingType.objects.select_related("channel")}
    assert types == {code: code for code in ("symposium", "reception_day", "bank_meeting", "legal_meeting",
                                             "industry_meeting", "npc_inspection", "cppcc_consultation")}


def test_an_appeal_raised_in_a_meeting_carries_the_meeting_and_its_channel(symposium, raise_in, jia, clerk):
    appeal = raise_in(symposium, jia)
    appeal.refresh_from_db()
    assert appeal.meeting_id == symposium.pk and appeal.channel.code == "symposium"
    event = AppealEvent.objects.get(appeal=appeal)
    assert (event.action, event.actor_id) == ("register", clerk.pk)
    assert event.data["meeting"] == symposium.pk and event.data["channel"] == "symposium"
    assert event.data["meeting_title"] == symposium.title


def test_a_channel_contradicting_the_meeting_is_refused(symposium, clerk, jia, category, now):
    window = Channel.objects.get(code="window")
    with pytest.raises(InvalidInput) as refused:
        actions.register(acting_user=clerk, enterprise=jia, title="t", content="c", category=category,
                         channel=window, meeting=symposium, now=now)
    assert set(refused.value.fields) == {"channel"} and "座谈会" in refused.value.fields["channel"][0]
    assert Appeal.objects.count() == AppealEvent.objects.count() == 0
    # The meeting's own channel, given explicitly, is fine.
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="t", content="c", category=category,
                              channel=symposium.type.channel, meeting=symposium, now=now).appeal
    assert appeal.meeting_id == symposium.pk


def test_an_enterprise_cannot_file_into_a_meeting_it_cannot_see(symposium, user_yi, yi, category, now):
    with pytest.raises(InvalidInput) as refused:
        actions.register(acting_user=user_yi, enterprise=yi, title="t", content="c", category=category,
                         meeting=symposium, now=now)
    assert set(refused.value.fields) == {"meeting"}
    assert Appeal.objects.count() == 0


def test_only_clerks_and_dispatchers_record_meetings(symposium_type, handler_gxj, leader, user_jia, dispatcher):
    for persona in (handler_gxj, leader, user_jia):
        with pytest.raises(NotPermitted):
            services.create_meeting(acting_user=persona, type=symposium_type, title="座谈会", date=dt.date(2026, 3, 1))
    assert Meeting.objects.count() == 0
    meeting = services.create_meeting(acting_user=dispatcher, type=symposium_type, title="座谈会",
                                      date=dt.date(2026, 3, 1))
    assert meeting.created_by_id == dispatcher.pk


def test_the_host_must_be_a_leader(clerk, symposium_type, handler_gxj):
    with pytest.raises(InvalidInput) as refused:
        services.create_meeting(acting_user=clerk, type=symposium_type, title="座谈会", date=dt.date(2026, 3, 1),
                                host=handler_gxj)
    assert set(refused.value.fields) == {"host"}
    assert Meeting.objects.count() == 0


def test_type_cannot_move_to_another_channel_once_appeals_are_raised(symposium, raise_in, jia, clerk):
    raise_in(symposium, jia)
    bank = MeetingType.objects.get(code="bank_meeting")
    with pytest.raises(InvalidInput) as refused:
        services.update_meeting(symposium, acting_user=clerk, type=bank)
    assert set(refused.value.fields) == {"type"}
    symposium.refresh_from_db()
    assert symposium.type.code == "symposium"
    updated = services.update_meeting(symposium, acting_user=clerk, minutes="会议议定：用电问题由工信局牵头。")
    assert updated.minutes.startswith("会议议定")


# ---- who sees which meeting, and which appeals inside it -----------------------------------------------------------

def test_visibility_of_meetings(symposium, raise_in, jia, yi, user_jia, user_yi, handler_gxj, handler_rsj, leader,
                                deputy, supervisor, dispatched_elsewhere):
    visible = lambda user: set(Meeting.objects.visible_to(user).values_list("pk", flat=True))  # noqa: E731
    for persona in (leader, supervisor):
        assert visible(persona) == {symposium.pk}
    assert visible(user_jia) == {symposium.pk}  # 甲 attended
    assert visible(handler_gxj) == {symposium.pk}  # 工信局 sat in
    assert visible(user_yi) == set() and visible(deputy) == set()
    # 人社局 did not attend, but leads an appeal raised there: it sees the meeting it has to answer for.
    assert visible(handler_rsj) == {symposium.pk}


@pytest.fixture
def dispatched_elsewhere(symposium, raise_in, jia, dispatcher, rsj):
    appeal = raise_in(symposium, jia, "招工难")
    return actions.dispatch(appeal, acting_user=dispatcher, lead_department=rsj)


def test_an_enterprise_sees_only_its_own_appeals_inside_a_meeting(api, client, symposium, raise_in, jia, yi,
                                                                  user_jia, clerk):
    own = raise_in(symposium, jia, "甲公司用电增容")
    other = raise_in(symposium, yi, "乙公司融资难")
    # The clerk sees both.
    listed = api.as_(clerk).get(f"/api/v1/meetings/{symposium.pk}/appeals/").json()
    assert {a["id"] for a in listed["results"]} == {own.pk, other.pk}
    # 甲 sees the meeting, but only its own appeal in it — in the API, the count, and the page.
    api.as_(user_jia)
    listed = api.get(f"/api/v1/meetings/{symposium.pk}/appeals/").json()
    assert [a["id"] for a in listed["results"]] == [own.pk]
    detail = api.get(f"/api/v1/meetings/{symposium.pk}/").json()
    assert detail["appeal_count"] == 1 and detail["enterprises"] == [jia.pk]
    assert api.get(f"/api/v1/appeals/{other.pk}/").status_code == 404
    client.force_login(user_jia)
    page = client.get(f"/meetings/{symposium.pk}/").content.decode()
    assert own.number in page and other.number not in page and "乙食品" not in page


def test_a_meeting_the_user_may_not_see_is_404(api, client, symposium, user_yi):
    assert api.as_(user_yi).get(f"/api/v1/meetings/{symposium.pk}/").status_code == 404
    assert api.get(f"/api/v1/meetings/{symposium.pk}/appeals/").status_code == 404
    client.force_login(user_yi)
    assert client.get(f"/meetings/{symposium.pk}/").status_code == 404


# ---- the API -------------------------------------------------------------------------------------------------------

def test_api_creates_lists_and_patches_meetings(api, clerk, leader, gxj, jia, handler_gxj):
    api.as_(clerk)
    created = api.post("/api/v1/meetings/", {"type": "bank_meeting", "title": "政银企联席会（二季度）",
                                              "date": "2026-04-16", "place": "金融办", "host": leader.pk,
                                              "departments": [gxj.pk], "enterprises": [jia.pk]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["type"], body["channel"], body["host_name"], body["departments"], body["enterprises"]) == (
        "bank_meeting", "bank_meeting", "市长", [gxj.pk], [jia.pk])
    assert body["documents"]["problem-list.xlsx"] == f"/api/v1/meetings/{body['id']}/problem-list.xlsx"
    meeting = Meeting.objects.get(pk=body["id"])
    assert (meeting.created_by_id, meeting.type.code, meeting.date) == (clerk.pk, "bank_meeting", dt.date(2026, 4, 16))
    listed = api.get("/api/v1/meetings/?type=bank_meeting").json()
    assert [m["id"] for m in listed["results"]] == [meeting.pk]
    assert api.get("/api/v1/meetings/?type=symposium").json()["count"] == 0
    patched = api.patch(f"/api/v1/meetings/{meeting.pk}/", {"minutes": "议定三项"}, format="json")
    assert patched.status_code == 200 and patched.json()["minutes"] == "议定三项"
    assert patched.json()["title"] == "政银企联席会（二季度）"  # untouched by a partial update
    bad = api.post("/api/v1/meetings/", {"type": "no-such-type", "title": "", "date": "x"}, format="json")
    assert bad.status_code == 400 and {"type", "title", "date"} <= set(bad.json())
    denied = api.as_(handler_gxj).post("/api/v1/meetings/", {"type": "symposium", "title": "t", "date": "2026-01-01"},
                                       format="json")
    assert denied.status_code == 403
    assert Meeting.objects.count() == 1


def test_api_registration_accepts_meeting_and_filters_by_it(api, clerk, symposium, jia, category, raise_in):
    api.as_(clerk)
    response = api.post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "融资难", "content": "贷款审批慢",
                                             "category": category.pk, "meeting": symposium.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["meeting"] == symposium.pk and response.json()["channel"] == symposium.type.channel_id
    other = actions.register(acting_user=clerk, enterprise=jia, title="不在会上", content="c", category=category).appeal
    assert other.meeting_id is None
    filtered = api.get(f"/api/v1/appeals/?meeting={symposium.pk}").json()
    assert [a["id"] for a in filtered["results"]] == [response.json()["id"]]
    assert api.get(f"/api/v1/appeals/{other.pk}/").json()["meeting"] is None


def test_meeting_types_are_admin_data(api, admin_user, clerk):
    created = api.as_(admin_user).post("/api/v1/meeting-types/", {"code": "park_tour", "name": "园区现场办公会",
                                                                  "channel": "symposium"}, format="json")
    assert created.status_code == 201
    assert MeetingType.objects.get(code="park_tour").channel.code == "symposium"
    assert api.as_(clerk).post("/api/v1/meeting-types/", {"code": "x", "name": "x", "channel": "window"},
                               format="json").status_code == 403


# ---- pages --------------------------------------------------------------------------------------------------------

def test_meeting_pages(client, clerk, leader, symposium, raise_in, jia, symposium_type):
    appeal = raise_in(symposium, jia, "厂区道路破损")
    client.force_login(clerk)
    listing = client.get("/meetings/").content.decode()
    assert symposium.title in listing and "登记会议" in listing
    detail = client.get(f"/meetings/{symposium.pk}/").content.decode()
    assert appeal.number in detail and "问题清单" in detail and "责任分解表" in detail
    assert f"/api/v1/meetings/{symposium.pk}/responsibility-table.docx" in detail
    created = client.post("/meetings/new/", {"type": symposium_type.pk, "title": "二季度座谈会", "date": "2026-06-19",
                                             "host": leader.pk})
    assert created.status_code == 302
    meeting = Meeting.objects.get(title="二季度座谈会")
    assert created.url == f"/meetings/{meeting.pk}/" and meeting.host_id == leader.pk
    # The appeal's own page links back to its meeting.
    assert f"/meetings/{symposium.pk}/" in client.get(f"/appeals/{appeal.pk}/").content.decode()


def test_meeting_pages_refuse_who_may_not_record(client, handler_gxj, symposium):
    client.force_login(handler_gxj)
    assert client.get("/meetings/new/").status_code == 403
    assert client.get(f"/meetings/{symposium.pk}/bulk/").status_code == 403
    assert client.get(f"/meetings/{symposium.pk}/").status_code == 200


def test_nav_shows_the_meeting_pages_by_role(client, clerk, leader, user_jia, deputy, dispatcher):
    def nav(user):
        client.force_login(user)
        return client.get("/").content.decode()

    assert "接待日" in nav(clerk) and "会议" in nav(clerk)
    assert "我的结对企业" in nav(leader)
    assert "结对子" in nav(dispatcher)
    assert "代表建议" in nav(deputy) and "接待日" not in nav(deputy)
    assert "接待日" not in nav(user_jia)


def test_attending_enterprises_can_be_added_by_name_and_removed(client, clerk, symposium, yi, jia, raise_in):
    client.force_login(clerk)
    client.post(f"/meetings/{symposium.pk}/enterprises/", {"enterprise": f"{yi.name} {yi.uscc}"})
    assert set(symposium.enterprises.all()) == {jia, yi}
    raise_in(symposium, jia)
    response = client.post(f"/meetings/{symposium.pk}/enterprises/", {"remove": jia.pk}, follow=True)
    assert "提出了诉求" in response.content.decode()
    client.post(f"/meetings/{symposium.pk}/enterprises/", {"remove": yi.pk})
    assert set(symposium.enterprises.all()) == {jia}


def test_a_department_head_sees_meetings_its_department_attended(symposium, gxj):
    head = make_user("head_gxj", "head", department=gxj)
    assert list(Meeting.objects.visible_to(head)) == [symposium]


def test_the_schema_documents_the_endpoints(api, clerk):
    paths = api.as_(clerk).get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/v1/meetings/", "/api/v1/meetings/{id}/", "/api/v1/meetings/{id}/bulk-register/",
                 "/api/v1/meetings/{id}/{document}.{fmt}", "/api/v1/pairings/", "/api/v1/visits/",
                 "/api/v1/visits/{id}/appeals/", "/api/v1/reception-sessions/stats/", "/api/v1/opinions/",
                 "/api/v1/opinions/{id}/tasks/", "/api/v1/opinions/{id}/answer-letter.docx", "/api/v1/meeting-types/"):
        assert path in paths, path
    api.force_authenticate(None)
    assert api.get("/api/v1/meetings/").status_code == 401


def test_the_meeting_chip_names_the_meeting_only_to_those_who_may_see_it(as_user, clerk, user_yi, symposium):
    path = f"/appeals/?meeting={symposium.pk}"
    assert "2026年第一季度民营企业发展座谈会" in as_user(clerk).get(path).content.decode()
    hidden = as_user(user_yi).get(path).content.decode()  # 乙 took no part in it
    assert "2026年第一季度民营企业发展座谈会" not in hidden
    assert f"会议：#{symposium.pk}" in hidden
