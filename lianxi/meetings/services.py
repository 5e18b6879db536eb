"""The writers of meetings, reception days, pairings and visits.

Like the appeal actions: ``acting_user`` is a required keyword (None = the system), ``now`` is injectable, each
write runs in one transaction, permission is checked first (403), then the input (400). Appeals are only ever
written through ``lianxi.appeals.actions``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lianxi.accounts.models import Role
from lianxi.appeals import actions, workflow
from lianxi.appeals.models import Appeal
from lianxi.core.errors import InvalidInput, NotFound, NotPermitted
from lianxi.core.workdays import is_workday, local_date
from lianxi.directory.models import Channel

from .access import may_log_visit, may_manage_pairings, may_record_meetings
from .defaults import RECEPTION_CHANNEL
from .models import Meeting, MeetingType, Pairing, ProposedLead, ReceptionSession, Visit

# A clerk enters one meeting's list at a sitting (the source page: 89 at a symposium); a longer list is an
# import, not a form.
MAX_BULK_ROWS = 300


def _require(fields: dict[str, object]) -> None:
    missing = {name: ["此项为必填项"] for name, value in fields.items() if not str(value or "").strip()}
    if missing:
        raise InvalidInput(fields=missing)


def _check_people(host, attendees: Iterable) -> None:
    errors = {}
    if host is not None and not host.has_role(Role.LEADER):
        errors["host"] = [f"“{host.display_name}”不是领导，不能主持会议"]
    wrong = [u.display_name for u in attendees if not u.has_role(Role.LEADER, Role.DEPUTY)]
    if wrong:
        errors["attendees"] = [f"出席人员须为领导或人大代表、政协委员：{'、'.join(wrong)}"]
    if errors:
        raise InvalidInput(fields=errors)


def is_reception(meeting_type: MeetingType) -> bool:
    return meeting_type.channel.code == RECEPTION_CHANNEL


# ---- meetings -----------------------------------------------------------------------------------------------

def create_meeting(*, acting_user, type: MeetingType, title: str, date: dt.date, place: str = "", host=None,
                   attendees: Sequence = (), departments: Sequence = (), enterprises: Sequence = (),
                   minutes: str = "", now: dt.datetime | None = None) -> Meeting:
    if acting_user is not None and not may_record_meetings(acting_user):
        raise NotPermitted("您无权登记会议")
    _require({"title": title, "date": date, "type": type})
    if not type.is_active:
        raise InvalidInput(fields={"type": ["该会议类型已停用"]})
    _check_people(host, attendees)
    now = now or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.create(type=type, title=title.strip(), date=date, place=(place or "").strip(),
                                         host=host, minutes=(minutes or "").strip(), created_by=acting_user,
                                         created_at=now)
        meeting.attendees.set(attendees)
        meeting.departments.set(departments)
        meeting.enterprises.set(enterprises)
        _sync_reception(meeting)
    return meeting


EDITABLE = ("type", "title", "date", "place", "host", "attendees", "departments", "enterprises", "minutes")


def update_meeting(meeting: Meeting, *, acting_user, **changes) -> Meeting:
    """Correct a meeting or add its minutes afterwards. Only the given fields change."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(fields={name: ["该字段不能修改"] for name in sorted(unknown)})
    if acting_user is not None and not may_record_meetings(acting_user):
        raise NotPermitted("您无权修改会议")
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().select_related("type__channel").get(pk=meeting.pk)
        new_type = changes.get("type")
        if new_type is not None and new_type.pk != locked.type_id:
            # The appeals already raised carry the old type's channel; changing it would make them lie.
            if new_type.channel_id != locked.type.channel_id and locked.appeals.exists():
                raise InvalidInput(fields={"type": ["会议已登记诉求，不能改为其他渠道的会议类型"]})
        for name in ("title", "date"):
            if name in changes:
                _require({name: changes[name]})
        _check_people(changes.get("host", locked.host), changes.get("attendees", ()))
        for name in ("type", "title", "date", "place", "host", "minutes"):
            if name in changes:
                value = changes[name]
                setattr(locked, name, value.strip() if isinstance(value, str) else value)
        locked.save()
        for name in ("attendees", "departments", "enterprises"):
            if name in changes:
                getattr(locked, name).set(changes[name])
        _sync_reception(locked)
    return locked


