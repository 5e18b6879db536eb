"""Working-day deadlines on the official calendar (chinese_calendar), counted by hand from the State Council's
schedules in the tests below, never by calling the function under test for the expected value.

2025 National Day + Mid-autumn: off Wed 1 – Wed 8 October; 调休 workdays Sun 28 September and Sat 11 October.
2026 Spring Festival: off Sun 15 – Mon 23 February; 调休 workdays Sat 14 February and Sat 28 February.
2027: no data in the installed chinese_calendar yet (published each November) → Monday–Friday.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lianxi.appeals import actions
from lianxi.core.workdays import add_workdays, calendar_covers, due_after, is_workday, local_date, workdays_between

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


D = dt.date


@pytest.mark.parametrize("day, working", [
    (D(2025, 9, 28), True),  # Sunday, 调休 for National Day
    (D(2025, 10, 1), False),
    (D(2025, 10, 6), False),  # Mid-autumn inside the golden week
    (D(2025, 10, 8), False),  # Wednesday, still off
    (D(2025, 10, 9), True),
    (D(2025, 10, 11), True),  # Saturday, 调休
    (D(2025, 10, 12), False),  # an ordinary Sunday
    (D(2026, 2, 13), True),  # Friday before the festival
    (D(2026, 2, 14), True),  # Saturday, 调休
    (D(2026, 2, 16), False),  # Monday, 除夕 week
    (D(2026, 2, 23), False),  # Monday, last day off
    (D(2026, 2, 24), True),
    (D(2026, 2, 28), True),  # Saturday, 调休
    (D(2026, 3, 1), False),
])
def test_official_calendar(day, working):
    assert is_workday(day) is working


def test_national_day_2025_seven_working_days():
    # Dispatched Tue 30 Sep 2025: Thu 9 Oct (1), Fri 10 (2), Sat 11 调休 (3), Mon 13 (4), Tue 14 (5), Wed 15 (6),
    # Thu 16 (7).
    assert add_workdays(D(2025, 9, 30), 7) == D(2025, 10, 16)
    assert due_after(at(2025, 9, 30, 10, 0), 7) == end_of(D(2025, 10, 16))
    assert due_after(at(2025, 9, 30, 10, 0), 1) == end_of(D(2025, 10, 9))
    assert due_after(at(2025, 9, 30, 10, 0), 3) == end_of(D(2025, 10, 11))  # the 调休 Saturday counts


def test_a_rest_day_dispatch_counts_from_the_next_working_day():
    # Sat 27 Sep 2025 is a rest day; Sun 28 is a 调休 workday, so one working day ends on the Sunday.
    assert due_after(at(2025, 9, 27, 15, 0), 1) == end_of(D(2025, 9, 28))
    # Thu 8 Oct is still a holiday: the first working day after it is Thu 9.
    assert due_after(at(2025, 10, 7, 9, 0), 1) == end_of(D(2025, 10, 9))


def test_spring_festival_2026():
    # Dispatched Thu 12 Feb 2026: Fri 13 (1), Sat 14 调休 (2), [15–23 off], Tue 24 (3), Wed 25 (4), Thu 26 (5),
    # Fri 27 (6), Sat 28 调休 (7).
    assert add_workdays(D(2026, 2, 12), 7) == D(2026, 2, 28)
    assert due_after(at(2026, 2, 12, 16, 0), 2) == end_of(D(2026, 2, 14))
    # … then Mon 2 Mar (8), 3 (9), 4 (10), 5 (11), 6 (12), Mon 9 (13), 10 (14), Wed 11 Mar (15).
    assert add_workdays(D(2026, 2, 12), 15) == D(2026, 3, 11)
    # Dispatched on the 调休 Saturday itself: the next working day is after the whole festival.
    assert due_after(at(2026, 2, 14, 9, 0), 1) == end_of(D(2026, 2, 24))


def test_due_at_is_the_end_of_the_day_in_beijing_time():
    due = due_after(at(2025, 9, 30, 23, 30), 7)
    assert due.utcoffset() == dt.timedelta(hours=8)
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    assert due.astimezone(UTC) == dt.datetime(2025, 10, 16, 15, 59, 59, tzinfo=UTC)
    # 00:30 on Thu 9 Oct in 清镇 is still Wed 8 Oct (a holiday) in UTC: the local day counts.
    moment = dt.datetime(2025, 10, 8, 16, 30, tzinfo=UTC)
    assert local_date(moment) == D(2025, 10, 9)
    assert due_after(moment, 1) == end_of(D(2025, 10, 10))


def test_zero_and_negative_limits():
    assert add_workdays(D(2026, 2, 16), 0) == D(2026, 2, 16)
    with pytest.raises(ValueError):
        add_workdays(D(2026, 2, 16), -1)


def test_2027_falls_back_to_monday_to_friday():
    assert calendar_covers(D(2026, 12, 31)) and not calendar_covers(D(2027, 1, 4))
    # Thu 31 Dec 2026 + 2: Fri 1 Jan 2027 counts as a weekday without data (1), Mon 4 Jan (2).
    assert add_workdays(D(2026, 12, 31), 2) == D(2027, 1, 4)
    # Spring Festival 2027 (6 Feb) is not known yet: Fri 5 Feb + 1 = Mon 8 Feb.
    assert due_after(at(2027, 2, 5, 10, 0), 1) == end_of(D(2027, 2, 8))
    assert is_workday(D(2027, 2, 6)) is False and is_workday(D(2027, 2, 8)) is True


def test_workdays_between():
    # After Thu 12 Feb up to Sat 28 Feb 2026: 13, 14, 24, 25, 26, 27, 28.
    assert workdays_between(at(2026, 2, 12, 10, 0), at(2026, 2, 28, 9, 0)) == 7
    assert workdays_between(at(2026, 2, 15, 10, 0), at(2026, 2, 23, 18, 0)) == 0
    assert workdays_between(at(2026, 2, 28, 10, 0), at(2026, 2, 12, 10, 0)) == 0


# ---- the dispatch action sets the deadlines from the category --------------------------------------------------


def dispatched(urgency, moment, *, clerk, dispatcher, jia, category, channel, gxj):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="用工缺口", content="春节后招工难",
                              category=category, channel=channel, urgency=urgency, now=moment).appeal
    appeal = actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=moment)
    appeal.refresh_from_db()
    return appeal


@pytest.mark.django_db
@pytest.mark.parametrize("urgency, due", [
    ("urgent", D(2026, 2, 14)),  # 2 working days: Fri 13, Sat 14 (调休)
    ("general", D(2026, 2, 28)),  # 7
    ("complex", D(2026, 3, 11)),  # 15
])
def test_dispatch_sets_the_deadline_by_urgency(urgency, due, clerk, dispatcher, jia, category, channel, gxj):
    moment = at(2026, 2, 12, 16, 0)
    appeal = dispatched(urgency, moment, clerk=clerk, dispatcher=dispatcher, jia=jia, category=category,
                        channel=channel, gxj=gxj)
    assert appeal.dispatched_at == moment
    assert appeal.accept_due_at == end_of(D(2026, 2, 13))  # 签收: 1 working day
    assert appeal.due_at == appeal.original_due_at == end_of(due)
    event = appeal.events.get(action="dispatch")
    assert event.data["due_at"] == end_of(due).isoformat() and event.data["due_at_explicit"] is False


@pytest.mark.django_db
def test_dispatch_across_national_day(clerk, dispatcher, jia, category, channel, gxj):
    appeal = dispatched("general", at(2025, 9, 30, 17, 0), clerk=clerk, dispatcher=dispatcher, jia=jia,
                        category=category, channel=channel, gxj=gxj)
    assert appeal.accept_due_at == end_of(D(2025, 10, 9))
    assert appeal.due_at == end_of(D(2025, 10, 16))


@pytest.mark.django_db
def test_dispatch_uses_the_category_limits_as_edited(clerk, dispatcher, jia, category, channel, gxj):
    category.general_days, category.accept_days = 3, 2
    category.save()
    appeal = dispatched("general", at(2026, 2, 12, 16, 0), clerk=clerk, dispatcher=dispatcher, jia=jia,
                        category=category, channel=channel, gxj=gxj)
    # 13, 14 (调休), 24.
    assert appeal.accept_due_at == end_of(D(2026, 2, 14))
    assert appeal.due_at == end_of(D(2026, 2, 24))


class TestWorkingTime:
    """The 80 % warning is measured in working time: holidays and weekends do not use up a limit."""

    def test_working_time_skips_weekend(self):
        from lianxi.core.workdays import working_time

        friday_noon = at(2026, 3, 13, 12)
        monday_noon = at(2026, 3, 16, 12)
        assert working_time(friday_noon, monday_noon) == dt.timedelta(hours=24)

    def test_working_time_counts_tiaoxiu_saturday(self):
        from lianxi.core.workdays import working_time

        # 2025-09-28 (Sunday) is a 调休 working day before National Day.
        assert working_time(at(2025, 9, 27, 0), at(2025, 9, 29, 0)) == dt.timedelta(hours=24)

    def test_after_working_time_inverts_working_time(self):
        from lianxi.core.workdays import after_working_time, working_time

        start = at(2025, 9, 30, 10)  # National Day holiday follows
        moment = after_working_time(start, dt.timedelta(hours=30))
        assert moment == at(2025, 10, 9, 16)  # Oct 1–8 are holidays; Oct 9 is the next working day
        assert working_time(start, moment) == dt.timedelta(hours=30)
