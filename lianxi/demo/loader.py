"""Build the 清镇 demo: departments, enterprises, accounts and a year of appeals with true histories.

Every appeal is created and moved only by lianxi.appeals.actions, with the acting user a real person would be and a
``now`` in the past. Each appeal's story is a generator that yields the moment of its next step; one clock plays all
stories in time order (a small discrete-event simulation), so registration numbers follow time, a merge sees the
target as it stood that day, and nothing happens after the real now — recent appeals are simply still open.

The meetings where appeals are collected (座谈会, 周二民企接待日, 政银企联席会…), the leaders' pairings with
enterprises and the deputies' opinions are decided with the plans and written through their apps' services before
the clock starts, each stamped at its own moment and always before the appeals raised in it; the visits, the
appeals heard on them and the leaders' instructions (批示) happen on the clock.

Randomness is seeded (one Random per appeal), so the demo is the same on every machine for the same day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from lianxi.accounts.models import Role, User
from lianxi.appeals import actions
from lianxi.appeals.models import Appeal
from lianxi.appeals.workflow import State
from lianxi.core.errors import LianxiError
from lianxi.core.workdays import add_workdays, due_after, is_workday, local_date, workdays_between
from lianxi.deputies import services as opinion_services
from lianxi.deputies.letter import chinese_ordinal
from lianxi.deputies.models import Opinion
from lianxi.directory.models import Category, Channel, Department, Enterprise, Tag
from lianxi.directory.validators import validate_phone, validate_uscc
from lianxi.meetings import services as meeting_services
from lianxi.meetings.models import Meeting, MeetingType, Pairing, ReceptionSession, Visit
from lianxi.routing.training import train_from_history
from lianxi.similar.index import index_pending
from lianxi.stats.facts import refresh as refresh_stats
from lianxi.supervision import services as supervision_services
from lianxi.supervision.escalation import run_pass
from lianxi.supervision.models import Accountability, Supervision

from . import data, economy

SEED = 20260311
APPEALS = 700
ENTERPRISES = 200
REGION = "520181"  # 清镇市
DEMO_DB_SUFFIX = "demo.sqlite3"
MARKER_USERNAME = "dispatcher"

# ---- the guard ------------------------------------------------------------------------------------------------


def demo_database_problem() -> str | None:
    """Why load_demo must not write here (None: this is the demo's own database)."""
    if not settings.DEMO:
        return ("未开启演示模式：请通过 `make demo` 运行（需 LIANXI_DEMO=1）。\n"
                "Demo mode is off: run it through `make demo` (LIANXI_DEMO=1 is required).")
    if connection.vendor != "sqlite":
        return (f"演示数据只能载入 SQLite 演示库（文件名以 {DEMO_DB_SUFFIX} 结尾），当前数据库为 {connection.vendor}。\n"
                f"Demo data only goes into the SQLite demo database (*{DEMO_DB_SUFFIX}); this one is "
                f"{connection.vendor}.")
    name = str(connection.settings_dict.get("NAME") or "")
    if not name.endswith(DEMO_DB_SUFFIX):
        return (f"数据库文件名须以 {DEMO_DB_SUFFIX} 结尾，当前为 {name or '（空）'}。\n"
                f"The database file name must end with {DEMO_DB_SUFFIX}; it is {name or '(empty)'}.")
    return None


def already_loaded() -> bool:
    """The demo is written in one transaction, so its first account being there means all of it is."""
    return User.objects.filter(username=MARKER_USERNAME).exists()


def foreign_data_present() -> bool:
    """Rows the demo did not write: loading on top of them would mix a made-up story with real records."""
    return Enterprise.objects.exists() or Appeal.objects.exists() or User.objects.exists()


# ---- time -----------------------------------------------------------------------------------------------------

OFFICE_START, OFFICE_END = 8 * 60 + 40, 17 * 60 + 30  # minutes after midnight
LATEST_SAME_DAY = dt.time(18, 0)


def _aware(day: dt.date, minutes: int, second: int = 0) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60, second))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def office_moment(day: dt.date, rng: random.Random, start: int = OFFICE_START, end: int = OFFICE_END) -> dt.datetime:
    return _aware(day, rng.randint(start, end), rng.randint(0, 59))


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def workdays_before(day: dt.date, n: int) -> dt.date:
    while n:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    while not is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def later(moment: dt.datetime, workdays: int, rng: random.Random) -> dt.datetime:
    """A moment ``workdays`` working days after ``moment`` in office hours; 0 means later the same working day
    (or the next working day when the day is over or not a working day)."""
    day = local_date(moment)
    if workdays == 0:
        if is_workday(day):
            candidate = moment + dt.timedelta(minutes=rng.randint(15, 150))
            if local_date(candidate) == day and timezone.localtime(candidate).time() <= LATEST_SAME_DAY:
                return candidate
        workdays = 1
    return office_moment(add_workdays(day, workdays), rng)


def moments_between(start: dt.datetime, end: dt.datetime, count: int, rng: random.Random) -> list[dt.datetime]:
    """Up to ``count`` office-hour moments strictly between start and end, in order."""
    first, last = local_date(start), local_date(end)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    days = [d for d in days if is_workday(d)]
    if not days:
        return []
    picked = {office_moment(rng.choice(days), rng) for _ in range(count)}
    return sorted(m for m in picked if start < m < end)


def past_date(today: dt.date, month: int, day: int) -> dt.date:
    """The last working day on or after month/day that lies within the past year, before today."""
    for year in (today.year, today.year - 1):
        candidate = dt.date(year, month, day)
        while not is_workday(candidate):
            candidate += dt.timedelta(days=1)
        if candidate < today and (today - candidate).days < 360:
            return candidate
    return workdays_before(today, 120)


# Meetings of the past year, by channel: (month, day[, segment the meeting is for]). The first symposium is the
# first quarter's, the big one (data.BIG_SYMPOSIUM_APPEALS).
MEETINGS = {
    "symposium": [(3, 20), (6, 19), (9, 18), (12, 16)],
    "bank_meeting": [(4, 16), (10, 15)],
    "legal_meeting": [(5, 21), (11, 12)],
    "industry_meeting": [(1, 15, "aluminium"), (4, 8, "food"), (7, 10, "tourism"), (8, 26, "herbs"),
                         (10, 28, "logistics")],
    "npc_inspection": [(6, 5), (11, 6)],
    "cppcc_consultation": [(5, 14), (9, 4)],
}

# Appeals are raised in a meeting during it; a reception day receives enterprises in the morning.
MEETING_HOURS = {"reception_day": (9 * 60, 12 * 60)}
DEFAULT_MEETING_HOURS = (10 * 60, 17 * 60)
# A meeting is recorded (or a reception session held) just before it starts, before any appeal raised in it.
MEETING_RECORDED_AT = 8 * 60 + 45
# The big symposium's 89 appeals must have run their course: if this year's first quarter is too recent, the
# oldest symposium of the year is the big one.
BIG_SYMPOSIUM_MIN_DAYS = 70


@dataclass(eq=False)
class Gathering:
    """A meeting of the past year as planned: the plans of the appeals raised in it gather here, and its Meeting
    row is written from them (before the clock registers any) once every plan is made."""

    channel: str
    day: dt.date
    segment: str = ""
    nth: int = 1  # its number among the year's meetings of its channel
    big: bool = False
    plans: list = field(default_factory=list)
    meeting: Meeting | None = None

    @property
    def raised_that_day(self) -> list:
        return [p for p in self.plans if local_date(p.at) == self.day]


# ---- the rows -------------------------------------------------------------------------------------------------


