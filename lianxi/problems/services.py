"""The writers of common problems: create, group (add / remove), and the problem-level 交办, 签收, 办结答复.

Each function takes ``acting_user`` (keyword-only, required) and an optional ``now``, runs in one transaction,
locks the problem row first (two dispatchers acting on one problem serialize; on SQLite the IMMEDIATE
transaction does the same), checks visibility (404), permission (403) and state (409), then acts. Member
appeals change only through ``lianxi.appeals.actions``, one call per member, so each keeps its own event,
deadline rows, notifications and stats mark; an error from any member rolls back all of them. See the package
docstring for the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal, Outcome
from lianxi.appeals.workflow import State
from lianxi.core.errors import InvalidInput, LianxiError, NotFound, NotPermitted, StateConflict
from lianxi.core.workdays import due_after

from . import access
from .models import CommonProblem, ProblemMember, Stage

# Members that left the loop: every problem action passes them by.
LEFT_THE_LOOP = frozenset({State.REJECTED, State.MERGED})
# Only appeals not yet in a department's hands (or just handed over) can be grouped.
GROUPABLE = frozenset({State.REGISTERED, State.DISPATCHED})


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _pk(problem: CommonProblem | int) -> int:
    return problem.pk if isinstance(problem, CommonProblem) else int(problem)


def _locked(problem, acting_user) -> CommonProblem:
    """The problem row, locked until commit; 404 when it is missing or the user may not see it."""
    locked = CommonProblem.objects.select_for_update().filter(pk=_pk(problem)).first()
    if locked is None or (acting_user is not None
                          and not CommonProblem.objects.visible_to(acting_user).filter(pk=locked.pk).exists()):
        raise NotFound("共性问题不存在或您无权查看")
    return locked


def _active_members(problem: CommonProblem) -> list[Appeal]:
    """The problem's member appeals in the order grouped, locked (each action locks its row again)."""
    ids = list(problem.members.filter(removed_at__isnull=True).order_by("added_at", "id")
               .values_list("appeal_id", flat=True))
    # Locked in id order, as add_appeals does, so that two transactions never wait on each other crosswise.
    rows = {a.pk: a for a in Appeal.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
            .select_related("lead_department", "category")}
    return [rows[pk] for pk in ids]


def _label(appeal: Appeal) -> str:
    return State(appeal.state).label


def _conflict(what: str, problems: list[str]) -> None:
    if problems:
        raise StateConflict(f"{what}：" + "；".join(problems) + "。请先将其移出共性问题，或待其办理到位后再操作")


def _each(members: Sequence[Appeal], perform: Callable[[Appeal], object]) -> None:
    """Perform on every member; the first failure names its member and, raised out of the caller's transaction,
    rolls back every member already done."""
    for appeal in members:
        try:
            perform(appeal)
        except LianxiError as exc:
            raise type(exc)(f"诉求 {appeal.number}：{exc.message}", fields=exc.fields) from exc


def _stage_conflict(problem: CommonProblem, label: str) -> StateConflict:
    return StateConflict(f"共性问题当前为“{Stage(problem.state).label}”，不能{label}")


# ---- create and group -----------------------------------------------------------------------------------------

def create_problem(*, acting_user, title: str, description: str = "", appeals: Iterable[Appeal] = (),
                   now: dt.datetime | None = None) -> CommonProblem:
    """A new problem (待交办), with the appeals grouped into it at once when given."""
    if acting_user is not None and not access.may_group(acting_user):
        raise NotPermitted("只有派单员、督办员可以创建共性问题")
    if not (title or "").strip():
        raise InvalidInput(fields={"title": ["此项为必填项"]})
    now = _now(now)
    with transaction.atomic():
        problem = CommonProblem.objects.create(title=title.strip(), description=(description or "").strip(),
                                               created_by=acting_user, created_at=now)
        appeals = list(appeals)
        if appeals:
            add_appeals(problem, acting_user=acting_user, appeals=appeals, now=now)
    return problem


