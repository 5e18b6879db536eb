"""March 2026, counted by hand: the story every measure test is checked against.

Category 政策咨询与兑现: 签收 1 working day, 办结 7, 回访 3, 差评整改 5. March 2026 has no holiday; the 2nd is a
Monday. The numbers are read on 31 March at noon.

    A1 甲 window  →工信局, accepted in time, replied 3/5 (due 3/11), rated 5 solved, closed
    A2 甲 window  →工信局, accepted late (3/4), extension to 3/20 approved, replied 3/16: on time against the
                  due date in force; rated 3 (basically satisfied), not solved
    A3 乙 window  →工信局, replied late 3/16 (due 3/12), rated 2 → reopened, rectified 3/19 (on time), rated 4
    A4 甲 window  →人社局, returned in time, re-dispatched →工信局 (co: 人社局), accepted in time, still handling,
                  due 3/16: overdue now
    A5 甲 window  rejected                         (not received)
    A6 甲 window  merged into A3                   (not received)
    A7 乙 hotline →工信局, accepted, suspended (挂账): the clock stops, not overdue
    A8 甲 window  registered, not dispatched
    A9 乙 window  →工信局 3/25, not yet accepted (签收 due 3/26): not responded; reply due 4/3: not overdue
    A0 甲 window  registered 2/27 and completed: outside March

    March, all:  received 7, completed 3 (A1 A2 A3), dispatched 6, responded 4 (A1 A3 A4 A7), returned 1 (A4),
                 replied 3, on time 3, rated 3, satisfied 3, solved 2 (A1 A3), reopened 1 (A3), overdue 1 (A4),
                 average working days to reply (3 + 10 + 9) / 3 = 7.33
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.directory.models import Channel
from lianxi.stats.facts import refresh


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


NOW = at(3, 31, 12)


@pytest.fixture
def story(clerk, dispatcher, supervisor, handler_gxj, handler_rsj, jia, yi, category, channel, gxj, rsj):
    hotline = Channel.objects.get(code="hotline")

    def register(enterprise, when, title, channel=channel):
        return actions.register(acting_user=clerk, enterprise=enterprise, title=title, content=title,
                                category=category, channel=channel, now=when).appeal

    def dispatch(appeal, when, department=gxj, **kw):
        return actions.dispatch(appeal, acting_user=dispatcher, lead_department=department, now=when, **kw)

    def reply(appeal, when):
        return actions.reply(appeal, acting_user=handler_gxj, result="已办结", outcome="solved", now=when)

    def rate(appeal, when, rating, solved):
        return actions.follow_up(appeal, acting_user=clerk, rating=rating, solved=solved, now=when)

    a0 = register(jia, at(2, 27, 9), "二月的诉求")
    a0 = reply(actions.accept(dispatch(a0, at(2, 27, 10)), acting_user=handler_gxj, now=at(2, 27, 11)), at(3, 2, 9))

    a1 = register(jia, at(3, 2, 9), "A1")
    a1 = actions.accept(dispatch(a1, at(3, 2, 10)), acting_user=handler_gxj, now=at(3, 2, 15))
    a1 = rate(reply(a1, at(3, 5)), at(3, 6), 5, True)
    a1 = actions.close(a1, acting_user=supervisor, now=at(3, 9))

    a2 = register(jia, at(3, 2, 9, 30), "A2")
    a2 = actions.accept(dispatch(a2, at(3, 2, 10)), acting_user=handler_gxj, now=at(3, 4, 9))
    a2 = actions.request_extension(a2, acting_user=handler_gxj, due_at=at(3, 20, 23), reason="需现场核查",
                                   now=at(3, 9))
    a2 = actions.decide_extension(a2, acting_user=supervisor, approve=True, now=at(3, 10))
    a2 = rate(reply(a2, at(3, 16)), at(3, 17), 3, False)

    a3 = register(yi, at(3, 3, 9), "A3")
    a3 = actions.accept(dispatch(a3, at(3, 3, 10)), acting_user=handler_gxj, now=at(3, 3, 11))
    a3 = rate(reply(a3, at(3, 16)), at(3, 17), 2, False)
    a3 = rate(reply(a3, at(3, 19)), at(3, 20), 4, True)

    a4 = register(jia, at(3, 4, 9), "A4")
    a4 = actions.return_appeal(dispatch(a4, at(3, 4, 10), rsj), acting_user=handler_rsj, reason="不属本单位职责",
                               now=at(3, 4, 16))
    a4 = dispatch(a4, at(3, 5, 9), co_departments=[rsj])
    a4 = actions.accept(a4, acting_user=handler_gxj, now=at(3, 6, 10))

    a5 = actions.reject(register(jia, at(3, 5), "A5"), acting_user=dispatcher, reason="不属于涉企诉求",
                        now=at(3, 5, 11))
    a6 = actions.merge(register(jia, at(3, 6), "A6"), acting_user=dispatcher, into=a3, now=at(3, 6, 11))

    a7 = register(yi, at(3, 9), "A7", channel=hotline)
    a7 = actions.accept(dispatch(a7, at(3, 9, 11)), acting_user=handler_gxj, now=at(3, 9, 15))
    a7 = actions.suspend(a7, acting_user=supervisor, reason="待上级政策", review_date=dt.date(2026, 6, 1),
                         now=at(3, 10))

    a8 = register(jia, at(3, 10), "A8")
    a9 = dispatch(register(yi, at(3, 25, 9), "A9"), at(3, 25))

    refresh(now=NOW)
    return SimpleNamespace(a0=a0, a1=a1, a2=a2, a3=a3, a4=a4, a5=a5, a6=a6, a7=a7, a8=a8, a9=a9, hotline=hotline)


MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def rsj_appeals(clerk, dispatcher, handler_rsj, yi, category, channel, rsj, settings):
    """人社局 leads two March appeals, signed in time, solved, very satisfied: it ranks first (100 points), and
    工信局 (response 4/6, solved 2/3, satisfied 3/3: 80 points) second. Ranked from two appeals received."""
    settings.LIANXI = {**settings.LIANXI, "RANKING_MIN_RECEIVED": 2}
    for day in (2, 3):
        a = actions.register(acting_user=clerk, enterprise=yi, title="招工", content="招工", category=category,
                             channel=channel, now=at(3, day, 9)).appeal
        a = actions.accept(actions.dispatch(a, acting_user=dispatcher, lead_department=rsj, now=at(3, day, 10)),
                           acting_user=handler_rsj, now=at(3, day, 11))
        a = actions.reply(a, acting_user=handler_rsj, result="已办", outcome="solved", now=at(3, day + 1))
        actions.follow_up(a, acting_user=clerk, rating=5, solved=True, now=at(3, day + 2))
    refresh(now=NOW)
