"""Who hears about an appeal event: the rules of issue 3 item 6, as one table.

Each rule turns an event into a list of audiences, in priority order. An audience is a condition on users and
a ``variant`` the message template uses (the lead department is told "主办", a co-department "协办"). A user
named by several audiences gets one message, with the first audience's variant. The actor is never told about
their own action, and only active users are told anything (both applied by the hook, for every rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Q

from lianxi.accounts.models import Role, UserRole


@dataclass(frozen=True)
class Audience:
    users: Q
    variant: str = ""
    # Names the same set of users across events, so a batch reads each set once (hooks.on_appeal_events).
    key: tuple | None = None


@lru_cache(maxsize=64)
def holders(*roles: str) -> Q:
    """Users holding any of the roles (a subquery, so no join can repeat a user). Kept once per set of roles:
    the subquery is never evaluated on its own, only compiled into each recipients query."""
    return Q(pk__in=UserRole.objects.filter(role__in=roles).values("user_id"))


def staff(department_id, *roles: str) -> Q:
    """The department's users holding any of the roles; nobody when there is no department."""
    if not department_id:
        return Q(pk__in=[])
    return Q(department_id=department_id) & holders(*roles)


def enterprise_users(enterprise_id) -> Q:
    return Q(enterprise_id=enterprise_id) & holders(Role.ENTERPRISE)


def person(user_id) -> Q:
    return Q(pk=user_id) if user_id else Q(pk__in=[])


def _lead_department(event) -> int | None:
    return event.data.get("lead_department") or event.appeal.lead_department_id


# ---- the rules, as the issue states them ----------------------------------------------------------------------

def dispatched(event) -> list[Audience]:
    """dispatch / arbitrate: the lead department's handlers (主办) and the co-departments' (协办)."""
    lead = _lead_department(event)
    audiences = [Audience(staff(lead, Role.HANDLER), "lead")]
    audiences += [Audience(staff(d, Role.HANDLER), "co") for d in event.data.get("co_departments") or [] if d != lead]
    return audiences


def returned(event) -> list[Audience]:
    """return: the dispatchers; after a second return, the supervisors instead (待仲裁)."""
    if event.data.get("arbitration"):
        return [Audience(holders(Role.SUPERVISOR), "arbitration")]
    return [Audience(holders(Role.DISPATCHER))]


def replied(event) -> list[Audience]:
    """reply: the enterprise's users, and the deputy or clerk who registered it, so they can follow up."""
    registrar = person(event.appeal.created_by_id) & holders(Role.DEPUTY, Role.CLERK)
    return [Audience(enterprise_users(event.appeal.enterprise_id)), Audience(registrar, "registrar")]


def followed_up(event) -> list[Audience]:
    """follow-up: only a bad rating that reopens the appeal (差评整改) goes back to the lead department."""
    if not event.data.get("reopened"):
        return []
    return [Audience(staff(event.appeal.lead_department_id, Role.HANDLER))]


def supervised(event) -> list[Audience]:
    """supervise (督办): a reminder goes to the addressed department's handlers; 督办 and 挂牌督办 also to its
    heads and to every supervisor."""
    department = event.data.get("department")
    # An order with no department: a 回访 limit of an appeal registered by a clerk of no department, or an
    # appeal not yet dispatched. The desks that act on it are the clerks (回访) and the dispatchers (交办).
    desk = Role.CLERK if event.data.get("limit") == "followup" else Role.DISPATCHER
    roles = (Role.HANDLER,) if event.data.get("level") == "reminder" else (Role.HANDLER, Role.HEAD)
    addressed = (Audience(staff(department, *roles), key=("staff", department, roles)) if department
                 else Audience(holders(desk), key=("holders", desk)))
    if event.data.get("level") == "reminder":
        return [addressed]
    return [addressed, Audience(holders(Role.SUPERVISOR), "supervisor", key=("holders", Role.SUPERVISOR))]


def held_accountable(event) -> list[Audience]:
    """accountability (问责), and its decision: the department's heads and the person named."""
    department, someone = event.data.get("department"), event.data.get("person")
    return [Audience(staff(department, Role.HEAD), key=("staff", department, (Role.HEAD,))),
            Audience(person(someone), key=("person", someone))]


def to_lead_handlers(event) -> list[Audience]:
    return [Audience(staff(event.appeal.lead_department_id, Role.HANDLER))]


def to_enterprise(event) -> list[Audience]:
    return [Audience(enterprise_users(event.appeal.enterprise_id))]


def to_supervisors(event) -> list[Audience]:
    return [Audience(holders(Role.SUPERVISOR))]


def instructed(event) -> list[Audience]:
    """instruct (领导批示): the lead department's handlers and heads."""
    return [Audience(staff(event.appeal.lead_department_id, Role.HANDLER, Role.HEAD))]


RULES: dict[str, Callable[..., list[Audience]]] = {
    "dispatch": dispatched,
    "arbitrate": dispatched,
    "return": returned,
    "request-extension": to_supervisors,
    "decide-extension": to_lead_handlers,
    "reply": replied,
    "follow-up": followed_up,
    "reject": to_enterprise,
    "close": to_enterprise,
    "suspend": to_enterprise,
    "resume": to_enterprise,
    "supervise": supervised,
    "supervision-answer": to_supervisors,
    "accountability": held_accountable,
    "accountability-decision": held_accountable,  # a proposed record decided: 已问责 or 不予问责
    "instruct": instructed,
}  # any other action (register, accept, progress, edit, merge, …) tells nobody


def audiences_for(event) -> list[Audience]:
    rule = RULES.get(event.action)
    return rule(event) if rule else []
