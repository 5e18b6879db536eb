"""Permission-aware reads of common problems: the list, one problem, its members as the user may see them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from lianxi.accounts.models import DEPARTMENT_ROLES
from lianxi.appeals.deadlines import prefetch_running
from lianxi.appeals.models import Appeal
from lianxi.appeals.selectors import LIST_RELATED
from lianxi.appeals.workflow import State
from lianxi.core.errors import NotFound, NotPermitted

from . import access
from .models import CommonProblem, ProblemMember, Stage

PROBLEM_RELATED = ("lead_department", "created_by", "dispatched_by", "replied_by")
ANSWERED = frozenset({State.REPLIED, State.FOLLOWED_UP, State.CLOSED})


def problems_for(user) -> QuerySet:
    """The problems the user may see, each with ``member_count`` (active members)."""
    if not access.may_list_problems(user):
        raise NotPermitted("您无权查看共性问题")
    return (CommonProblem.objects.visible_to(user).select_related(*PROBLEM_RELATED)
            .annotate(member_count=Count("members", filter=Q(members__removed_at__isnull=True))))


def problem_list(user, params=None) -> QuerySet:
    """Newest first; ``search`` in the title and description, ``state`` one of the stages, ``open`` for the
    unanswered ones."""
    qs = problems_for(user)
    params = params or {}
    search = (params.get("search") or "").strip()
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if params.get("state") in Stage.values:
        qs = qs.filter(state=params["state"])
    return qs.order_by("-created_at", "-id")


def problem_detail(user, pk) -> CommonProblem:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("共性问题不存在或您无权查看")
    problem = (CommonProblem.objects.visible_to(user).select_related(*PROBLEM_RELATED)
               .prefetch_related("co_departments").filter(pk=pk).first())
    if problem is None:
        raise NotFound("共性问题不存在或您无权查看")
    return problem


@dataclass
class Member:
    """An active member as its problem shows it; ``appeal`` is None when the user may not open it."""

    membership: ProblemMember
    appeal: Appeal | None


def members_of(problem: CommonProblem, user) -> list[Member]:
    """The active members in the order grouped; those the user may not see are counted but not shown."""
    memberships = list(problem.members.filter(removed_at__isnull=True).order_by("added_at", "id"))
    ids = [m.appeal_id for m in memberships]
    visible = {a.pk: a for a in Appeal.objects.visible_to(user).filter(pk__in=ids)
               .select_related(*LIST_RELATED).prefetch_related("co_departments", prefetch_running())}
    return [Member(m, visible.get(m.appeal_id)) for m in memberships]


def removed_members(problem: CommonProblem) -> list[ProblemMember]:
    return list(problem.members.filter(removed_at__isnull=False).select_related("appeal", "removed_by")
                .order_by("removed_at", "id"))


@dataclass
class Tally:
    """How far the members have come: answered (replied and after), rated, satisfied (3–5)."""

    total: int
    answered: int
    rated: int
    satisfied: int


def tally(members: list[Member]) -> Tally:
    appeals = [m.appeal for m in members if m.appeal is not None]
    rated = [a for a in appeals if a.rating]
    return Tally(len(members), sum(1 for a in appeals if a.state in ANSWERED), len(rated),
                 sum(1 for a in rated if a.rating >= 3))


def problem_of(appeal: Appeal) -> CommonProblem | None:
    """The problem the appeal is an active member of, if any."""
    membership = (ProblemMember.objects.filter(appeal_id=appeal.pk, removed_at__isnull=True)
                  .select_related("problem").first())
    return membership.problem if membership else None


def open_problems_for_grouping(user) -> QuerySet:
    """The problems an appeal may be grouped into from its page: open, newest first."""
    return CommonProblem.objects.visible_to(user).open().order_by("-created_at", "-id")


def leads_or_co_handles_any(user) -> bool:
    """Whether the user is a department's staff who sees a problem (one the department leads or co-handles):
    the navigation bar asks; one EXISTS."""
    if not (user.is_authenticated and user.has_role(*DEPARTMENT_ROLES) and user.department_id):
        return False
    return CommonProblem.objects.visible_to(user).exists()
