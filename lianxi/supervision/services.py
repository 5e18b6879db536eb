"""The writers of supervision orders and accountability records.

Issuing an order is the loop's ``supervise`` action (lianxi.appeals.actions.supervise locks the appeal, checks who
may, and calls ``new_order``); answering an order and recording accountability are here. Each writes an event on
every appeal it concerns, in the same transaction, so the appeal's history is the evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from lianxi.accounts.models import DEPARTMENT_ROLES, Role
from lianxi.appeals.actions import iso, record_event, record_system_events
from lianxi.appeals.models import Appeal
from lianxi.core.db import set_by_id
from lianxi.core.errors import InvalidInput, NotFound, NotPermitted, StateConflict
from lianxi.core.workdays import due_after, local_date

from .models import (Accountability, AccountabilityStatus, AccountabilityTrigger, DocumentNumber, Level, Measure,
                     Supervision, Trigger)

# Document series: 清联督〔2026〕15号 for orders, 清联问〔2026〕3号 for accountability records.
ORDER_SERIES = "清联督"
ACCOUNTABILITY_SERIES = "清联问"


def next_numbers(series: str, now: dt.datetime, count: int = 1) -> list[str]:
    """The series' next ``count`` 文号 for the year. One upsert; its row lock lasts until commit, so concurrent
    issuers get consecutive numbers without gaps or duplicates."""
    if count < 1:
        return []
    year = local_date(now).year
    table = connection.ops.quote_name(DocumentNumber._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (series, year, last) VALUES (%s, %s, %s) "
                       f"ON CONFLICT (series, year) DO UPDATE SET last = {table}.last + %s RETURNING last",
                       [series, year, count, count])
        last = cursor.fetchone()[0]
    return [f"{series}〔{year}〕{n}号" for n in range(last - count + 1, last + 1)]


def next_number(series: str, now: dt.datetime) -> str:
    return next_numbers(series, now)[0]


def _name(user) -> str:
    return "系统" if user is None else user.display_name




# ---- 督办单 --------------------------------------------------------------------------------------------------

def new_order(appeal: Appeal, *, acting_user, level: str, text: str, department=None, answer_due_at=None,
              now: dt.datetime) -> Supervision:
    """Validate and create a supervisor's order for ``actions.supervise`` (inside its transaction, appeal row
    locked)."""
    order = build_order(appeal, acting_user=acting_user, level=level, text=text, department=department,
                        answer_due_at=answer_due_at, now=now)
    order.number = next_number(ORDER_SERIES, now)
    order.save()
    return order


def build_order(appeal: Appeal, *, acting_user, level: str, text: str, department=None, answer_due_at=None,
                trigger: str = Trigger.MANUAL, deadline=None, now: dt.datetime) -> Supervision:
    """The order, validated and not yet saved (no number yet): ``new_order`` saves one, the supervision pass
    saves a batch (``save_orders``)."""
    errors = {}
    if level not in Level.values:
        errors["level"] = ["督办级别须为 提醒、督办 或 挂牌督办"]
    if not (text or "").strip():
        errors["text"] = ["此项为必填项"]
    # Not yet dispatched and no department named: the order goes to the dispatching desk (派单员), which
    # answers by dispatching, so no written answer is asked.
    addressed = department or appeal.lead_department
    if answer_due_at is not None and answer_due_at <= now:
        errors["answer_due_at"] = ["答复期限必须晚于当前时间"]
    if errors:
        raise InvalidInput(fields=errors)
    if answer_due_at is None and level != Level.REMINDER and addressed is not None:
        # A 督办 or 挂牌督办 always asks for a written answer; a reminder does not.
        answer_due_at = due_after(now, settings.LIANXI["SUPERVISION_ANSWER_WORKDAYS"])
    return Supervision(
        appeal=appeal, level=level, trigger=trigger, deadline=deadline,
        limit=deadline.limit if deadline is not None else "", department=addressed, text=text.strip(),
        answer_due_at=answer_due_at, issued_by=acting_user, issued_by_name=_name(acting_user), issued_at=now)


def issue_orders(orders: list[Supervision], now: dt.datetime) -> None:
    """The system's batch of orders (the supervision pass): numbered, saved and each recorded as a ``supervise``
    event on its appeal, with the same data ``actions.supervise`` records — in a handful of statements."""
    for order, number in zip(orders, next_numbers(ORDER_SERIES, now, len(orders))):
        order.number = number
    Supervision.objects.bulk_create(orders)
    events = record_system_events([(o.appeal, "supervise", order_event_data(o)) for o in orders], now)
    for order, event in zip(orders, events):
        order.event = event
    set_by_id(Supervision, "event_id", {order.pk: order.event_id for order in orders})


def order_event_data(order: Supervision) -> dict:
    return {"supervision": order.pk, "number": order.number, "level": order.level, "text": order.text,
            "department": order.department_id, "department_name": order.department.name if order.department else "",
            "answer_due_at": iso(order.answer_due_at), "automatic": order.automatic, "trigger": order.trigger,
            "limit": order.limit}


def may_answer(user, order: Supervision) -> bool:
    """The addressed department's own staff (its handlers and its head) answer its orders."""
    return bool(user is not None and user.is_authenticated and order.department_id
                and user.department_id == order.department_id and user.has_role(*DEPARTMENT_ROLES))


