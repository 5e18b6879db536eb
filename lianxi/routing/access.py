"""Who may ask the router (access rules in the style of lianxi.accounts.access)."""

from __future__ import annotations

from lianxi.accounts.models import Role

# Staff who register or dispatch appeals: a clerk checks where an appeal will likely go while registering it,
# a dispatcher and a supervisor (仲裁交办) choose the lead department, an admin tunes the remits.
SUGGESTION_ROLES = (Role.CLERK, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
# Those who choose a lead department: the appeal's own suggestions (its detail, the dispatch form).
DISPATCHING_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def may_request_suggestions(user) -> bool:
    """Enterprises, deputies, departments' own staff and leaders may not: how appeals are routed (which
    department handles what, how sure the router is) is the dispatchers' working material, not an answer
    anyone outside the dispatching desk should act on."""
    return _signed_in(user) and (user.is_superuser or user.has_role(*SUGGESTION_ROLES))


def sees_appeal_suggestions(user) -> bool:
    return _signed_in(user) and user.has_role(*DISPATCHING_ROLES)
