from django import template
from django.utils import timezone
from django.utils.html import format_html

from lianxi.appeals.filters import RUNNING_STATES
from lianxi.appeals.workflow import STATE_COLOURS, State

from .. import nav

register = template.Library()


@register.simple_tag
def nav_items(user):
    return nav.nav_items(user)


@register.filter
def state_badge(state: str):
    label = State(state).label if state in State.values else state
    return format_html('<span class="badge badge-{}">{}</span>', STATE_COLOURS.get(state, "grey"), label)


@register.filter
def deadline(appeal):
    """The deadline in force, marked when the clock is running and it has passed."""
    if not appeal.due_at:
        return "—"
    due = timezone.localtime(appeal.due_at)
    text = f"{due:%Y-%m-%d}"
    if appeal.state in RUNNING_STATES and appeal.due_at < timezone.now():
        return format_html('<span class="overdue" title="已超期">{} 已超期</span>', text)
    return text
