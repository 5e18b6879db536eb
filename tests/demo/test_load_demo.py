"""The demo tells true stories: one load (for a fixed today) shared by every test of this module, rolled back
after it."""

import datetime as dt
import io
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from stdnum.cn import uscc

from lianxi.accounts.models import Role, User
from lianxi.appeals import deadlines
from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.appeals.workflow import State
from lianxi.core.errors import StateConflict
from lianxi.core.workdays import is_workday, local_date
from lianxi.demo import data, loader
from lianxi.demo.management.commands.load_demo import Command as LoadDemo
from lianxi.deputies import letter
from lianxi.deputies.models import Opinion
from lianxi.deputies.selectors import progress
from lianxi.directory.models import Category, Channel, Department, Enterprise
from lianxi.meetings.models import Meeting, Pairing, ReceptionSession, Visit
from lianxi.meetings.selectors import leader_overview, reception_stats
from lianxi.meetings.services import reception_days

TODAY = timezone.make_aware(dt.datetime(2026, 11, 27, 10, 0))  # a Friday
MEETING_CHANNELS = {"symposium", "reception_day", "bank_meeting", "legal_meeting", "industry_meeting", "npc_inspection",
                    "cppcc_consultation"}
COMPLETED = (State.REPLIED, State.FOLLOWED_UP, State.CLOSED)


FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py sets for every test


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        summary = loader.load(now=TODAY)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def histories(demo):
    events = defaultdict(list)
    for event in AppealEvent.objects.order_by("at", "id"):
        events[event.appeal_id].append(event)
    return events


@pytest.mark.django_db
def test_every_story_played_to_its_end(demo):
    assert demo.failures == []
    assert demo.appeals == loader.APPEALS == Appeal.objects.count()


@pytest.mark.django_db
def test_every_state_channel_and_category_appears(demo):
    assert set(Appeal.objects.values_list("state", flat=True)) == set(State.values)
    assert not Channel.objects.exclude(appeals__isnull=False).exists()
    assert not Category.objects.exclude(appeals__isnull=False).exists()
    assert Appeal.objects.values("kind").distinct().count() == 5
    assert Appeal.objects.values("urgency").distinct().count() == 3


@pytest.mark.django_db
def test_the_directory_is_qingzhen(demo):
    bureaus = Department.objects.filter(kind=Department.Kind.BUREAU)
    assert bureaus.count() == 34
    assert {"市发展和改革局", "市工业和信息化局", "市人力资源和社会保障局", "市自然资源局", "市税务局", "市人民法院",
            "市金融服务中心", "市营商环境建设局"} <= set(bureaus.values_list("name", flat=True))
    towns = set(Department.objects.filter(kind=Department.Kind.TOWN).values_list("name", flat=True))
    assert {"红枫湖镇", "卫城镇", "麦格苗族布依族乡", "青龙山街道", "时光街道"} <= towns
    assert "清镇经济开发区" in Department.objects.filter(kind=Department.Kind.PARK).values_list("name", flat=True)
    assert not Department.objects.filter(remit="").exists()
    assert not Category.objects.filter(default_department__isnull=True).exists()


@pytest.mark.django_db
def test_enterprises_have_valid_qingzhen_usccs(demo):
    enterprises = list(Enterprise.objects.all())
    assert len(enterprises) == loader.ENTERPRISES
    assert len({e.name for e in enterprises}) == len(enterprises)
    for enterprise in enterprises:
        assert uscc.is_valid(enterprise.uscc), enterprise.uscc
        assert enterprise.uscc[2:8] == "520181" and enterprise.town is not None
        assert enterprise.town.kind in (Department.Kind.TOWN, Department.Kind.PARK)
    ownership = [e.ownership for e in enterprises]
    assert ownership.count("private") > len(enterprises) / 2
    assert Enterprise.objects.filter(tags__name="专精特新").exists()
    assert Enterprise.objects.filter(tags__name="规上").exists()


