"""The access rule: one function per model decides which rows a user sees.

Lists, details, actions, exports and the API all start from ``Model.objects.visible_to(user)``, which calls
these; nothing else filters by role. What a user may *do* to a visible appeal is decided by the workflow table
(lianxi.appeals.workflow), which also starts from visibility.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lianxi.core.db import id_in

from .models import CITYWIDE_ROLES, DEPARTMENT_ROLES, Role


def _anonymous(user) -> bool:
    return user is None or not user.is_authenticated


def sees_everything(user) -> bool:
    return not _anonymous(user) and (user.is_superuser or user.has_role(*CITYWIDE_ROLES))


def enterprise_scope(qs: QuerySet, user) -> QuerySet:
    """Staff and deputies see the directory (registry data); an enterprise user sees only its own enterprise."""
    if _anonymous(user):
        return qs.none()
    if sees_everything(user) or user.has_role(*DEPARTMENT_ROLES, Role.DEPUTY):
        return qs
    if user.enterprise_id:
        return qs.filter(pk=user.enterprise_id)
    return qs.none()


def appeal_scope(qs: QuerySet, user) -> QuerySet:
    """Citywide staff see every appeal; a handler those their department leads or co-handles; an enterprise user
    its own enterprise's; a deputy those they registered and the tasks of their opinions. A department head (部门负责人) sees what the
    department's handlers see: they answer supervision orders and read the department's numbers. A person with several roles sees the union."""
    if _anonymous(user):
        return qs.none()
    if sees_everything(user):
        return qs
    rule = Q(pk__in=[])
    if user.has_role(*DEPARTMENT_ROLES) and user.department_id:
        rule |= department_rule(qs.model, user.department_id)
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id:
        rule |= Q(enterprise_id=user.enterprise_id)
    if user.has_role(Role.DEPUTY):
        # What they registered, and every rectification task (整改任务) of their opinions, whoever registered it.
        # (The task ids are read first, as in department_rule: a join inside the OR would scan every appeal.)
        tasks = (qs.model.opinions.through.objects.filter(opinion__deputy_id=user.pk)
                 .values_list("appeal_id", flat=True))
        rule |= Q(created_by_id=user.pk) | id_in("pk", list(tasks))
    return qs.filter(rule)


def department_rule(appeal_model, department_id: int) -> Q:
    """Appeals the department leads or co-handles. The co-handled ids are read first (a department co-handles a
    few thousand at most), so the planner sees a literal list instead of an EXISTS inside an OR."""
    co_handled = (appeal_model.co_departments.through.objects.filter(department_id=department_id)
                  .values_list("appeal_id", flat=True))
    return Q(lead_department_id=department_id) | id_in("pk", list(co_handled))


def supervision_scope(qs: QuerySet, user) -> QuerySet:
    """Citywide staff see every supervision order; a department's own staff (handlers, its head) only the
    orders addressed to their department; enterprises and deputies none."""
    if _anonymous(user):
        return qs.none()
    if sees_everything(user):
        return qs
    if user.has_role(*DEPARTMENT_ROLES) and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.none()


def accountability_scope(qs: QuerySet, user) -> QuerySet:
    """Supervisors, leaders and admins see the accountability list; a department head the records against
    their department; anybody the records naming them."""
    if _anonymous(user):
        return qs.none()
    if user.is_superuser or user.has_role(Role.SUPERVISOR, Role.LEADER, Role.ADMIN):
        return qs
    rule = Q(person_id=user.pk)
    if user.has_role(Role.HEAD) and user.department_id:
        rule |= Q(department_id=user.department_id)
    return qs.filter(rule)


def user_scope(qs: QuerySet, user) -> QuerySet:
    """Only platform admins manage accounts; everybody else sees just themselves."""
    if _anonymous(user):
        return qs.none()
    if user.is_superuser or user.has_role(Role.ADMIN):
        return qs
    return qs.filter(pk=user.pk)


def may_configure(user) -> bool:
    """May edit the directory (departments, categories, channels) and users."""
    return not _anonymous(user) and (user.is_superuser or user.has_role(Role.ADMIN))


def may_edit_enterprises(user) -> bool:
    """Admins maintain the directory; clerks create and correct enterprises when they register appeals."""
    return may_configure(user) or (not _anonymous(user) and user.has_role(Role.CLERK))
