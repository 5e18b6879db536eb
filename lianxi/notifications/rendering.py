"""The messages' Chinese text, from templates: ``templates/notifications/messages/<action>.txt``.

A template's first line is the title, the rest the body. They are rendered by an engine of their own without
HTML autoescaping: the text goes into e-mail, SMS and chat as is, and the inbox page escapes it when it shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.template import Context, Engine
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lianxi.appeals.models import Limit, Outcome, Rating
from lianxi.supervision.models import AccountabilityStatus, AccountabilityTrigger, Level, Measure

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine(dirs=[str(TEMPLATES)], autoescape=False, loaders=[
        ("django.template.loaders.cached.Loader", ["django.template.loaders.filesystem.Loader"])])


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _local(value) -> str:
    """An ISO timestamp or a datetime from an event's data, as the local date and minute; '' when absent."""
    if isinstance(value, str):
        value = parse_datetime(value) or value
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value or "")


def _label(choices, value) -> str:
    return choices(value).label if value in choices.values else (value or "")


def context(event, variant: str) -> dict:
    data = event.data or {}
    return {
        "appeal": event.appeal,
        "event": event,
        "data": data,
        "variant": variant,
        "actor": event.actor_name or "系统",
        "actor_unit": event.actor_department,
        "due_at": _local(data.get("due_at")),
        "level": _label(Level, data.get("level")),
        "limit": _label(Limit, data.get("limit")),
        "answer_due_at": _local(data.get("answer_due_at")),
        "outcome": _label(Outcome, data.get("outcome")),
        "rating": _label(Rating, data.get("rating")),
        "measure": _label(Measure, data.get("measure")),
        "trigger": _label(AccountabilityTrigger, data.get("trigger")),
        "status": _label(AccountabilityStatus, data.get("status")),
    }


def render(event, variant: str = "") -> Message:
    text = engine().get_template(f"notifications/messages/{event.action}.txt").render(Context(context(event, variant)))
    title, _, body = text.strip().partition("\n")
    # Blank lines left by {% if %} blocks are noise in an SMS or a chat message.
    body = "\n".join(line.rstrip() for line in body.strip().splitlines() if line.strip())
    return Message(title=title.strip()[:200], body=body)
