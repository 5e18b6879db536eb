"""Badges for orders and records, and ``{% appeal_trail appeal %}``: an appeal's 转办 → 督办 → 问责 trail for the
requesting user (the appeal page includes it)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from lianxi.core.errors import NotFound

from .. import selectors
from ..models import ANSWER_STATE_LABELS, AccountabilityStatus, Level

register = template.Library()

ANSWER_COLOURS = {"late": "red", "pending": "orange", "answered": "green", "none": "grey"}
LEVEL_COLOURS = {Level.REMINDER: "blue", Level.SUPERVISE: "orange", Level.LISTED: "red"}
STATUS_COLOURS = {AccountabilityStatus.PROPOSED: "orange", AccountabilityStatus.DECIDED: "red",
                  AccountabilityStatus.DISMISSED: "grey"}


def _badge(colour: str, label: str):
    return format_html('<span class="badge badge-{}">{}</span>', colour, label)


@register.filter
def answer_state(order) -> str:
    return order.answer_state(timezone.now())


@register.filter
def answer_badge(value):
    """An order (its state now) or an answer state code."""
    state = value if isinstance(value, str) else value.answer_state(timezone.now())
    return _badge(ANSWER_COLOURS.get(state, "grey"), ANSWER_STATE_LABELS.get(state, state))


@register.filter
def level_badge(level: str):
    return _badge(LEVEL_COLOURS.get(level, "grey"), Level(level).label if level in Level.values else level)


@register.filter
def accountability_badge(status: str):
    label = AccountabilityStatus(status).label if status in AccountabilityStatus.values else status
    return _badge(STATUS_COLOURS.get(status, "grey"), label)


@register.filter
def trail_badge(item):
    """The status of a trail item: an order's answer state or a record's status."""
    if item.kind == "supervision":
        return answer_badge(item.status)
    if item.kind == "accountability":
        return accountability_badge(item.status)
    return ""


@register.inclusion_tag("supervision/_trail.html", takes_context=True)
def appeal_trail(context, appeal):
    request = context.get("request")
    try:
        trail = selectors.appeal_trail(appeal, request.user if request else None)
    except NotFound:
        trail = []
    return {"trail": trail, "appeal": appeal}
