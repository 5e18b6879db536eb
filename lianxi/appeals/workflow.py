"""The enterprise appeal line as data: states, actions, who may take each, from where to where.

This module is pure: no database, no Django models. ``lianxi.appeals.actions`` executes the table; pages and the
API ask ``check`` / ``available`` which actions a user may take now, and why not. A second service line (the
花溪 culture chain 群众点单—阵地派单—团队接单—群众评单) is another ``Line`` value built from the same pieces.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models


class State(models.TextChoices):
    REGISTERED = "registered", "已登记"
    DISPATCHED = "dispatched", "已交办"
    HANDLING = "handling", "办理中"
    REPLIED = "replied", "已答复"
    FOLLOWED_UP = "followed_up", "已回访"
    CLOSED = "closed", "已销号"
    SUSPENDED = "suspended", "挂账"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"


OPEN_STATES = frozenset({State.REGISTERED, State.DISPATCHED, State.HANDLING, State.REPLIED, State.FOLLOWED_UP,
                         State.SUSPENDED})
FINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED})

# Colours for state badges in the pages (one place, like netbox's ChoiceSet colours).
STATE_COLOURS = {
    State.REGISTERED: "grey", State.DISPATCHED: "blue", State.HANDLING: "indigo", State.REPLIED: "teal",
    State.FOLLOWED_UP: "green", State.CLOSED: "dark", State.SUSPENDED: "orange", State.REJECTED: "red",
    State.MERGED: "purple",
}


class Relation(enum.Enum):
    """How the acting user must stand to the appeal, on top of holding the role."""

    ANY = "any"  # any appeal the user can see
    LEAD = "lead"  # user's department is the lead department
    LEAD_OR_CO = "lead_or_co"  # user's department leads or co-handles
    OWN = "own"  # user's enterprise is the appeal's enterprise


@dataclass(frozen=True)
class Action:
    name: str  # URL segment and event name: "request-extension"
    label: str  # the button
    sources: frozenset[str]
    targets: frozenset[str]  # usually one; follow-up may reopen; empty = state unchanged
    who: dict[str, Relation]  # role -> relation the role needs
    # Extra conditions: each returns a reason (Chinese) when it does not hold, else None.
    conditions: tuple[Callable[..., str | None], ...] = ()
    fields: tuple[str, ...] = ()  # what the action records (documentation and UI)
    danger: bool = False

    @property
    def target(self) -> str | None:
        return next(iter(self.targets)) if len(self.targets) == 1 else None


@dataclass(frozen=True)
class Line:
    name: str
    states: type[models.TextChoices]
    actions: dict[str, Action] = field(default_factory=dict)


# ---- conditions (appeal, now) -> reason | None ----------------------------------------------------------------

def _no_pending_extension(appeal, now) -> str | None:
    return "已有待审批的延期申请" if appeal.extension_due_at else None


def _extension_pending(appeal, now) -> str | None:
    return None if appeal.extension_due_at else "没有待审批的延期申请"


def _before_deadline(appeal, now) -> str | None:
    if appeal.due_at and now > appeal.due_at:
        return "已超过办结时限，不能再申请延期"
    return None


def _not_awaiting_arbitration(appeal, now) -> str | None:
    return "该诉求已被退回两次，须由督办员裁定主办单位" if appeal.awaiting_arbitration else None


def _awaiting_arbitration(appeal, now) -> str | None:
    return None if appeal.awaiting_arbitration else "只有被退回两次的诉求需要仲裁"


def _not_arbitrated(appeal, now) -> str | None:
    return "主办单位已由督办员裁定，不能再退回" if appeal.arbitrated_at else None


ALL_OPEN = OPEN_STATES
R = State
rel = Relation

ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("register", "登记", frozenset(), frozenset({R.REGISTERED}),
           {"clerk": rel.ANY, "dispatcher": rel.ANY, "deputy": rel.ANY, "enterprise": rel.OWN},
           fields=("enterprise", "title", "content", "channel", "category", "kind", "urgency", "attachments")),
    Action("edit", "修改登记信息", frozenset({R.REGISTERED}), frozenset(),
           {"clerk": rel.ANY, "dispatcher": rel.ANY, "enterprise": rel.OWN},
           fields=("title", "content", "category", "channel", "kind", "urgency")),
    Action("dispatch", "交办", frozenset({R.REGISTERED}), frozenset({R.DISPATCHED}),
           {"dispatcher": rel.ANY}, conditions=(_not_awaiting_arbitration,),
           fields=("lead_department", "co_departments", "due_at", "instructions")),
    Action("arbitrate", "仲裁交办", frozenset({R.REGISTERED}), frozenset({R.DISPATCHED}),
           {"supervisor": rel.ANY}, conditions=(_awaiting_arbitration,),
           fields=("lead_department", "co_departments", "due_at", "reason")),
    Action("return", "退回", frozenset({R.DISPATCHED}), frozenset({R.REGISTERED}),
           {"handler": rel.LEAD}, conditions=(_not_arbitrated,), fields=("reason",), danger=True),
    Action("accept", "签收", frozenset({R.DISPATCHED}), frozenset({R.HANDLING}),
           {"handler": rel.LEAD}),
    Action("progress", "记录进展", frozenset({R.HANDLING}), frozenset(),
           {"handler": rel.LEAD_OR_CO}, fields=("note",)),
    Action("request-extension", "申请延期", frozenset({R.HANDLING}), frozenset(),
           {"handler": rel.LEAD}, conditions=(_no_pending_extension, _before_deadline),
           fields=("due_at", "reason")),
    Action("decide-extension", "审批延期", frozenset({R.HANDLING}), frozenset(),
           {"supervisor": rel.ANY}, conditions=(_extension_pending,), fields=("approve", "reason")),
    Action("reply", "办结答复", frozenset({R.HANDLING}), frozenset({R.REPLIED}),
           {"handler": rel.LEAD}, fields=("result", "outcome", "reply", "attachments")),
    Action("follow-up", "回访", frozenset({R.REPLIED}), frozenset({R.FOLLOWED_UP, R.HANDLING}),
           {"clerk": rel.ANY, "enterprise": rel.OWN}, fields=("rating", "solved", "comment")),
    Action("close", "销号", frozenset({R.FOLLOWED_UP}), frozenset({R.CLOSED}),
           {"supervisor": rel.ANY}),
    Action("suspend", "挂账", frozenset({R.HANDLING}), frozenset({R.SUSPENDED}),
           {"supervisor": rel.ANY}, fields=("reason", "review_date"), danger=True),
    Action("resume", "恢复办理", frozenset({R.SUSPENDED}), frozenset({R.HANDLING}),
           {"supervisor": rel.ANY}, fields=("reason",)),
    Action("reject", "不予受理", frozenset({R.REGISTERED}), frozenset({R.REJECTED}),
           {"dispatcher": rel.ANY}, fields=("reason",), danger=True),
    Action("merge", "合并", frozenset({R.REGISTERED, R.DISPATCHED}), frozenset({R.MERGED}),
           {"dispatcher": rel.ANY}, fields=("into",), danger=True),
    Action("supervise", "督办", ALL_OPEN, frozenset(),
           {"supervisor": rel.ANY}, fields=("level", "text", "department", "answer_due_at")),
    Action("instruct", "领导批示", ALL_OPEN, frozenset(), {"leader": rel.ANY}, fields=("text",)),
]}

ENTERPRISE_APPEAL_LINE = Line("enterprise_appeal", State, ACTIONS)


# ---- evaluation -----------------------------------------------------------------------------------------------

def _stands(user, appeal, relation: Relation) -> bool:
    if relation is Relation.ANY:
        return True
    if relation is Relation.OWN:
        return bool(user.enterprise_id) and user.enterprise_id == appeal.enterprise_id
    if not user.department_id:
        return False
    if user.department_id == appeal.lead_department_id:
        return True
    if relation is Relation.LEAD_OR_CO:
        return any(d.pk == user.department_id for d in appeal.co_departments.all())
    return False


def may(user, action: Action, appeal) -> bool:
    """Whether the user's roles and standing allow this action on this appeal, whatever its state."""
    if user is None or not user.is_authenticated:
        return False
    return any(role in user.role_codes and _stands(user, appeal, relation)
               for role, relation in action.who.items())


def may_register(user) -> bool:
    """Whether the user holds a role that registers appeals (for which enterprise: the form's choices say)."""
    return bool(user is not None and user.is_authenticated and user.has_role(*ACTIONS["register"].who))


def state_reason(action: Action, appeal, now) -> str | None:
    """Why the action does not apply to the appeal as it stands now (None: it applies)."""
    if appeal.state not in action.sources:
        return f"诉求当前为“{State(appeal.state).label}”，不能{action.label}"
    for condition in action.conditions:
        reason = condition(appeal, now)
        if reason:
            return reason
    return None


@dataclass(frozen=True)
class Availability:
    action: Action
    reason: str | None  # None: the user may take it now

    @property
    def allowed(self) -> bool:
        return self.reason is None


def available(user, appeal, now, line: Line = ENTERPRISE_APPEAL_LINE) -> list[Availability]:
    """The actions this user holds a role for on this appeal, each with the reason it cannot be taken now.
    Actions the user has no role for are left out: a page shows only what the user could ever do."""
    result = []
    for action in line.actions.values():
        if action.name == "register" or not may(user, action, appeal):
            continue
        result.append(Availability(action, state_reason(action, appeal, now)))
    return result
