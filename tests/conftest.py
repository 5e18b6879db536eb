"""Personas shared by every test: the story of each test is told with them.

工信局 and 人社局 are two bureaus; 甲 and 乙 are two enterprises. Each persona holds exactly one role, except
where a test builds its own.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lianxi.accounts.models import User
from lianxi.directory.models import Category, Channel, Department, Enterprise

# Valid USCCs (check digit verified by python-stdnum).
USCC_JIA = "91520181MA6DL8XX4A"
USCC_YI = "91520181MA6DKQ1F72"

# The system Chromium the ``browser`` fixture drives.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The default hasher costs ~0.3 s per user; tests create hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _concurrent_database() -> bool:
    """Two connections that see each other's commits: PostgreSQL, or SQLite on a file (not in memory)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return True
    test_name = connection.settings_dict.get("TEST", {}).get("NAME") or ""
    return connection.vendor == "sqlite" and bool(test_name) and "memory" not in test_name


def concurrency_marks() -> list:
    """``pytestmark`` of a module whose tests race two connections (threads) against one database.

    Such tests run in real transactions, and the database is flushed after each, data migrations' rows included:
    ``directory_defaults`` puts the default channels and categories back. (Not ``serialized_rollback``: after
    another transactional test's flush has recreated the content types under new ids, restoring the serialized
    ones collides with them, so the outcome would depend on the order the tests run in.)"""
    return [
        pytest.mark.postgres,
        pytest.mark.skipif(not _concurrent_database(),
                           reason="needs PostgreSQL (or a file SQLite test database): concurrent connections"),
        pytest.mark.django_db(transaction=True),
        pytest.mark.usefixtures("directory_defaults"),
    ]


@pytest.fixture
def directory_defaults(transactional_db):
    """The default channels and categories, as migration directory.0002 installs them."""
    import importlib

    from django.apps import apps

    importlib.import_module("lianxi.directory.migrations.0002_default_channels_categories").install(apps, None)


def make_user(username: str, *roles: str, department=None, enterprise=None, name: str = "") -> User:
    user = User.objects.create_user(username=username, password="pass-word-123", name=name or username,
                                    department=department, enterprise=enterprise)
    user.set_roles(roles)
    return user


@pytest.fixture
def gxj(db):
    return Department.objects.create(code="gxj", name="市工业和信息化局", kind="bureau")


@pytest.fixture
def rsj(db):
    return Department.objects.create(code="rsj", name="市人力资源和社会保障局", kind="bureau")


@pytest.fixture
def town(db):
    return Department.objects.create(code="wcz", name="卫城镇", kind="town")


@pytest.fixture
def jia(db, town):
    return Enterprise.objects.create(name="贵州甲材料有限公司", uscc=USCC_JIA, legal_representative="张甲",
                                     contact_person="李联", contact_phone="13800000001", town=town)


@pytest.fixture
def yi(db, town):
    return Enterprise.objects.create(name="清镇乙食品有限公司", uscc=USCC_YI, legal_representative="王乙",
                                     contact_phone="0851-82511234", town=town)


@pytest.fixture
def category(db, gxj):
    cat = Category.objects.get(code="policy")
    cat.default_department = gxj
    cat.save()
    return cat


@pytest.fixture
def channel(db):
    return Channel.objects.get(code="window")


@pytest.fixture
def clerk(db):
    return make_user("clerk", "clerk", name="受理员小周")


@pytest.fixture
def dispatcher(db):
    return make_user("dispatcher", "dispatcher", name="派单员老陈")


@pytest.fixture
def supervisor(db):
    return make_user("supervisor", "supervisor", name="督查室刘")


@pytest.fixture
def head_gxj(gxj):
    """工信局's head (部门负责人): answers the bureau's supervision orders."""
    return make_user("head_gxj", "head", department=gxj, name="工信局局长")


@pytest.fixture
def as_user(client):
    """``as_user(persona)`` logs the test client in as that persona (the web pages)."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def leader(db):
    return make_user("leader", "leader", name="市长")


@pytest.fixture
def admin_user(db):
    return make_user("admin", "admin", name="管理员")


@pytest.fixture
def handler_gxj(db, gxj):
    return make_user("handler_gxj", "handler", department=gxj, name="工信局承办人")


@pytest.fixture
def handler_rsj(db, rsj):
    return make_user("handler_rsj", "handler", department=rsj, name="人社局承办人")


@pytest.fixture
def user_jia(db, jia):
    return make_user("user_jia", "enterprise", enterprise=jia, name="甲公司联系人")


@pytest.fixture
def user_yi(db, yi):
    return make_user("user_yi", "enterprise", enterprise=yi, name="乙公司联系人")


@pytest.fixture
def deputy(db):
    return make_user("deputy", "deputy", name="人大代表赵")


@pytest.fixture
def api():
    """An API client; ``api.as_(user)`` authenticates as that persona."""

    client = APIClient()

    def as_(user):
        client.force_authenticate(user=user)
        return client

    client.as_ = as_
    return client


@pytest.fixture
def now():
    """A fixed ordinary working moment: Wednesday 2026-03-11 10:00 Asia/Shanghai."""
    return timezone.make_aware(dt.datetime(2026, 3, 11, 10, 0))


@pytest.fixture
def browser(monkeypatch):
    """The system Chromium, headless, driven by Playwright, for the tests marked ``browser`` (with a live_server and
    ``django_db(transaction=True)``). A missing Chromium skips the test, but fails it under CI.

    Ask for it last: database work done after Playwright starts happens in its greenlet's context, on a second
    connection that would be left open and block the test database's teardown on PostgreSQL."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls around it are ordinary sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
