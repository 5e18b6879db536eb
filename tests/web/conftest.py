"""Page-test fixtures: appeals at each step of the loop, told with the shared personas."""

from __future__ import annotations

import pytest

from lianxi.appeals import actions


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded attachments go to a throwaway directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT



@pytest.fixture
def registered(clerk, jia, category, channel, now):
    """甲's appeal, just registered by the clerk at the window."""
    return actions.register(acting_user=clerk, enterprise=jia, title="申请技改补贴兑现", content="去年的技改补贴尚未兑现",
                            category=category, channel=channel, now=now).appeal


@pytest.fixture
def dispatched(registered, dispatcher, gxj):
    """Dispatched to 工信局 (with a deadline in the future, so actions on it are never late)."""
    return actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj)


@pytest.fixture
def handling(dispatched, handler_gxj):
    return actions.accept(dispatched, acting_user=handler_gxj)


@pytest.fixture
def replied(handling, handler_gxj):
    return actions.reply(handling, acting_user=handler_gxj, result="补贴已于本周拨付", outcome="solved")


@pytest.fixture
def appeal_yi(clerk, yi, category, channel, now):
    """乙's appeal: 甲 must never see it."""
    return actions.register(acting_user=clerk, enterprise=yi, title="乙公司用工招聘需求", content="需招聘技术工人50名",
                            category=category, channel=channel, now=now).appeal
