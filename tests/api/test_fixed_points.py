"""API.md's fixed points, as a neighbouring system (a 12345 hotline, a mobile app) would use them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from lianxi.appeals.models import Appeal, AppealEvent, Attachment, IdempotencyKey
from lianxi.appeals.workflow import State
from lianxi.directory.models import Channel, Department, Enterprise

from ..conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def register(api, user, enterprise, category, **extra):
    body = {"enterprise": enterprise.pk, "title": "用电报装迟迟未批", "content": "新厂房申请高压报装已两月未批复",
            "category": category.pk, **extra}
    return api.as_(user).post("/api/v1/appeals/", body, format="json")


# ---- authentication ---------------------------------------------------------------------------------------------

def test_token_auth_then_token_header(clerk):
    client = APIClient()
    answer = client.post("/api/v1/auth/token/", {"username": "clerk", "password": "pass-word-123"}, format="json")
    assert answer.status_code == 200
    token = answer.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/appeals/").status_code == 200


def test_wrong_password_gets_no_token(clerk):
    answer = APIClient().post("/api/v1/auth/token/", {"username": "clerk", "password": "nope"}, format="json")
    assert answer.status_code == 400 and "token" not in answer.json()


@pytest.mark.parametrize("url", ["/api/v1/appeals/", "/api/v1/enterprises/", "/api/v1/departments/",
                                 "/api/v1/users/"])
def test_without_credentials_401(url):
    assert APIClient().get(url).status_code == 401


# ---- collections ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/departments/", "/api/v1/categories/", "/api/v1/channels/",
                                 "/api/v1/enterprises/", "/api/v1/appeals/", "/api/v1/users/"])
def test_collections_are_paginated(api, admin_user, url):
    body = api.as_(admin_user).get(url).json()
    assert set(body) >= {"count", "next", "previous", "results"}


def test_channels_and_categories_are_data(api, clerk):
    channels = api.as_(clerk).get("/api/v1/channels/?page_size=50").json()
    codes = {c["code"] for c in channels["results"]}
    assert {"symposium", "reception_day", "window", "online", "npc_inspection", "bank_meeting"} <= codes
    categories = api.as_(clerk).get("/api/v1/categories/").json()
    assert categories["count"] == 12


def test_admin_creates_and_patches_department(api, admin_user):
    answer = api.as_(admin_user).post("/api/v1/departments/", {
        "code": "fgj", "name": "市发展和改革局", "kind": "bureau", "remit": "项目审批、价格"}, format="json")
    assert answer.status_code == 201
    pk = answer.json()["id"]
    patched = api.patch(f"/api/v1/departments/{pk}/", {"remit": "项目立项、价格、招投标"}, format="json")
    assert patched.status_code == 200 and Department.objects.get(pk=pk).remit == "项目立项、价格、招投标"
    assert api.get("/api/v1/departments/?search=发展").json()["count"] == 1


def test_department_bad_input_named_and_nothing_stored(api, admin_user):
    answer = api.as_(admin_user).post("/api/v1/departments/", {"code": "", "kind": "planet"}, format="json")
    assert answer.status_code == 400
    assert {"code", "name", "kind"} <= set(answer.json())
    assert not Department.objects.exists()


def test_non_admin_may_read_but_not_configure(api, clerk, gxj):
    assert api.as_(clerk).get(f"/api/v1/departments/{gxj.pk}/").status_code == 200
    assert api.patch(f"/api/v1/departments/{gxj.pk}/", {"name": "改名"}, format="json").status_code == 403
    gxj.refresh_from_db()
    assert gxj.name == "市工业和信息化局"


def test_enterprise_create_validates_uscc_and_phone(api, clerk):
    answer = api.as_(clerk).post("/api/v1/enterprises/", {
        "name": "清镇丙公司", "uscc": "91520181MA6DL8XX4B", "contact_phone": "12345"}, format="json")
    assert answer.status_code == 400
    assert {"uscc", "contact_phone"} <= set(answer.json())
    assert not Enterprise.objects.exists()


def test_enterprise_create_normalises_and_tags(api, clerk, town):
    answer = api.as_(clerk).post("/api/v1/enterprises/", {
        "name": "清镇丙公司", "uscc": " 91520181ma6dl8xx4a ", "contact_phone": "138 0000 0003",
        "town": town.pk, "tags": ["规上", "专精特新"], "size": "small", "industry": "C"}, format="json")
    assert answer.status_code == 201, answer.json()
    enterprise = Enterprise.objects.get()
    assert enterprise.uscc == "91520181MA6DL8XX4A" and enterprise.contact_phone == "13800000003"
    assert sorted(answer.json()["tags"]) == ["专精特新", "规上"]
    duplicate = api.post("/api/v1/enterprises/", {"name": "重复", "uscc": "91520181MA6DL8XX4A"}, format="json")
    assert duplicate.status_code == 400 and "uscc" in duplicate.json()


def test_enterprise_search_is_the_list_pages(api, clerk, jia, yi, town):
    """The API filters enterprises with the page's FilterSet: name, the start of a USCC as typed, town."""
    assert [e["id"] for e in api.as_(clerk).get("/api/v1/enterprises/?search=乙食品").json()["results"]] == [yi.pk]
    assert api.get("/api/v1/enterprises/?search=9152 0181 ma6d").json()["count"] == 2
    assert api.get(f"/api/v1/enterprises/?search={jia.uscc}").json()["results"][0]["id"] == jia.pk
    assert api.get(f"/api/v1/enterprises/?town={town.pk}").json()["count"] == 2
    assert api.get("/api/v1/enterprises/?size=bogus").status_code == 400


