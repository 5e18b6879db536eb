"""Two dispatchers at the same moment: grouping one appeal into two problems, or dispatching one problem twice.
Exactly one wins; the other is refused with a 409 and leaves nothing behind. (Real concurrent transactions: see
tests/appeals/test_concurrency.py for why these run on PostgreSQL, or SQLite on a file.)"""

from __future__ import annotations

import time

import pytest

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.core.errors import StateConflict
from lianxi.problems import services
from lianxi.problems.models import ProblemMember
from tests.appeals.test_concurrency import race
from tests.conftest import concurrency_marks, make_user

pytestmark = concurrency_marks()

PAUSE = 0.3


class SlowMembership(frozenset):
    """GROUPABLE, read after the appeals and their memberships: held open there, both transactions would have
    seen the appeal in no problem, were it not for the row locks (and, behind them, the unique index)."""

    def __contains__(self, state):
        time.sleep(PAUSE)
        return super().__contains__(state)


def test_one_appeal_grouped_into_two_problems_at_once(monkeypatch, clerk, jia, category, now):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="用电", content="增容慢", category=category,
                              now=now).appeal
    first, second = make_user("d1", "dispatcher"), make_user("d2", "dispatcher")
    problems = [services.create_problem(acting_user=first, title="问题一"),
                services.create_problem(acting_user=second, title="问题二")]
    monkeypatch.setattr(services, "GROUPABLE", SlowMembership(services.GROUPABLE))
    results = race(lambda: services.add_appeals(problems[0], acting_user=first, appeals=[appeal]),
                   lambda: services.add_appeals(problems[1], acting_user=second, appeals=[appeal]), stagger=0.05)
    assert sum(isinstance(r, StateConflict) for r in results) == 1, results
    assert ProblemMember.objects.filter(appeal=appeal, removed_at__isnull=True).count() == 1


def test_one_problem_dispatched_twice_at_once(monkeypatch, clerk, jia, yi, category, gxj, rsj, now):
    appeals = [actions.register(acting_user=clerk, enterprise=e, title="用电", content="增容慢", category=category,
                                now=now).appeal for e in (jia, yi)]
    first, second = make_user("d1", "dispatcher"), make_user("d2", "dispatcher")
    problem = services.create_problem(acting_user=first, title="用电", appeals=appeals)
    original = services.common_due_at

    def slow(members, moment):
        time.sleep(PAUSE)
        return original(members, moment)

    monkeypatch.setattr(services, "common_due_at", slow)
    results = race(lambda: services.dispatch_problem(problem, acting_user=first, lead_department=gxj),
                   lambda: services.dispatch_problem(problem, acting_user=second, lead_department=rsj), stagger=0.05)
    assert sum(isinstance(r, StateConflict) for r in results) == 1, results
    problem.refresh_from_db()
    # Every member went to the one winner's department, once.
    assert AppealEvent.objects.filter(action="dispatch").count() == 2
    assert set(Appeal.objects.filter(pk__in=[a.pk for a in appeals]).values_list("lead_department", flat=True)) == {
        problem.lead_department_id}