def add_enterprises(meeting: Meeting, enterprises: Iterable, *, acting_user) -> None:
    if acting_user is not None and not may_record_meetings(acting_user):
        raise NotPermitted("您无权修改会议")
    meeting.enterprises.add(*enterprises)


def remove_enterprise(meeting: Meeting, enterprise, *, acting_user) -> None:
    if acting_user is not None and not may_record_meetings(acting_user):
        raise NotPermitted("您无权修改会议")
    if meeting.appeals.filter(enterprise=enterprise).exists():
        raise InvalidInput(fields={"enterprise": [f"“{enterprise.name}”在本次会议上提出了诉求，不能移出参会企业"]})
    meeting.enterprises.remove(enterprise)


def _sync_reception(meeting: Meeting) -> None:
    """A reception-day meeting holds the session of its date (scheduled or not: a session is made for an
    unscheduled day); a meeting that stops being one (type or date corrected) frees its session."""
    meeting_type = MeetingType.objects.select_related("channel").get(pk=meeting.type_id)
    current = ReceptionSession.objects.select_for_update().filter(meeting=meeting).first()
    wanted = is_reception(meeting_type)
    if current is not None and (not wanted or current.date != meeting.date):
        current.meeting, current.status = None, ReceptionSession.Status.PLANNED
        current.save(update_fields=["meeting", "status"])
        current = None
    if wanted and current is None:
        session, _ = ReceptionSession.objects.select_for_update().get_or_create(date=meeting.date)
        if session.meeting_id and session.meeting_id != meeting.pk:
            raise InvalidInput(fields={"date": [f"{meeting.date:%Y-%m-%d} 的接待日已有会议记录"]})
        session.meeting, session.status = meeting, ReceptionSession.Status.HELD
        session.save(update_fields=["meeting", "status"])


# ---- appeals raised in a meeting: the bulk-entry table ----------------------------------------------------------

@dataclass
class BulkResult:
    appeals: list[Appeal]
    dispatched: int


def bulk_register(meeting: Meeting, rows: Sequence[dict], *, acting_user, dispatch: bool = False,
                  now: dt.datetime | None = None) -> BulkResult:
    """Register a meeting's list of appeals at one sitting: every row is checked first, and only when all are
    valid are they registered, in one transaction, so a list is either entered whole or not at all. Errors come
    back as ``{"rows": [{field: [messages]}, …]}``, one dict per row in the order given (empty: the row is fine).

    A row's proposed lead department is recorded (the meeting decides who answers for each problem); with
    ``dispatch`` a dispatcher dispatches each such row to it straight away."""
    from .forms import BulkRowForm

    if acting_user is not None and not may_record_meetings(acting_user):
        raise NotPermitted("您无权为会议登记诉求")
    if acting_user is not None and not Meeting.objects.visible_to(acting_user).filter(pk=meeting.pk).exists():
        raise NotFound("会议不存在或您无权查看")
    if dispatch and acting_user is not None and not acting_user.has_role(Role.DISPATCHER):
        raise NotPermitted("只有派单员可以在登记时直接交办")
    if not rows:
        raise InvalidInput(fields={"rows": ["请至少填写一行诉求"]})
    if len(rows) > MAX_BULK_ROWS:
        raise InvalidInput(fields={"rows": [f"一次最多登记{MAX_BULK_ROWS}条诉求"]})
    meeting = Meeting.objects.select_related("type__channel").get(pk=meeting.pk)

    forms = [BulkRowForm(row, user=acting_user) for row in rows]
    errors = [form.row_errors() for form in forms]
    if any(errors):
        raise InvalidInput(f"有{sum(1 for e in errors if e)}行填写有误，全部诉求均未登记，请修改后重新提交",
                           fields={"rows": errors})

    now = now or timezone.now()
    appeals, dispatched = [], 0
    with transaction.atomic():
        for form in forms:
            data = form.cleaned_data
            appeal = actions.register(acting_user=acting_user, enterprise=data["enterprise"], title=data["title"],
                                      content=data["content"] or data["title"], category=data["category"],
                                      urgency=data["urgency"] or "general", meeting=meeting, now=now).appeal
            lead = data.get("lead_department")
            if lead is not None:
                ProposedLead.objects.create(appeal=appeal, department=lead, proposed_by=acting_user,
                                            proposed_at=now)
                if dispatch:
                    appeal = actions.dispatch(appeal, acting_user=acting_user, lead_department=lead, now=now)
                    dispatched += 1
            appeals.append(appeal)
        meeting.enterprises.add(*{a.enterprise_id for a in appeals})
    return BulkResult(appeals, dispatched)


