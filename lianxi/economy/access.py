"""Who sees the private-economy monitor and who feeds it. The pages, the API, the export and the navigation bar all
ask these two functions."""

from __future__ import annotations

from lianxi.accounts.access import may_configure
from lianxi.accounts.models import Role

# The monitor is read by those who steer the work: leaders, the supervision office, the business-environment
# office (dispatchers) and the platform's admins. Departments, clerks, deputies and enterprises do not see it.
READERS = frozenset({Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})


def may_read_economy(user) -> bool:
    return user is not None and user.is_authenticated and (user.is_superuser or user.has_role(*READERS))


def may_import_indicators(user) -> bool:
    """Only platform admins load the quarterly figures."""
    return may_configure(user)
