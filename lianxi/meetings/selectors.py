"""Permission-aware reads of meetings, reception days and pairings. The appeals shown inside any of them are
always ``Appeal.objects.visible_to(user)``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lianxi.appeals import deadlines
from lianxi.appeals.models import Appeal
from lianxi.appeals.selectors import LIST_RELATED
from lianxi.core.errors import NotFound

from .models import Meeting, Pairing, ReceptionSession, Visit


def meetings_for(user) -> QuerySet:
    return Meeting.objects.visible_to(user).select_related("type", "type__channel", "host")


def meeting_detail(user, pk) -> Meeting:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("会议不存在或您无权查看")
    meeting = meetings_for(user).prefetch_related("attendees", "departments").filter(pk=pk).first()
    if meeting is None:
        raise NotFound("会议不存在或您无权查看")
    return meeting


def meeting_appeals(meeting: Meeting, user) -> QuerySet:
    """The meeting's appeals this user may see, in the order they were raised."""
    return (Appeal.objects.visible_to(user).filter(meeting=meeting).select_related(*LIST_RELATED)
            .order_by("created_at", "id"))


def with_appeal_counts(meetings, user) -> list[Meeting]:
    """The meetings (a page of them), each with ``appeal_count``: its appeals the user may see."""
    meetings = list(meetings)
    counts = dict(Appeal.objects.visible_to(user).filter(meeting_id__in=[m.pk for m in meetings])
                  .order_by().values_list("meeting_id").annotate(n=Count("id")))
    for meeting in meetings:
        meeting.appeal_count = counts.get(meeting.pk, 0)
    return meetings


def meeting_enterprises(meeting: Meeting, user) -> QuerySet:
    """Attending enterprises; an enterprise user sees its own attendance only, not who else came."""
    from lianxi.directory.models import Enterprise

    return Enterprise.objects.visible_to(user).filter(meetings=meeting).order_by("name")


# ---- deadline state --------------------------------------------------------------------------------------------

def deadline_state(appeal: Appeal, now: dt.datetime):
    """The limit that matters most on an open appeal (lianxi.appeals.deadlines), or None if none is running."""
    return deadlines.worst(deadlines.statuses(appeal, now))


# ---- 周二民企接待日 -------------------------------------------------------------------------------------------------

@dataclass
class SessionRow:
    session: ReceptionSession
    raised: int
    solved: int
    held_total: int  # cumulative, from the range's first day
    raised_total: int
    solved_total: int


@dataclass
class ReceptionStats:
    """For a date range: sessions held, appeals raised in them, and of those solved — the enterprise answered
    “solved” at the follow-up (回访确认解决), the stricter reading of the source page's “解决急难问题”. Appeals
    whose department replied “solved” but that are not yet followed up are counted in ``reported_solved``."""

    start: dt.date | None
    end: dt.date | None
    sessions_scheduled: int = 0
    sessions_held: int = 0
    sessions_cancelled: int = 0
    appeals_raised: int = 0
    solved: int = 0
    reported_solved: int = 0
    rows: list[SessionRow] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        """The source page's line: “2023年以来开展59次，已为民营企业解决急难问题42个”."""
        since = f"{self.start.year}年{self.start.month}月{self.start.day}日以来" if self.start else "累计"
        return f"{since}开展{self.sessions_held}次，已为民营企业解决急难问题{self.solved}个"


def sessions_in(start: dt.date | None, end: dt.date | None, sessions: QuerySet | None = None) -> QuerySet:
    sessions = ReceptionSession.objects.all() if sessions is None else sessions
    if start:
        sessions = sessions.filter(date__gte=start)
    if end:
        sessions = sessions.filter(date__lte=end)
    return sessions.order_by("date")


