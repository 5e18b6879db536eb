"""Notification fixtures: appeals at the steps the rules speak of, and events written straight into the history
(the tests call the hook themselves, so they hold whether or not an action already calls it)."""

from __future__ import annotations

import pytest

from lianxi.appeals import actions
from lianxi.appeals.models import AppealEvent
from lianxi.notifications.hooks import on_appeal_event
from lianxi.notifications.models import Notification


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"



@pytest.fixture
def registered(clerk, jia, category, channel, now):
    return actions.register(acting_user=clerk, enterprise=jia, title="申请技改补贴兑现", content="去年的技改补贴尚未兑现",
                            category=category, channel=channel, now=now).appeal


@pytest.fixture
def dispatched(registered, dispatcher, gxj, now):
    return actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj, now=now)


@pytest.fixture
def record(now):
    """``record(appeal, action, actor, **data)``: write an AppealEvent as an action would and run the hook on it;
    returns the notifications this event produced."""

    def write(appeal, action, actor=None, at=None, **data):
        event = AppealEvent.objects.create(appeal=appeal, action=action, actor=actor,
                                           actor_name=actor.display_name if actor else "系统",
                                           actor_department=str(actor.department or "") if actor else "",
                                           from_state=appeal.state, to_state=appeal.state, at=at or now, data=data)
        on_appeal_event(event)
        return Notification.objects.filter(event=event).select_related("recipient")

    return write


def recipients(notifications) -> set[str]:
    return {n.recipient.username for n in notifications}
