"""Build the 清镇 demo: departments, enterprises, accounts and a year of appeals with true histories.

Every appeal is created and moved only by lianxi.appeals.actions, with the acting user a real person would be and a
``now`` in the past. Each appeal's story is a generator that yields the moment of its next step; one clock plays all
stories in time order (a small discrete-event simulation), so registration numbers follow time, a merge sees the
target as it stood that day, and nothing happens after the real now — recent appeals are simply still open.

Randomness is seeded (one Random per appeal), so the demo is the same on every machine for the same day.
"""

from __future__ import annotations

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
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from lianxi.accounts.models import Role, User
from lianxi.appeals import actions
from lianxi.appeals.models import Appeal
from lianxi.appeals.workflow import State
from lianxi.core.errors import LianxiError
from lianxi.core.workdays import add_workdays, due_after, is_workday, local_date, workdays_between
from lianxi.directory.models import Category, Channel, Department, Enterprise, Tag
from lianxi.directory.validators import validate_phone, validate_uscc

from . import data

SEED = 20260311
APPEALS = 600
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


# Meetings of the past year, by channel: (month, day[, segment the meeting is for]).
MEETINGS = {
    "symposium": [(3, 20), (6, 19), (9, 18), (12, 16)],
    "bank_meeting": [(4, 16), (10, 15)],
    "legal_meeting": [(5, 21), (11, 12)],
    "industry_meeting": [(1, 15, "aluminium"), (4, 8, "food"), (7, 10, "tourism"), (8, 26, "herbs"),
                         (10, 28, "logistics")],
    "npc_inspection": [(6, 5), (11, 6)],
    "cppcc_consultation": [(5, 14), (9, 4)],
}

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
    extension: str = ""  # approve, deny, pending
    late: bool = False
    reopen: bool = False
    suspend: str = ""  # stay, resume
    hurry: bool = False
    urgency: str = ""
    text_seed: float = 0.0
    target: Plan | None = None  # the appeal a duplicate is merged into
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
    ("late", 30, (15, 240), {"late": True}),
    ("awaiting_follow_up", 6, (6, 12), {"stop": "replied", "hurry": True}),
    ("awaiting_close", 6, (8, 18), {"stop": "followed_up", "hurry": True}),
]
DUPLICATES = 18
NORMAL_WINDOW = (0, 245)