def add_appeals(problem, *, acting_user, appeals: Iterable[Appeal], now: dt.datetime | None = None) -> CommonProblem:
    """归入: appeals in 已登记 or 已交办, not in another problem. Into a dispatched problem, a registered appeal is
    dispatched at once to the problem's departments; one dispatched elsewhere is refused."""
    now = _now(now)
    with transaction.atomic():
        p = _locked(problem, acting_user)
        if acting_user is not None and not access.may_group(acting_user):
            raise NotPermitted("只有派单员、督办员可以将诉求归入共性问题")
        if not p.is_open:
            raise _stage_conflict(p, "再归入诉求")
        wanted = list(dict.fromkeys(a.pk for a in appeals))
        if not wanted:
            raise InvalidInput(fields={"appeals": ["请指定要归入的诉求"]})
        rows = {a.pk: a for a in Appeal.objects.select_for_update().filter(pk__in=wanted).order_by("pk")}
        if acting_user is not None:
            visible = set(Appeal.objects.visible_to(acting_user).filter(pk__in=wanted).values_list("pk", flat=True))
            rows = {pk: a for pk, a in rows.items() if pk in visible}
        missing = [pk for pk in wanted if pk not in rows]
        if missing:
            raise InvalidInput(fields={"appeals": ["找不到诉求或您无权查看：" + "、".join(map(str, missing))]})
        members = [rows[pk] for pk in wanted]
        grouped = {appeal_id: (problem_id, title) for appeal_id, problem_id, title in
                   ProblemMember.objects.filter(appeal_id__in=wanted, removed_at__isnull=True)
                   .values_list("appeal_id", "problem_id", "problem__title")}
        conflicts, to_dispatch = [], []
        for a in members:
            if a.pk in grouped:
                problem_id, title = grouped[a.pk]
                where = "本共性问题" if problem_id == p.pk else f"共性问题“{title}”"
                conflicts.append(f"{a.number} 已在{where}中")
            elif a.state not in GROUPABLE:
                conflicts.append(f"{a.number} 当前为“{_label(a)}”，只有已登记或已交办的诉求可以归入")
            elif p.state != Stage.COLLECTING:
                if a.state == State.REGISTERED:
                    if a.awaiting_arbitration:
                        conflicts.append(f"{a.number} 已被退回两次，须由督办员仲裁交办")
                    else:
                        to_dispatch.append(a)
                elif a.lead_department_id != p.lead_department_id:
                    conflicts.append(f"{a.number} 已交办给“{a.lead_department}”，与共性问题的主办单位"
                                     f"“{p.lead_department}”不同")
        if conflicts:
            raise StateConflict("以下诉求不能归入：" + "；".join(conflicts))
        if to_dispatch and acting_user is not None and not access.may_dispatch(acting_user):
            raise NotPermitted("共性问题已交办，归入的诉求将随之交办：只有派单员可以交办")
        try:
            with transaction.atomic():  # a savepoint: the unique index's error must not poison the transaction
                ProblemMember.objects.bulk_create([ProblemMember(problem=p, appeal=a, added_by=acting_user,
                                                                 added_at=now) for a in members])
        except IntegrityError:
            raise StateConflict("其中有诉求刚被归入其他共性问题，请刷新后重试")
        if to_dispatch:
            co = list(p.co_departments.all())
            due = p.due_at if p.due_at and p.due_at > now else None
            _each(to_dispatch, lambda a: actions.dispatch(a, acting_user=acting_user, lead_department=p.lead_department,
                                                          co_departments=co, due_at=due,
                                                          instructions=p.instructions, now=now))
        p.save(update_fields=["updated_at"])
    return p


