"""The only writers of appeals: one function per action of the loop.

Each function takes ``acting_user`` as a required keyword (``None`` means the system, said explicitly) and an
optional ``now`` (the clock, injectable for demo data and time-travel tests). Inside one transaction it locks the
appeal row, checks visibility (404), permission (403) and state (409), then the input and business rules (400),
changes the appeal and writes its event. Pages and the API call these same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from lianxi.core.errors import InvalidInput, NotFound, NotPermitted, StateConflict
from lianxi.core.workdays import due_after, local_date

from . import deadlines, workflow
from .attachments import save_attachments, validate_uploads
from .models import Appeal, AppealEvent, AppealNumberSequence, IdempotencyKey, Limit, Outcome, Rating
from .workflow import ACTIONS, State


# ---- plumbing -------------------------------------------------------------------------------------------------

def _snapshot(user) -> dict:
    if user is None:
        return {"actor": None, "actor_name": "系统", "actor_roles": "", "actor_department": ""}
    unit = user.department or user.enterprise
    return {"actor": user, "actor_name": user.display_name, "actor_roles": ",".join(sorted(user.role_codes)),
            "actor_department": str(unit) if unit else ""}


def _record(appeal: Appeal, action: str, acting_user, from_state: str, now: dt.datetime, data: dict) -> AppealEvent:
    """Write the event, and in the same transaction the messages it causes (the outbox sends them later)."""
    from lianxi.notifications.hooks import on_appeal_event

    from lianxi.stats.facts import mark_stale

    event = AppealEvent.objects.create(appeal=appeal, action=action, from_state=from_state, to_state=appeal.state,
                                       at=now, data=data, **_snapshot(acting_user))
    on_appeal_event(event)
    mark_stale([appeal.pk])  # the numbers (lianxi.stats) recompute this appeal's facts in the background
    return event


def record_system_events(rows: list[tuple[Appeal, str, dict]], now: dt.datetime) -> list[AppealEvent]:
    """Many events by the system at once (the supervision pass): (appeal, action, data) each, state unchanged,
    written in one INSERT with their notifications. The caller holds the appeals' row locks."""
    from lianxi.notifications.hooks import on_appeal_events

    events = AppealEvent.objects.bulk_create([
        AppealEvent(appeal=appeal, action=action, from_state=appeal.state, to_state=appeal.state, at=now, data=data,
                    **_snapshot(None)) for appeal, action, data in rows])
    on_appeal_events(events)
    return events


def record_event(appeal: Appeal, action: str, *, acting_user, now: dt.datetime, data: dict) -> AppealEvent:
    """An event about the appeal that is not a step of the loop (a supervision answered, an accountability
    recorded): the state does not change. Call inside the transaction that makes the change it records."""
    return _record(appeal, action, acting_user, appeal.state, now, data)


def _require(fields: dict[str, str]) -> None:
    """Raise InvalidInput for every named field whose value is blank."""
    missing = {name: ["此项为必填项"] for name, value in fields.items() if not (value or "").strip()}
    if missing:
        raise InvalidInput(fields=missing)


def _pk(appeal: Appeal | int) -> int:
    return appeal.pk if isinstance(appeal, Appeal) else int(appeal)


