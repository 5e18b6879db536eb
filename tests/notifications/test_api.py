"""/api/v1/notifications/: a user's own inbox only; read/unread; channel choices."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from lianxi.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(handler_gxj, handler_rsj, registered, now):
    """Three messages for 工信局's handler (the newest read), one for 人社局's."""
    def make(user, title, minutes, read=False):
        at = now + dt.timedelta(minutes=minutes)
        return Notification.objects.create(recipient=user, kind="dispatch", title=title, body="正文", appeal=registered,
                                           url=f"/appeals/{registered.pk}/", created_at=at, read_at=at if read else None)

    return {"old": make(handler_gxj, "一", 1), "mid": make(handler_gxj, "二", 2),
            "new": make(handler_gxj, "三", 3, read=True), "other": make(handler_rsj, "人社", 4)}


@pytest.mark.parametrize("method, path", [("get", "/api/v1/notifications/"), ("get", "/api/v1/notifications/1/"),
                                          ("post", "/api/v1/notifications/1/read/"),
                                          ("post", "/api/v1/notifications/read-all/"),
                                          ("get", "/api/v1/notifications/preferences/"),
                                          ("patch", "/api/v1/notifications/preferences/")])
def test_credentials_required(method, path, inbox):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401


def test_own_messages_only_newest_first(api, handler_gxj, inbox, registered):
    body = api.as_(handler_gxj).get("/api/v1/notifications/").json()
    assert body["count"] == 3
    assert [n["title"] for n in body["results"]] == ["三", "二", "一"]
    first = body["results"][0]
    assert first["unread"] is False and first["appeal"] == registered.pk
    assert first["appeal_number"] == registered.number and first["url"] == f"/appeals/{registered.pk}/"


def test_unread_filter_and_pagination(api, handler_gxj, inbox):
    unread = api.as_(handler_gxj).get("/api/v1/notifications/?unread=true").json()
    assert [n["title"] for n in unread["results"]] == ["二", "一"]
    read = api.as_(handler_gxj).get("/api/v1/notifications/?unread=false").json()
    assert [n["title"] for n in read["results"]] == ["三"]
    paged = api.as_(handler_gxj).get("/api/v1/notifications/?page_size=2").json()
    assert paged["count"] == 3 and len(paged["results"]) == 2 and paged["next"]


def test_another_users_message_is_not_found_and_stays_unread(api, handler_gxj, inbox):
    other = inbox["other"]
    assert api.as_(handler_gxj).get(f"/api/v1/notifications/{other.pk}/").status_code == 404
    response = api.as_(handler_gxj).post(f"/api/v1/notifications/{other.pk}/read/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_read_keeps_the_first_moment(api, handler_gxj, inbox):
    target = inbox["old"]
    first = api.as_(handler_gxj).post(f"/api/v1/notifications/{target.pk}/read/")
    assert first.status_code == 200 and first.json()["unread"] is False
    target.refresh_from_db()
    moment = target.read_at
    assert moment is not None
    assert api.as_(handler_gxj).post(f"/api/v1/notifications/{target.pk}/read/").json()["read_at"] == first.json()["read_at"]
    target.refresh_from_db()
    assert target.read_at == moment


def test_read_all_marks_only_mine(api, handler_gxj, inbox):
    response = api.as_(handler_gxj).post("/api/v1/notifications/read-all/")
    assert response.status_code == 200 and response.json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=handler_gxj, read_at__isnull=True).exists()
    inbox["other"].refresh_from_db()
    assert inbox["other"].read_at is None
    assert api.as_(handler_gxj).post("/api/v1/notifications/read-all/").json() == {"marked": 0}


def test_preferences_read_and_change(api, handler_gxj):
    handler_gxj.email = "h@gxj.gov.cn"
    handler_gxj.save()
    client = api.as_(handler_gxj)
    assert client.get("/api/v1/notifications/preferences/").json() == {
        "email": True, "sms": False, "webhook": False, "email_address": "h@gxj.gov.cn", "phone": ""}
    assert not NotificationPreference.objects.exists()  # reading the defaults stores nothing

    changed = client.patch("/api/v1/notifications/preferences/", {"sms": True, "email": False}, format="json")
    assert changed.status_code == 200 and changed.json()["sms"] is True and changed.json()["email"] is False
    stored = NotificationPreference.objects.get(user=handler_gxj)
    assert (stored.email, stored.sms, stored.webhook) == (False, True, False)


def test_bad_preferences_store_nothing(api, handler_gxj):
    response = api.as_(handler_gxj).patch("/api/v1/notifications/preferences/", {"sms": "maybe"}, format="json")
    assert response.status_code == 400 and "sms" in response.json()
    assert not NotificationPreference.objects.exists()


def test_preferences_are_per_user(api, handler_gxj, handler_rsj):
    api.as_(handler_gxj).patch("/api/v1/notifications/preferences/", {"webhook": True}, format="json")
    assert api.as_(handler_rsj).get("/api/v1/notifications/preferences/").json()["webhook"] is False


def test_in_the_schema(api, clerk):
    paths = api.as_(clerk).get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/v1/notifications/", "/api/v1/notifications/{id}/read/", "/api/v1/notifications/read-all/",
                 "/api/v1/notifications/preferences/"):
        assert path in paths
    assert "patch" in paths["/api/v1/notifications/preferences/"]