def test_enterprise_user_sees_only_own_enterprise(api, user_jia, jia, yi):
    listing = api.as_(user_jia).get("/api/v1/enterprises/").json()
    assert [e["id"] for e in listing["results"]] == [jia.pk]
    assert api.get(f"/api/v1/enterprises/{yi.pk}/").status_code == 404
    assert api.patch(f"/api/v1/enterprises/{jia.pk}/", {"name": "改名"}, format="json").status_code == 403


def test_users_admin_only_with_roles(api, admin_user, clerk, gxj):
    answer = api.as_(admin_user).post("/api/v1/users/", {
        "username": "wang", "password": "a-long-password", "roles": ["handler", "supervisor"],
        "department": gxj.pk}, format="json")
    assert answer.status_code == 201, answer.json()
    assert sorted(answer.json()["roles"]) == ["handler", "supervisor"]
    assert "password" not in answer.json()
    assert api.as_(clerk).get("/api/v1/users/").status_code == 403
    assert api.as_(clerk).post("/api/v1/users/", {"username": "x", "password": "a-long-password",
                                                  "roles": ["admin"]}, format="json").status_code == 403


def test_user_create_bad_input(api, admin_user, jia, gxj):
    answer = api.as_(admin_user).post("/api/v1/users/", {
        "username": "", "password": "short", "roles": ["wizard"]}, format="json")
    assert answer.status_code == 400 and {"username", "password", "roles"} <= set(answer.json())
    both = api.post("/api/v1/users/", {"username": "both", "password": "a-long-password", "roles": ["enterprise"],
                                       "department": gxj.pk, "enterprise": jia.pk}, format="json")
    assert both.status_code == 400 and "enterprise" in both.json()


# ---- registration -------------------------------------------------------------------------------------------------

def test_register_201_with_fixed_fields_and_event(api, clerk, jia, category):
    answer = register(api, clerk, jia, category)
    assert answer.status_code == 201
    body = answer.json()
    for key in ["id", "number", "state", "enterprise", "title", "content", "channel", "category",
                "lead_department", "co_departments", "due_at", "created_at"]:
        assert key in body
    assert body["state"] == "registered" and body["number"].startswith("LX")
    assert body["channel"] == Channel.objects.get(code="window").pk
    event = AppealEvent.objects.get(appeal_id=body["id"])
    assert (event.action, event.actor, event.to_state) == ("register", clerk, "registered")


