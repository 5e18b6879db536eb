"""Two people act on one appeal at the same moment: exactly one wins, one event is written, and the other is
refused — 409, or 404 when the winner took the appeal out of the loser's sight (a return).

These need real concurrent transactions: they run on PostgreSQL, and on SQLite only when the test database is a
file (the default in-memory test database shares one cache between threads, which answers "table is locked" at
once instead of waiting; a file database with IMMEDIATE transactions, as in production, serializes the writers).
Each thread opens its own connection and closes it.

To make the race deterministic, every action is slowed down *after* it has read the appeal and *before* it
decides: without the row lock both threads would read the same old state and both would succeed.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from lianxi.appeals import actions, workflow
from lianxi.appeals.models import Appeal, AppealEvent, IdempotencyKey
from lianxi.appeals.workflow import State
from lianxi.core.errors import NotFound, StateConflict
from tests.conftest import concurrency_marks, make_user


pytestmark = concurrency_marks()

PAUSE = 0.3  # seconds an action holds its transaction open after reading


def race(*calls, stagger: float = 0.0):
    """Run the calls in parallel threads released together by a barrier; return each result or exception.
    With ``stagger``, call i starts i × stagger seconds after the release, so (being held open for PAUSE) the
    first call is still inside its transaction when the second arrives, and the order of the two is known."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            time.sleep(i * stagger)
            results[i] = call()
        except Exception as exc:  # the loser's StateConflict, or anything unexpected
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


@pytest.fixture
def slow_decisions(monkeypatch):
    """Hold every action's transaction open between reading the appeal and checking its state."""
    original = workflow.state_reason

    def slow(action, appeal, now):
        time.sleep(PAUSE)
        return original(action, appeal, now)

    monkeypatch.setattr(workflow, "state_reason", slow)



@pytest.fixture
def registered(clerk, jia, category, channel, now):
    return actions.register(acting_user=clerk, enterprise=jia, title="电价优惠", content="请兑现电价优惠",
                            category=category, channel=channel, now=now).appeal


@pytest.fixture
def dispatched(registered, dispatcher, gxj, now):
    return actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj, now=now)


def one_winner(results, appeal, events_before, loser=StateConflict):
    winners = [r for r in results if isinstance(r, Appeal)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and type(losers[0]) is loser, results
    assert AppealEvent.objects.filter(appeal=appeal).count() == events_before + 1
    appeal.refresh_from_db()
    assert appeal.state == winners[0].state
    return winners[0]


def test_accept_then_a_concurrent_return(slow_decisions, dispatched, handler_gxj, now):
    events = dispatched.events.count()
    results = race(lambda: actions.accept(dispatched.pk, acting_user=handler_gxj, now=now),
                   lambda: actions.return_appeal(dispatched.pk, acting_user=handler_gxj, reason="不属于本局", now=now),
                   stagger=PAUSE / 3)
    winner = one_winner(results, dispatched, events)
    assert results[0] is winner and winner.state == State.HANDLING
    assert "办理中" in results[1].message  # 诉求当前为“办理中”，不能退回
    assert dispatched.events.order_by("at", "id").last().action == "accept"


def test_return_then_a_concurrent_accept(slow_decisions, dispatched, handler_gxj, now):
    """The return wins; the accept that waited behind it finds the appeal gone from its department: 404, by the
    access rule, not 409 — after the return 工信局 no longer sees the appeal at all."""
    events = dispatched.events.count()
    results = race(lambda: actions.return_appeal(dispatched.pk, acting_user=handler_gxj, reason="不属于本局", now=now),
                   lambda: actions.accept(dispatched.pk, acting_user=handler_gxj, now=now),
                   stagger=PAUSE / 3)
    winner = one_winner(results, dispatched, events, loser=NotFound)
    assert results[0] is winner and winner.state == State.REGISTERED
    assert dispatched.events.order_by("at", "id").last().action == "return"


def test_accept_and_return_at_the_same_moment(slow_decisions, dispatched, handler_gxj, now):
    """Released together: whichever wins, exactly one event is written and the other is refused."""
    events = dispatched.events.count()
    results = race(lambda: actions.accept(dispatched.pk, acting_user=handler_gxj, now=now),
                   lambda: actions.return_appeal(dispatched.pk, acting_user=handler_gxj, reason="不属于本局", now=now))
    if isinstance(results[0], Appeal):  # accept won; the return sees 办理中
        one_winner(results, dispatched, events, loser=StateConflict)
    else:  # return won; the accept no longer sees the appeal
        one_winner(results, dispatched, events, loser=NotFound)


def test_two_dispatchers_dispatch_at_once(slow_decisions, registered, dispatcher, gxj, rsj, now):
    other = make_user("dispatcher2", "dispatcher", name="派单员小王")
    events = registered.events.count()
    results = race(lambda: actions.dispatch(registered.pk, acting_user=dispatcher, lead_department=gxj, now=now),
                   lambda: actions.dispatch(registered.pk, acting_user=other, lead_department=rsj, now=now))
    winner = one_winner(results, registered, events)
    registered.refresh_from_db()
    assert winner.state == State.DISPATCHED
    # The appeal went to the winner's department, and the one event names the winner.
    event = registered.events.get(action="dispatch")
    assert registered.lead_department_id == winner.lead_department_id == event.data["lead_department"]
    assert event.actor_id == (dispatcher.pk if winner.lead_department_id == gxj.pk else other.pk)


def test_reject_against_dispatch(slow_decisions, registered, dispatcher, gxj, now):
    events = registered.events.count()
    results = race(lambda: actions.reject(registered.pk, acting_user=dispatcher, reason="重复诉求", now=now),
                   lambda: actions.dispatch(registered.pk, acting_user=dispatcher, lead_department=gxj, now=now))
    winner = one_winner(results, registered, events)
    assert winner.state in {State.REJECTED, State.DISPATCHED}


def test_same_idempotency_key_registers_once(monkeypatch, user_jia, category):
    # Slow the registration down after the key is claimed, so the second request arrives while the first is open.
    original = actions._next_number

    def slow_number(now):
        time.sleep(PAUSE)
        return original(now)

    monkeypatch.setattr(actions, "_next_number", slow_number)

    def submit():
        return actions.register(acting_user=user_jia, enterprise=user_jia.enterprise, title="融资对接",
                                content="希望参加政银企对接会", category=category, idempotency_key="abc-123")

    results = race(submit, submit)
    assert all(isinstance(r, actions.Registration) for r in results), results
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].appeal.pk == results[1].appeal.pk
    assert Appeal.objects.count() == 1 and AppealEvent.objects.count() == 1
    assert IdempotencyKey.objects.get().appeal_id == results[0].appeal.pk


def test_concurrent_registrations_get_consecutive_numbers(monkeypatch, clerk, user_jia, jia, category, channel, now):
    # Hold each registration open after it took its number: the second must wait, not take the same number.
    original = actions._record

    def slow_record(*args, **kwargs):
        time.sleep(PAUSE)
        return original(*args, **kwargs)

    monkeypatch.setattr(actions, "_record", slow_record)

    def submit(user):
        return lambda: actions.register(acting_user=user, enterprise=jia, title="t", content="c",
                                        category=category, channel=channel, now=now)

    results = race(submit(clerk), submit(user_jia))
    assert all(isinstance(r, actions.Registration) for r in results), results
    assert sorted(r.appeal.number for r in results) == ["LX20260311-0001", "LX20260311-0002"]
