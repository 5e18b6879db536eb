"""load_demo writes only into the demo's own SQLite file, and writes nothing when it refuses."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lianxi.accounts.models import User
from lianxi.appeals.models import Appeal
from lianxi.demo import loader
from lianxi.demo.management.commands.load_demo import Command as LoadDemo
from lianxi.directory.models import Department, Enterprise


def nothing_written():
    return not (Department.objects.exists() or Enterprise.objects.exists() or User.objects.exists()
                or Appeal.objects.exists())


@pytest.mark.django_db
def test_refuses_when_demo_mode_is_off(settings):
    settings.DEMO = False
    with pytest.raises(CommandError) as refused:
        call_command(LoadDemo())
    assert "LIANXI_DEMO=1" in str(refused.value) and "未开启演示模式" in str(refused.value)
    assert nothing_written()


@pytest.mark.django_db
def test_refuses_a_database_not_named_demo_even_in_demo_mode(settings):
    settings.DEMO = True  # the test database is an in-memory SQLite, not …demo.sqlite3
    with pytest.raises(CommandError) as refused:
        call_command(LoadDemo())
    assert "demo.sqlite3" in str(refused.value) and "拒绝载入演示数据" in str(refused.value)
    assert nothing_written()


@pytest.mark.django_db
def test_refuses_postgresql_whatever_its_name(settings, monkeypatch):
    settings.DEMO = True
    monkeypatch.setitem(connection.settings_dict, "NAME", "demo.sqlite3")
    monkeypatch.setattr(connection, "vendor", "postgresql")
    problem = loader.demo_database_problem()
    assert problem and "postgresql" in problem


@pytest.mark.django_db
@pytest.mark.parametrize("name, accepted", [
    ("/srv/lianxi/var/demo.sqlite3", True),
    ("/srv/lianxi/var/lianxi.sqlite3", False),
    ("/srv/lianxi/var/demo.sqlite3.bak", False),
])
def test_accepts_only_a_file_named_demo_sqlite3(settings, monkeypatch, name, accepted):
    settings.DEMO = True
    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setitem(connection.settings_dict, "NAME", name)
    assert (loader.demo_database_problem() is None) is accepted


@pytest.mark.django_db
def test_refuses_to_mix_demo_data_into_existing_records(settings, monkeypatch, jia):
    monkeypatch.setattr(loader, "demo_database_problem", lambda: None)
    departments = Department.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command(LoadDemo())
    assert "非演示数据" in str(refused.value)
    assert Department.objects.count() == departments and Enterprise.objects.count() == 1
    assert not Appeal.objects.exists()
