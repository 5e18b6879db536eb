"""Who sees which common problems, and who may do what to them. The members inside a problem are further cut
by ``Appeal.objects.visible_to(user)``; the actions on each member are checked again by the loop's actions."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lianxi.accounts.access import sees_everything
from lianxi.accounts.models import DEPARTMENT_ROLES, Role


def _anonymous(user) -> bool:
    return user is None or not user.is_authenticated


def may_list_problems(user) -> bool:
    """Citywide staff and a department's own staff; enterprises and deputies never see a problem."""
    return not _anonymous(user) and (sees_everything(user)
                                     or (user.has_role(*DEPARTMENT_ROLES) and bool(user.department_id)))


def problem_scope(qs: QuerySet, user) -> QuerySet:
    """Citywide staff see every problem; a department's staff those their department leads or co-handles."""
    if _anonymous(user):
        return qs.none()
    if sees_everything(user):
        return qs
    if user.has_role(*DEPARTMENT_ROLES) and user.department_id:
        co = qs.model.co_departments.through.objects.filter(department_id=user.department_id).values("commonproblem_id")
        return qs.filter(Q(lead_department_id=user.department_id) | Q(pk__in=co))
    return qs.none()


def may_group(user) -> bool:
    """创建共性问题, 归入 / 移出: dispatchers, and supervisors."""
    return not _anonymous(user) and user.has_role(Role.DISPATCHER, Role.SUPERVISOR)


def may_dispatch(user) -> bool:
    """Dispatching members is the loop's ``dispatch``: dispatchers only."""
    return not _anonymous(user) and user.has_role(Role.DISPATCHER)


def may_handle(user, problem) -> bool:
    """签收 and 办结答复: the lead department's handlers (the loop's ``accept`` / ``reply``)."""
    return (not _anonymous(user) and user.has_role(Role.HANDLER) and bool(user.department_id)
            and user.department_id == problem.lead_department_id)