def answer_order(order: Supervision | int, *, acting_user, answer: str, now: dt.datetime | None = None) -> Supervision:
    """书面答复: the addressed department answers an order; recorded as an event on the appeal."""
    now = now or timezone.now()
    pk = order.pk if isinstance(order, Supervision) else int(order)
    with transaction.atomic():
        locked = Supervision.objects.select_for_update().filter(pk=pk).first()
        if locked is None or not Supervision.objects.visible_to(acting_user).filter(pk=pk).exists():
            raise NotFound("督办单不存在或您无权查看")
        if not may_answer(acting_user, locked):
            raise NotPermitted("只有被督办单位的承办人或负责人可以答复督办单")
        if not locked.needs_answer:
            raise StateConflict("该提醒无需答复")
        if locked.answered_at:
            raise StateConflict("该督办单已答复")
        if not (answer or "").strip():
            raise InvalidInput(fields={"answer": ["请填写答复内容"]})
        locked.answer, locked.answered_at = answer.strip(), now
        locked.answered_by, locked.answered_by_name = acting_user, _name(acting_user)
        locked.save(update_fields=["answer", "answered_at", "answered_by", "answered_by_name"])
        record_event(locked.appeal, "supervision-answer", acting_user=acting_user, now=now, data={
            "supervision": locked.pk, "number": locked.number, "answer": locked.answer,
            "on_time": now <= locked.answer_due_at})
    return locked


# ---- 问责 ----------------------------------------------------------------------------------------------------

def may_record_accountability(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(Role.SUPERVISOR))


def _accountability_event_data(record: Accountability) -> dict:
    return {"accountability": record.pk, "number": record.number, "status": record.status,
            "department": record.department_id,
            "department_name": record.department.name if record.department else "",
            "person": record.person_id, "person_name": record.person.display_name if record.person else "",
            "trigger": record.trigger, "measure": record.measure, "text": record.text}


def _record_on_appeals(record: Accountability, action: str, acting_user, now) -> None:
    data = _accountability_event_data(record)
    for appeal in record.appeals.all():
        record_event(appeal, action, acting_user=acting_user, now=now, data=data)