def test_enterprise_user_defaults_to_online_and_own_enterprise(api, user_jia, jia, yi, category):
    answer = api.as_(user_jia).post("/api/v1/appeals/", {"title": "咨询", "content": "社保补贴怎么申请",
                                                         "category": category.pk}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["enterprise"] == jia.pk
    assert answer.json()["channel"] == Channel.objects.get(code="online").pk
    other = register(api, user_jia, yi, category)
    assert other.status_code == 400 and "enterprise" in other.json()
    assert Appeal.objects.count() == 1


def test_register_bad_input_field_named_nothing_stored(api, clerk, category):
    answer = api.as_(clerk).post("/api/v1/appeals/", {"enterprise": 999999, "title": "", "category": "x",
                                                      "kind": "gossip"}, format="json")
    assert answer.status_code == 400
    assert {"enterprise", "title", "content", "category", "kind"} <= set(answer.json())
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()


def test_handler_may_not_register(api, handler_gxj, jia, category):
    assert register(api, handler_gxj, jia, category).status_code == 403
    assert not Appeal.objects.exists()


def test_idempotency_key_replays_first_answer(api, clerk, dispatcher, jia, category):
    first = api.as_(clerk).post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "a", "content": "b",
                                                     "category": category.pk}, format="json",
                                HTTP_IDEMPOTENCY_KEY="hotline-20261127-0001")
    again = api.post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "a", "content": "b",
                                          "category": category.pk}, format="json",
                     HTTP_IDEMPOTENCY_KEY="hotline-20261127-0001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Appeal.objects.count() == 1
    # The key is per user: another user with the same key registers anew.
    other = api.as_(dispatcher).post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "a", "content": "b",
                                                          "category": category.pk}, format="json",
                                     HTTP_IDEMPOTENCY_KEY="hotline-20261127-0001")
    assert other.status_code == 201 and Appeal.objects.count() == 2


def test_idempotency_key_expires_after_24h(api, clerk, jia, category):
    import datetime as dt

    api.as_(clerk).post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "a", "content": "b",
                                             "category": category.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    IdempotencyKey.objects.update(created_at=IdempotencyKey.objects.get().created_at - dt.timedelta(hours=25))
    api.post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "a", "content": "b", "category": category.pk},
             format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert Appeal.objects.count() == 2


def test_failed_registration_does_not_burn_the_key(api, clerk, jia, category):
    bad = api.as_(clerk).post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "", "content": "b",
                                                   "category": category.pk}, format="json",
                              HTTP_IDEMPOTENCY_KEY="k2")
    assert bad.status_code == 400
    good = api.post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "a", "content": "b",
                                         "category": category.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert good.status_code == 201 and Appeal.objects.count() == 1


def test_attachments_multipart(api, clerk, jia, category):
    pdf = SimpleUploadedFile("营业执照.pdf", b"%PDF-1.7 test", content_type="application/pdf")
    answer = api.as_(clerk).post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "a", "content": "b",
                                                      "category": category.pk, "attachments": [pdf]},
                                 format="multipart")
    assert answer.status_code == 201, answer.json()
    assert [a["name"] for a in answer.json()["attachments"]] == ["营业执照.pdf"]
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    refused = api.post("/api/v1/appeals/", {"enterprise": jia.pk, "title": "a", "content": "b",
                                            "category": category.pk, "attachments": [exe]}, format="multipart")
    assert refused.status_code == 400 and "attachments" in refused.json()
    assert Appeal.objects.count() == 1 and Attachment.objects.count() == 1


# ---- the loop through the API -------------------------------------------------------------------------------------

def test_whole_loop_and_events(api, clerk, dispatcher, handler_gxj, supervisor, jia, category, gxj, rsj):
    pk = register(api, clerk, jia, category).json()["id"]
    steps = [
        (dispatcher, "dispatch", {"lead_department": gxj.pk, "co_departments": [rsj.pk],
                                  "instructions": "请于时限内办结"}, "dispatched"),
        (handler_gxj, "accept", {}, "handling"),
        (handler_gxj, "progress", {"note": "已联系供电局现场勘查"}, "handling"),
        (handler_gxj, "request-extension", {"due_at": "2099-01-05T18:00:00+08:00", "reason": "需走审批"},
         "handling"),
        (supervisor, "decide-extension", {"approve": True}, "handling"),
        (handler_gxj, "reply", {"result": "已完成报装", "outcome": "solved"}, "replied"),
        (clerk, "follow-up", {"rating": 5, "solved": True, "comment": "满意"}, "followed_up"),
        (supervisor, "close", {}, "closed"),
    ]
    for user, name, body, state in steps:
        answer = api.as_(user).post(f"/api/v1/appeals/{pk}/{name}/", body, format="json")
        assert answer.status_code == 200, (name, answer.json())
        assert answer.json()["state"] == state
    appeal = api.get(f"/api/v1/appeals/{pk}/").json()
    assert appeal["lead_department"] == gxj.pk and appeal["co_departments"] == [rsj.pk]
    assert appeal["due_at"].startswith("2099-01-05") and appeal["original_due_at"] != appeal["due_at"]
    events = api.get(f"/api/v1/appeals/{pk}/events/").json()
    assert [e["action"] for e in events] == ["register"] + [s[1] for s in steps]
    assert set(events[0]) >= {"action", "actor", "from_state", "to_state", "at", "data"}
    assert events[1]["from_state"] == "registered" and events[1]["to_state"] == "dispatched"
    assert events[1]["data"]["lead_department"] == gxj.pk


