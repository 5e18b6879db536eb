"""Who sees which opinions. The rectification appeals inside an opinion are further cut by
``Appeal.objects.visible_to(user)``."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lianxi.accounts.access import sees_everything
from lianxi.accounts.models import DEPARTMENT_ROLES, Role


def _anonymous(user) -> bool:
    return user is None or not user.is_authenticated


def opinion_scope(qs: QuerySet, user) -> QuerySet:
    """Citywide staff see every opinion; a deputy the ones they made (or registered); a department's staff those
    with a rectification task they can see, so they know what the task answers to."""
    from lianxi.appeals.models import Appeal

    if _anonymous(user):
        return qs.none()
    if sees_everything(user):
        return qs
    rule = Q(pk__in=[])
    if user.has_role(Role.DEPUTY):
        rule |= Q(deputy_id=user.pk) | Q(created_by_id=user.pk)
    if user.has_role(*DEPARTMENT_ROLES) and user.department_id:
        tasks = Appeal.objects.visible_to(user).filter(opinions__isnull=False).values("pk")
        rule |= Q(pk__in=qs.model.appeals.through.objects.filter(appeal_id__in=tasks).values("opinion_id"))
    return qs.filter(rule)


def may_register_opinion(user) -> bool:
    """A deputy registers their own; clerks and dispatchers register those handed in on paper."""
    return not _anonymous(user) and user.has_role(Role.DEPUTY, Role.CLERK, Role.DISPATCHER)


def may_add_tasks(user, opinion) -> bool:
    """The deputy who made the opinion, or the dispatcher who splits it into tasks (the registration itself is
    checked again by the appeal loop's register)."""
    if _anonymous(user):
        return False
    return user.has_role(Role.CLERK, Role.DISPATCHER) or (user.has_role(Role.DEPUTY) and user.pk == opinion.deputy_id)
