"""/notifications/: the inbox page, opening a message, marking read, the channel choices; and the nav badge."""

from __future__ import annotations

import pytest

from lianxi.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages_for(registered, now):
    def make(user, title, read=False):
        return Notification.objects.create(recipient=user, kind="dispatch", title=title, body="第一行\n第二行",
                                           appeal=registered, url=f"/appeals/{registered.pk}/", created_at=now,
                                           read_at=now if read else None)
    return make


def test_anonymous_goes_to_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_inbox_lists_mine_marks_unread_and_escapes(client, handler_gxj, handler_rsj, messages_for, registered):
    messages_for(handler_gxj, "【交办】<b>粗体</b>")
    messages_for(handler_gxj, "已经读过", read=True)
    messages_for(handler_rsj, "人社局的消息")
    client.force_login(handler_gxj)
    page = client.get("/notifications/").content.decode()
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page and "<b>粗体</b>" not in page
    assert "已经读过" in page and "人社局的消息" not in page
    assert page.count('class="badge badge-red">未读') == 1
    assert "第一行<br>第二行" in page and registered.number in page
    # The nav entry carries the unread count.
    assert '消息<span class="count has" aria-label="1 条未读">1</span>' in page

    unread_only = client.get("/notifications/?unread=1").content.decode()
    assert "粗体" in unread_only and "已经读过" not in unread_only


def test_opening_a_message_marks_it_read_and_goes_to_the_appeal(client, handler_gxj, messages_for, registered):
    message = messages_for(handler_gxj, "交办")
    client.force_login(handler_gxj)
    response = client.get(f"/notifications/{message.pk}/")
    assert response.status_code == 302 and response.url == f"/appeals/{registered.pk}/"
    message.refresh_from_db()
    assert message.read_at is not None
    assert "消息<span" not in client.get("/notifications/").content.decode()  # no badge once all are read


def test_someone_elses_message_is_not_found(client, handler_gxj, handler_rsj, messages_for):
    message = messages_for(handler_rsj, "人社局的消息")
    client.force_login(handler_gxj)
    assert client.get(f"/notifications/{message.pk}/").status_code == 404
    assert client.post(f"/notifications/{message.pk}/read/").status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_one_and_all_read(client, handler_gxj, handler_rsj, messages_for):
    one, two = messages_for(handler_gxj, "一"), messages_for(handler_gxj, "二")
    others = messages_for(handler_rsj, "人社")
    client.force_login(handler_gxj)
    response = client.post(f"/notifications/{one.pk}/read/", {"next": "/notifications/?unread=1"})
    assert response.status_code == 302 and response.url == "/notifications/?unread=1"
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.read_at is not None and two.read_at is None

    response = client.post("/notifications/read-all/", {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/notifications/"  # never off-site
    assert "已将 1 条消息标为已读" in response.content.decode()
    two.refresh_from_db()
    others.refresh_from_db()
    assert two.read_at is not None and others.read_at is None
    assert client.get("/notifications/read-all/").status_code == 405


def test_channel_choices_form(client, handler_gxj):
    handler_gxj.phone = "13900000001"
    handler_gxj.save()
    client.force_login(handler_gxj)
    page = client.get("/notifications/preferences/").content.decode()
    assert "接收渠道" in page and "13900000001" in page and "未登记" in page  # no e-mail address
    assert 'id="id_email" checked>' in page and 'id="id_sms">' in page  # the defaults: e-mail on, SMS off

    response = client.post("/notifications/preferences/", {"sms": "on", "webhook": "on"}, follow=True)
    assert "接收渠道已保存" in response.content.decode()
    stored = NotificationPreference.objects.get(user=handler_gxj)
    assert (stored.email, stored.sms, stored.webhook) == (False, True, True)