def remove_appeals(problem, *, acting_user, appeals: Iterable[Appeal], now: dt.datetime | None = None) -> CommonProblem:
    """移出: the appeals leave the problem as they stand (state and dispatch unchanged) and go on alone. A replied
    problem keeps its members: the reply they received is its record."""
    now = _now(now)
    with transaction.atomic():
        p = _locked(problem, acting_user)
        if acting_user is not None and not access.may_group(acting_user):
            raise NotPermitted("只有派单员、督办员可以将诉求移出共性问题")
        if not p.is_open:
            raise _stage_conflict(p, "移出诉求")
        wanted = list(dict.fromkeys(a.pk for a in appeals))
        if not wanted:
            raise InvalidInput(fields={"appeals": ["请指定要移出的诉求"]})
        rows = {m.appeal_id: m for m in p.members.filter(removed_at__isnull=True, appeal_id__in=wanted)
                .select_related("appeal")}
        missing = [pk for pk in wanted if pk not in rows]
        if missing:
            numbers = dict(Appeal.objects.filter(pk__in=missing).values_list("pk", "number"))
            raise InvalidInput(fields={"appeals": ["不在本共性问题中：" + "、".join(numbers.get(pk, str(pk))
                                                                             for pk in missing)]})
        ProblemMember.objects.filter(pk__in=[m.pk for m in rows.values()]).update(removed_at=now,
                                                                                  removed_by=acting_user)
        p.save(update_fields=["updated_at"])
    return p


# ---- handled as one -------------------------------------------------------------------------------------------

def common_due_at(members: Sequence[Appeal], now: dt.datetime) -> dt.datetime:
    """The due date shared by every member when the dispatcher gives none: the shortest default limit among
    the members' categories and urgencies, counted from now."""
    return due_after(now, min(a.category.reply_days(a.urgency) for a in members))


def dispatch_problem(problem, *, acting_user, lead_department, co_departments: Iterable = (),
                     due_at: dt.datetime | None = None, instructions: str = "",
                     now: dt.datetime | None = None) -> CommonProblem:
    """交办: every registered member to the same departments with the same due date, one ``actions.dispatch``
    each; a member dispatched to another department is refused (409)."""
    now = _now(now)
    with transaction.atomic():
        p = _locked(problem, acting_user)
        if acting_user is not None and not access.may_dispatch(acting_user):
            raise NotPermitted("只有派单员可以交办共性问题")
        if p.state != Stage.COLLECTING:
            raise _stage_conflict(p, "交办")
        if lead_department is None:
            raise InvalidInput(fields={"lead_department": ["请选择主办单位"]})
        if due_at is not None and due_at <= now:
            raise InvalidInput(fields={"due_at": ["办结时限必须晚于当前时间"]})
        co = [d for d in co_departments if d.pk != lead_department.pk]
        members = _active_members(p)
        conflicts, to_dispatch = [], []
        for a in members:
            if a.state == State.REGISTERED and not a.awaiting_arbitration:
                to_dispatch.append(a)
            elif a.state in (State.DISPATCHED, State.HANDLING) and a.lead_department_id == lead_department.pk:
                continue  # already with the lead department: its own dispatch and clock stand
            elif a.state in LEFT_THE_LOOP:
                continue
            elif a.state == State.REGISTERED:
                conflicts.append(f"{a.number} 已被退回两次，须由督办员仲裁交办")
            elif a.lead_department_id:
                conflicts.append(f"{a.number} 当前为“{_label(a)}”，已交办给“{a.lead_department}”")
            else:
                conflicts.append(f"{a.number} 当前为“{_label(a)}”")
        _conflict("以下诉求不能随共性问题交办", conflicts)
        if not to_dispatch and not any(a.state not in LEFT_THE_LOOP for a in members):
            raise StateConflict("共性问题中没有可交办的诉求，请先归入诉求")
        due = due_at or (common_due_at(to_dispatch, now) if to_dispatch else None)
        _each(to_dispatch, lambda a: actions.dispatch(a, acting_user=acting_user, lead_department=lead_department,
                                                      co_departments=co, due_at=due, instructions=instructions,
                                                      now=now))
        p.state = Stage.DISPATCHED
        p.lead_department, p.instructions = lead_department, (instructions or "").strip()
        p.due_at = due or min((a.due_at for a in members if a.due_at), default=None)
        p.dispatched_at, p.dispatched_by = now, acting_user
        p.save()
        p.co_departments.set(co)
    return p