# ---- 周二民企接待日 -------------------------------------------------------------------------------------------------

RECEPTION_WEEKDAY = 1  # Tuesday


def reception_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """The Tuesdays from ``start`` to ``end`` (inclusive) that are working days by the official calendar: a
    Tuesday inside a holiday (National Day, Spring Festival…) has no reception."""
    day = start + dt.timedelta(days=(RECEPTION_WEEKDAY - start.weekday()) % 7)
    days = []
    while day <= end:
        if is_workday(day):
            days.append(day)
        day += dt.timedelta(days=7)
    return days


MAX_SCHEDULE_DAYS = 3 * 366


def schedule_reception_days(start: dt.date, end: dt.date, *, acting_user, duty_departments: Sequence = ()) -> list:
    """Create the sessions of every reception day in the range; days already scheduled are left as they are, so
    running it twice changes nothing. Returns the sessions created."""
    if acting_user is not None and not may_record_meetings(acting_user):
        raise NotPermitted("您无权安排接待日")
    if start is None or end is None:
        raise InvalidInput(fields={"from" if start is None else "to": ["此项为必填项"]})
    if end < start:
        raise InvalidInput(fields={"to": ["结束日期不能早于开始日期"]})
    if (end - start).days > MAX_SCHEDULE_DAYS:
        raise InvalidInput(fields={"to": ["一次最多安排三年"]})
    created = []
    with transaction.atomic():
        existing = set(ReceptionSession.objects.filter(date__range=(start, end)).values_list("date", flat=True))
        for day in reception_days(start, end):
            if day in existing:
                continue
            session = ReceptionSession.objects.create(date=day)
            session.duty_departments.set(duty_departments)
            created.append(session)
    return created


def update_session(session: ReceptionSession, *, acting_user, duty_departments: Sequence | None = None,
                   note: str | None = None, cancelled: bool | None = None) -> ReceptionSession:
    if acting_user is not None and not may_record_meetings(acting_user):
        raise NotPermitted("您无权修改接待日")
    with transaction.atomic():
        locked = ReceptionSession.objects.select_for_update().get(pk=session.pk)
        if cancelled is not None:
            if cancelled and locked.meeting_id:
                raise InvalidInput(fields={"cancelled": ["该接待日已开展（已有会议记录），不能取消"]})
            if not locked.meeting_id:
                locked.status = (ReceptionSession.Status.CANCELLED if cancelled
                                 else ReceptionSession.Status.PLANNED)
        if note is not None:
            locked.note = note.strip()
        locked.save()
        if duty_departments is not None:
            locked.duty_departments.set(duty_departments)
    return locked


def hold_session(session: ReceptionSession, *, acting_user, host=None, place: str = "",
                 now: dt.datetime | None = None) -> Meeting:
    """开展接待: the session's meeting, to which the appeals received that day are registered. The duty
    departments attend it."""
    if session.meeting_id:
        raise InvalidInput(fields={"date": ["该接待日已开展"]})
    reception_type = MeetingType.objects.filter(channel__code=RECEPTION_CHANNEL, is_active=True).order_by(
        "sort_order", "pk").first()
    if reception_type is None:
        raise InvalidInput(fields={"type": ["没有启用的“周二民企接待日”会议类型，请联系平台管理员"]})
    return create_meeting(acting_user=acting_user, type=reception_type, host=host, place=place,
                          title=f"周二民企接待日（{session.date.year}年{session.date.month}月{session.date.day}日）",
                          date=session.date, departments=list(session.duty_departments.all()), now=now)


# ---- 结对子 -------------------------------------------------------------------------------------------------------