@dataclass
class Firm:
    """An enterprise row plus what the story needs to know about it."""

    row: Enterprise
    segment: str
    town: str  # department code
    weight: float
    user: User | None = None


ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_check_digit(code8: str) -> str:
    """GB 11714 organisation code check digit."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(code8, weights))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_uscc(rng: random.Random, entity: str) -> str:
    """A 清镇 USCC: 9 (market regulation) + entity type + 520181 + organisation code + check digit."""
    org = "MA6" + "".join(rng.choice(ORG_ALPHABET) for _ in range(5))
    base = "9" + entity + REGION + org + org_check_digit(org)
    return base + stdnum_uscc.calc_check_digit(base)


def person_name(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)


def phone(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
    return "0851-825" + "".join(rng.choice("0123456789") for _ in range(5))


# ---- stories --------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """One appeal's story, decided before anything is written."""

    rng: random.Random
    at: dt.datetime  # registration moment
    firm: Firm
    topic: data.Topic
    channel: Channel
    registrar: User
    recipe: str = "normal"
    stop: str = ""  # stop after reaching this point: registered, dispatched, replied, followed_up, reopened
    reject: bool = False
    returned: bool = False
    arbitrated: bool = False  # returned twice, then the supervisor fixes the lead department
    extension: str = ""  # approve, deny, pending
    late: bool = False
    reopen: bool = False
    suspend: str = ""  # stay, resume
    hurry: bool = False
    urgency: str = ""
    text_seed: float = 0.0
    target: Plan | None = None  # the appeal a duplicate is merged into
    gathering: Gathering | None = field(default=None, repr=False)  # the meeting it is raised in
    opinion: int | None = None  # a rectification task of data.OPINIONS[opinion]
    instructor: str = ""  # the leader (username) who instructs once it is overdue
    instruction: str = ""  # a key of data.INSTRUCTIONS
    appeal: Appeal | None = field(default=None, repr=False)


# (name, how many, registered between a and b working days ago, flags). The rest are "normal" full stories; the
# clock cuts the recent ones short, which is what makes them open.
RECIPES = [
    ("fresh", 8, (0, 1), {"stop": "registered"}),
    ("awaiting_accept", 8, (2, 5), {"stop": "dispatched"}),
    ("rejected", 22, (2, 240), {"reject": True}),
    ("stuck", 16, (25, 160), {"stop": "handling", "late": True}),
    ("extension_pending", 5, (6, 8), {"extension": "pending", "urgency": "general"}),
    ("extension_approved", 14, (15, 240), {"extension": "approve"}),
    ("extension_denied", 8, (15, 240), {"extension": "deny"}),
    ("suspended", 8, (20, 200), {"suspend": "stay"}),
    ("suspended_resumed", 8, (90, 240), {"suspend": "resume"}),
    ("reopened", 18, (20, 240), {"reopen": True}),
    ("reopened_open", 5, (9, 12), {"reopen": True, "stop": "reopened", "hurry": True, "urgency": "general"}),
    ("returned", 28, (3, 240), {"returned": True}),
    ("arbitrated", 5, (10, 200), {"returned": True, "arbitrated": True}),
    ("awaiting_arbitration", 2, (6, 9), {"returned": True, "arbitrated": True, "stop": "returned_twice"}),
    ("late", 30, (15, 240), {"late": True}),
    ("awaiting_follow_up", 6, (6, 12), {"stop": "replied", "hurry": True}),
    ("awaiting_close", 6, (8, 18), {"stop": "followed_up", "hurry": True}),
]
# Appeals heard on a leader's visit that the leader's page must show: one overdue (on which the leader writes a
# 批示) and one just raised, for 杨建国 (the `leader` account); one overdue for the mayor. (recipe, leader,
# window, flags)
PAIRING_RECIPES = [
    ("pairing_overdue", "leader", (30, 60), {"stop": "handling", "late": True, "instructor": "leader",
                                            "instruction": "pairing"}),
    ("pairing_fresh", "leader", (4, 5), {"stop": "handling", "urgency": "general"}),
    ("pairing_overdue", "leader_sz", (20, 50), {"stop": "handling", "late": True}),
]
# A deputy's opinion's tasks: all answered for the first opinion; the second's last task is overdue and the mayor
# instructs on it.
OPINION_TASK_FLAGS = [[{}, {}, {}],
                      [{}, {}, {"stop": "handling", "late": True, "instructor": "leader_sz", "instruction": "opinion"}]]
DUPLICATES = 18
NORMAL_WINDOW = (0, 245)

# Every reception day already receives one appeal of its own (the "reception" plans), and the first quarter's
# symposium its 89: the weights spread the rest.
CHANNEL_WEIGHTS = {"window": 20, "online": 8, "hotline": 9, "reception_day": 5, "symposium": 5, "leader_pairing": 7,
                   "united_front_station": 5, "bank_meeting": 6, "legal_meeting": 4, "industry_meeting": 7,
                   "npc_inspection": 5, "cppcc_consultation": 4}
RECIPE_CHANNEL_WEIGHTS = {"window": 35, "online": 15, "hotline": 20, "leader_pairing": 10, "united_front_station": 8}
CATEGORY_WEIGHTS = {"policy": 14, "finance": 11, "labour": 12, "land": 8, "approval": 9, "utilities": 9,
                    "market_regulation": 8, "tax": 8, "legal": 7, "service": 5, "park": 7, "other": 3}
MEETING_CATEGORIES = {"bank_meeting": {"finance": 85, "policy": 15},
                      "legal_meeting": {"legal": 60, "market_regulation": 25, "tax": 15}}
SIZE_WEIGHTS = {"large": 8, "medium": 5, "small": 3, "micro": 1.5}
AMOUNTS = [50, 80, 100, 150, 200, 300, 500, 800, 1000, 1500, 2000]


def weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class DemoBuilder:
    def __init__(self, now: dt.datetime, seed: int = SEED, appeals: int = APPEALS, enterprises: int = ENTERPRISES):
        self.now = now
        self.today = local_date(now)
        self.seed = seed
        self.appeal_count = appeals
        self.enterprise_count = enterprises
        self.rng = random.Random(seed)
        self.failures: list[str] = []

    # -- directory --

    def build_departments(self) -> None:
        rows, order = [], 0
        for code, name, remit in data.BUREAUS:
            order += 1
            rows.append(Department(code=code, name=name, kind=Department.Kind.BUREAU, remit=remit, sort_order=order))
        for code, name, note in data.TOWNS:
            order += 1
            rows.append(Department(code=code, name=name, kind=Department.Kind.TOWN, remit=f"{data.TOWN_REMIT}{note}",
                                   sort_order=order))
        for code, name, remit in data.PARKS:
            order += 1
            rows.append(Department(code=code, name=name, kind=Department.Kind.PARK, remit=remit, sort_order=order))
        Department.objects.bulk_create(rows)
        self.departments = {d.code: d for d in Department.objects.all()}
        for code, name, parent, remit in data.OTHER_UNITS:
            order += 1
            self.departments[code] = Department.objects.create(
                code=code, name=name, kind=Department.Kind.OTHER, remit=remit, sort_order=order,
                parent=self.departments.get(parent))

    def build_categories(self) -> None:
        self.categories = {c.code: c for c in Category.objects.all()}
        for code, department in data.CATEGORY_DEPARTMENTS.items():
            category = self.categories[code]
            category.default_department = self.departments[department]
            category.save(update_fields=["default_department"])
        self.channels = {c.code: c for c in Channel.objects.all()}

    def build_enterprises(self) -> None:
        rng = random.Random(self.seed + 1)
        tags = {name: Tag.objects.get_or_create(name=name)[0] for name in data.TAGS}
        self.firms: list[Firm] = []
        names, usccs = set(), set()
        tag_rows = []

        def add(name, segment_code, town, size, ownership, entity, tag_names, featured=False):
            segment = data.SEGMENTS[segment_code]
            code = make_uscc(rng, entity)
            while code in usccs:
                code = make_uscc(rng, entity)
            usccs.add(code)
            validate_uscc(code)
            contact = phone(rng)
            validate_phone(contact)
            row = Enterprise(name=name, uscc=code, legal_representative=person_name(rng),
                             contact_person=person_name(rng), contact_phone=contact, industry=segment.industry,
                             size=size, ownership=ownership, town=self.departments[town],
                             address=self.address(town, rng))
            weight = SIZE_WEIGHTS[size] * (1.5 if featured else 1)
            self.firms.append(Firm(row, segment_code, town, weight))
            tag_rows.append([tags[t] for t in tag_names])
            names.add(name)

        for _, _, name, segment, town, size, tag_names in data.FEATURED:
            add(name, segment, town, size, "private", "1", tag_names, True)

        plan = [code for code, seg in data.SEGMENTS.items() for _ in range(seg.count)]
        rng.shuffle(plan)
        for segment_code in plan[: self.enterprise_count - len(data.FEATURED)]:
            segment = data.SEGMENTS[segment_code]
            town = rng.choice(segment.towns)
            town_name = self.departments[town].name
            ownership = weighted(rng, {"private": 86, "state": 4, "foreign": 2, "hmt": 2, "individual": 6})
            size = weighted(rng, {"large": 3, "medium": 15, "small": 45, "micro": 37})
            if ownership in ("foreign", "hmt", "state") and size == "micro":
                size = "small"
            entity = "1"
            for _ in range(50):
                if ownership == "individual":
                    size, entity = "micro", "2"
                    name = f"清镇市{town_name}{rng.choice(data.SURNAMES)}记{rng.choice(segment.products)}经营部"
                elif segment_code in ("herbs", "agriculture") and rng.random() < 0.2:
                    size, entity = "micro", "3"
                    name = f"清镇市{town_name}{rng.choice(data.BRANDS)}{rng.choice(segment.products)}种植农民专业合作社"
                else:
                    prefix = "贵州" if size in ("large", "medium") else rng.choice(["清镇市", "贵州", "贵阳", "清镇市"])
                    suffix = "有限责任公司" if ownership == "state" else rng.choice(
                        ["有限公司", "有限公司", "有限公司", "股份有限公司" if size != "micro" else "有限公司"])
                    name = f"{prefix}{rng.choice(data.BRANDS)}{rng.choice(segment.words)}{suffix}"
                if name not in names:
                    break
            tag_names = []
            for tag in segment.tags:
                chance = {"规上": {"large": 0.95, "medium": 0.8, "small": 0.25}.get(size, 0)}.get(tag, 0.22)
                if entity == "1" and rng.random() < chance:
                    tag_names.append(tag)
            if size == "large" and rng.random() < 0.4:
                tag_names.append("上市后备")
            if "专精特新" in tag_names and size in ("large", "medium") and rng.random() < 0.2:
                tag_names.append("国家级专精特新“小巨人”")
            add(name, segment_code, town, size, ownership, entity, tag_names)

        Enterprise.objects.bulk_create([f.row for f in self.firms])
        through = Enterprise.tags.through
        through.objects.bulk_create([through(enterprise_id=f.row.pk, tag_id=t.pk)
                                     for f, ts in zip(self.firms, tag_rows) for t in ts])

    def address(self, town: str, rng: random.Random) -> str:
        unit = self.departments[town]
        place = unit.name if unit.name.startswith(("清镇", "贵州")) else f"清镇市{unit.name}"
        if unit.name.endswith(("镇", "乡")):
            return f"{place}{rng.choice(data.VILLAGES)}村{rng.randint(1, 9)}组"
        return f"{place}{rng.choice(data.ROADS)}{rng.randint(1, 188)}号"

    def build_users(self) -> None:
        rng = random.Random(self.seed + 2)
        # One hash for every demo account: hashing 70 passwords would take most of the load's time.
        password = make_password(data.PASSWORD)

        def create(username, name, roles, department=None, enterprise=None, **extra) -> User:
            user = User.objects.create(username=username, name=name, password=password, department=department,
                                       enterprise=enterprise, phone=phone(rng), **extra)
            user.set_roles(roles)
            return user

        self.staff = {}
        for username, name, roles, department, _ in data.STAFF:
            extra = {"is_superuser": True, "is_staff": True} if username == "admin" else {}
            self.staff[username] = create(username, name, roles, self.departments.get(department), **extra)
        self.handlers = {code: create(f"handler_{code}", person_name(rng), [Role.HANDLER], department)
                         for code, department in self.departments.items() if code not in data.NO_HANDLER}
        # The featured departments' heads (部门负责人) answer supervision orders and read their numbers.
        self.heads = {code: create(f"head_{code}", person_name(rng), [Role.HEAD], self.departments[code])
                      for code in data.FEATURED_HANDLERS}
        for (pinyin, _, _, _, _, _, _), firm in zip(data.FEATURED, self.firms):
            firm.user = create(f"qiye_{pinyin}", firm.row.contact_person, [Role.ENTERPRISE], enterprise=firm.row)

    # -- the calendar: meetings, reception days and pairings, decided before the plans --

    def plan_calendar(self) -> None:
        self.gatherings: dict[str, list[Gathering]] = {}
        for channel, dates in MEETINGS.items():
            items = [Gathering(channel, past_date(self.today, month, day), *segment)
                     for month, day, *segment in dates]
            if channel == "symposium":
                big = items[0]  # the first quarter's
                if (self.today - big.day).days < BIG_SYMPOSIUM_MIN_DAYS:
                    big = min(items, key=lambda g: g.day)
                big.big = True
            items.sort(key=lambda g: g.day)
            for i, gathering in enumerate(items):
                gathering.nth = 1 + sum(1 for g in items[:i] if g.day.year == gathering.day.year)
            self.gatherings[channel] = items
        self.big_symposium = next(g for g in self.gatherings["symposium"] if g.big)

        # 周二民企接待日: every working Tuesday of the demo year is scheduled, and four weeks ahead. Two are called
        # off: the week of the big symposium, and one in the flood season; the rest were held.
        self.reception_start = self.today - dt.timedelta(days=364)
        self.reception_end = self.today + dt.timedelta(weeks=4)
        past = meeting_services.reception_days(self.reception_start, self.today - dt.timedelta(days=1))
        big_week = self.big_symposium.day + dt.timedelta(days=1 - self.big_symposium.day.weekday())
        flood = next((d for d in past if d.month == 7), None)
        self.cancelled = {day: note for day, note in [(big_week, data.RECEPTION_CANCELLED_SYMPOSIUM),
                                                      (flood, data.RECEPTION_CANCELLED_FLOOD)] if day in past}
        self.gatherings["reception_day"] = [Gathering("reception_day", d) for d in past if d not in self.cancelled]
        self.receptions = {g.day: g for g in self.gatherings["reception_day"]}
        self.reception_dates = sorted(self.receptions)

    def plan_pairings(self) -> None:
        """Each leader's enterprises: the featured ones named in data.PAIRINGS and the biggest firms of the
        leader's industries; an enterprise has one leader."""
        rng = random.Random(self.seed + 5)
        featured = {pinyin: firm for (pinyin, *_), firm in zip(data.FEATURED, self.firms)}
        taken = {firm.row.pk for firm in featured.values()}
        self.paired: dict[int, str] = {}  # enterprise id → leader username
        self.paired_firms: list[Firm] = []
        for username, (names, segments, count) in data.PAIRINGS.items():
            chosen = [featured[name] for name in names]
            pool = [f for f in self.firms if f.segment in segments and f.row.pk not in taken]
            pool.sort(key=lambda f: (f.row.size not in ("large", "medium"), f.row.pk))
            pool = pool[: max(count * 2, 6)]
            while len(chosen) < count and pool:
                firm = self.pick_firm(rng, pool)
                pool.remove(firm)
                chosen.append(firm)
            for firm in chosen:
                taken.add(firm.row.pk)
                self.paired[firm.row.pk] = username
                self.paired_firms.append(firm)
        self.pairing_start = workdays_before(self.today, 250)  # before the first appeal a visit could raise

    # -- plans --

    def registration_moment(self, rng: random.Random, window: tuple[int, int], channel: str) -> dt.datetime:
        a, b = window
        k = a + int((b - a) * rng.random() ** 1.3)  # more appeals lately: the platform is catching on
        day = workdays_before(self.today, k)
        if channel == "reception_day":
            # The reception day held on or before that day (Tuesdays called off or in a holiday held none).
            index = bisect.bisect_right(self.reception_dates, day) - 1
            return office_moment(self.reception_dates[max(index, 0)], rng, *MEETING_HOURS["reception_day"])
        if channel == "online" and rng.random() < 0.3:
            moment = office_moment(day, rng, 19 * 60, 22 * 60 + 30)  # enterprises write in the evening
        else:
            moment = office_moment(day, rng)
        if moment >= self.now:
            moment = office_moment(workdays_before(self.today, 1), rng)
        return moment

    def pick_firm(self, rng: random.Random, firms: list[Firm] | None = None) -> Firm:
        firms = firms or self.firms
        return rng.choices(firms, weights=[f.weight for f in firms])[0]

    def pick_topic(self, rng: random.Random, category: str, firm: Firm, avoid=()) -> data.Topic:
        fitting = [t for t in data.TOPICS if t.category == category and (not t.segments or firm.segment in t.segments)]
        return rng.choice([t for t in fitting if t not in avoid] or fitting)

    def registrar(self, channel: str, firm: Firm) -> User:
        if channel == "online":
            return firm.user
        if channel == "npc_inspection":
            return self.staff["deputy"]
        if channel == "cppcc_consultation":
            return self.staff["deputy_zx"]
        if channel == "symposium":
            return self.staff["dispatcher"]  # 营商局 writes the symposium's problem list
        return self.staff["clerk"]

    def make_plan(self, index: int, recipe: str, window, flags: dict, forced_category: str = "",
                  forced_channel: str = "", firm: Firm | None = None, gathering: Gathering | None = None,
                  at: dt.datetime | None = None) -> Plan:
        rng = random.Random(self.seed * 1000 + index)
        weights = CHANNEL_WEIGHTS if recipe == "normal" else RECIPE_CHANNEL_WEIGHTS
        channel = forced_channel or (gathering.channel if gathering else weighted(rng, weights))
        featured = [f for f in self.firms if f.user]
        firms = None
        if channel in MEETINGS or gathering is not None:
            # The big symposium takes only its own list; the other plans of a channel share its other meetings.
            gathering = gathering or rng.choice([g for g in self.gatherings[channel] if not g.big])
            at = at or office_moment(gathering.day, rng, *MEETING_HOURS.get(channel, DEFAULT_MEETING_HOURS))
            if gathering.segment:
                firms = [f for f in self.firms if f.segment == gathering.segment]
        else:
            at = self.registration_moment(rng, window, channel)
            if channel == "reception_day":
                gathering = self.receptions[local_date(at)]
        if channel == "online":
            firms = featured
        elif channel == "leader_pairing":
            firms = self.paired_firms  # heard on a visit, so from a paired enterprise
        firm = firm or self.pick_firm(rng, firms)
        if flags.get("reject"):
            topic = rng.choice(data.REJECTS)
        else:
            if flags.get("suspend"):
                forced_category = rng.choice(list(data.SUSPEND_REASONS))
            category = forced_category or weighted(rng, MEETING_CATEGORIES.get(channel, CATEGORY_WEIGHTS))
            # An enterprise raising several problems at one meeting raises different ones.
            raised = {p.topic for p in gathering.plans if p.firm is firm} if gathering else ()
            topic = self.pick_topic(rng, category, firm, avoid=raised)
        plan = Plan(rng=rng, at=at, firm=firm, topic=topic, channel=self.channels[channel],
                    registrar=self.registrar(channel, firm), recipe=recipe, text_seed=rng.random(),
                    gathering=gathering, **flags)
        if gathering is not None:
            gathering.plans.append(plan)
        return plan

    def make_plans(self) -> list[Plan]:
        plans: list[Plan] = []
        for name, count, window, flags in RECIPES:
            for _ in range(count):
                plans.append(self.make_plan(len(plans), name, window, flags))

        # The first quarter's symposium: 34 enterprises raise 89 problems, 2 or 3 each. One needs money from next
        # year's budget and is 挂账; every other one is answered, followed up and rated.
        rng = random.Random(self.seed + 9)
        attending: list[Firm] = []
        while len(attending) < data.BIG_SYMPOSIUM_FIRMS:
            firm = self.pick_firm(rng)
            if firm not in attending:
                attending.append(firm)
        for i in range(data.BIG_SYMPOSIUM_APPEALS):
            flags = {"suspend": "stay"} if i == data.BIG_SYMPOSIUM_APPEALS // 2 else {}
            plans.append(self.make_plan(len(plans), "big_symposium", None, flags, firm=attending[i % len(attending)],
                                        gathering=self.big_symposium))

        # Every reception day held received at least one enterprise with a problem.
        for gathering in self.gatherings["reception_day"]:
            plans.append(self.make_plan(len(plans), "reception", None, {}, gathering=gathering))

        # The deputies' opinions become rectification tasks, split by the dispatcher the next working day.
        self.opinion_gatherings = self.opinion_meetings()
        for number, (spec, task_flags) in enumerate(zip(data.OPINIONS, OPINION_TASK_FLAGS)):
            gathering, categories = self.opinion_gatherings[number], spec[-1]
            for category, flags in zip(categories, task_flags):
                at = office_moment(add_workdays(gathering.day, 1), random.Random(f"{self.seed}-task-{len(plans)}"))
                plan = self.make_plan(len(plans), "opinion", None, flags, forced_category=category,
                                      gathering=gathering, at=at)
                plan.opinion, plan.registrar = number, self.staff["dispatcher"]
                plans.append(plan)

        # The leaders' pages: open appeals of their paired enterprises, one of them overdue.
        for i, (name, leader, window, flags) in enumerate(PAIRING_RECIPES):
            firms = [f for f in self.paired_firms if self.paired[f.row.pk] == leader]
            firm = firms[i % len(firms)]
            plans.append(self.make_plan(len(plans), name, window, flags, forced_channel="leader_pairing", firm=firm))

        # One of the late replies came after the leader's 批示.
        late = next((p for p in plans if p.recipe == "late" and p.at < self.now - dt.timedelta(days=90)), None)
        if late is not None:
            late.instructor, late.instruction = "leader", "late"

        normal_count = self.appeal_count - len(plans) - DUPLICATES
        categories = list(data.CATEGORY_DEPARTMENTS)
        # The first ones walk every channel, category and meeting, so each is certain to have appeals.
        channels = [(c, None) for c in CHANNEL_WEIGHTS if c not in MEETINGS]
        channels += [(g.channel, g) for c in MEETINGS for g in self.gatherings[c] if not g.big]
        normals = []
        for i in range(normal_count):
            channel, gathering = channels[i] if i < len(channels) else ("", None)
            plan = self.make_plan(len(plans), "normal", NORMAL_WINDOW, {},
                                  forced_category=categories[i] if i < len(categories) else "",
                                  forced_channel=channel, gathering=gathering)
            plans.append(plan)
            normals.append(plan)
        # Duplicates: the same enterprise raises the same problem again through another channel a few days later.
        candidates = [p for p in normals if p.at < timezone.make_aware(dt.datetime.combine(
            workdays_before(self.today, 8), dt.time())) and p.channel.code != "online"]
        self.rng.shuffle(candidates)
        for target in candidates[:DUPLICATES]:
            rng = random.Random(self.seed * 1000 + len(plans))
            channel = "online" if target.firm.user and rng.random() < 0.5 else "hotline"
            at = later(target.at, rng.randint(1, 3), rng)
            plans.append(Plan(rng=rng, at=at, firm=target.firm, topic=target.topic, channel=self.channels[channel],
                              registrar=self.registrar(channel, target.firm), recipe="duplicate", target=target,
                              text_seed=target.text_seed))
        return plans

    def opinion_meetings(self) -> list[Gathering]:
        """Where each of data.OPINIONS was made: the NPC deputy's at the year's first inspection (long answered),
        the CPPCC member's at the latest consultation at least two weeks old (its tasks under way)."""
        npc = self.gatherings["npc_inspection"][0]
        recent = [g for g in self.gatherings["cppcc_consultation"] if (self.today - g.day).days >= 14]
        return [npc, recent[-1] if recent else self.gatherings["cppcc_consultation"][0]]

    # -- pairings, meetings, reception days and opinions: written before the clock starts, each at its moment --

    def title_of(self, user: User) -> str:
        return f"{data.TITLES.get(user.username, '')}{user.name}"

    def build_pairings(self) -> None:
        """营商局 pairs the leaders with their enterprises at the start of the year."""
        self.pairing_moment = _aware(self.pairing_start, 9 * 60 + 30)
        self.pairings: dict[int, Pairing] = {}  # enterprise id → its pairing
        for firm in self.paired_firms:
            self.pairings[firm.row.pk] = meeting_services.create_pairing(
                acting_user=self.staff["dispatcher"], leader=self.staff[self.paired[firm.row.pk]], enterprise=firm.row,
                started_on=self.pairing_start, note=data.PAIRING_NOTE, now=self.pairing_moment)
        self.visits: dict[tuple[int, dt.date], Visit] = {}

    def build_meetings(self) -> None:
        types: dict[str, MeetingType] = {}
        for meeting_type in MeetingType.objects.select_related("channel").filter(is_active=True).order_by(
                "-sort_order", "-pk"):
            types[meeting_type.channel.code] = meeting_type  # the first by sort order wins
        for channel in MEETINGS:
            for gathering in self.gatherings[channel]:
                self.record_meeting(gathering, types[channel])
        self.build_reception_days()
        self.opinions = [
            opinion_services.register_opinion(acting_user=self.staff[username], kind=kind, body=body, title=title,
                                              content=content, meeting=gathering.meeting,
                                              now=_aware(gathering.day, 16 * 60 + 30))
            for (username, body, kind, title, content, _), gathering in zip(data.OPINIONS, self.opinion_gatherings)]

    def meeting_units(self, gathering: Gathering, codes) -> list[Department]:
        """The units at the table, and the departments answerable for every problem raised."""
        units = [self.departments[code] for code in codes]
        for plan in gathering.plans:
            lead = self.lead_of(plan)
            units += [lead, *self.co_of(plan, lead)]
        return list(dict.fromkeys(units))

    def meeting_firms(self, gathering: Gathering) -> list[Firm]:
        """The enterprises that raised something; an industry's meeting invites its biggest firms besides."""
        firms = list({id(p.firm): p.firm for p in gathering.plans}.values())
        if gathering.segment:
            others = sorted((f for f in self.firms if f.segment == gathering.segment and f not in firms),
                            key=lambda f: (-f.weight, f.row.pk))
            firms += others[: max(0, 8 - len(firms))]
        return firms

    def topics_of(self, gathering: Gathering) -> str:
        counts = Counter(self.categories[p.topic.category].name for p in gathering.raised_that_day)
        return "、".join(name for name, _ in counts.most_common(3))

    def record_meeting(self, gathering: Gathering, meeting_type: MeetingType) -> None:
        style = data.MEETING_STYLES[gathering.channel]
        host, attendees, place, codes, segment = style.host, style.attendees, style.place, list(style.departments), ""
        if gathering.segment:
            place, host, extra = data.INDUSTRY_MEETINGS[gathering.segment]
            codes += extra
            segment = data.SEGMENTS[gathering.segment].label
        if gathering.big:
            host, attendees, place = data.BIG_SYMPOSIUM_HOST, data.BIG_SYMPOSIUM_ATTENDEES, data.BIG_SYMPOSIUM_PLACE
        host, attendees = self.staff[host], [self.staff[u] for u in attendees]
        departments, firms = self.meeting_units(gathering, codes), self.meeting_firms(gathering)
        day = gathering.day
        title = style.title.format(year=day.year, quarter=chinese_ordinal((day.month - 1) // 3 + 1),
                                   nth=chinese_ordinal(gathering.nth), segment=segment)
        minutes = data.MINUTES.format(
            date=cn_date(day), title=title, place=place, host=self.title_of(host),
            attending=f"，{'、'.join(self.title_of(u) for u in attendees)}出席" if attendees else "",
            firms=len(firms), units=len(departments), topics=self.topics_of(gathering),
            count=len(gathering.raised_that_day), closing=style.closing)
        # 营商局 runs the symposium (and writes its problem list); 企业之家 records the others.
        recorder = self.staff["dispatcher" if gathering.channel == "symposium" else "clerk"]
        gathering.meeting = meeting_services.create_meeting(
            acting_user=recorder, type=meeting_type, title=title, date=day, place=place, host=host,
            attendees=attendees, departments=departments, enterprises=[f.row for f in firms], minutes=minutes,
            now=_aware(day, MEETING_RECORDED_AT))

    def build_reception_days(self) -> None:
        """The year's Tuesdays are scheduled at its start with 营商局 on duty; each week three bureaus join it. A
        session called off says why; a session held is a meeting, hosted by the leader receiving that week."""
        clerk = self.staff["clerk"]
        standing = [self.departments[code] for code in data.RECEPTION_STANDING_DUTY]
        meeting_services.schedule_reception_days(self.reception_start, self.reception_end, acting_user=clerk,
                                                 duty_departments=standing)
        rotation = data.RECEPTION_ROTATION
        sessions = ReceptionSession.objects.filter(date__range=(self.reception_start, self.reception_end))
        for week, session in enumerate(sessions.order_by("date")):
            duty = standing + [self.departments[rotation[(3 * week + k) % len(rotation)]] for k in range(3)]
            note = self.cancelled.get(session.date)
            session = meeting_services.update_session(session, acting_user=clerk, duty_departments=duty, note=note,
                                                      cancelled=True if note else None)
            gathering = self.receptions.get(session.date)
            if gathering is None:
                continue  # called off, or still ahead
            host = self.staff[data.RECEPTION_HOSTS[week % len(data.RECEPTION_HOSTS)]]
            meeting = meeting_services.hold_session(session, acting_user=clerk, host=host, place=data.RECEPTION_PLACE,
                                                    now=_aware(session.date, MEETING_RECORDED_AT))
            firms = self.meeting_firms(gathering)
            meeting_services.add_enterprises(meeting, [f.row for f in firms], acting_user=clerk)
            minutes = data.RECEPTION_MINUTES.format(
                date=cn_date(session.date), host=self.title_of(host), place=data.RECEPTION_PLACE,
                duty="、".join(d.name for d in duty), firms=len(firms), count=len(gathering.raised_that_day))
            gathering.meeting = meeting_services.update_meeting(meeting, acting_user=clerk, minutes=minutes)

    # -- leaders' visits --

    def visit(self, pairing: Pairing, moment: dt.datetime, raised: str = "") -> Visit:
        """The leader's visit to a paired enterprise that day (one a day), recorded by the 企业之家 clerk: it takes
        up the enterprise's appeals still open, and notes the problem raised on it, if any."""
        day = local_date(moment)
        visit = self.visits.get((pairing.pk, day))
        if visit is not None:
            return visit
        leader, enterprise = pairing.leader, pairing.enterprise
        still_open = list(Appeal.objects.open().filter(enterprise=enterprise).order_by("created_at", "id"))
        discussed = random.Random(f"{self.seed}-visit-{pairing.pk}-{day}").choice(data.VISIT_ROUTINE)
        if still_open:
            discussed += data.VISIT_FOLLOW.format(numbers="、".join(a.number for a in still_open))
        if raised:
            discussed += data.VISIT_RAISED.format(title=raised, leader=self.title_of(leader))
        people = data.VISIT_PEOPLE.format(title=data.TITLES[leader.username], leader=leader.name,
                                          town=enterprise.town.name, representative=enterprise.legal_representative)
        visit = meeting_services.log_visit(pairing, acting_user=self.staff["clerk"], date=day, people=people,
                                           discussed=discussed, appeals=still_open, now=moment)
        self.visits[(pairing.pk, day)] = visit
        return visit

    def visit_rounds(self, start: dt.datetime) -> Iterator[dt.datetime]:
        """Besides the visits that raise a problem, each leader visits each paired enterprise every two to three
        months (data.PAIRING_NOTE: at least once a quarter)."""
        rng = random.Random(self.seed + 8)
        rounds = []
        for firm in self.paired_firms:
            day = self.pairing_start + dt.timedelta(days=rng.randint(7, 40))
            while day < self.today:
                while not is_workday(day):
                    day += dt.timedelta(days=1)
                rounds.append((office_moment(day, rng, 9 * 60, 16 * 60), firm.row.pk))
                day += dt.timedelta(days=rng.randint(55, 85))
        last = start
        for moment, enterprise_id in sorted(rounds):
            if moment > self.now:
                return
            moment = max(moment, last + dt.timedelta(seconds=1))
            yield moment
            last = moment
            self.visit(self.pairings[enterprise_id], moment)

    # -- the clock --

    def play(self, plans: list[Plan]) -> None:
        queue: list[tuple[dt.datetime, int, Iterator[dt.datetime]]] = []
        for seq, plan in enumerate(plans):
            if plan.at <= self.now:
                queue.append((plan.at, seq, self.story(plan)))
        rounds = {len(plans): "supervision_rounds", len(plans) + 1: "visit_rounds"}
        if queue:
            first = min(moment for moment, _, _ in queue)
            queue.append((first, len(plans), self.supervision_rounds(first)))
            queue.append((self.pairing_moment, len(plans) + 1, self.visit_rounds(self.pairing_moment)))
        heapq.heapify(queue)
        while queue:
            moment, seq, story = heapq.heappop(queue)
            try:
                following = next(story)
            except StopIteration:
                continue
            except LianxiError as error:  # the step wrote nothing (its transaction rolled back); the story ends
                name = rounds.get(seq) or plans[seq].recipe
                self.failures.append(f"{name} #{seq}: {error.message} {error.fields}")
                continue
            assert following > moment, (plans[seq].recipe, moment, following)
            if following <= self.now:
                heapq.heappush(queue, (following, seq, story))

    # -- the supervision pass, as `manage.py supervise` would have run it every working morning --

    def supervision_rounds(self, start: dt.datetime) -> Iterator[dt.datetime]:
        """Each working day at 08:30 the supervision pass runs as of that moment; the addressed departments
        answer most orders within a day or two (the rest end on the accountability list), and the supervisor
        decides the accountability records the pass proposed."""
        rng = random.Random(self.seed + 7)
        answers: list[tuple[dt.datetime, int]] = []  # (when the department answers, order id)
        day = local_date(start) + dt.timedelta(days=1)
        while True:
            while not is_workday(day):
                day += dt.timedelta(days=1)
            t = _aware(day, 8 * 60 + 30)
            if t > self.now:
                return
            yield t
            # Before office hours (08:40): answers from 08:30, the pass at 08:35, decisions from 08:36 — no
            # story acts on an appeal in between, so each appeal's history stays in order.
            answers.sort()
            step = 0
            while answers and answers[0][0] <= t:
                _, pk = answers.pop(0)
                order = Supervision.objects.select_related("department").get(pk=pk)
                answerer = self.heads.get(order.department.code) or self.handlers.get(order.department.code)
                if answerer is not None and order.appeal.is_open:
                    step += 1
                    supervision_services.answer_order(order, acting_user=answerer, now=t + dt.timedelta(seconds=step),
                                                      answer=rng.choice(data.SUPERVISION_ANSWERS))
            before = Supervision.objects.aggregate(last=Max("pk"))["last"] or 0
            run_pass(t + dt.timedelta(minutes=5))
            for order in Supervision.objects.filter(pk__gt=before, answer_due_at__isnull=False):
                if rng.random() < 0.85:
                    answers.append((later(t, rng.choice([1, 1, 2]), rng), order.pk))
            step = 0
            for record in Accountability.objects.filter(status="proposed", recorded_at__lt=t - dt.timedelta(days=3)):
                step += 1
                measure = rng.choice([None, "talk", "talk", "criticism", "rectify"])
                supervision_services.decide_accountability(
                    record, acting_user=self.staff["supervisor"], measure=measure,
                    now=t + dt.timedelta(minutes=6, seconds=step),
                    note=data.DISMISS_NOTE if measure is None else data.DECIDE_NOTE)
            day += dt.timedelta(days=1)

    # -- one appeal's story --

    def text(self, plan: Plan, template: str, **extra) -> str:
        rng = random.Random(plan.text_seed)  # the same figures in an appeal's title, content and result
        firm = plan.firm
        return template.format(
            ent=firm.row.name, town=self.departments[firm.town].name, year=local_date(plan.at).year - 1,
            product=rng.choice(data.SEGMENTS[firm.segment].products), amount=rng.choice(AMOUNTS),
            fine=rng.choice([2000, 5000, 8000, 10000, 20000]), people=rng.randrange(20, 201, 5),
            few=rng.randint(2, 12), days=rng.randint(15, 90), mu=rng.randrange(10, 151, 5),
            households=rng.randint(50, 600), kva=rng.choice([315, 400, 630, 800, 1000, 1250]), **extra)

    def unit(self, plan: Plan, code: str) -> Department:
        return self.departments[plan.firm.town if code == "@town" else code]

    def lead_of(self, plan: Plan) -> Department:
        topic = plan.topic
        return self.unit(plan, topic.lead or data.CATEGORY_DEPARTMENTS[topic.category])

    def co_of(self, plan: Plan, lead: Department) -> list[Department]:
        units = []
        for code in plan.topic.co:
            unit = self.unit(plan, code)
            if unit != lead and unit not in units:
                units.append(unit)
        return units

    def wrong_of(self, plan: Plan, lead: Department) -> Department:
        for code in (plan.topic.wrong, plan.firm.town, "gxj", "fgj"):
            if code and self.departments[code] != lead:
                return self.departments[code]
        raise AssertionError("no wrong department")

    def story(self, plan: Plan) -> Iterator[dt.datetime]:
        """One appeal from registration to wherever its plan (or today) ends it. Each ``yield`` hands the clock the
        moment of the next step; the step runs when the clock gets there."""
        rng, topic = plan.rng, plan.topic
        dispatcher, supervisor, clerk = self.staff["dispatcher"], self.staff["supervisor"], self.staff["clerk"]
        do = self.do
        t = plan.at

        # 登记
        urgency = plan.urgency or topic.urgency
        if not plan.urgency and urgency == "general" and rng.random() < 0.04:
            urgency = "urgent"
        title = self.text(plan, topic.title)
        content = data.CHANNEL_LEADS.get(plan.channel.code, "") + self.text(plan, topic.content)
        if plan.target is not None:
            first = plan.target.appeal
            title = data.DUPLICATE_PREFIX + first.title
            content = data.DUPLICATE_CONTENT.format(number=first.number, channel=plan.channel.name,
                                                    content=first.content)
        fields = {"title": title, "category": self.categories[topic.category], "kind": topic.kind, "urgency": urgency,
                  "now": t}
        if plan.opinion is not None:
            # A deputy's opinion, split by the dispatcher into tasks: raised in the opinion's meeting.
            opinion = self.opinions[plan.opinion]
            lead = data.OPINION_TASK_LEAD.format(deputy=opinion.deputy.name, title=opinion.title,
                                                 honorific="代表" if opinion.body == Opinion.Body.NPC else "委员")
            plan.appeal = opinion_services.add_task(opinion, acting_user=plan.registrar, enterprise=plan.firm.row,
                                                    content=lead + self.text(plan, topic.content), **fields)
        elif plan.channel.code == "leader_pairing":
            # Heard on the leader's visit: the clerk records the visit and registers the problem from it.
            visit = self.visit(self.pairings[plan.firm.row.pk], t, raised=title)
            plan.appeal = meeting_services.register_from_visit(visit, acting_user=plan.registrar, content=content,
                                                               **fields)
        else:
            meeting = plan.gathering.meeting if plan.gathering else None
            plan.appeal = actions.register(acting_user=plan.registrar, enterprise=plan.firm.row, content=content,
                                           channel=plan.channel, meeting=meeting, **fields).appeal
        if plan.stop == "registered":
            return

        # 不予受理
        if plan.reject:
            t = later(t, rng.choice([0, 0, 1, 2]), rng)
            yield t
            do(plan, actions.reject, dispatcher, t, reason=topic.result)
            return

        lead = self.lead_of(plan)
        co = self.co_of(plan, lead)

        # 合并: the dispatcher spots the duplicate, sometimes only after sending it out.
        if plan.target is not None:
            first = plan.target.appeal
            first.refresh_from_db(fields=["state"])
            if rng.random() < 0.25 and first.state in (State.REGISTERED, State.DISPATCHED, State.HANDLING):
                t = later(t, 0, rng)
                yield t
                do(plan, actions.dispatch, dispatcher, t, lead_department=lead,
                   instructions=rng.choice(data.DISPATCH_INSTRUCTIONS))
            t = later(t, rng.choice([0, 1]), rng)
            yield t
            first.refresh_from_db(fields=["state"])
            if first.state == State.CLOSED and plan.appeal.state == State.REGISTERED:
                # Too late to merge: the first one is already crossed off, so the repeat is turned away.
                do(plan, actions.reject, dispatcher, t, reason=data.DUPLICATE_REJECT.format(number=first.number))
            else:
                do(plan, actions.merge, dispatcher, t, into=first)
            return

        # 交办 (in a return story first to the wrong unit, which sends it back, then 转办 to the right one)
        t = later(t, rng.choice([0, 0, 1, 1, 2]), rng)
        yield t
        symposium = plan.channel.code == "symposium"
        instructions = data.SYMPOSIUM_INSTRUCTIONS if symposium else rng.choice(data.DISPATCH_INSTRUCTIONS)
        if plan.returned:
            wrong = self.wrong_of(plan, lead)
            # An arbitration story bounces twice: the wrong unit, then the right one, which disputes it too.
            for unit in ([wrong, lead] if plan.arbitrated else [wrong]):
                do(plan, actions.dispatch, dispatcher, t, lead_department=unit,
                   instructions=rng.choice(data.DISPATCH_INSTRUCTIONS))
                t = later(t, rng.choice([0, 0, 1]), rng)
                yield t
                reason = data.DISPUTE_REASON if unit == lead else data.RETURN_REASON.format(lead=lead.name)
                do(plan, actions.return_appeal, self.handlers[unit.code], t, reason=reason)
                t = later(t, rng.choice([0, 0, 1]), rng)
                yield t
        # A symposium's problem list carries its own deadline: 10 working days.
        due = due_after(t, 10) if symposium else None
        if plan.arbitrated:
            if plan.stop == "returned_twice":
                return
            do(plan, actions.arbitrate, supervisor, t, lead_department=lead, co_departments=co,
               reason=data.ARBITRATION_REASON.format(lead=lead.name))
        else:
            do(plan, actions.dispatch, dispatcher, t, lead_department=lead, co_departments=co, due_at=due,
               instructions=instructions)
        handler = self.handlers[lead.code]

        if plan.stop == "dispatched":
            if plan.appeal.accept_due_at < self.now:
                t = later(plan.appeal.accept_due_at, rng.choice([0, 1]), rng)
                yield t
                do(plan, actions.supervise, supervisor, t, level="reminder", text=data.ACCEPT_REMINDER)
            return

        # 签收 (a few late)
        t = later(t, rng.choices([0, 1, 2, 3], weights=[60, 34, 4, 2])[0], rng)
        yield t
        do(plan, actions.accept, handler, t)

        # 挂账, and for some the review that resumes it
        if plan.suspend:
            t = later(t, rng.randint(1, 3), rng)
            yield t
            do(plan, actions.progress, handler, t, note=data.SUSPEND_REQUEST)
            t = later(t, rng.randint(1, 3), rng)
            yield t
            review = local_date(t) + dt.timedelta(days=rng.randint(60, 120))
            do(plan, actions.suspend, supervisor, t, reason=data.SUSPEND_REASONS[topic.category], review_date=review)
            if plan.suspend == "stay":
                return
            while not is_workday(review):
                review += dt.timedelta(days=1)
            t = office_moment(review, rng)
            yield t
            do(plan, actions.resume, supervisor, t, reason=data.RESUME_REASON)

        # 办理 … 办结答复
        t = yield from self.handle(plan, handler, co, t)
        if t is None or plan.stop == "replied":
            return

        # 回访 (a bad rating sends it back for 差评整改)
        follower = plan.registrar if plan.registrar.has_role(Role.ENTERPRISE) and rng.random() < 0.7 else clerk
        t = later(t, rng.choices([1, 2, 3, 5], weights=[45, 35, 12, 8])[0], rng)
        yield t
        if plan.reopen:
            do(plan, actions.follow_up, follower, t, rating=rng.choice([1, 2, 2]), solved=False,
               comment=rng.choice(data.BAD_COMMENTS))
            t = later(t, rng.choice([0, 1]), rng)
            yield t
            do(plan, actions.progress, handler, t, note=rng.choice(data.RECTIFY_NOTES))
            if plan.stop == "reopened":
                return
            t = later(t, rng.randint(1, 3), rng)
            yield t
            result = data.RECTIFIED + self.text(plan, topic.result, lead=lead.name)
            do(plan, actions.reply, handler, t, result=result, outcome="solved",
               reply=self.reply_text(plan, lead, result))
            t = later(t, rng.randint(1, 2), rng)
            yield t
            do(plan, actions.follow_up, follower, t, rating=rng.choice([3, 4, 4, 5]), solved=True,
               comment=data.RECTIFIED_COMMENT)
        else:
            rating, solved, comment = self.rating(plan.appeal, rng)
            do(plan, actions.follow_up, follower, t, rating=rating, solved=solved, comment=comment)
        if plan.stop == "followed_up":
            return

        # 销号 (unless the settings close satisfied follow-ups automatically)
        t = later(t, rng.choices([0, 1, 2, 3], weights=[30, 40, 20, 10])[0], rng)
        yield t
        if plan.appeal.state == State.FOLLOWED_UP:
            do(plan, actions.close, supervisor, t)

    def handle(self, plan: Plan, handler: User, co: list[Department], t: dt.datetime):
        """From 签收 (or 恢复办理) to 办结答复; returns the reply's moment, or None when the story stops unreplied."""
        rng, do = plan.rng, self.do
        supervisor = self.staff["supervisor"]
        lead = plan.appeal.lead_department
        due = plan.appeal.due_at

        # The extension is asked for on the last working day or two before the deadline.
        if plan.extension:
            ask = office_moment(workdays_before(local_date(due), rng.choice([0, 1])), rng)
            if ask <= t:
                ask = later(t, 0, rng)
            if ask < due:
                for moment in moments_between(t, ask, rng.randint(0, 2), rng):
                    yield moment
                    do(plan, actions.progress, handler, moment, note=rng.choice(data.PROGRESS_NOTES))
                t = ask
                yield t
                do(plan, actions.request_extension, handler, t, due_at=due_after(due, rng.choice([5, 7, 10])),
                   reason=rng.choice(data.EXTENSION_REASONS))
                if plan.extension == "pending":
                    return None
                t = later(t, rng.choice([0, 1]), rng)
                yield t
                approve = plan.extension == "approve"
                do(plan, actions.decide_extension, supervisor, t, approve=approve,
                   reason=data.EXTENSION_APPROVE if approve else data.EXTENSION_DENY)
                due = plan.appeal.due_at

        late = plan.late or (plan.extension == "deny" and rng.random() < 0.5)
        if late:
            # After a leader's 批示 (three working days past the deadline) the reply follows within days.
            days_late = rng.randint(5, 8) if plan.instructor else rng.randint(2, 7)
            reply_at = office_moment(add_workdays(local_date(due), days_late), rng)
        else:
            span = workdays_between(t, due)
            if plan.hurry:
                span = min(span, 3)
            # Most replies come early in the time limit, a few on its last day.
            reply_at = later(t, 1 + int((span - 1) * rng.random() ** 1.5) if span >= 1 else 0, rng)

        # Progress notes by the lead, sometimes a co-department's, a reminder as the deadline nears, supervision
        # once it has passed.
        steps = [(m, "progress") for m in moments_between(t, reply_at, rng.choice([0, 1, 1, 2]), rng)]
        if co and rng.random() < 0.5:
            steps += [(m, "co") for m in moments_between(t, reply_at, 1, rng)]
        if not late and not plan.hurry and rng.random() < 0.08:
            reminder = office_moment(workdays_before(local_date(due), 1), rng)
            if t < reminder < reply_at:
                steps.append((reminder, "reminder"))
        if late:
            first = office_moment(add_workdays(local_date(due), 1), rng)
            if t < first < reply_at:
                steps.append((first, "supervise"))
            if plan.stop == "handling":
                steps.append((office_moment(add_workdays(local_date(due), 8), rng), "listed"))
            if plan.instructor:
                steps.append((office_moment(add_workdays(local_date(due), 3), rng), "instruct"))
        for moment, step in sorted(steps):
            if moment <= t:
                continue
            t = moment
            yield t
            if step == "progress":
                do(plan, actions.progress, handler, t, note=rng.choice(data.PROGRESS_NOTES))
            elif step == "co":
                helper = self.handlers[rng.choice(co).code]
                do(plan, actions.progress, helper, t, note=rng.choice(data.CO_NOTES))
            elif step == "instruct":
                do(plan, actions.instruct, self.staff[plan.instructor], t,
                   text=data.INSTRUCTIONS[plan.instruction].format(lead=lead.name))
            else:
                level, text = {"reminder": ("reminder", data.REMINDER), "supervise": ("supervise", data.SUPERVISE),
                               "listed": ("listed", data.LISTED)}[step]
                do(plan, actions.supervise, supervisor, t, level=level, text=text)
        if plan.stop == "handling":
            return None

        # 办结答复
        t = reply_at if reply_at > t else later(t, 0, rng)
        yield t
        outcome, result = self.outcome(plan, lead)
        do(plan, actions.reply, handler, t, result=result, outcome=outcome, reply=self.reply_text(plan, lead, result))
        return t

    @staticmethod
    def do(plan: Plan, perform, acting_user: User, now: dt.datetime, **fields) -> None:
        """Take one action on the plan's appeal as ``acting_user`` at ``now``; keep the appeal as it now stands."""
        plan.appeal = perform(plan.appeal, acting_user=acting_user, now=now, **fields)

    def outcome(self, plan: Plan, lead: Department) -> tuple[str, str]:
        rng, topic = plan.rng, plan.topic
        roll = rng.random()
        if topic.explain and roll < 0.22:
            return "explained", self.text(plan, topic.explain, lead=lead.name)
        result = self.text(plan, topic.result, lead=lead.name)
        if topic.kind == "consult" and roll < 0.4:
            return "explained", result
        if roll > 0.88:
            return "partly_solved", result + "目前主要问题已解决，剩余事项将持续跟进。"
        return "solved", result

    def reply_text(self, plan: Plan, lead: Department, result: str) -> str:
        return f"{plan.firm.row.name}：您反映的问题已由{lead.name}办理。{result}如有疑问，请联系企业之家。"

    def rating(self, appeal: Appeal, rng: random.Random) -> tuple[int, bool, str]:
        if appeal.outcome == "explained":
            return rng.choice([3, 3, 4, 4, 5]), rng.random() < 0.3, rng.choice(data.EXPLAINED_COMMENTS)
        if appeal.outcome == "partly_solved":
            return rng.choice([3, 4, 4, 5]), rng.random() < 0.5, rng.choice(data.GOOD_COMMENTS)
        return rng.choices([5, 4, 3], weights=[58, 32, 10])[0], rng.random() < 0.97, rng.choice(data.GOOD_COMMENTS)

    # -- all of it --

    def build(self) -> Counter:
        self.build_departments()
        self.build_categories()
        self.build_enterprises()
        economy.build_indicators(self.today, self.seed)  # 企业季度经济指标
        self.build_users()
        self.plan_calendar()
        self.plan_pairings()
        plans = self.make_plans()
        self.build_pairings()
        self.build_meetings()
        self.play(plans)
        return Counter(Appeal.objects.values_list("state", flat=True))


@dataclass
class Summary:
    departments: int
    enterprises: int
    users: int
    states: Counter
    failures: list[str]
    meetings: int = 0
    receptions_held: int = 0
    pairings: int = 0
    visits: int = 0
    opinions: int = 0

    @property
    def appeals(self) -> int:
        return sum(self.states.values())


def load(now: dt.datetime | None = None, seed: int = SEED) -> Summary:
    """Write the demo. One transaction: a failure leaves the database as it was, and SQLite commits once."""
    builder = DemoBuilder(now or timezone.now(), seed)
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        # Only ever the throwaway demo file (the guard saw to that): keep the rollback journal in memory and skip
        # fsync. A crash mid-load can only cost the demo file, which `make demo` rebuilds.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=MEMORY")
            cursor.execute("PRAGMA synchronous=OFF")
    with transaction.atomic():
        states = builder.build()
        refresh_stats()  # the numbers count the demo's appeals from the first page on
        index_pending()  # 查重 and 热点话题 find them
    train_from_history()  # 智能派单 learns from the demo's dispatches
    return Summary(Department.objects.count(), Enterprise.objects.count(), User.objects.count(), states,
                   builder.failures, meetings=Meeting.objects.count(),
                   receptions_held=ReceptionSession.objects.filter(status=ReceptionSession.Status.HELD).count(),
                   pairings=Pairing.objects.count(), visits=Visit.objects.count(), opinions=Opinion.objects.count())


# ---- the accounts, for the console ----------------------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 1)


def accounts_text() -> str:
    featured = ([u for u, *_ in data.STAFF] + [f"handler_{c}" for c in data.FEATURED_HANDLERS]
                + [f"head_{c}" for c in data.FEATURED_HANDLERS[:2]]
                + [f"qiye_{p}" for p, *_ in data.FEATURED])
    users = {u.username: u for u in User.objects.select_related(
        "department", "enterprise").prefetch_related("role_grants")}
    notes = {u: note for u, *_, note in data.STAFF}
    lines = [f"演示账号 Demo accounts —— 所有账号密码 password: {data.PASSWORD}",
             "登录 Sign in: http://127.0.0.1:8000/", ""]
    lines.append("  " + _pad("用户名 username", 18) + _pad("姓名", 10) + _pad("角色 roles", 24) + "单位 unit")
    for username in featured:
        user = users.get(username)
        if user is None:
            continue
        roles = "、".join(Role(g.role).label for g in user.role_grants.all())
        if user.is_superuser:
            roles += "（超级用户）"
        unit = str(user.department or user.enterprise or "—")
        note = notes.get(username, "")
        lines.append("  " + _pad(username, 18) + _pad(user.name, 10) + _pad(roles, 24) + unit
                     + (f"  · {note}" if note else ""))
    others = sorted((u for name, u in users.items() if name.startswith("handler_") and name not in featured),
                    key=lambda u: (u.department.sort_order, u.username))
    if others:
        lines += ["", "  其他承办单位的承办人 Other departments' handlers（部门承办人 handler）："]
        row = []
        for user in others:
            row.append(_pad(f"{user.username} {user.department.name}", 40))
            if len(row) == 2:
                lines.append("    " + "".join(row).rstrip())
                row = []
        if row:
            lines.append("    " + "".join(row).rstrip())
    return "\n".join(lines)
