"""Permission-aware reads of supervision orders (督办单) and accountability records (问责): the lists, the details,
the evidence behind a record, and an appeal's 转办 → 督办 → 问责 trail. Every read starts from ``visible_to``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.db.models import Case, IntegerField, Prefetch, QuerySet, When
from django.urls import reverse
from django.utils import timezone

from lianxi.accounts.models import DEPARTMENT_ROLES
from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.appeals.workflow import ACTIONS
from lianxi.core.errors import NotFound

from .filters import AccountabilityFilter, SupervisionFilter, answer_state_q
from .models import (ANSWER_STATE_LABELS, Accountability, AccountabilityStatus, AccountabilityTrigger, Level,
                     Measure, Supervision, Trigger)

ORDER_RELATED = ("appeal", "department")
ACCOUNTABILITY_RELATED = ("department", "person", "decided_by", "supervision")


def may_issue(user) -> bool:
    """Holds a role the workflow table lets issue orders (督办) on some appeal; the action checks the appeal."""
    return bool(user is not None and user.is_authenticated and user.has_role(*ACTIONS["supervise"].who))


def _filtered(filterset):
    # An unbound filterset (no params) is not "valid", but it means "no filter", not "nothing".
    if not filterset.is_bound:
        return filterset.queryset
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()


def _pk(value) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound("未找到")
    if not 0 < pk < 2**63:  # beyond the id column's range: PostgreSQL would refuse the query
        raise NotFound("未找到")
    return pk


# ---- 督办单 --------------------------------------------------------------------------------------------------

def orders_for(user) -> QuerySet:
    return Supervision.objects.visible_to(user)


def answers_first(queryset: QuerySet, now: dt.datetime) -> QuerySet:
    """Late answers first, then those still due, then the rest; newest first within each group."""
    waiting = Case(When(answer_state_q("late", now), then=0), When(answer_state_q("pending", now), then=1),
                   default=2, output_field=IntegerField())
    return queryset.annotate(waiting=waiting).order_by("waiting", "-issued_at", "-id")


def order_list(user, params=None, *, now: dt.datetime | None = None) -> tuple[QuerySet, SupervisionFilter]:
    """The visible orders filtered by ``params``. A department's own staff get theirs that await an answer first
    (it is their work list); everybody else newest first."""
    filterset = SupervisionFilter(params or None, queryset=orders_for(user).select_related(*ORDER_RELATED))
    queryset = _filtered(filterset)
    if user.has_role(*DEPARTMENT_ROLES) and user.department_id:
        return answers_first(queryset, now or timezone.now()), filterset
    return queryset.order_by("-issued_at", "-id"), filterset


def order_detail(user, pk) -> Supervision:
    order = (orders_for(user).select_related("department", "appeal__enterprise", "appeal__lead_department",
                                             "appeal__category")
             .filter(pk=_pk(pk)).first())
    if order is None:
        raise NotFound("督办单不存在或您无权查看")
    return order


# ---- 问责 ----------------------------------------------------------------------------------------------------

def accountabilities_for(user) -> QuerySet:
    return Accountability.objects.visible_to(user)


def accountability_rows(user) -> QuerySet:
    """The visible records with what a list row shows (subject, decider, appeal numbers), newest first."""
    return (accountabilities_for(user).select_related(*ACCOUNTABILITY_RELATED)
            .prefetch_related(Prefetch("appeals", queryset=Appeal.objects.only("id", "number", "title", "state")
                                       .order_by("number")))
            .order_by("-recorded_at", "-id"))


def accountability_list(user, params=None) -> tuple[QuerySet, AccountabilityFilter]:
    """The visible records filtered by ``params`` (period ``from``/``to`` in local dates, inclusive), newest first."""
    filterset = AccountabilityFilter(params or None, queryset=accountability_rows(user))
    return _filtered(filterset), filterset


def accountability_detail(user, pk) -> Accountability:
    record = accountability_rows(user).filter(pk=_pk(pk)).first()
    if record is None:
        raise NotFound("问责记录不存在或您无权查看")
    return record


# Events written outside the loop's table, by lianxi.supervision.services.
EXTRA_ACTION_LABELS = {"supervision-answer": "答复督办", "accountability": "问责",
                       "accountability-decision": "问责认定"}


def event_label(action: str) -> str:
    known = ACTIONS.get(action)
    return known.label if known else EXTRA_ACTION_LABELS.get(action, action)


@dataclass
class Evidence:
    """One appeal behind a record and its events. A user who may see the record but not the appeal (a head
    whose department no longer handles it) sees its number only."""

    appeal: Appeal
    visible: bool
    events: list = field(default_factory=list)


def evidence(record: Accountability, user) -> list[Evidence]:
    appeals = list(record.appeals.all())
    visible = set(Appeal.objects.visible_to(user).filter(pk__in=[a.pk for a in appeals])
                  .values_list("pk", flat=True))
    events = defaultdict(list)
    # One query for every visible appeal's history, served by the (appeal, at, id) index.
    for event in AppealEvent.objects.filter(appeal_id__in=visible).order_by("appeal_id", "at", "id"):
        events[event.appeal_id].append(event)
    return [Evidence(a, a.pk in visible, events[a.pk]) for a in appeals]


# ---- an appeal's 转办 → 督办 → 问责 trail ----------------------------------------------------------------------

# The loop's steps that send an appeal to a department or back: the 转办 part of the trail.
TRANSFER_ACTIONS = ("dispatch", "return", "arbitrate")
STAGES = {"transfer": "转办", "supervision": "督办", "accountability": "问责"}


@dataclass
class TrailItem:
    """One step of the trail, as plain data (the page renders it, ``trail_data`` serializes it)."""

    stage: str  # transfer / supervision / accountability
    kind: str  # dispatch / return / arbitrate / supervision / accountability
    id: int  # the event's, the order's or the record's
    at: dt.datetime
    label: str
    actor_name: str
    number: str = ""  # the order's 文号 or the record's 编号
    department_name: str = ""  # to whom it was sent, or whom it concerns
    text: str = ""
    status: str = ""  # an order's answer state; a record's status
    status_label: str = ""
    url: str = ""  # its page, for orders and records
    details: dict = field(default_factory=dict)

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage]


def _transfer_item(event: AppealEvent) -> TrailItem:
    data = event.data or {}
    if event.action == "return":
        department, text = data.get("department_name", ""), data.get("reason", "")
        details = {"return_count": data.get("return_count")}
    else:
        department = data.get("lead_department_name", "")
        text = data.get("reason", "") if event.action == "arbitrate" else data.get("instructions", "")
        details = {"co_department_names": data.get("co_department_names", []), "due_at": data.get("due_at")}
    label = ACTIONS[event.action].label
    if event.action == "dispatch" and data.get("redispatch"):
        label = "重新交办"
    return TrailItem("transfer", event.action, event.pk, event.at, label, event.actor_name,
                     department_name=department, text=text, details=details)


def _order_item(order: Supervision, now: dt.datetime) -> TrailItem:
    state = order.answer_state(now)
    return TrailItem(
        "supervision", "supervision", order.pk, order.issued_at, Level(order.level).label, order.issued_by_name,
        number=order.number, department_name=order.department.name if order.department else "", text=order.text,
        status=state, status_label=ANSWER_STATE_LABELS[state],
        url=reverse("supervision:order_detail", args=[order.pk]),
        details={"level": order.level, "trigger": order.trigger, "trigger_label": Trigger(order.trigger).label,
                 "answer_due_at": order.answer_due_at, "answered_at": order.answered_at,
                 "answered_by_name": order.answered_by_name, "answer": order.answer})


def _accountability_item(record: Accountability) -> TrailItem:
    return TrailItem(
        "accountability", "accountability", record.pk, record.recorded_at, "问责", record.recorded_by_name,
        number=record.number, department_name=record.subject, text=record.text, status=record.status,
        status_label=AccountabilityStatus(record.status).label,
        url=reverse("supervision:accountability_detail", args=[record.pk]),
        details={"trigger": record.trigger, "trigger_label": AccountabilityTrigger(record.trigger).label,
                 "measure": record.measure, "measure_label": Measure(record.measure).label if record.measure else "",
                 "decided_at": record.decided_at, "decision_note": record.decision_note})


def appeal_trail(appeal: Appeal | int, user, now: dt.datetime | None = None) -> list[TrailItem]:
    """The appeal's dispatches and returns, the supervision orders and the accountability records the user may
    see, in time order. An appeal the user cannot see answers NotFound."""
    now = now or timezone.now()
    pk = appeal.pk if isinstance(appeal, Appeal) else _pk(appeal)
    if not Appeal.objects.visible_to(user).filter(pk=pk).exists():
        raise NotFound("诉求不存在或您无权查看")
    items = [_transfer_item(e) for e in AppealEvent.objects.filter(appeal_id=pk, action__in=TRANSFER_ACTIONS)]
    items += [_order_item(o, now) for o in orders_for(user).filter(appeal_id=pk).select_related("department")]
    items += [_accountability_item(r) for r in accountabilities_for(user).filter(appeals=pk)
              .select_related("department", "person")]
    order = list(STAGES)
    return sorted(items, key=lambda item: (item.at, order.index(item.stage), item.id))


def _plain(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def trail_data(appeal: Appeal | int, user, now: dt.datetime | None = None) -> list[dict]:
    """``appeal_trail`` as JSON-able dicts (datetimes in local ISO 8601), for the API."""
    return [{**_plain(asdict(item)), "stage_label": item.stage_label} for item in appeal_trail(appeal, user, now)]
