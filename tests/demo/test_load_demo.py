"""The demo tells true stories: one load (for a fixed today) shared by every test of this module, rolled back
after it."""

import datetime as dt
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from stdnum.cn import uscc

from lianxi.accounts.models import Role, User
from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.appeals.workflow import State
from lianxi.demo import data, loader
from lianxi.demo.management.commands.load_demo import Command as LoadDemo
from lianxi.directory.models import Category, Channel, Department, Enterprise

TODAY = timezone.make_aware(dt.datetime(2026, 11, 27, 10, 0))  # a Friday


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
            assert before.at < after.at, appeal.number
            assert after.from_state == before.to_state, appeal.number
        assert events[-1].to_state == appeal.state
        assert events[-1].at <= TODAY
        if appeal.state == State.CLOSED:
            actions = [e.action for e in events]
            order = [actions.index(a) for a in ("register", "dispatch", "accept", "reply", "follow-up", "close")]
            assert order == sorted(order), appeal.number
            assert appeal.closed_at == events[-1].at
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
    counts = (Appeal.objects.count(), AppealEvent.objects.count(), User.objects.count(), Enterprise.objects.count(),
              Department.objects.count())
    out = io.StringIO()
    call_command(LoadDemo(), stdout=out)
    assert (Appeal.objects.count(), AppealEvent.objects.count(), User.objects.count(), Enterprise.objects.count(),
            Department.objects.count()) == counts
    printed = out.getvalue()
    assert "已存在" in printed and data.PASSWORD in printed
    for username in ("admin", "clerk", "dispatcher", "handler_gxj", "supervisor", "leader", "qiye_jia", "qiye_yi",
                     "deputy", "handler_fgj"):
        assert username in printed