def propose_accountabilities(items: list[tuple], now: dt.datetime) -> list[Accountability]:
    """The supervision pass puts departments on the accountability list: ``items`` are (department, appeal,
    trigger, text, supervision). Each record is proposed (待认定) for a supervisor to decide, and recorded as an
    ``accountability`` event on its appeal."""
    records = [Accountability(number=number, department=department, trigger=trigger, status=AccountabilityStatus.PROPOSED,
                              text=text, supervision=supervision, recorded_by=None, recorded_by_name=_name(None),
                              recorded_at=now)
               for (department, _, trigger, text, supervision), number
               in zip(items, next_numbers(ACCOUNTABILITY_SERIES, now, len(items)))]
    Accountability.objects.bulk_create(records)
    links = Accountability.appeals.through
    links.objects.bulk_create([links(accountability=record, appeal=item[1]) for record, item in zip(records, items)])
    record_system_events([(item[1], "accountability", _accountability_event_data(record))
                          for record, item in zip(records, items)], now)
    return records


def record_accountability(*, acting_user, trigger: str, text: str, appeals: Iterable[Appeal], department=None,
                          person=None, measure: str = "", supervision: Supervision | None = None,
                          now: dt.datetime | None = None) -> Accountability:
    """A supervisor records a finding, decided with its measure. (The supervision pass puts departments on the
    list as proposed records instead: ``propose_accountabilities``.)"""
    now = now or timezone.now()
    if not may_record_accountability(acting_user):
        raise NotPermitted("只有督办员可以记录问责")
    appeals = list(appeals)
    errors = {}
    if department is None and person is None:
        errors["department"] = ["请指定问责单位或问责对象"]
    if trigger not in AccountabilityTrigger.values:
        errors["trigger"] = ["请选择问责情形"]
    if measure not in Measure.values:
        errors["measure"] = ["请选择问责方式：约谈、通报批评、责令整改或移交纪检监察"]
    if not (text or "").strip():
        errors["text"] = ["此项为必填项"]
    if not appeals:
        errors["appeals"] = ["请至少关联一件诉求"]
    else:
        visible = set(Appeal.objects.visible_to(acting_user).filter(pk__in=[a.pk for a in appeals])
                      .values_list("pk", flat=True))
        if len(visible) != len({a.pk for a in appeals}):
            errors["appeals"] = ["关联的诉求不存在"]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        record = Accountability.objects.create(
            number=next_number(ACCOUNTABILITY_SERIES, now), department=department, person=person,
            trigger=trigger, measure=measure, status=AccountabilityStatus.DECIDED, text=text.strip(),
            supervision=supervision, recorded_by=acting_user, recorded_by_name=_name(acting_user),
            recorded_at=now, decided_by=acting_user, decided_at=now)
        record.appeals.set(appeals)
        _record_on_appeals(record, "accountability", acting_user, now)
    return record


def decide_accountability(record: Accountability | int, *, acting_user, measure: str | None, note: str = "",
                          now: dt.datetime | None = None) -> Accountability:
    """A supervisor decides a proposed record: a measure (已问责), or ``measure=None`` with a note: 不予问责."""
    now = now or timezone.now()
    pk = record.pk if isinstance(record, Accountability) else int(record)
    with transaction.atomic():
        locked = Accountability.objects.select_for_update().filter(pk=pk).first()
        if locked is None or not Accountability.objects.visible_to(acting_user).filter(pk=pk).exists():
            raise NotFound("问责记录不存在或您无权查看")
        if not may_record_accountability(acting_user):
            raise NotPermitted("只有督办员可以认定问责")
        if locked.status != AccountabilityStatus.PROPOSED:
            raise StateConflict(f"该问责记录已{locked.get_status_display()}")
        if measure is None:
            if not (note or "").strip():
                raise InvalidInput(fields={"note": ["不予问责须说明理由"]})
            locked.status = AccountabilityStatus.DISMISSED
        elif measure not in Measure.values:
            raise InvalidInput(fields={"measure": ["请选择问责方式：约谈、通报批评、责令整改或移交纪检监察"]})
        else:
            locked.status, locked.measure = AccountabilityStatus.DECIDED, measure
        locked.decided_by, locked.decided_at, locked.decision_note = acting_user, now, (note or "").strip()
        locked.save(update_fields=["status", "measure", "decided_by", "decided_at", "decision_note"])
        _record_on_appeals(locked, "accountability-decision", acting_user, now)
    return locked