def test_409_when_action_does_not_apply(api, clerk, dispatcher, jia, category, gxj):
    pk = register(api, clerk, jia, category).json()["id"]
    answer = api.as_(dispatcher).post(f"/api/v1/appeals/{pk}/close/", {}, format="json")
    assert answer.status_code == 403  # a dispatcher never closes
    answer = api.as_(dispatcher).post(f"/api/v1/appeals/{pk}/merge/", {"into": pk}, format="json")
    assert answer.status_code == 400 and "into" in answer.json()
    api.post(f"/api/v1/appeals/{pk}/dispatch/", {"lead_department": gxj.pk}, format="json")
    again = api.post(f"/api/v1/appeals/{pk}/dispatch/", {"lead_department": gxj.pk}, format="json")
    assert again.status_code == 409 and "已交办" in again.json()["detail"]
    assert AppealEvent.objects.filter(appeal_id=pk, action="dispatch").count() == 1


def test_403_and_404(api, clerk, dispatcher, handler_gxj, handler_rsj, user_yi, jia, category, gxj):
    pk = register(api, clerk, jia, category).json()["id"]
    api.as_(dispatcher).post(f"/api/v1/appeals/{pk}/dispatch/", {"lead_department": gxj.pk}, format="json")
    assert api.as_(handler_rsj).get(f"/api/v1/appeals/{pk}/").status_code == 404
    assert api.as_(handler_rsj).post(f"/api/v1/appeals/{pk}/accept/", {}, format="json").status_code == 404
    assert api.as_(user_yi).get(f"/api/v1/appeals/{pk}/events/").status_code == 404
    assert api.as_(clerk).post(f"/api/v1/appeals/{pk}/accept/", {}, format="json").status_code == 403
    assert Appeal.objects.get(pk=pk).state == State.DISPATCHED


def test_action_bad_input_names_fields(api, clerk, dispatcher, jia, category, gxj):
    pk = register(api, clerk, jia, category).json()["id"]
    answer = api.as_(dispatcher).post(f"/api/v1/appeals/{pk}/dispatch/",
                                      {"lead_department": 12345, "due_at": "next tuesday"}, format="json")
    assert answer.status_code == 400 and {"lead_department", "due_at"} <= set(answer.json())
    assert Appeal.objects.get(pk=pk).state == State.REGISTERED
    assert AppealEvent.objects.filter(appeal_id=pk).count() == 1


def test_list_filters_and_search(api, clerk, dispatcher, jia, yi, category, gxj):
    a = register(api, clerk, jia, category, title="清松贷放款慢").json()
    register(api, clerk, yi, category, title="招工难")
    api.as_(dispatcher).post(f"/api/v1/appeals/{a['id']}/dispatch/", {"lead_department": gxj.pk}, format="json")
    assert api.get("/api/v1/appeals/?search=清松贷").json()["count"] == 1
    assert api.get(f"/api/v1/appeals/?search={a['number']}").json()["count"] == 1
    assert api.get("/api/v1/appeals/?state=dispatched").json()["count"] == 1
    assert api.get(f"/api/v1/appeals/?department={gxj.pk}").json()["count"] == 1
    assert api.get(f"/api/v1/appeals/?enterprise={yi.pk}").json()["count"] == 1
    assert api.get("/api/v1/appeals/?search=乙食品").json()["count"] == 1
    # Two characters (the bigram index on PostgreSQL) and one character (LOWER) find the same as three.
    assert [r["title"] for r in api.get("/api/v1/appeals/?search=招工").json()["results"]] == ["招工难"]
    assert api.get("/api/v1/appeals/?search=贷").json()["count"] == 1
    assert api.get("/api/v1/appeals/?search=乙食").json()["count"] == 1