def reception_stats(start: dt.date | None, end: dt.date | None) -> ReceptionStats:
    """The reception day's numbers for ``start``–``end`` (inclusive; either may be open). The numbers are
    aggregates over all appeals, as the source page publishes them."""
    sessions = list(sessions_in(start, end).select_related("meeting").prefetch_related("duty_departments"))
    meeting_ids = [s.meeting_id for s in sessions if s.meeting_id]
    per_meeting = {
        row["meeting_id"]: row for row in
        Appeal.objects.filter(meeting_id__in=meeting_ids).order_by().values("meeting_id").annotate(
            raised=Count("id"), solved=Count("id", filter=Q(solved=True)),
            reported=Count("id", filter=Q(outcome="solved")))
    }
    stats = ReceptionStats(start, end)
    for session in sessions:
        counts = per_meeting.get(session.meeting_id, {}) if session.meeting_id else {}
        stats.sessions_scheduled += 1
        if session.status == ReceptionSession.Status.HELD:
            stats.sessions_held += 1
        elif session.status == ReceptionSession.Status.CANCELLED:
            stats.sessions_cancelled += 1
        stats.appeals_raised += counts.get("raised", 0)
        stats.solved += counts.get("solved", 0)
        stats.reported_solved += counts.get("reported", 0)
        stats.rows.append(SessionRow(session, counts.get("raised", 0), counts.get("solved", 0),
                                     stats.sessions_held, stats.appeals_raised, stats.solved))
    return stats


def next_sessions(today: dt.date, n: int = 4) -> list[ReceptionSession]:
    return list(ReceptionSession.objects.filter(date__gte=today).exclude(status=ReceptionSession.Status.CANCELLED)
                .prefetch_related("duty_departments").order_by("date")[:n])


# ---- 结对子 -------------------------------------------------------------------------------------------------------

def pairings_for(user) -> QuerySet:
    return Pairing.objects.visible_to(user).select_related("leader", "enterprise", "enterprise__town")


def visits_for(user) -> QuerySet:
    return (Visit.objects.visible_to(user).select_related("pairing__leader", "pairing__enterprise")
            .prefetch_related("appeals"))


@dataclass
class OpenAppeal:
    appeal: Appeal
    deadline: object  # deadlines.DeadlineStatus or None


@dataclass
class PairedEnterprise:
    pairing: Pairing
    open_appeals: list[OpenAppeal]
    last_visit: Visit | None
    visit_count: int

    @property
    def overdue(self) -> int:
        return sum(1 for a in self.open_appeals if a.deadline and a.deadline.state == deadlines.OVERDUE)

    @property
    def warning(self) -> int:
        return sum(1 for a in self.open_appeals if a.deadline and a.deadline.state == deadlines.WARNING)


def leader_overview(leader, viewer, now: dt.datetime | None = None) -> list[PairedEnterprise]:
    """A leader's page: their active pairings, each with every open appeal of the enterprise (whatever the
    channel: the leader answers for the enterprise, not only for what they heard themselves) and its deadline
    state, most urgent first. Everything is read as ``viewer`` sees it."""
    now = now or timezone.now()
    pairings = list(pairings_for(viewer).active().filter(leader=leader).order_by("enterprise__name"))
    enterprise_ids = [p.enterprise_id for p in pairings]
    appeals = (Appeal.objects.visible_to(viewer).open().filter(enterprise_id__in=enterprise_ids)
               .select_related(*LIST_RELATED).prefetch_related(deadlines.prefetch_running())
               .order_by("created_at", "id"))
    by_enterprise: dict[int, list[OpenAppeal]] = {}
    for appeal in appeals:
        by_enterprise.setdefault(appeal.enterprise_id, []).append(OpenAppeal(appeal, deadline_state(appeal, now)))
    severity = {deadlines.OVERDUE: 0, deadlines.WARNING: 1, deadlines.OK: 2}
    visits = Visit.objects.filter(pairing__in=pairings).order_by("-date", "-id")
    last_visit, visit_count = {}, {}
    for visit in visits:
        last_visit.setdefault(visit.pairing_id, visit)
        visit_count[visit.pairing_id] = visit_count.get(visit.pairing_id, 0) + 1
    result = []
    for pairing in pairings:
        items = by_enterprise.get(pairing.enterprise_id, [])
        items.sort(key=lambda o: (severity.get(o.deadline.state, 3) if o.deadline else 3,
                                  o.deadline.due_at if o.deadline else now))
        result.append(PairedEnterprise(pairing, items, last_visit.get(pairing.pk), visit_count.get(pairing.pk, 0)))
    return result
