"""Senders: one per external channel, chosen by dotted path in ``settings.LIANXI_NOTIFY["SENDERS"]``.

A sender's ``send(message)`` returns when the message is handed over and raises on any failure; the deliverer
turns the exception into a retry. Every sender passes on ``message.key`` (stable across retries) so that the
receiving side can drop a duplicate after a crash between sending and recording it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
import urllib.request
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

logger = logging.getLogger("lianxi.notifications")


class SendError(Exception):
    """The other side answered, and said no."""


class Sender:
    def send(self, message) -> None:
        raise NotImplementedError


class LoggingSender(Sender):
    """The default for every channel: writes the message to the log and succeeds. No server needed."""

    def send(self, message) -> None:
        logger.info("[%s → %s] %s (%s)\n%s", message.channel, message.address, message.subject, message.key,
                    message.body)


class EmailSender(Sender):
    """SMTP (or any backend) through Django's e-mail settings: EMAIL_HOST, EMAIL_PORT, DEFAULT_FROM_EMAIL, …"""

    def send(self, message) -> None:
        email = EmailMessage(subject=message.subject, body=message.body, to=[message.address],
                             headers={"X-Lianxi-Message-Id": str(message.key)})
        email.send(fail_silently=False)


def _post_json(url: str, payload: dict, headers: dict | None = None) -> dict:
    """POST JSON, return the JSON answer; a network error, a non-2xx status or a non-JSON answer raises."""
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    with urllib.request.urlopen(request, timeout=settings.LIANXI_NOTIFY["TIMEOUT"]) as response:
        text = response.read().decode("utf-8", "replace")
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise SendError(f"非JSON应答：{text[:200]}") from exc


def _configured(name: str) -> str:
    value = settings.LIANXI_NOTIFY[name]
    if not value:
        raise SendError(f"未配置 {name}")  # a retry after the setting is fixed still sends it
    return value


class SmsSender(Sender):
    """An SMS gateway that takes ``{"phone", "text", "id"}`` as JSON with the key in ``Authorization: Bearer``
    (SMS_URL, SMS_KEY). An answer with a non-zero ``code`` is a failure."""

    def send(self, message) -> None:
        answer = _post_json(_configured("SMS_URL"),
                            {"phone": message.address, "text": message.body, "id": str(message.key)},
                            {"Authorization": f"Bearer {settings.LIANXI_NOTIFY['SMS_KEY']}"})
        if str(answer.get("code", 0)) not in {"0", "OK", "ok"}:
            raise SendError(f"短信网关拒绝：{answer}")


class WebhookSender(Sender):
    """A group robot of 企业微信 (WEBHOOK_FLAVOR=wecom) or 钉钉 (dingtalk) at WEBHOOK_URL, posting markdown and
    @-mentioning the recipient by mobile number. WEBHOOK_KEY is the 企业微信 robot key (added as ``?key=``
    unless the URL has one) or the 钉钉 加签 secret. Both answer ``{"errcode": 0}`` on success."""

    def send(self, message) -> None:
        url, key = _configured("WEBHOOK_URL"), settings.LIANXI_NOTIFY["WEBHOOK_KEY"]
        flavor = settings.LIANXI_NOTIFY["WEBHOOK_FLAVOR"]
        text = f"### {message.subject}\n\n{message.body}\n\n@{message.address}"
        if flavor == "dingtalk":
            payload = {"msgtype": "markdown", "markdown": {"title": message.subject, "text": text},
                       "at": {"atMobiles": [message.address]}}
            if key:
                url = _dingtalk_signed(url, key)
        else:
            payload = {"msgtype": "markdown", "markdown": {"content": text}}
            if key and "key=" not in url:
                url = f"{url}{'&' if '?' in url else '?'}key={urllib.parse.quote(key)}"
        answer = _post_json(url, payload, {"X-Lianxi-Message-Id": str(message.key)})
        if answer.get("errcode", 0) != 0:
            raise SendError(f"机器人拒绝：{answer.get('errcode')} {answer.get('errmsg', '')}")


def _dingtalk_signed(url: str, secret: str) -> str:
    """钉钉 加签: HMAC-SHA256 of "timestamp\\nsecret" with the secret, base64, as ``timestamp`` and ``sign``."""
    timestamp = str(round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


@lru_cache(maxsize=None)
def _sender_class(path: str) -> type[Sender]:
    return import_string(path)


def sender_for(channel: str) -> Sender:
    path = settings.LIANXI_NOTIFY["SENDERS"][channel]
    try:
        return _sender_class(path)()
    except ImportError as exc:
        raise ImproperlyConfigured(f"LIANXI_NOTIFY SENDERS[{channel!r}]: 无法加载 {path}（{exc}）") from exc