def test_handler_list_only_own_department(api, clerk, dispatcher, jia, category, gxj, rsj):
    handler = make_user("h2", "handler", department=rsj)
    for lead in (gxj, rsj):
        pk = register(api, clerk, jia, category).json()["id"]
        api.as_(dispatcher).post(f"/api/v1/appeals/{pk}/dispatch/", {"lead_department": lead.pk}, format="json")
    results = api.as_(handler).get("/api/v1/appeals/").json()["results"]
    assert [r["lead_department"] for r in results] == [rsj.pk]


# ---- schema and docs, self-hosted ------------------------------------------------------------------------------

def test_schema_and_docs_without_cdn(api, clerk, client):
    schema = api.as_(clerk).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/appeals/{id}/follow-up/" in paths and "/api/v1/auth/token/" in paths
    created = paths["/api/v1/appeals/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    registered = schema.json()["components"]["schemas"][created["$ref"].rsplit("/", 1)[-1]]
    assert "similar" in registered["properties"] and "available_actions" in registered["properties"]
    client.force_login(clerk)
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs and "cdn" not in docs.lower()


def test_export_xlsx_follows_filters_and_access_rule(api, clerk, dispatcher, handler_gxj, jia, yi, category, gxj):
    import io

    from openpyxl import load_workbook

    mine = register(api, clerk, jia, category, title="甲的诉求").json()
    register(api, clerk, yi, category, title="乙的诉求")
    api.as_(dispatcher).post(f"/api/v1/appeals/{mine['id']}/dispatch/", {"lead_department": gxj.pk}, format="json")
    everything = api.as_(clerk).get("/api/v1/appeals/export/")
    assert everything.status_code == 200 and everything["X-Rows"] == "2"
    handler_view = api.as_(handler_gxj).get("/api/v1/appeals/export/")
    sheet = load_workbook(io.BytesIO(handler_view.content)).active
    assert [row[1].value for row in sheet.iter_rows(min_row=3)] == [mine["number"]]
    assert sheet.print_title_rows == "$2:$2"
    filtered = api.as_(clerk).get("/api/v1/appeals/export/?search=乙的")
    assert filtered["X-Rows"] == "1"


def test_patch_corrects_registration_with_event(api, clerk, dispatcher, handler_gxj, jia, category, gxj):
    pk = register(api, clerk, jia, category).json()["id"]
    answer = api.as_(clerk).patch(f"/api/v1/appeals/{pk}/", {"title": "高压报装迟迟未批", "kind": "complaint"},
                                  format="json")
    assert answer.status_code == 200 and answer.json()["title"] == "高压报装迟迟未批"
    event = AppealEvent.objects.filter(appeal_id=pk).last()
    assert event.action == "edit" and event.data["changes"]["kind"] == ["help", "complaint"]
    assert event.data["changes"]["title"] == ["用电报装迟迟未批", "高压报装迟迟未批"]
    same = api.patch(f"/api/v1/appeals/{pk}/", {"title": "高压报装迟迟未批"}, format="json")
    assert same.status_code == 200 and AppealEvent.objects.filter(appeal_id=pk).count() == 2
    blank = api.patch(f"/api/v1/appeals/{pk}/", {"title": " "}, format="json")
    assert blank.status_code == 400 and "title" in blank.json()
    api.as_(dispatcher).post(f"/api/v1/appeals/{pk}/dispatch/", {"lead_department": gxj.pk}, format="json")
    late = api.as_(clerk).patch(f"/api/v1/appeals/{pk}/", {"title": "再改"}, format="json")
    assert late.status_code == 409
    assert api.as_(handler_gxj).patch(f"/api/v1/appeals/{pk}/", {"title": "x"}, format="json").status_code == 403
    assert api.as_(clerk).put(f"/api/v1/appeals/{pk}/", {"title": "x"}, format="json").status_code == 405
    assert Appeal.objects.get(pk=pk).title == "高压报装迟迟未批"


def test_the_openapi_document_generates_without_warnings(tmp_path):
    """Every view of every app is described: a warning means a field or filter the schema had to guess."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().count("/api/v1/") > 40