CHANNEL_WEIGHTS = {"window": 20, "online": 8, "hotline": 9, "reception_day": 12, "symposium": 7, "leader_pairing": 7,
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
        for (pinyin, _, _, _, _, _, _), firm in zip(data.FEATURED, self.firms):
            firm.user = create(f"qiye_{pinyin}", firm.row.contact_person, [Role.ENTERPRISE], enterprise=firm.row)

    # -- plans --

    def registration_moment(self, rng: random.Random, window: tuple[int, int], channel: str) -> dt.datetime:
        a, b = window
        k = a + int((b - a) * rng.random() ** 1.3)  # more appeals lately: the platform is catching on
        day = workdays_before(self.today, k)
        if channel == "reception_day":
            while day.weekday() != 1 or not is_workday(day):
                day -= dt.timedelta(days=1)
            moment = office_moment(day, rng, 9 * 60, 12 * 60)
        elif channel == "online" and rng.random() < 0.3:
            moment = office_moment(day, rng, 19 * 60, 22 * 60 + 30)  # enterprises write in the evening
        else:
            moment = office_moment(day, rng)
        if moment >= self.now:
            moment = office_moment(workdays_before(self.today, 1), rng)
        return moment

    def pick_firm(self, rng: random.Random, firms: list[Firm] | None = None) -> Firm:
        firms = firms or self.firms
        return rng.choices(firms, weights=[f.weight for f in firms])[0]

    def pick_topic(self, rng: random.Random, category: str, firm: Firm) -> data.Topic:
        fitting = [t for t in data.TOPICS if t.category == category and (not t.segments or firm.segment in t.segments)]
        return rng.choice(fitting)

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
                  forced_channel: str = "") -> Plan:
        rng = random.Random(self.seed * 1000 + index)
        weights = CHANNEL_WEIGHTS if recipe == "normal" else RECIPE_CHANNEL_WEIGHTS
        channel = forced_channel or weighted(rng, weights)
        featured = [f for f in self.firms if f.user]
        firms = None
        if channel in MEETINGS:
            meeting = rng.choice(MEETINGS[channel])
            day = past_date(self.today, meeting[0], meeting[1])
            at = office_moment(day, rng, 10 * 60, 17 * 60)
            if len(meeting) == 3:
                firms = [f for f in self.firms if f.segment == meeting[2]]
        else:
            at = self.registration_moment(rng, window, channel)
        if channel == "online":
            firms = featured
        firm = self.pick_firm(rng, firms)
        if flags.get("reject"):
            topic = rng.choice(data.REJECTS)
        else:
            if flags.get("suspend"):
                forced_category = rng.choice(list(data.SUSPEND_REASONS))
            category = forced_category or weighted(rng, MEETING_CATEGORIES.get(channel, CATEGORY_WEIGHTS))
            topic = self.pick_topic(rng, category, firm)
        return Plan(rng=rng, at=at, firm=firm, topic=topic, channel=self.channels[channel],
                    registrar=self.registrar(channel, firm), recipe=recipe, text_seed=rng.random(), **flags)

    def make_plans(self) -> list[Plan]:
        plans: list[Plan] = []
        for name, count, window, flags in RECIPES:
            for _ in range(count):
                plans.append(self.make_plan(len(plans), name, window, flags))
        normal_count = self.appeal_count - len(plans) - DUPLICATES
        categories, channels = list(data.CATEGORY_DEPARTMENTS), list(CHANNEL_WEIGHTS)
        normals = []
        for i in range(normal_count):
            # The first ones walk every category and channel, so each is certain to appear.
            plan = self.make_plan(len(plans), "normal", NORMAL_WINDOW, {},
                                  forced_category=categories[i] if i < len(categories) else "",
                                  forced_channel=channels[i] if i < len(channels) else "")
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

    # -- the clock --

    def play(self, plans: list[Plan]) -> None:
        queue: list[tuple[dt.datetime, int, Iterator[dt.datetime]]] = []
        for seq, plan in enumerate(plans):
            if plan.at <= self.now:
                queue.append((plan.at, seq, self.story(plan)))
        heapq.heapify(queue)
        while queue:
            moment, seq, story = heapq.heappop(queue)
            try:
                following = next(story)
            except StopIteration:
                continue
            except LianxiError as error:  # the step wrote nothing (its transaction rolled back); the story ends
                self.failures.append(f"{plans[seq].recipe} #{seq}: {error.message} {error.fields}")
                continue
            assert following > moment, (plans[seq].recipe, moment, following)
            if following <= self.now:
                heapq.heappush(queue, (following, seq, story))

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
        plan.appeal = actions.register(
            acting_user=plan.registrar, enterprise=plan.firm.row, title=title, content=content,
            category=self.categories[topic.category], channel=plan.channel, kind=topic.kind, urgency=urgency,
            now=t).appeal
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
            do(plan, actions.dispatch, dispatcher, t, lead_department=wrong,
               instructions=rng.choice(data.DISPATCH_INSTRUCTIONS))
            t = later(t, rng.choice([0, 0, 1]), rng)
            yield t
            do(plan, actions.return_appeal, self.handlers[wrong.code], t,
               reason=data.RETURN_REASON.format(lead=lead.name))
            t = later(t, rng.choice([0, 0, 1]), rng)
            yield t
        # A symposium's problem list carries its own deadline: 10 working days.
        due = due_after(t, 10) if symposium else None
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
            reply_at = office_moment(add_workdays(local_date(due), rng.randint(2, 7)), rng)
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
        self.build_users()
        self.play(self.make_plans())
        return Counter(Appeal.objects.values_list("state", flat=True))


@dataclass
class Summary:
    departments: int
    enterprises: int
    users: int
    states: Counter
    failures: list[str]

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
    return Summary(Department.objects.count(), Enterprise.objects.count(), User.objects.count(), states,
                   builder.failures)


# ---- the accounts, for the console ----------------------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 1)


def accounts_text() -> str:
    featured = ([u for u, *_ in data.STAFF] + [f"handler_{c}" for c in data.FEATURED_HANDLERS]
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