def accept_problem(problem, *, acting_user, now: dt.datetime | None = None) -> CommonProblem:
    """签收: every member waiting in 已交办 for the lead department, one ``actions.accept`` each."""
    now = _now(now)
    with transaction.atomic():
        p = _locked(problem, acting_user)
        if acting_user is not None and not access.may_handle(acting_user, p):
            raise NotPermitted("只有主办单位的承办人可以签收共性问题")
        if p.state not in (Stage.DISPATCHED, Stage.HANDLING):
            raise _stage_conflict(p, "签收")
        members = _active_members(p)
        conflicts, to_accept = [], []
        for a in members:
            if a.state in LEFT_THE_LOOP:
                continue
            if a.lead_department_id != p.lead_department_id:
                where = f"，主办单位为“{a.lead_department}”" if a.lead_department_id else ""
                conflicts.append(f"{a.number} 当前为“{_label(a)}”{where}")
            elif a.state == State.DISPATCHED:
                to_accept.append(a)
            elif a.state != State.HANDLING:
                conflicts.append(f"{a.number} 当前为“{_label(a)}”")
        _conflict("以下诉求不能随共性问题签收", conflicts)
        if not to_accept:
            raise StateConflict("共性问题中没有待签收的诉求")
        _each(to_accept, lambda a: actions.accept(a, acting_user=acting_user, now=now))
        p.state = Stage.HANDLING
        p.accepted_at = p.accepted_at or now
        p.save()
    return p


def reply_problem(problem, *, acting_user, result: str, outcome: str, reply: str = "",
                  now: dt.datetime | None = None) -> CommonProblem:
    """办结答复 once: every member gets the same result, outcome and reply, one ``actions.reply`` each, so each
    enterprise reads it on its own appeal and is notified as for any reply."""
    now = _now(now)
    with transaction.atomic():
        p = _locked(problem, acting_user)
        if acting_user is not None and not access.may_handle(acting_user, p):
            raise NotPermitted("只有主办单位的承办人可以答复共性问题")
        if p.state != Stage.HANDLING:
            raise _stage_conflict(p, "办结答复")
        errors = {}
        if not (result or "").strip():
            errors["result"] = ["此项为必填项"]
        if outcome not in Outcome.values:
            errors["outcome"] = ["请选择办理结果：已解决、部分解决或已解释说明"]
        if errors:
            raise InvalidInput(fields=errors)
        members = _active_members(p)
        conflicts, to_reply = [], []
        for a in members:
            if a.state in LEFT_THE_LOOP:
                continue
            if a.state == State.HANDLING and a.lead_department_id == p.lead_department_id:
                to_reply.append(a)
            elif a.state == State.DISPATCHED and a.lead_department_id == p.lead_department_id:
                conflicts.append(f"{a.number} 尚未签收")
            else:
                conflicts.append(f"{a.number} 当前为“{_label(a)}”")
        _conflict("以下诉求不能随共性问题答复", conflicts)
        if not to_reply:
            raise StateConflict("共性问题中没有办理中的诉求")
        text = (reply or "").strip() or result.strip()
        _each(to_reply, lambda a: actions.reply(a, acting_user=acting_user, result=result, outcome=outcome,
                                                reply=text, now=now))
        p.state = Stage.REPLIED
        p.result, p.outcome, p.reply = result.strip(), outcome, text
        p.replied_at, p.replied_by = now, acting_user
        p.save()
    return p


PERFORMERS: dict[str, Callable[..., CommonProblem]] = {
    "add": add_appeals, "remove": remove_appeals, "dispatch": dispatch_problem, "accept": accept_problem,
    "reply": reply_problem,
}
