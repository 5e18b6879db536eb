"""Return arbitration: a second 退单 of the same appeal waits for a supervisor, who fixes the lead department;
the department so fixed cannot bounce it again."""

from __future__ import annotations

import pytest

from lianxi.appeals import actions
from lianxi.appeals.selectors import inbox
from lianxi.core.errors import NotPermitted, StateConflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def twice_returned(clerk, dispatcher, handler_gxj, handler_rsj, jia, category, channel, gxj, rsj, now):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="招工难", content="技术工人招不到",
                              category=category, channel=channel, now=now).appeal
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=now)
    first = actions.return_appeal(appeal, acting_user=handler_gxj, reason="属于人社局职责", now=now)
    assert not first.awaiting_arbitration and first._last_event.data["arbitration"] is False
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=rsj, now=now)
    return actions.return_appeal(appeal, acting_user=handler_rsj, reason="企业用工属于工信局服务范围", now=now)


def test_second_return_waits_for_the_supervisor(twice_returned, dispatcher, supervisor, gxj, now):
    appeal = twice_returned
    assert appeal.state == "registered" and appeal.return_count == 2 and appeal.awaiting_arbitration
    event = appeal.events.order_by("at", "id").last()
    assert (event.action, event.data["arbitration"], event.data["return_count"]) == ("return", True, 2)
    with pytest.raises(StateConflict, match="须由督办员裁定"):
        actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=now)
    assert appeal.events.count() == 5  # nothing written by the refused dispatch
    keys = {s.key: s for s in inbox(supervisor, now)}
    assert list(keys["to_arbitrate"].queryset) == [appeal]
    assert "returned" not in {s.key for s in inbox(dispatcher, now) if s.queryset.filter(pk=appeal.pk).exists()}


def test_the_supervisor_fixes_the_lead_department(twice_returned, supervisor, handler_gxj, dispatcher, gxj, rsj,
                                                  now):
    with pytest.raises(NotPermitted):
        actions.arbitrate(twice_returned, acting_user=dispatcher, lead_department=gxj, reason="x", now=now)
    appeal = actions.arbitrate(twice_returned, acting_user=supervisor, lead_department=gxj, co_departments=[rsj],
                               reason="经会商，由工信局主办、人社局协办", now=now)
    appeal.refresh_from_db()
    assert (appeal.state, appeal.lead_department, appeal.arbitrated_at, appeal.dispatched_at) == (
        "dispatched", gxj, now, now)
    assert list(appeal.co_departments.all()) == [rsj]
    assert {d.limit for d in appeal.deadlines.filter(ended_at__isnull=True)} == {"accept", "reply"}
    event = appeal.events.order_by("at", "id").last()
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        "arbitrate", supervisor, "registered", "dispatched")
    assert event.data["lead_department"] == gxj.pk and event.data["reason"] == "经会商，由工信局主办、人社局协办"
    # 工信局 can no longer bounce it.
    with pytest.raises(StateConflict, match="不能再退回"):
        actions.return_appeal(appeal, acting_user=handler_gxj, reason="还是不归我们", now=now)
    assert actions.accept(appeal, acting_user=handler_gxj, now=now).state == "handling"


def test_arbitration_needs_a_reason_and_a_department(twice_returned, supervisor, gxj, now):
    from lianxi.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as bad:
        actions.arbitrate(twice_returned, acting_user=supervisor, lead_department=None, reason="", now=now)
    assert set(bad.value.fields) == {"reason", "lead_department"}
    twice_returned.refresh_from_db()
    assert twice_returned.awaiting_arbitration and twice_returned.events.count() == 5
