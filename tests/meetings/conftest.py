"""Meeting fixtures, told with the shared personas: a symposium hosted by the 市长 (leader), which enterprise 甲
attended and 工信局 sat in."""

from __future__ import annotations

import datetime as dt

import pytest

from lianxi.appeals import actions
from lianxi.meetings import services
from lianxi.meetings.models import MeetingType


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def symposium_type(db):
    return MeetingType.objects.select_related("channel").get(code="symposium")


@pytest.fixture
def symposium(clerk, leader, gxj, jia, symposium_type, now):
    return services.create_meeting(acting_user=clerk, type=symposium_type, title="2026年第一季度民营企业发展座谈会",
                                   date=dt.date(2026, 3, 10), place="市政府3楼会议室", host=leader,
                                   departments=[gxj], enterprises=[jia], now=now)


@pytest.fixture
def raise_in(clerk, category, now):
    """``raise_in(meeting, enterprise, title)``: the clerk registers an appeal raised in the meeting."""

    def register(meeting, enterprise, title="用电增容审批慢", content=None):
        return actions.register(acting_user=clerk, enterprise=enterprise, title=title,
                                content=content or title + "，请协调", category=category, meeting=meeting,
                                now=now).appeal

    return register
