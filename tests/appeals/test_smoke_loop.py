"""The whole loop once, through the action functions: the spine every other test builds on."""

import datetime as dt

import pytest
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.appeals.models import AppealEvent
from lianxi.appeals.workflow import State
from lianxi.core.errors import NotFound, NotPermitted, StateConflict


@pytest.mark.django_db
def test_registered_to_closed(clerk, dispatcher, handler_gxj, supervisor, jia, category, channel, gxj, rsj, now):
    reg = actions.register(acting_user=clerk, enterprise=jia, title="申请技改补贴", content="请问技改补贴如何兑现",
                           category=category, channel=channel, now=now)
    appeal = reg.appeal
    assert appeal.number == "LX20260311-0001" and appeal.state == State.REGISTERED
    appeal = actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, co_departments=[rsj], now=now)
    assert appeal.state == State.DISPATCHED
    # Wednesday 11 March 2026 + 7 working days (no holiday in between) = Friday 20 March, end of day.
    assert timezone.localtime(appeal.due_at) == timezone.make_aware(dt.datetime(2026, 3, 20, 23, 59, 59))
    appeal = actions.accept(appeal, acting_user=handler_gxj, now=now)
    appeal = actions.reply(appeal, acting_user=handler_gxj, result="已兑现", outcome="solved", now=now)
    appeal = actions.follow_up(appeal, acting_user=clerk, rating=5, solved=True, now=now)
    appeal = actions.close(appeal, acting_user=supervisor, now=now)
    assert appeal.state == State.CLOSED
    assert list(AppealEvent.objects.filter(appeal=appeal).values_list("action", flat=True)) == [
        "register", "dispatch", "accept", "reply", "follow-up", "close"]


@pytest.mark.django_db
def test_refusals(clerk, dispatcher, handler_gxj, handler_rsj, jia, category, channel, gxj, now):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="t", content="c", category=category,
                              channel=channel, now=now).appeal
    with pytest.raises(NotPermitted):
        actions.dispatch(appeal, acting_user=clerk, lead_department=gxj, now=now)
    with pytest.raises(NotFound):
        actions.accept(appeal, acting_user=handler_rsj, now=now)
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=now)
    with pytest.raises(StateConflict):
        actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=now)
    appeal.refresh_from_db()
    assert appeal.state == State.DISPATCHED
