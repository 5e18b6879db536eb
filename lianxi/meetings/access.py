"""Who sees which meetings, pairings and visits: one function per model, used by the pages, the API and the
documents alike. Appeals inside a meeting are always further cut by ``Appeal.objects.visible_to(user)``: an
enterprise that attended a symposium sees the meeting but only its own appeals in it."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lianxi.accounts.access import sees_everything
from lianxi.accounts.models import DEPARTMENT_ROLES, Role


def _anonymous(user) -> bool:
    return user is None or not user.is_authenticated


def meeting_scope(qs: QuerySet, user) -> QuerySet:
    """Citywide staff (leaders included: they read everything) see every meeting. Anybody else sees the meetings
    they took part in — hosted or attended in person, through their department or their enterprise — those
    holding an appeal they can see, and, for a deputy, those they registered opinions in."""
    from lianxi.appeals.models import Appeal

    if _anonymous(user):
        return qs.none()
    if sees_everything(user):
        return qs
    model = qs.model
    # Subqueries on the link tables rather than joins through the M2M fields: no DISTINCT needed.
    rule = Q(host_id=user.pk) | Q(pk__in=model.attendees.through.objects.filter(user_id=user.pk)
                                   .values("meeting_id"))
    if user.has_role(*DEPARTMENT_ROLES) and user.department_id:
        rule |= Q(pk__in=model.departments.through.objects.filter(department_id=user.department_id)
                  .values("meeting_id"))
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id:
        rule |= Q(pk__in=model.enterprises.through.objects.filter(enterprise_id=user.enterprise_id)
                  .values("meeting_id"))
    if user.has_role(Role.DEPUTY):
        from lianxi.deputies.models import Opinion

        rule |= Q(pk__in=Opinion.objects.filter(deputy_id=user.pk, meeting__isnull=False).values("meeting_id"))
    rule |= Q(pk__in=Appeal.objects.visible_to(user).filter(meeting__isnull=False).values("meeting_id"))
    return qs.filter(rule)


def pairing_scope(qs: QuerySet, user) -> QuerySet:
    """Citywide staff and leaders see every pairing; an enterprise user its own enterprise's; nobody else."""
    if _anonymous(user):
        return qs.none()
    if sees_everything(user):
        return qs
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id:
        return qs.filter(enterprise_id=user.enterprise_id)
    return qs.none()


def visit_scope(qs: QuerySet, user) -> QuerySet:
    """A visit is seen by whoever sees its pairing."""
    from .models import Pairing

    if _anonymous(user):
        return qs.none()
    if sees_everything(user):
        return qs
    return qs.filter(pairing__in=pairing_scope(Pairing.objects.all(), user))


def may_record_meetings(user) -> bool:
    """受理员 and 派单员 take down meetings and the appeals raised in them."""
    return not _anonymous(user) and user.has_role(Role.CLERK, Role.DISPATCHER)


def may_configure_meeting_types(user) -> bool:
    return not _anonymous(user) and (user.is_superuser or user.has_role(Role.ADMIN))


def may_manage_pairings(user) -> bool:
    """营商办 (dispatchers) and platform admins pair leaders with enterprises."""
    return not _anonymous(user) and (user.is_superuser or user.has_role(Role.ADMIN, Role.DISPATCHER))


def may_log_visit(user, pairing) -> bool:
    """The paired leader logs their own visits; clerks and dispatchers record them on a leader's behalf."""
    if _anonymous(user):
        return False
    return user.pk == pairing.leader_id or user.has_role(Role.CLERK, Role.DISPATCHER)


def sees_reception_days(user) -> bool:
    """The reception-day schedule is a staff page (enterprises learn of it from the notice, not from here)."""
    return not _anonymous(user) and (sees_everything(user) or user.has_role(*DEPARTMENT_ROLES))
