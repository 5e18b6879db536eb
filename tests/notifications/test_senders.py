"""The senders against a real HTTP server on 127.0.0.1 (SMS gateway, 企业微信/钉钉 robots) and Django's mail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from lianxi.notifications.models import Notification, OutboxMessage
from lianxi.notifications.senders import EmailSender, SendError, SmsSender, WebhookSender

pytestmark = pytest.mark.django_db


@pytest.fixture
def server():
    """A local endpoint that records each request and answers with ``server.answer`` (status, JSON body)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            httpd.requests.append({"path": self.path, "headers": dict(self.headers),
                                   "json": json.loads(self.rfile.read(length))})
            status, body = httpd.answer
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body).encode())

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    httpd.requests, httpd.answer = [], (200, {"errcode": 0, "code": 0})
    httpd.url = f"http://127.0.0.1:{httpd.server_port}/hook"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def message(handler_gxj, now):
    notification = Notification.objects.create(recipient=handler_gxj, kind="dispatch", title="【交办】LX20260311-0001 标题",
                                               body="正文", created_at=now)
    return OutboxMessage.objects.create(notification=notification, channel="webhook", address="13900000001",
                                        subject=notification.title, body="正文\n\n[查看详情](http://x/appeals/1/)",
                                        next_attempt_at=now, created_at=now)


def configure(settings, **options):
    settings.LIANXI_NOTIFY = {**settings.LIANXI_NOTIFY, **options}


def test_wecom_robot_gets_markdown_with_the_key_and_a_mention(server, message, settings):
    configure(settings, WEBHOOK_URL=server.url, WEBHOOK_KEY="robot-key", WEBHOOK_FLAVOR="wecom")
    WebhookSender().send(message)
    (request,) = server.requests
    assert request["path"] == "/hook?key=robot-key"
    assert request["json"]["msgtype"] == "markdown"
    content = request["json"]["markdown"]["content"]
    assert content.startswith("### 【交办】LX20260311-0001 标题") and "@13900000001" in content
    assert request["headers"]["X-Lianxi-Message-Id"] == str(message.key)


def test_dingtalk_robot_is_signed_and_mentions_by_mobile(server, message, settings):
    configure(settings, WEBHOOK_URL=server.url, WEBHOOK_KEY="SEC-secret", WEBHOOK_FLAVOR="dingtalk")
    WebhookSender().send(message)
    (request,) = server.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(b"SEC-secret", f"{timestamp}\nSEC-secret".encode(), hashlib.sha256).digest())
    assert sign == expected.decode()
    assert request["json"]["at"] == {"atMobiles": ["13900000001"]}
    assert request["json"]["markdown"]["title"] == message.subject


@pytest.mark.parametrize("answer", [(200, {"errcode": 93000, "errmsg": "invalid webhook url"}),
                                    (500, {"errcode": -1})])
def test_a_robot_that_says_no_is_a_failure(server, message, settings, answer):
    configure(settings, WEBHOOK_URL=server.url, WEBHOOK_KEY="", WEBHOOK_FLAVOR="wecom")
    server.answer = answer
    with pytest.raises(Exception) as failure:
        WebhookSender().send(message)
    assert "93000" in str(failure.value) or "500" in str(failure.value)


def test_sms_gateway_gets_the_phone_the_text_the_key_and_the_id(server, message, settings):
    configure(settings, SMS_URL=server.url, SMS_KEY="sms-key")
    message.channel, message.body = "sms", "【交办】LX20260311-0001 标题。详情：http://x/appeals/1/"
    SmsSender().send(message)
    (request,) = server.requests
    assert request["json"] == {"phone": "13900000001", "text": message.body, "id": str(message.key)}
    assert request["headers"]["Authorization"] == "Bearer sms-key"
    server.answer = (200, {"code": 17, "message": "余额不足"})
    with pytest.raises(SendError, match="余额不足"):
        SmsSender().send(message)


def test_an_unconfigured_gateway_fails_until_it_is_configured(message, settings):
    configure(settings, SMS_URL="", WEBHOOK_URL="")
    with pytest.raises(SendError, match="SMS_URL"):
        SmsSender().send(message)
    with pytest.raises(SendError, match="WEBHOOK_URL"):
        WebhookSender().send(message)


def test_unreachable_gateway_raises(message, settings):
    configure(settings, SMS_URL="http://127.0.0.1:9/nothing-listens-here", TIMEOUT=2)
    with pytest.raises(OSError):
        SmsSender().send(message)


def test_email_goes_through_djangos_mail_settings(message, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message.channel, message.address = "email", "h@gxj.gov.cn"
    EmailSender().send(message)
    (sent,) = mail.outbox
    assert sent.to == ["h@gxj.gov.cn"] and sent.subject == message.subject and sent.body == message.body
    assert sent.extra_headers["X-Lianxi-Message-Id"] == str(message.key)
    assert sent.from_email == settings.DEFAULT_FROM_EMAIL