def create_pairing(*, acting_user, leader, enterprise, started_on: dt.date | None = None, note: str = "",
                   now: dt.datetime | None = None) -> Pairing:
    if acting_user is not None and not may_manage_pairings(acting_user):
        raise NotPermitted("您无权安排领导结对")
    if leader is None or enterprise is None:
        raise InvalidInput(fields={"leader" if leader is None else "enterprise": ["此项为必填项"]})
    if not leader.has_role(Role.LEADER):
        raise InvalidInput(fields={"leader": [f"“{leader.display_name}”不是领导"]})
    now = now or timezone.now()
    with transaction.atomic():
        if Pairing.objects.active().filter(leader=leader, enterprise=enterprise).exists():
            raise InvalidInput(fields={"enterprise": [f"{leader.display_name}已与“{enterprise.name}”结对"]})
        return Pairing.objects.create(leader=leader, enterprise=enterprise, started_on=started_on or local_date(now),
                                      note=(note or "").strip(), created_by=acting_user, created_at=now)


def end_pairing(pairing: Pairing, *, acting_user, ended_on: dt.date | None = None,
                now: dt.datetime | None = None) -> Pairing:
    if acting_user is not None and not may_manage_pairings(acting_user):
        raise NotPermitted("您无权解除领导结对")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if locked.ended_on is not None:
            raise InvalidInput(fields={"ended_on": ["该结对已解除"]})
        ended_on = ended_on or local_date(now)
        if ended_on < locked.started_on:
            raise InvalidInput(fields={"ended_on": ["解除日期不能早于结对日期"]})
        locked.ended_on = ended_on
        locked.save(update_fields=["ended_on"])
    return locked


def log_visit(pairing: Pairing, *, acting_user, date: dt.date, people: str, discussed: str,
              appeals: Sequence[Appeal] = (), now: dt.datetime | None = None) -> Visit:
    """A visit to the paired enterprise. ``appeals``: existing appeals of that enterprise the visit took up."""
    if acting_user is not None and not may_log_visit(acting_user, pairing):
        raise NotPermitted("只有结对领导本人或受理员、派单员可以登记走访")
    _require({"date": date, "people": people, "discussed": discussed})
    now = now or timezone.now()
    if date > local_date(now):
        raise InvalidInput(fields={"date": ["走访日期不能晚于今天"]})
    if date < pairing.started_on or (pairing.ended_on and date > pairing.ended_on):
        raise InvalidInput(fields={"date": ["走访日期不在结对期间内"]})
    foreign = [a.number for a in appeals if a.enterprise_id != pairing.enterprise_id]
    if foreign:
        raise InvalidInput(fields={"appeals": [f"不是结对企业的诉求：{'、'.join(foreign)}"]})
    with transaction.atomic():
        visit = Visit.objects.create(pairing=pairing, date=date, people=people.strip(), discussed=discussed.strip(),
                                     created_by=acting_user, created_at=now)
        visit.appeals.set(appeals)
    return visit


def register_from_visit(visit: Visit, *, acting_user, title: str, content: str, category, kind: str = "help",
                        urgency: str = "general", attachments: Sequence = (),
                        now: dt.datetime | None = None) -> Appeal:
    """An appeal heard on a visit, registered for the paired enterprise through the 领导结对走访 channel."""
    if acting_user is not None and not may_log_visit(acting_user, visit.pairing):
        raise NotPermitted("只有结对领导本人或受理员、派单员可以登记走访中的诉求")
    if acting_user is not None and not workflow.may_register(acting_user):
        raise NotPermitted("您无权登记诉求，请由受理员代为登记")
    channel = Channel.objects.filter(code="leader_pairing").first()
    if channel is None:
        raise InvalidInput(fields={"channel": ["没有“领导结对走访”渠道，请联系平台管理员"]})
    with transaction.atomic():
        appeal = actions.register(acting_user=acting_user, enterprise=visit.pairing.enterprise, title=title,
                                  content=content, category=category, channel=channel, kind=kind or "help",
                                  urgency=urgency or "general", attachments=attachments, now=now).appeal
        visit.appeals.add(appeal)
    return appeal