@pytest.mark.django_db
def test_demo_accounts(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.has_role(Role.ADMIN)
    assert admin.check_password(data.PASSWORD)
    for role in Role.values:
        assert User.objects.filter(role_grants__role=role).exists(), role
    jia, yi = User.objects.get(username="qiye_jia"), User.objects.get(username="qiye_yi")
    assert jia.enterprise and yi.enterprise and jia.enterprise != yi.enterprise
    assert yi.check_password(data.PASSWORD)
    for username, unit in [("handler_gxj", "市工业和信息化局"), ("handler_rsj", "市人力资源和社会保障局"),
                           ("handler_wcz", "卫城镇")]:
        handler = User.objects.get(username=username)
        assert handler.has_role(Role.HANDLER) and handler.department.name == unit
    # Each enterprise user sees only their enterprise's appeals, and has some to look at.
    mine = Appeal.objects.visible_to(jia)
    assert mine.exists() and not mine.exclude(enterprise=jia.enterprise).exists()
    assert Appeal.objects.filter(created_by=User.objects.get(username="deputy")).exists()


@pytest.mark.django_db
def test_histories_are_true(demo, histories):
    appeals = {a.pk: a for a in Appeal.objects.all()}
    for pk, appeal in appeals.items():
        events = histories[pk]
        assert events[0].action == "register" and events[0].from_state == ""
        assert events[0].at == appeal.created_at
        for before, after in zip(events, events[1:]):
            # The loop's steps follow each other in time; the supervision pass writes an order and the
            # accountability record it raises at one moment.
            assert before.at < after.at or (before.at == after.at and after.action == "accountability"), \
                appeal.number
            assert after.from_state == before.to_state, appeal.number
        assert events[-1].to_state == appeal.state
        assert events[-1].at <= TODAY
        if appeal.state == State.CLOSED:
            actions = [e.action for e in events]
            order = [actions.index(a) for a in ("register", "dispatch", "accept", "reply", "follow-up", "close")]
            assert order == sorted(order), appeal.number
            assert appeal.closed_at == [e.at for e in events if e.action == "close"][-1]
        if appeal.state == State.MERGED:
            assert appeal.merged_into_id and appeals[appeal.merged_into_id].created_at < appeal.created_at
        if appeal.state == State.REJECTED:
            assert appeal.reject_reason


@pytest.mark.django_db
def test_numbers_follow_time(demo):
    by_time = list(Appeal.objects.order_by("created_at").values_list("number", flat=True))
    assert by_time == sorted(by_time)
    first = Appeal.objects.order_by("created_at").first().created_at
    assert TODAY - dt.timedelta(days=366) < first < TODAY - dt.timedelta(days=300)


@pytest.mark.django_db
def test_the_hard_cases_are_there(demo, histories):
    events = AppealEvent.objects
    # Returned and re-dispatched to the right unit.
    redispatched = events.filter(action="dispatch", data__redispatch=True)
    assert redispatched.count() >= 20
    assert Appeal.objects.filter(return_count__gt=0).exclude(state=State.REGISTERED).count() >= 20
    # Bad ratings sent back to handling: most rectified and closed, some still open.
    reopened = Appeal.objects.filter(reopen_count__gt=0)
    assert reopened.filter(state=State.CLOSED).exists() and reopened.filter(state=State.HANDLING).exists()
    assert events.filter(action="follow-up", data__reopened=True).count() == reopened.count()
    # Extensions approved, denied, and one still waiting for the supervisor.
    assert events.filter(action="decide-extension", data__approve=True).exists()
    assert events.filter(action="decide-extension", data__approve=False).exists()
    assert Appeal.objects.filter(extension_due_at__isnull=False, state=State.HANDLING).exists()
    # Overdue open appeals, supervised at every level.
    assert Appeal.objects.filter(state=State.HANDLING, due_at__lt=TODAY).count() >= 10
    assert set(events.filter(action="supervise").values_list("data__level", flat=True)) == {
        "reminder", "supervise", "listed"}
    # Suspended, some resumed and finished.
    assert events.filter(action="resume").exists()
    assert Appeal.objects.filter(state=State.SUSPENDED, review_date__isnull=False).exists()
    # Late replies exist, but most are on time.
    replies = events.filter(action="reply")
    late = replies.filter(data__on_time=False).count()
    assert 0 < late < replies.count() / 4


@pytest.mark.django_db
def test_running_again_changes_nothing_and_prints_the_accounts(demo, monkeypatch):
    monkeypatch.setattr(loader, "demo_database_problem", lambda: None)
    models = (Appeal, AppealEvent, User, Enterprise, Department, Meeting, ReceptionSession, Pairing, Visit, Opinion)
    counts = [model.objects.count() for model in models]
    out = io.StringIO()
    call_command(LoadDemo(), stdout=out)
    assert [model.objects.count() for model in models] == counts
    printed = out.getvalue()
    assert "已存在" in printed and data.PASSWORD in printed
    for username in ("admin", "clerk", "dispatcher", "handler_gxj", "supervisor", "leader", "qiye_jia", "qiye_yi",
                     "deputy", "deputy_zx", "handler_fgj", "leader_sj", "leader_sz", "leader_fsz"):
        assert f"  {username} " in printed
    assert "市委书记" in printed and "市长" in printed


@pytest.mark.django_db
def test_deadlines_bit_in_the_demo(demo):
    """The supervision pass ran every working morning of the demo's year: orders at every level, most answered,
    some not; accountability proposed, decided and dismissed; arbitration done and awaited."""
    from lianxi.supervision.models import Accountability, Supervision

    levels = Counter(Supervision.objects.filter(issued_by__isnull=True).values_list("level", flat=True))
    assert levels["reminder"] and levels["supervise"] and levels["listed"]
    asked = Supervision.objects.filter(answer_due_at__isnull=False)
    assert asked.filter(answered_at__isnull=False).count() > asked.filter(answered_at__isnull=True).count() > 0
    statuses = set(Accountability.objects.values_list("status", flat=True))
    assert statuses == {"proposed", "decided", "dismissed"}
    assert Appeal.objects.filter(arbitrated_at__isnull=False).count() >= 3
    assert any(a.awaiting_arbitration for a in Appeal.objects.filter(state=State.REGISTERED, return_count__gte=2))


@pytest.mark.django_db
def test_appeals_raised_in_meetings_point_at_them(demo, histories):
    """Each session of loader.MEETINGS and each reception day held is one meeting, recorded before the appeals
    raised in it; those appeals carry its type's channel, and no other appeal points at a meeting."""
    meetings = list(Meeting.objects.select_related("type__channel", "host").prefetch_related("enterprises",
                                                                                            "departments"))
    held = ReceptionSession.objects.filter(status=ReceptionSession.Status.HELD).count()
    assert Counter(m.type.code for m in meetings) == {**{c: len(d) for c, d in loader.MEETINGS.items()},
                                                      "reception_day": held}
    for appeal in Appeal.objects.select_related("channel", "meeting__type"):
        if appeal.channel.code not in MEETING_CHANNELS:
            assert appeal.meeting_id is None, appeal.number
            continue
        meeting = appeal.meeting
        assert meeting is not None and meeting.type.channel_id == appeal.channel_id, appeal.number
        assert meeting.created_at < appeal.created_at and meeting.date <= local_date(appeal.created_at)
        assert histories[appeal.pk][0].data["meeting"] == meeting.pk
    for meeting in meetings:
        assert meeting.host.has_role(Role.LEADER) and meeting.place and meeting.minutes, meeting.title
        assert meeting.appeals.exists() and meeting.departments.exists(), meeting.title
        raised_by = set(meeting.appeals.values_list("enterprise_id", flat=True))
        assert raised_by <= {e.pk for e in meeting.enterprises.all()}, meeting.title
        assert local_date(meeting.created_at) == meeting.date < TODAY.date()
    # The deputies attend the inspections and consultations they register problems in.
    for channel, username in (("npc_inspection", "deputy"), ("cppcc_consultation", "deputy_zx")):
        for meeting in Meeting.objects.filter(type__code=channel):
            assert meeting.attendees.filter(username=username).exists()


@pytest.mark.django_db
def test_the_first_quarter_symposium_is_the_source_pages(demo, histories):
    """“已通过座谈会向民企收集问题89个，办结率逾98%，企业满意度达100%”."""
    symposium = Meeting.objects.get(type__code="symposium", date=dt.date(2026, 3, 20))
    appeals = Appeal.objects.filter(meeting=symposium)
    assert appeals.count() == 89
    received = appeals.exclude(state__in=(State.REJECTED, State.MERGED))
    assert received.filter(state__in=COMPLETED).count() / received.count() > 0.98
    rated = received.filter(rating__isnull=False)
    assert rated.count() >= 85 and not rated.filter(rating__lt=3).exists()
    assert not any(e.action == "follow-up" and e.data["rating"] < 3 for a in appeals for e in histories[a.pk])
    assert symposium.host.username == "leader_sj" and "提出问题89个" in symposium.minutes
    assert symposium.title == "2026年第一季度民营企业发展座谈会"
    assert symposium.enterprises.count() == data.BIG_SYMPOSIUM_FIRMS
    assert Counter(appeals.values_list("enterprise", flat=True)).most_common(1)[0][1] <= 3
    # The other symposia of the year share the channel's other appeals.
    assert Appeal.objects.filter(channel__code="symposium").exclude(meeting=symposium).exists()


@pytest.mark.django_db
def test_reception_days_were_held_every_working_tuesday(demo):
    today = TODAY.date()
    past = [d for d in reception_days(today - dt.timedelta(days=364), today) if d < today]
    stats = reception_stats(None, today)
    assert stats.sessions_held + stats.sessions_cancelled == len(past)
    assert 40 <= stats.sessions_held <= 50 and 1 <= stats.sessions_cancelled <= 2
    assert stats.appeals_raised >= stats.sessions_held and 0.5 * stats.appeals_raised < stats.solved
    assert stats.sentence == f"累计开展{stats.sessions_held}次，已为民营企业解决急难问题{stats.solved}个"
    for session in ReceptionSession.objects.select_related("meeting").prefetch_related("duty_departments"):
        assert session.date.weekday() == 1 and is_workday(session.date)
        duty = {d.code for d in session.duty_departments.all()}
        assert "yshj" in duty and len(duty) == 4
        if session.date >= today:
            assert session.status == ReceptionSession.Status.PLANNED and session.meeting is None
        elif session.status == ReceptionSession.Status.CANCELLED:
            assert session.meeting is None and session.note
        else:
            assert session.status == ReceptionSession.Status.HELD and session.meeting.date == session.date
            assert set(session.meeting.departments.values_list("code", flat=True)) == duty
            assert session.meeting.appeals.filter(channel__code="reception_day").exists()
    assert ReceptionSession.objects.filter(date__gt=today).exists()  # the weeks ahead are scheduled


@pytest.mark.django_db
def test_leaders_are_paired_visit_and_see_their_enterprises_appeals(demo):
    leaders = {u.username: u for u in User.objects.filter(role_grants__role=Role.LEADER)}
    assert {"leader", "leader_sj", "leader_sz", "leader_fsz"} <= set(leaders)
    for leader in leaders.values():
        pairings = Pairing.objects.active().filter(leader=leader)
        assert 3 <= pairings.count() <= 5, leader.username
        for pairing in pairings:
            visits = pairing.visits.all()
            assert visits.count() >= 3
            assert all(pairing.started_on <= v.date <= TODAY.date() and v.people and v.discussed for v in visits)
    assert Pairing.objects.values("enterprise").distinct().count() == Pairing.objects.count()
    # Every problem heard on a visit was registered from the visit of that day, for the paired enterprise.
    heard = Appeal.objects.filter(channel__code="leader_pairing")
    assert heard.count() >= 20
    for appeal in heard.prefetch_related("visits__pairing"):
        [visit] = appeal.visits.filter(date=local_date(appeal.created_at))
        assert visit.pairing.enterprise_id == appeal.enterprise_id
    # 杨建国's page: open appeals with their deadline states, an overdue one among them.
    overview = leader_overview(leaders["leader"], leaders["leader"], now=TODAY)
    states = Counter(o.deadline.state for p in overview for o in p.open_appeals if o.deadline)
    assert states[deadlines.OVERDUE] and states[deadlines.OK] + states[deadlines.WARNING]
    assert sum(p.overdue for p in overview) == states[deadlines.OVERDUE]


@pytest.mark.django_db
def test_a_deputy_s_opinion_is_answered_and_a_member_s_is_under_way(demo, api):
    answered = Opinion.objects.get(deputy__username="deputy")
    under_way = Opinion.objects.get(deputy__username="deputy_zx")
    assert (answered.body, answered.kind, under_way.body, under_way.kind) == ("npc", "inspection", "cppcc", "proposal")
    for opinion in (answered, under_way):
        assert opinion.meeting.attendees.filter(pk=opinion.deputy_id).exists()
        tasks = opinion.appeals.select_related("channel", "created_by")
        assert tasks.count() == 3
        for task in tasks:
            assert task.meeting_id == opinion.meeting_id and task.channel.code == opinion.channel_code
            assert task.created_at > opinion.created_at and task.created_by.username == "dispatcher"
    assert progress(answered).ready and (progress(under_way).answered, progress(under_way).total) == (2, 3)
    response = api.as_(answered.deputy).get(f"/api/v1/opinions/{answered.pk}/answer-letter.docx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert api.as_(under_way.deputy).get(f"/api/v1/opinions/{under_way.pk}/answer-letter.docx").status_code == 409
    with pytest.raises(StateConflict):
        letter.render(under_way)


@pytest.mark.django_db
def test_leaders_instruct_on_overdue_appeals(demo, histories):
    instructions = list(AppealEvent.objects.filter(action="instruct").select_related("actor", "appeal"))
    assert 2 <= len(instructions) <= 3
    for event in instructions:
        appeal = event.appeal
        assert event.actor.has_role(Role.LEADER) and event.data["instruction"]
        assert event.data["department"] == appeal.lead_department_id
        assert appeal.lead_department.name in event.data["instruction"]
        assert appeal.extension_due_at is None and appeal.due_at < event.at  # overdue when the leader wrote
        local = timezone.localtime(event.at).time()
        assert dt.time(8, 40) <= local <= dt.time(17, 31)
        assert all(e.at > event.at for e in histories[appeal.pk] if e.action == "reply")
    states = {e.appeal.state for e in instructions}
    assert State.HANDLING in states and states & {State.CLOSED, State.FOLLOWED_UP, State.REPLIED}
    # The leader of a paired enterprise instructs on its overdue appeal; the mayor on a proposal's task.
    assert any(e.appeal.channel.code == "leader_pairing" and e.actor.username == "leader" for e in instructions)
    assert any(e.appeal.opinions.exists() and e.actor.username == "leader_sz" for e in instructions)


def _raw_numbers(appeals, histories, now) -> dict:
    """The measures computed straight from the raw rows — appeals, their events and their time limits — without
    the facts table: the oracle the rollup must equal."""
    from lianxi.appeals.models import Deadline, Limit

    limits = defaultdict(list)
    for d in Deadline.objects.filter(appeal__in=appeals):
        limits[d.appeal_id].append(d)
    n = Counter()
    for a in appeals:
        if a.state in (State.REJECTED, State.MERGED):
            continue
        events = histories[a.pk]
        n["received"] += 1
        n["completed"] += a.state in COMPLETED
        dispatches = [e for e in events if e.action in ("dispatch", "arbitrate")]
        if dispatches:
            n["dispatched"] += 1
            n["returned"] += a.return_count > 0
            accept = next(d for d in limits[a.pk] if d.limit == Limit.ACCEPT and d.started_at == dispatches[-1].at)
            n["responded"] += accept.met is True
        replies = [e for e in events if e.action == "reply"]
        late = False
        if replies:
            n["replied"] += 1
            ended = next(d for d in limits[a.pk] if d.limit in (Limit.REPLY, Limit.RECTIFY)
                         and d.ended_at == replies[-1].at)
            n["on_time"] += ended.met is True
            late = ended.met is False
            n["reopened"] += any(e.action == "follow-up" and e.data.get("reopened") for e in events)
        if a.rating is not None:
            n["rated"] += 1
            n["satisfied"] += a.rating >= 3
            n["solved"] += bool(a.solved)
        overdue_now = a.state in (State.DISPATCHED, State.HANDLING) and a.due_at < now
        n["overdue_now"] += overdue_now
        n["overdue"] += overdue_now or late
    return dict(n)


@pytest.mark.django_db
def test_the_numbers_from_the_facts_equal_the_numbers_from_the_raw_rows(demo, histories):
    from lianxi.stats import measures, selectors

    leader = User.objects.get(username="leader")
    start, end = dt.date(2026, 1, 1), local_date(TODAY)
    in_period = [a for a in Appeal.objects.all() if start <= local_date(a.created_at) <= end]
    cuts = [("all", {}, lambda a: True)]
    for channel in Channel.objects.all():
        cuts.append((channel.code, {"channel": channel.pk}, lambda a, c=channel: a.channel_id == c.pk))
    for department in Department.objects.filter(led_appeals__isnull=False).distinct():
        cuts.append((department.code, {"department": department.pk},
                     lambda a, d=department: a.lead_department_id == d.pk))
    town = Enterprise.objects.exclude(town=None).values_list("town_id", flat=True).first()
    cuts.append(("town", {"town": town}, lambda a: a.enterprise.town_id == town))
    checked = 0
    for name, params, keep in cuts:
        q = selectors.question(leader, {"from": start.isoformat(), "to": end.isoformat(), **params})
        rolled = selectors.summary(q, TODAY)
        raw = _raw_numbers([a for a in in_period if keep(a)], histories, TODAY)
        for count in measures.COUNT_NAMES:
            assert rolled[count] == raw.get(count, 0), (name, count)
        checked += rolled["received"]
    assert checked > 1000  # every cut was populated, not compared empty
