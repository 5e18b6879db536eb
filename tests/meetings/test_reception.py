"""周二民企接待日: Tuesdays scheduled by the official calendar, sessions held as meetings, and the source page's
line “开展59次，解决急难问题42个” computed for any date range."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from lianxi.appeals import actions
from lianxi.core.errors import InvalidInput, NotPermitted
from lianxi.meetings import selectors, services
from lianxi.meetings.models import Meeting, MeetingType, ReceptionSession

pytestmark = pytest.mark.django_db

D = dt.date


def test_scheduling_skips_the_tuesday_of_national_day_week(clerk, gxj):
    created = services.schedule_reception_days(D(2026, 9, 28), D(2026, 10, 18), acting_user=clerk,
                                               duty_departments=[gxj])
    # 29 Sept and 13 Oct are ordinary Tuesdays; 6 Oct falls in the National Day holiday (1–7 Oct).
    assert [s.date for s in created] == [D(2026, 9, 29), D(2026, 10, 13)]
    assert list(ReceptionSession.objects.values_list("date", flat=True)) == [D(2026, 9, 29), D(2026, 10, 13)]
    assert all(list(s.duty_departments.all()) == [gxj] for s in ReceptionSession.objects.all())
    assert {s.status for s in ReceptionSession.objects.all()} == {"planned"}


def test_scheduling_across_the_spring_festival_and_running_it_twice(clerk):
    services.schedule_reception_days(D(2026, 2, 9), D(2026, 2, 28), acting_user=clerk)
    assert list(ReceptionSession.objects.values_list("date", flat=True)) == [D(2026, 2, 10), D(2026, 2, 24)]
    again = services.schedule_reception_days(D(2026, 2, 1), D(2026, 3, 4), acting_user=clerk)
    assert [s.date for s in again] == [D(2026, 2, 3), D(2026, 3, 3)]  # only the days not scheduled yet
    assert ReceptionSession.objects.count() == 4


def test_the_management_command_is_idempotent(gxj, capsys):
    call_command("schedule_reception_days", "--from", "2026-10-01", "--to", "2026-10-31", "--duty", "gxj")
    first = list(ReceptionSession.objects.values_list("date", flat=True))
    call_command("schedule_reception_days", "--from", "2026-10-01", "--to", "2026-10-31")
    assert list(ReceptionSession.objects.values_list("date", flat=True)) == first == [
        D(2026, 10, 13), D(2026, 10, 20), D(2026, 10, 27)]
    assert "已安排 0 个接待日" in capsys.readouterr().out


def test_only_clerks_and_dispatchers_schedule(handler_gxj, leader):
    for persona in (handler_gxj, leader):
        with pytest.raises(NotPermitted):
            services.schedule_reception_days(D(2026, 3, 1), D(2026, 3, 31), acting_user=persona)
    assert ReceptionSession.objects.count() == 0


def test_holding_a_session_makes_its_meeting(clerk, leader, gxj):
    [session] = services.schedule_reception_days(D(2026, 3, 10), D(2026, 3, 10), acting_user=clerk,
                                                 duty_departments=[gxj])
    meeting = services.hold_session(session, acting_user=clerk, host=leader, place="企业之家")
    session.refresh_from_db()
    assert session.status == "held" and session.meeting_id == meeting.pk
    assert (meeting.type.channel.code, meeting.date, meeting.host_id) == ("reception_day", D(2026, 3, 10), leader.pk)
    assert list(meeting.departments.all()) == [gxj]  # the departments on duty attend
    with pytest.raises(InvalidInput):
        services.hold_session(session, acting_user=clerk)
    with pytest.raises(InvalidInput):
        services.update_session(session, acting_user=clerk, cancelled=True)


def test_a_reception_meeting_recorded_directly_holds_the_session_of_its_day(clerk):
    reception_type = MeetingType.objects.get(code="reception_day")
    meeting = services.create_meeting(acting_user=clerk, type=reception_type, title="接待日", date=D(2026, 3, 17))
    session = ReceptionSession.objects.get(date=D(2026, 3, 17))  # not scheduled before: made for it
    assert (session.status, session.meeting_id) == ("held", meeting.pk)
    with pytest.raises(InvalidInput) as refused:
        services.create_meeting(acting_user=clerk, type=reception_type, title="重复", date=D(2026, 3, 17))
    assert set(refused.value.fields) == {"date"}
    assert Meeting.objects.count() == 1
    # Correcting the date moves the meeting to the right session and frees the old one.
    services.update_meeting(meeting, acting_user=clerk, date=D(2026, 3, 24))
    assert ReceptionSession.objects.get(date=D(2026, 3, 17)).status == "planned"
    assert ReceptionSession.objects.get(date=D(2026, 3, 24)).meeting_id == meeting.pk


def solve(appeal, dispatcher, handler, clerk, gxj, *, solved=True):
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj)
    actions.accept(appeal, acting_user=handler)
    actions.reply(appeal, acting_user=handler, result="已办结", outcome="solved")
    return actions.follow_up(appeal, acting_user=clerk, rating=4 if solved else 3, solved=solved)


def test_the_numbers_for_any_range(clerk, dispatcher, handler_gxj, gxj, jia, yi, category, raise_in):
    sessions = services.schedule_reception_days(D(2026, 3, 1), D(2026, 3, 31), acting_user=clerk)
    assert [s.date for s in sessions] == [D(2026, 3, 3), D(2026, 3, 10), D(2026, 3, 17), D(2026, 3, 24),
                                          D(2026, 3, 31)]
    first = services.hold_session(sessions[0], acting_user=clerk)
    second = services.hold_session(sessions[1], acting_user=clerk)
    services.update_session(sessions[2], acting_user=clerk, cancelled=True)
    a1, a2, a3 = raise_in(first, jia, "一"), raise_in(first, yi, "二"), raise_in(second, jia, "三")
    solve(a1, dispatcher, handler_gxj, clerk, gxj)
    solve(a3, dispatcher, handler_gxj, clerk, gxj, solved=False)  # replied “solved”, the enterprise disagrees
    raise_in(None, jia, "不在接待日")

    stats = selectors.reception_stats(D(2026, 3, 1), D(2026, 3, 31))
    assert (stats.sessions_scheduled, stats.sessions_held, stats.sessions_cancelled) == (5, 2, 1)
    assert (stats.appeals_raised, stats.solved, stats.reported_solved) == (3, 1, 2)
    assert stats.sentence == "2026年3月1日以来开展2次，已为民营企业解决急难问题1个"
    assert [(r.session.date, r.raised, r.solved, r.held_total, r.raised_total, r.solved_total)
            for r in stats.rows[:3]] == [(D(2026, 3, 3), 2, 1, 1, 2, 1), (D(2026, 3, 10), 1, 0, 2, 3, 1),
                                         (D(2026, 3, 17), 0, 0, 2, 3, 1)]
    later = selectors.reception_stats(D(2026, 3, 5), None)
    assert (later.sessions_held, later.appeals_raised, later.solved) == (1, 1, 0)
    assert a2.meeting_id == first.pk


def test_the_api(api, clerk, user_jia, handler_gxj, gxj):
    api.as_(clerk)
    created = api.post("/api/v1/reception-sessions/schedule/", {"from": "2026-09-28", "to": "2026-10-18",
                                                                "duty_departments": [gxj.pk]}, format="json")
    assert created.status_code == 201
    assert [s["date"] for s in created.json()] == ["2026-09-29", "2026-10-13"]
    listed = api.get("/api/v1/reception-sessions/?from=2026-10-01&to=2026-10-31").json()
    assert [s["date"] for s in listed["results"]] == ["2026-10-13"]
    assert listed["results"][0]["duty_departments"] == [gxj.pk]
    session = ReceptionSession.objects.get(date=D(2026, 9, 29))
    held = api.post(f"/api/v1/reception-sessions/{session.pk}/hold/", {"place": "企业之家"}, format="json")
    assert held.status_code == 201 and held.json()["type"] == "reception_day"
    stats = api.get("/api/v1/reception-sessions/stats/?from=2026-01-01&to=2026-12-31").json()
    assert [(s["date"], s["status"], s["meeting"], s["held_total"]) for s in stats.pop("sessions")] == [
        ("2026-09-29", "held", held.json()["id"], 1), ("2026-10-13", "planned", None, 1)]
    assert stats == {"from": "2026-01-01", "to": "2026-12-31", "sessions_scheduled": 2, "sessions_held": 1,
                     "sessions_cancelled": 0, "appeals_raised": 0, "solved": 0, "reported_solved": 0,
                     "sentence": "2026年1月1日以来开展1次，已为民营企业解决急难问题0个"}
    assert api.get("/api/v1/reception-sessions/stats/?from=x").status_code == 400
    assert api.as_(handler_gxj).get("/api/v1/reception-sessions/").status_code == 200
    assert api.as_(user_jia).get("/api/v1/reception-sessions/stats/").status_code == 403
    assert api.post("/api/v1/reception-sessions/schedule/", {"from": "2026-01-01", "to": "2026-01-31"},
                    format="json").status_code == 403
    assert ReceptionSession.objects.count() == 2


def test_the_page(client, clerk, user_jia):
    client.force_login(clerk)
    response = client.post("/reception/", {"from": "2026-09-28", "to": "2026-10-18"})
    assert response.status_code == 302
    page = client.get("/reception/?from=2026-09-01&to=2026-10-31").content.decode()
    assert "2026-09-29" in page and "2026-10-13" in page and "2026-10-06" not in page
    assert "2026年9月1日以来开展0次，已为民营企业解决急难问题0个" in page
    session = ReceptionSession.objects.get(date=D(2026, 9, 29))
    held = client.post(f"/reception/{session.pk}/", {"hold": "1", "place": "企业之家"})
    session.refresh_from_db()
    assert held.status_code == 302 and held.url == f"/meetings/{session.meeting_id}/bulk/"
    client.force_login(user_jia)
    assert client.get("/reception/").status_code == 403