def _perform(name: str, appeal: Appeal | int, acting_user, now: dt.datetime | None,
             apply: Callable[[Appeal, dt.datetime], dict]) -> Appeal:
    """Run one action: lock, check, apply, save, record. ``apply`` mutates the locked appeal (including its
    state when the action has several targets) and returns the event's data."""
    action = ACTIONS[name]
    now = now or timezone.now()
    with transaction.atomic():
        # The row lock makes two conflicting actions serialize: the second one reads the first one's result
        # and gets a 409 from the state check below. (On SQLite the IMMEDIATE transaction does the same.)
        locked = Appeal.objects.select_for_update().filter(pk=_pk(appeal)).first()
        if locked is None or (acting_user is not None
                              and not Appeal.objects.visible_to(acting_user).filter(pk=locked.pk).exists()):
            raise NotFound("诉求不存在或您无权查看")
        if acting_user is not None and not workflow.may(acting_user, action, locked):
            raise NotPermitted(f"您无权对该诉求执行“{action.label}”")
        reason = workflow.state_reason(action, locked, now)
        if reason:
            raise StateConflict(reason)
        from_state = locked.state
        if action.target:
            locked.state = action.target
        data = apply(locked, now)
        locked.save()
        event = _record(locked, name, acting_user, from_state, now, data)
        locked._last_event = event
    return locked


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """How events record a moment: local time (Asia/Shanghai), ISO 8601; a date as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


# ---- register -------------------------------------------------------------------------------------------------

def _next_number(now: dt.datetime) -> str:
    day = local_date(now)
    table = connection.ops.quote_name(AppealNumberSequence._meta.db_table)
    # One upsert hands out the day's next number; its row lock lasts until commit, so concurrent registrations
    # get consecutive numbers without gaps or duplicates (PostgreSQL, and SQLite >= 3.35).
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
                       f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last", [day])
        last = cursor.fetchone()[0]
    return f"LX{day:%Y%m%d}-{last:04d}"


def default_channel_code(user) -> str:
    if user is not None and user.has_role("enterprise"):
        return "online"
    if user is not None and user.has_role("deputy") and not user.has_role("clerk", "dispatcher"):
        return "npc_inspection"
    return "window"


@dataclass
class Registration:
    appeal: Appeal
    created: bool  # False when an Idempotency-Key replayed an earlier registration
    attachments: list = field(default_factory=list)  # saved with this registration


def register(*, acting_user, enterprise, title: str, content: str, category, channel=None, kind: str = "help",
             urgency: str = "general", attachments: Sequence = (), idempotency_key: str | None = None,
             meeting=None, now: dt.datetime | None = None) -> Registration:
    """An appeal raised in a ``meeting`` carries the meeting type's channel; a different explicit channel is an
    error (the meeting says where the appeal was collected, so a second answer can only be a mistake)."""
    from lianxi.directory.models import Channel

    now = now or timezone.now()
    action = ACTIONS["register"]
    if acting_user is not None and not workflow.may(acting_user, action, Appeal(enterprise=enterprise)):
        raise NotPermitted("您无权为该企业登记诉求")
    _require({"title": title, "content": content})
    validate_uploads(attachments, "attachments")
    if meeting is not None:
        if acting_user is not None and not type(meeting).objects.visible_to(acting_user).filter(pk=meeting.pk).exists():
            raise InvalidInput(fields={"meeting": ["会议不存在或您无权查看"]})
        meeting_channel = meeting.type.channel
        if channel is None:
            channel = meeting_channel
        elif channel.pk != meeting_channel.pk:
            raise InvalidInput(fields={"channel": [
                f"会议“{meeting.title}”的渠道为“{meeting_channel.name}”，与所选渠道“{channel.name}”不一致"]})
    if channel is None:
        channel = Channel.objects.filter(code=default_channel_code(acting_user)).first()
        if channel is None:
            raise InvalidInput(fields={"channel": ["请选择渠道"]})

    with transaction.atomic():
        if idempotency_key and acting_user is not None:
            replay = _claim_idempotency_key(acting_user, idempotency_key, now)
            if replay is not None:
                return Registration(replay, created=False)
        appeal = Appeal.objects.create(
            number=_next_number(now), state=State.REGISTERED, enterprise=enterprise, title=title.strip(),
            content=content.strip(), channel=channel, category=category, kind=kind, urgency=urgency,
            created_by=acting_user, created_at=now, meeting=meeting)
        data = {"channel": channel.code, "category": category.code, "kind": kind, "urgency": urgency,
                "attachments": [f.name for f in attachments]}
        if meeting is not None:
            data.update(meeting=meeting.pk, meeting_title=meeting.title)
        event = _record(appeal, "register", acting_user, "", now, data)
        saved = save_attachments(appeal, event, attachments, acting_user)
        if idempotency_key and acting_user is not None:
            IdempotencyKey.objects.filter(user=acting_user, key=idempotency_key).update(appeal=appeal)
    appeal._last_event = event
    return Registration(appeal, created=True, attachments=saved)


def _claim_idempotency_key(user, key: str, now: dt.datetime) -> Appeal | None:
    """Claim the key for this request, or return the appeal an earlier request with the key created.

    The insert is what serializes two racing requests: on PostgreSQL the second blocks on the unique index
    until the first commits, then fails and replays the first one's appeal."""
    window = dt.timedelta(hours=settings.LIANXI["IDEMPOTENCY_HOURS"])
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=user, key=key, created_at=now)
            return None
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.select_for_update().get(user=user, key=key)
    if existing.created_at >= now - window and existing.appeal_id:
        return existing.appeal
    # An expired key (or one whose request failed) starts afresh.
    existing.created_at, existing.appeal = now, None
    existing.save(update_fields=["created_at", "appeal"])
    return None


# ---- correcting a registration ---------------------------------------------------------------------------------

EDITABLE_FIELDS = ("title", "content", "category", "channel", "kind", "urgency")


