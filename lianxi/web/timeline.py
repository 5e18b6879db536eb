"""An appeal's events as people read them: Chinese action names and each event's data as labelled lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import formats, timezone

from lianxi.appeals.models import Kind, Outcome, Rating, Urgency
from lianxi.appeals.workflow import State
from lianxi.directory.models import Category, Channel
from lianxi.appeals.models import Limit
from lianxi.supervision.models import AccountabilityStatus, AccountabilityTrigger, Level, Measure, Trigger
from lianxi.supervision.selectors import event_label


def _yes_no(value) -> str:
    return "是" if value else "否"


def _datetime(value) -> str:
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "Y-m-d H:i")


def _date(value) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(str(value)), "Y-m-d")
    except ValueError:
        return str(value)


def _choice(choices) -> Callable[[object], str]:
    labels = {str(k): v for k, v in choices}
    return lambda value: labels.get(str(value), str(value))


def _names(value) -> str:
    return "、".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


# data key -> (label, formatter). Keys not listed here are ids kept for programs (lead_department, into, …)
# or come from later capabilities; the latter are shown under their own key rather than hidden.
FIELDS: dict[str, tuple[str, Callable] | None] = {
    "lead_department_name": ("主办单位", str),
    "co_department_names": ("协办单位", _names),
    "department_name": ("单位", str),
    "due_at": ("办结时限", _datetime),
    "current_due_at": ("现行时限", _datetime),
    "requested_due_at": ("申请延至", _datetime),
    "previous_due_at": ("原时限", _datetime),
    "review_date": ("复查日期", _date),
    "instructions": ("交办意见", str),
    "redispatch": ("重新交办", _yes_no),
    "reason": ("理由", str),
    "return_count": ("退单次数", str),
    "note": ("进展情况", str),
    "approve": ("审批意见", lambda v: "同意" if v else "不同意"),
    "result": ("办理情况", str),
    "outcome": ("办理结果", _choice(Outcome.choices)),
    "reply": ("答复企业", str),
    "on_time": ("是否按期", _yes_no),
    "rating": ("满意度", _choice(Rating.choices)),
    "solved": ("问题是否解决", _yes_no),
    "comment": ("回访意见", str),
    "reopened": ("退回重办", _yes_no),
    "automatic": ("自动销号", _yes_no),
    "level": ("督办级别", _choice(Level.choices)),
    "text": ("督办意见", str),
    "number": ("文号", str),
    "answer_due_at": ("答复期限", _datetime),
    "limit": ("时限", _choice(Limit.choices)),
    "answer": ("答复内容", str),
    "measure": ("问责方式", _choice(Measure.choices)),
    "status": ("状态", _choice(AccountabilityStatus.choices)),
    "person_name": ("问责对象", str),
    "arbitration": ("待督办员仲裁", _yes_no),
    "into_number": ("并入诉求", str),
    "kind": ("诉求类型", _choice(Kind.choices)),
    "urgency": ("紧急程度", _choice(Urgency.choices)),
    "attachments": ("附件", _names),
    # ids and flags with no meaning to a reader
    "lead_department": None, "co_departments": None, "department": None, "into": None,
    "due_at_explicit": None, "supervision": None, "accountability": None, "person": None, "meeting": None,
    "meeting_title": ("会议", str),
    "instruction": ("批示内容", str),
}

# The same key read differently by action.
ACTION_FIELDS: dict[tuple[str, str], tuple[str, Callable]] = {
    ("supervise", "trigger"): ("督办原因", _choice(Trigger.choices)),
    ("supervise", "automatic"): ("系统自动督办", _yes_no),
    ("accountability", "trigger"): ("问责情形", _choice(AccountabilityTrigger.choices)),
    ("accountability-decision", "trigger"): ("问责情形", _choice(AccountabilityTrigger.choices)),
    ("accountability", "text"): ("问责事由", str),
    ("accountability-decision", "text"): ("问责事由", str),
    ("accountability", "department_name"): ("问责单位", str),
    ("accountability-decision", "department_name"): ("问责单位", str),
    ("instruct", "text"): ("批示内容", str),
    ("arbitrate", "reason"): ("仲裁意见", str),
}


# Booleans whose "no" is news; other false flags (redispatch, reopened, automatic) are left unsaid.
ALWAYS_SHOWN = frozenset({"approve", "solved", "on_time"})


def _blank(value) -> bool:
    return value is None or value is False or value == "" or value == []


@dataclass
class TimelineEntry:
    event: object
    label: str
    lines: list[tuple[str, str]]

    @property
    def state_changed(self) -> bool:
        return self.event.from_state != self.event.to_state

    @property
    def from_label(self) -> str:
        return State(self.event.from_state).label if self.event.from_state in State.values else ""

    @property
    def to_label(self) -> str:
        return State(self.event.to_state).label if self.event.to_state in State.values else self.event.to_state


def action_label(name: str) -> str:
    """The loop's actions by their table label; supervision's own events (答复督办, 问责…) by theirs."""
    return event_label(name)


def _names_of(model) -> dict:
    """Name by code and by id: registration events name the channel and category by code, corrections ("edit")
    by id. One small query per table serves the whole page."""
    names = {}
    for pk, code, name in model.objects.values_list("pk", "code", "name"):
        names[pk] = names[code] = name
    return names


def timeline(events) -> list[TimelineEntry]:
    events = list(events)
    channels, categories = _names_of(Channel), _names_of(Category)
    lookups = {"channel": ("渠道", lambda v: channels.get(v, str(v))),
               "category": ("类别", lambda v: categories.get(v, str(v))),
               "title": ("标题", str), "content": ("诉求内容", str)}
    entries = []
    for event in events:
        lines = []
        for key, value in (event.data or {}).items():
            if key == "changes" and isinstance(value, dict):  # {field: [old, new]}
                for field, change in value.items():
                    label, fmt = lookups.get(field) or FIELDS.get(field) or (field, str)
                    old, new = (list(change) + [None, None])[:2]
                    lines.append((label, f"{fmt(old) if old not in (None, '') else '（空）'} → {fmt(new)}"))
                continue
            spec = ACTION_FIELDS.get((event.action, key)) or lookups.get(key) or FIELDS.get(key, (key, str))
            if spec is None or (_blank(value) and key not in ALWAYS_SHOWN):
                continue
            label, fmt = spec
            lines.append((label, fmt(value)))
        entries.append(TimelineEntry(event, action_label(event.action), lines))
    return entries
