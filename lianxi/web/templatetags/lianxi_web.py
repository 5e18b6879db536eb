from django import template
from django.utils import timezone
from django.utils.html import format_html

from lianxi.appeals import deadlines
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


DEADLINE_BADGE = {deadlines.OK: "green", deadlines.WARNING: "orange", deadlines.OVERDUE: "red"}


def _days(status) -> str:
    if status.state == deadlines.OVERDUE:
        return f"超期{-status.workdays_left}个工作日" if status.workdays_left else "已超期"
    return f"剩{status.workdays_left}个工作日" if status.workdays_left else "今日到期"


@register.filter
def deadline(appeal):
    """The most pressing limit running on the appeal now: its due date, 红黄绿 and working days left. With no
    limit running, the due date in force (if any) as plain text."""
    worst = deadlines.worst(deadlines.statuses(appeal, timezone.now()))
    if worst is None:
        return f"{timezone.localtime(appeal.due_at):%Y-%m-%d}" if appeal.due_at else "—"
    return format_html('<span class="deadline deadline-{}" title="{}时限{}">{}<br><span class="badge badge-{}">{}·{}</span>'
                       '</span>', worst.state, worst.label, worst.state_label,
                       f"{timezone.localtime(worst.due_at):%Y-%m-%d}", DEADLINE_BADGE[worst.state], worst.label,
                       _days(worst))


@register.simple_tag
def deadline_rows(appeal):
    """Every limit running on the appeal now, for the detail page."""
    return [{"status": s, "badge": DEADLINE_BADGE[s.state], "days": _days(s)}
            for s in deadlines.statuses(appeal, timezone.now())]