class _Unchanged(Exception):
    """Raised inside an edit that changes nothing, to leave without writing an event."""


def _plain(value):
    return value.pk if hasattr(value, "pk") else value


def edit(appeal, *, acting_user, now: dt.datetime | None = None, **changes) -> Appeal:
    """修改登记信息: correct a registration before it is dispatched. Only the given fields change; the event
    keeps each changed field's old and new value. Changing nothing writes nothing."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(fields={name: ["该字段不能修改"] for name in sorted(unknown)})

    def apply(a: Appeal, now):
        for name in ("title", "content"):
            if name in changes:
                _require({name: changes[name]})
                changes[name] = changes[name].strip()
        diff = {name: [_plain(getattr(a, name)), _plain(value)] for name, value in changes.items()
                if value is not None and _plain(getattr(a, name)) != _plain(value)}
        if not diff:
            raise _Unchanged
        for name in diff:
            setattr(a, name, changes[name])
        return {"changes": diff}

    try:
        return _perform("edit", appeal, acting_user, now, apply)
    except _Unchanged:
        return Appeal.objects.get(pk=_pk(appeal))


# ---- the loop -------------------------------------------------------------------------------------------------

def _assign(a: Appeal, now: dt.datetime, lead_department, co_departments: list, due_at: dt.datetime | None,
            instructions: str) -> dict:
    """交办 to a lead department: the 签收 and 办结 clocks start now (DOMAIN.md: the clock starts at dispatch)."""
    if lead_department is None:
        raise InvalidInput(fields={"lead_department": ["请选择主办单位"]})
    if due_at is not None and due_at <= now:
        raise InvalidInput(fields={"due_at": ["办结时限必须晚于当前时间"]})
    a.lead_department = lead_department
    a.instructions = instructions.strip()
    a.dispatched_at = now
    a.accept_due_at = due_after(now, a.category.accept_days)
    a.due_at = a.original_due_at = due_at or due_after(now, a.category.reply_days(a.urgency))
    a.accepted_at = None
    a.co_departments.set(co_departments)
    deadlines.start(a, Limit.ACCEPT, now, a.accept_due_at)
    deadlines.start(a, Limit.REPLY, now, a.due_at)
    return {"lead_department": lead_department.pk, "lead_department_name": lead_department.name,
            "co_departments": [d.pk for d in co_departments],
            "co_department_names": [d.name for d in co_departments],
            "due_at": iso(a.due_at), "due_at_explicit": due_at is not None,
            "instructions": a.instructions, "redispatch": a.return_count > 0}


def _co(lead_department, co_departments: Iterable) -> list:
    return [d for d in co_departments if lead_department is None or d.pk != lead_department.pk]


def dispatch(appeal, *, acting_user, lead_department, co_departments: Iterable = (),
             due_at: dt.datetime | None = None, instructions: str = "", now: dt.datetime | None = None) -> Appeal:
    co_departments = _co(lead_department, co_departments)

    def apply(a: Appeal, now):
        return _assign(a, now, lead_department, co_departments, due_at, instructions)

    return _perform("dispatch", appeal, acting_user, now, apply)


def arbitrate(appeal, *, acting_user, lead_department, co_departments: Iterable = (),
              due_at: dt.datetime | None = None, reason: str = "", now: dt.datetime | None = None) -> Appeal:
    """仲裁: after a second return a supervisor fixes the lead department and the appeal is dispatched to it.
    The department so fixed may not return it again (workflow: ``_not_arbitrated``)."""
    co_departments = _co(lead_department, co_departments)

    def apply(a: Appeal, now):
        errors = {} if (reason or "").strip() else {"reason": ["此项为必填项"]}
        if lead_department is None:
            errors["lead_department"] = ["请选择主办单位"]
        if errors:
            raise InvalidInput(fields=errors)
        a.arbitrated_at = now
        data = _assign(a, now, lead_department, co_departments, due_at, reason)
        return {**data, "reason": reason.strip()}

    return _perform("arbitrate", appeal, acting_user, now, apply)


def return_appeal(appeal, *, acting_user, reason: str, now: dt.datetime | None = None) -> Appeal:
    """退回: the lead department sends a wrongly addressed appeal back to the dispatcher."""

    def apply(a: Appeal, now):
        _require({"reason": reason})
        department = a.lead_department
        on_time = a.accept_due_at is None or now <= a.accept_due_at  # a return within the 签收 limit is timely
        a.return_count += 1
        a.lead_department = None
        a.co_departments.clear()
        a.dispatched_at = a.accept_due_at = a.due_at = a.original_due_at = None
        deadlines.finish(a, now, Limit.ACCEPT, done=True)  # a return within the limit is a timely response
        deadlines.finish(a, now)
        return {"reason": reason.strip(), "department": department.pk, "department_name": department.name,
                "return_count": a.return_count, "arbitration": a.awaiting_arbitration, "on_time": on_time}

    return _perform("return", appeal, acting_user, now, apply)


def accept(appeal, *, acting_user, now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        a.accepted_at = now
        deadlines.finish(a, now, Limit.ACCEPT, done=True)
        return {"on_time": a.accept_due_at is None or now <= a.accept_due_at}

    return _perform("accept", appeal, acting_user, now, apply)


def progress(appeal, *, acting_user, note: str, now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        _require({"note": note})
        return {"note": note.strip()}

    return _perform("progress", appeal, acting_user, now, apply)


def request_extension(appeal, *, acting_user, due_at: dt.datetime, reason: str,
                      now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        _require({"reason": reason})
        if due_at is None:
            raise InvalidInput(fields={"due_at": ["此项为必填项"]})
        if a.due_at and due_at <= a.due_at:
            raise InvalidInput(fields={"due_at": ["申请的时限必须晚于现行办结时限"]})
        a.extension_due_at, a.extension_reason = due_at, reason.strip()
        return {"due_at": iso(due_at), "reason": a.extension_reason, "current_due_at": iso(a.due_at)}

    return _perform("request-extension", appeal, acting_user, now, apply)


def decide_extension(appeal, *, acting_user, approve: bool, reason: str = "",
                     now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        if approve is None:
            raise InvalidInput(fields={"approve": ["请选择同意或不同意"]})
        data = {"approve": bool(approve), "reason": reason.strip(), "requested_due_at": iso(a.extension_due_at),
                "previous_due_at": iso(a.due_at)}
        if approve:
            a.due_at = a.extension_due_at  # original_due_at keeps the first deadline
            deadlines.move(a, [Limit.REPLY, Limit.RECTIFY], a.due_at)
        a.extension_due_at, a.extension_reason = None, ""
        return data

    return _perform("decide-extension", appeal, acting_user, now, apply)


def reply(appeal, *, acting_user, result: str, outcome: str, reply: str = "", attachments: Sequence = (),
          now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        _require({"result": result})
        if outcome not in Outcome.values:
            raise InvalidInput(fields={"outcome": ["请选择办理结果：已解决、部分解决或已解释说明"]})
        validate_uploads(attachments, "attachments")
        a.replied_at = now
        a.result, a.outcome, a.reply = result.strip(), outcome, (reply or result).strip()
        a.extension_due_at, a.extension_reason = None, ""
        deadlines.finish(a, now, Limit.REPLY, Limit.RECTIFY, done=True)
        deadlines.start(a, Limit.FOLLOWUP, now, due_after(now, a.category.followup_days))
        return {"result": a.result, "outcome": outcome, "reply": a.reply,
                "on_time": a.due_at is None or now <= a.due_at, "attachments": [f.name for f in attachments]}

    with transaction.atomic():
        appeal = _perform("reply", appeal, acting_user, now, apply)
        save_attachments(appeal, appeal._last_event, attachments, acting_user)
    return appeal


def follow_up(appeal, *, acting_user, rating: int, solved: bool, comment: str = "",
              now: dt.datetime | None = None) -> Appeal:
    """回访: a rating below 基本满意 reopens the appeal to its lead department for 差评整改."""

    def apply(a: Appeal, now):
        if rating not in Rating.values:
            raise InvalidInput(fields={"rating": ["满意度须为1—5"]})
        if solved is None:
            raise InvalidInput(fields={"solved": ["请选择是否解决"]})
        a.followed_up_at, a.rating, a.solved = now, rating, bool(solved)
        reopened = rating < Rating.BASICALLY_SATISFIED
        deadlines.finish(a, now, Limit.FOLLOWUP, done=True)
        if reopened:
            a.state = State.HANDLING
            a.reopen_count += 1
            a.due_at = due_after(now, a.category.rectify_days)
            deadlines.start(a, Limit.RECTIFY, now, a.due_at)
        else:
            a.state = State.FOLLOWED_UP
        return {"rating": rating, "solved": bool(solved), "comment": comment.strip(), "reopened": reopened,
                "due_at": iso(a.due_at) if reopened else None}

    with transaction.atomic():
        appeal = _perform("follow-up", appeal, acting_user, now, apply)
        if (settings.LIANXI["AUTO_CLOSE_SATISFIED"] and appeal.state == State.FOLLOWED_UP and appeal.solved):
            appeal = close(appeal, acting_user=None, now=now)
    return appeal


def close(appeal, *, acting_user, now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        a.closed_at = now
        deadlines.finish(a, now)
        return {"automatic": acting_user is None}

    return _perform("close", appeal, acting_user, now, apply)


def suspend(appeal, *, acting_user, reason: str, review_date: dt.date, now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        _require({"reason": reason})
        if review_date is None:
            raise InvalidInput(fields={"review_date": ["请填写复查日期"]})
        if review_date <= local_date(now):
            raise InvalidInput(fields={"review_date": ["复查日期必须晚于今天"]})
        a.suspend_reason, a.review_date = reason.strip(), review_date
        deadlines.finish(a, now)  # 挂账 stops the clock; resuming starts a fresh one
        return {"reason": a.suspend_reason, "review_date": iso(review_date)}

    return _perform("suspend", appeal, acting_user, now, apply)


def resume(appeal, *, acting_user, reason: str = "", now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        a.review_date = None
        # The suspended time does not count: the department gets its full limit again from today. The
        # original deadline stays recorded in original_due_at.
        limit = Limit.RECTIFY if a.reopen_count else Limit.REPLY
        days = a.category.rectify_days if a.reopen_count else a.category.reply_days(a.urgency)
        a.due_at = due_after(now, days)
        deadlines.start(a, limit, now, a.due_at)
        return {"reason": reason.strip(), "due_at": iso(a.due_at)}

    return _perform("resume", appeal, acting_user, now, apply)


def reject(appeal, *, acting_user, reason: str, now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        _require({"reason": reason})
        a.reject_reason = reason.strip()
        deadlines.finish(a, now)
        return {"reason": a.reject_reason}

    return _perform("reject", appeal, acting_user, now, apply)


def merge(appeal, *, acting_user, into: Appeal, now: dt.datetime | None = None) -> Appeal:
    def apply(a: Appeal, now):
        if into is None:
            raise InvalidInput(fields={"into": ["请选择要并入的诉求"]})
        target = Appeal.objects.filter(pk=into.pk).first()
        if target is None or target.pk == a.pk:
            raise InvalidInput(fields={"into": ["不能并入自身"]})
        if target.state in (State.MERGED, State.REJECTED, State.CLOSED):
            raise InvalidInput(fields={"into": [f"目标诉求为“{State(target.state).label}”，不能并入"]})
        a.merged_into = target
        deadlines.finish(a, now)
        return {"into": target.pk, "into_number": target.number}

    return _perform("merge", appeal, acting_user, now, apply)


def supervise(appeal, *, acting_user, level: str, text: str, department=None, answer_due_at=None,
              now: dt.datetime | None = None) -> Appeal:
    """督办 on an open appeal: issues a supervision order (督办单) addressed to a department (default: the lead
    department); the appeal's state does not change. (The supervision pass issues its orders in batches:
    lianxi.supervision.services.issue_orders, with the same order and the same event data.)"""
    from lianxi.supervision import services

    order = None

    def apply(a: Appeal, now):
        nonlocal order
        order = services.new_order(a, acting_user=acting_user, level=level, text=text, department=department,
                                   answer_due_at=answer_due_at, now=now)
        return services.order_event_data(order)

    with transaction.atomic():
        appeal = _perform("supervise", appeal, acting_user, now, apply)
        order.event = appeal._last_event
        order.save(update_fields=["event"])
    appeal._last_supervision = order
    return appeal


def instruct(appeal, *, acting_user, text: str, now: dt.datetime | None = None) -> Appeal:
    """领导批示 on an open appeal; the state does not change. The event is the record the handling department
    reads at the top of the appeal; it names the department that led the appeal when the leader wrote."""

    def apply(a: Appeal, now):
        _require({"text": text})
        lead = a.lead_department
        return {"instruction": text.strip(), "department": lead.pk if lead else None,
                "department_name": lead.name if lead else ""}

    return _perform("instruct", appeal, acting_user, now, apply)


# The functions by action name, for the page and the API to dispatch on.
PERFORMERS: dict[str, Callable[..., Appeal]] = {
    "edit": edit, "dispatch": dispatch, "return": return_appeal, "accept": accept, "progress": progress,
    "request-extension": request_extension, "decide-extension": decide_extension, "reply": reply,
    "follow-up": follow_up, "close": close, "suspend": suspend, "resume": resume, "reject": reject,
    "merge": merge, "supervise": supervise, "arbitrate": arbitrate,
    "instruct": instruct,
}
