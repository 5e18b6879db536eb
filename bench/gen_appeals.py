"""Fill a PostgreSQL bench database with a city's worth of appeals: 1,000,000 by default, in a few minutes.

    .venv/bin/python bench/gen_appeals.py                    # lianxi_bench: 1,000,000 appeals (refuses if filled)
    .venv/bin/python bench/gen_appeals.py --reset            # drop and rebuild the bench database
    .venv/bin/python bench/gen_appeals.py --appeals 20000 --reset      # a quick small one

What it makes (deterministic for a given --seed):
  * 52 departments (34 bureaus, 15 towns/streets, 3 parks) and the 12 default categories, each category routed to
    a bureau by default; 73,900 enterprises (names from word pools, unique made-up 18-character credit codes:
    model validators are bypassed), skewed so that a few enterprises have hundreds of appeals;
  * N appeals over the last 3 years, ids in time order, numbered LX<day>-<seq> as the application does. States
    follow age: nearly every appeal older than a few months is closed (or rejected / merged), about 10 % are
    open overall (registered, dispatched, handling, replied, followed-up, suspended), including long-open
    "handling" ones now overdue. Every dispatched appeal has a lead department, accept/reply deadlines (due_at)
    and its timestamps; about 8 % also have one or two co-handling departments;
  * the events of each appeal's path (register, dispatch, accept, reply, follow-up, close / reject / merge /
    suspend): about 5.6 per appeal, written server-side by INSERT … SELECT from the appeals (--events none
    skips them);
  * the time limits (Deadline rows) running on the open appeals, opened as the upgrade migration does;
  * the facts the numbers are counted from (lianxi.stats.AppealFact), rebuilt as `refresh_stats --all` does;
  * bench users: bench_dispatcher, bench_supervisor, bench_clerk, bench_handler (the department that leads
    the most appeals), bench_handler_small (a town), bench_enterprise (the enterprise with the most appeals),
    bench_enterprise_typical (a median one); all with password "bench-pass-123".

The fast path: the secondary indexes of the big tables are dropped first and rebuilt from their definitions
after the load; appeals, co-departments and enterprises are streamed with COPY (psycopg ``cursor.copy``) with
``session_replication_role = replica`` so foreign-key triggers do not fire per row (the generator only writes
references it created); then sequences are moved past the loaded ids, the number sequence is set per day, and
VACUUM ANALYZE runs so the planner and index-only scans see the real table.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PAGES_DB, bench_url, db_name, drop_database, ensure_database, migrate, setup_django  # noqa: E402

PASSWORD = "bench-pass-123"
DAY = 86400.0
HOUR = 3600.0
CST = dt.timezone(dt.timedelta(hours=8))

BUREAUS = [
    ("fgj", "市发展和改革局"), ("gxj", "市工业和信息化局"), ("jyj", "市教育局"), ("kjj", "市科学技术局"),
    ("gaj", "市公安局"), ("mzj", "市民政局"), ("sfj", "市司法局"), ("czj", "市财政局"),
    ("rsj", "市人力资源和社会保障局"), ("zrzyj", "市自然资源局"), ("sthjj", "市生态环境局"),
    ("zjj", "市住房和城乡建设局"), ("jtj", "市交通运输局"), ("swj", "市水务管理局"), ("nyncj", "市农业农村局"),
    ("swuj", "市商务局"), ("wtlj", "市文体广电旅游局"), ("wjj", "市卫生健康局"), ("yjj", "市应急管理局"),
    ("sjj", "市审计局"), ("scjgj", "市市场监督管理局"), ("tjj", "市统计局"), ("ybj", "市医疗保障局"),
    ("zfj", "市综合行政执法局"), ("tcj", "市投资促进局"), ("zwfw", "市政务服务中心"), ("dsj", "市大数据发展管理局"),
    ("lyj", "市林业局"), ("sw", "国家税务总局清镇市税务局"), ("gdj", "清镇供电局"), ("jrb", "市地方金融服务中心"),
    ("gsl", "市工商业联合会"), ("xfj", "市消防救援大队"), ("gjj", "住房公积金清镇管理部"),
]
TOWNS = [
    ("hfh", "红枫湖镇"), ("zjz", "站街镇"), ("wcz", "卫城镇"), ("xdz", "新店镇"), ("alz", "暗流镇"),
    ("lwz", "犁倭镇"), ("lcx", "流长苗族乡"), ("wzx", "王庄布依族苗族乡"), ("mgx", "麦格苗族布依族乡"),
    ("cfjd", "巢凤街道"), ("htjd", "红塔街道"), ("bhjd", "百花街道"), ("xljd", "新岭街道"),
    ("qlsjd", "青龙山街道"), ("sgjd", "时光街道"),
]
PARKS = [("kfq", "清镇经济开发区"), ("zjc", "贵州清镇职教城"), ("yyy", "清镇医药产业园")]

# Per category: the bureau it usually goes to, and the topics of its titles.
CATEGORY_ROUTES = {
    "policy": ("fgj", ["惠企政策兑现进度", "技改补助申报", "稳岗补贴发放", "专精特新认定", "奖补资金拨付",
                        "研发费用加计扣除", "首台套政策咨询"]),
    "finance": ("jrb", ["流动资金贷款续贷", "融资担保办理", "应收账款融资", "贷款利率偏高", "银行抽贷压贷",
                         "创业担保贷款"]),
    "labour": ("rsj", ["技术工人招聘困难", "员工社保转移接续", "职业技能培训补贴", "高校毕业生见习岗位",
                        "劳动争议调解", "人才公寓申请"]),
    "land": ("zrzyj", ["项目用地指标", "土地证办理", "厂房用地规划调整", "征地拆迁遗留问题", "不动产登记"]),
    "approval": ("zjj", ["施工许可办理", "竣工验收备案", "消防设计审查", "环评批复进度", "项目立项备案"]),
    "utilities": ("gdj", ["厂区用电报装进度", "双回路供电改造", "天然气管道接入", "用水压力不足",
                          "宽带网络接入", "停电频繁影响生产"]),
    "market_regulation": ("scjgj", ["重复检查", "行政处罚异议", "食品经营许可延续", "特种设备检验",
                                    "商标侵权投诉"]),
    "tax": ("sw", ["增值税留抵退税", "发票额度调整", "出口退税办理", "社保费缴纳", "税收优惠备案"]),
    "legal": ("sfj", ["合同纠纷调解", "拖欠工程款", "知识产权保护", "涉企案件执行", "企业合规指导"]),
    "service": ("zwfw", ["办事窗口推诿", "审批时限超期", "材料重复提交", "网上办事系统故障"]),
    "park": ("kfq", ["园区道路破损", "污水管网不通", "标准厂房租金", "园区公交线路", "职工食堂配套"]),
    "other": ("gsl", ["商会活动支持", "展会参展补助", "品牌宣传推广", "周边噪音扰民", "其他事项"]),
}
CATEGORY_WEIGHTS = {"policy": 16, "finance": 12, "labour": 12, "land": 7, "approval": 9, "utilities": 11,
                    "market_regulation": 7, "tax": 8, "legal": 6, "service": 4, "park": 5, "other": 3}
CHANNEL_WEIGHTS = {"window": 30, "online": 22, "hotline": 14, "symposium": 7, "reception_day": 8,
                   "npc_inspection": 2, "cppcc_consultation": 2, "united_front_station": 3, "leader_pairing": 6,
                   "bank_meeting": 2, "legal_meeting": 1, "industry_meeting": 3}
KIND_WEIGHTS = {"help": 45, "consult": 30, "complaint": 12, "suggestion": 10, "report": 3}
URGENCY_WEIGHTS = {"general": 80, "urgent": 10, "complex": 10}
REPLY_DAYS = {"urgent": 3, "general": 9, "complex": 21}  # calendar days, about the default working-day limits

TITLE_ENDINGS = ["的诉求", "问题", "，请求协调解决", "相关咨询", "", "事宜", "，希望尽快答复"]
SENTENCES = [
    "企业目前生产经营正常，但该问题已持续一段时间，影响了正常的生产进度。",
    "此前已向相关部门反映过，尚未得到明确答复。",
    "企业现有职工一百余人，订单较去年同期增长三成。",
    "希望相关部门能够上门了解情况，帮助企业协调解决。",
    "相关材料已按要求提交，请告知还需补充哪些手续。",
    "该事项关系到企业新项目能否按期投产。",
    "企业愿意配合做好相关工作，恳请给予支持。",
    "据了解同园区其他企业也存在类似情况。",
    "如有政策依据，请一并告知办理流程和时限。",
    "企业负责人表示，这是当前最迫切需要解决的困难。",
]
REGIONS = ["贵州", "清镇", "清镇市", "贵阳", "贵州省", ""]
BRAND_CHARS = ("华鑫泰丰源盛达宏兴隆昌祥瑞金鼎恒通远宇晟博创新誉嘉和顺安康福成信德利永佳益联合众诚"
               "星辰云海川峰岭黔筑红枫湖卫站新磊森林茂春秋明阳光彩虹飞腾跃翔凯旋威远腾龙凤麒麟")
TRADES = ["材料", "食品", "建材", "物流", "科技", "化工", "铝业", "能源", "医药", "农业", "机械", "电子",
          "商贸", "建筑工程", "矿业", "酒业", "茶业", "服装", "印务", "环保", "餐饮管理", "旅游开发", "汽车服务",
          "信息技术", "生物科技", "新能源", "装饰工程", "混凝土", "包装", "家具"]
SUFFIXES = ["有限公司"] * 6 + ["有限责任公司"] * 2 + ["股份有限公司", "合作社", "商行", "经营部"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰"
INDUSTRIES = "ABCDEFGHIJKLMNOPQRS"
SIZES = ["micro"] * 6 + ["small"] * 3 + ["medium", "large"]
OWNERSHIPS = ["private"] * 8 + ["individual", "state", "foreign", "hmt"]


class Weighted:
    """Fast repeated weighted choice (bisect on cumulative weights)."""

    def __init__(self, weights: dict, rng: random.Random):
        self.items = list(weights)
        self.cum, total = [], 0.0
        for item in self.items:
            total += weights[item]
            self.cum.append(total)
        self.total, self.rng = total, rng

    def __call__(self):
        return self.items[bisect.bisect(self.cum, self.rng.random() * self.total)]


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


# ---- directory -----------------------------------------------------------------------------------------------

def seed_directory(enterprise_count: int, rng: random.Random, now: dt.datetime) -> dict:
    from django.db import connection

    from lianxi.directory.models import Category, Channel, Department

    departments = {}
    order = 0
    for kind, rows in (("bureau", BUREAUS), ("town", TOWNS), ("park", PARKS)):
        for code, name in rows:
            order += 1
            departments[code] = Department.objects.create(code=code, name=name, kind=kind, sort_order=order,
                                                          remit=f"{name}职责范围内的涉企事项")
    categories = {}
    for category in Category.objects.all():
        category.default_department = departments[CATEGORY_ROUTES[category.code][0]]
        category.save()
        categories[category.code] = category.pk
    channels = dict(Channel.objects.values_list("code", "pk"))
    towns = [d.pk for code, d in departments.items() if d.kind in ("town", "park")]

    def enterprises():
        for i in range(enterprise_count):
            brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
            name = f"{rng.choice(REGIONS)}{brand}{rng.choice(TRADES)}{rng.choice(SUFFIXES)}"
            person = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            contact = rng.choice(SURNAMES) + rng.choice(GIVEN)
            yield (name, f"91520181MA{i:07d}X", person, contact, f"138{i:08d}", rng.choice(INDUSTRIES),
                   rng.choice(SIZES), rng.choice(OWNERSHIPS), rng.choice(towns), f"清镇市{brand}路{i % 300 + 1}号",
                   now, now)

    with connection.cursor() as cursor:
        copy_rows(cursor.cursor, "directory_enterprise",
                  ["name", "uscc", "legal_representative", "contact_person", "contact_phone", "industry", "size",
                   "ownership", "town_id", "address", "created_at", "updated_at"], enterprises())
        cursor.execute("SELECT min(id), max(id) FROM directory_enterprise")
        first, last = cursor.fetchone()
    return {"departments": departments, "categories": categories, "channels": channels,
            "enterprise_ids": (first, last)}


# ---- appeals -------------------------------------------------------------------------------------------------

APPEAL_COLUMNS = [
    "id", "number", "state", "enterprise_id", "title", "content", "channel_id", "category_id", "kind", "urgency",
    "created_by_id", "created_at", "updated_at", "lead_department_id", "instructions", "dispatched_at",
    "accept_due_at", "due_at", "original_due_at", "accepted_at", "return_count", "extension_due_at",
    "extension_reason", "replied_at", "outcome", "result", "reply", "followed_up_at", "rating", "solved",
    "reopen_count", "closed_at", "suspend_reason", "review_date", "reject_reason", "merged_into_id",
]

OPEN_MIX = {  # state of an open appeal, by age
    "fresh": {"registered": 30, "dispatched": 30, "handling": 35, "replied": 5},
    "recent": {"registered": 5, "dispatched": 10, "handling": 55, "replied": 20, "followed_up": 10},
    "old": {"suspended": 45, "handling": 15, "replied": 15, "followed_up": 10, "registered": 5, "dispatched": 10},
}
FINAL_MIX = {"closed": 955, "rejected": 30, "merged": 15}
# How far along the loop each state is (which timestamps it has).
STEPS = {"registered": 0, "rejected": 0, "merged": 0, "dispatched": 1, "handling": 2, "suspended": 2,
         "replied": 3, "followed_up": 4, "closed": 5}


def open_probability(age_days: float) -> float:
    if age_days < 3:
        return 0.95
    if age_days < 14:
        return 0.7
    if age_days < 45:
        return 0.35
    if age_days < 120:
        return 0.12
    return 0.08


def generate_appeals(n: int, directory: dict, users: dict, rng: random.Random, now: dt.datetime, stats: Counter,
                     co_rows: list):
    """Yield appeal rows in id (= time) order; append (appeal_id, department_id) co-handling rows."""
    now_ts = now.timestamp()
    start_ts = now_ts - 3 * 365 * DAY
    first_ent, last_ent = directory["enterprise_ids"]
    ent_span = last_ent - first_ent + 1
    cats = directory["categories"]
    deps = directory["departments"]
    dep_ids = [d.pk for d in deps.values()]
    # Non-default routing: busy bureaus and the towns get more than the rest.
    route_weights = {d.pk: (6 if d.kind == "bureau" and i < 12 else 3 if d.kind != "bureau" else 1)
                     for i, d in enumerate(deps.values())}
    pick_route = Weighted(route_weights, rng)
    pick_cat = Weighted(CATEGORY_WEIGHTS, rng)
    pick_channel = Weighted(CHANNEL_WEIGHTS, rng)
    pick_kind = Weighted(KIND_WEIGHTS, rng)
    pick_urgency = Weighted(URGENCY_WEIGHTS, rng)
    pick_open = {age: Weighted(mix, rng) for age, mix in OPEN_MIX.items()}
    pick_final = Weighted(FINAL_MIX, rng)
    clerks = users["clerks"]
    rnd = rng.random

    # Registration moments: working hours mostly, sorted so that ids follow time.
    moments = []
    for _ in range(n):
        day = int(rnd() * 1095)
        second = (8.5 + rnd() * 9.5) * HOUR if rnd() < 0.92 else rnd() * DAY
        moments.append(start_ts + day * DAY + second)
    moments.sort()
    moments = [min(m, now_ts - 60) for m in moments]

    day_seq: Counter = Counter()
    day_names: dict[int, str] = {}
    ts = dt.datetime.fromtimestamp

    def when(x):
        return ts(x, dt.timezone.utc) if x is not None else None

    for i, created in enumerate(moments):
        pk = i + 1
        local_day = int((created + 8 * HOUR) // DAY)
        day_seq[local_day] += 1
        if local_day not in day_names:
            day_names[local_day] = ts(local_day * DAY, dt.timezone.utc).strftime("%Y%m%d")
        number = f"LX{day_names[local_day]}-{day_seq[local_day]:04d}"

        age = (now_ts - created) / DAY
        if rnd() < open_probability(age):
            state = pick_open["fresh" if age < 3 else "recent" if age < 45 else "old"]()
        else:
            state = pick_final()
        if state == "merged" and pk < 50:
            state = "closed"
        stats[state] += 1

        cat_code = pick_cat()
        default_dep, topics = CATEGORY_ROUTES[cat_code]
        urgency = pick_urgency()
        # Skewed: low offsets are the busy enterprises (the first one has several hundred appeals).
        enterprise = first_ent + int(ent_span * rnd() ** 1.6)
        title = f"{rng.choice(topics)}{rng.choice(TITLE_ENDINGS)}"
        content = "".join(rng.sample(SENTENCES, 3)) + f"（{title}）"

        steps = STEPS[state]
        # The path's moments: dispatch, accept, reply, follow-up, close; squeezed into the appeal's age.
        gaps = [rnd() * 1.5 * DAY + 0.5 * HOUR, rnd() * 0.8 * DAY + 0.2 * HOUR,
                rnd() * REPLY_DAYS[urgency] * 0.9 * DAY + HOUR, rnd() * 3 * DAY + HOUR, rnd() * 2 * DAY + HOUR]
        span = sum(gaps[:steps]) if steps else 0
        room = (now_ts - created) * (0.98 if state in ("closed", "followed_up", "replied") else 0.6)
        if state in ("handling", "dispatched") and age >= 45:
            room = min(room, 30 * DAY)  # long-open ones: dispatched early, now far past the deadline
        scale = min(1.0, room / span) if span else 1.0
        marks, t = [], created
        for g in gaps[:steps]:
            t += g * scale
            marks.append(t)
        dispatched = marks[0] if steps >= 1 else None
        accepted = marks[1] if steps >= 2 else None
        replied = marks[2] if steps >= 3 else None
        followed = marks[3] if steps >= 4 else None
        closed = marks[4] if steps >= 5 else None
        updated = marks[-1] if marks else created

        lead = due = accept_due = None
        instructions = ""
        if dispatched is not None:
            lead = deps[default_dep].pk if rnd() < 0.6 else pick_route()
            due = dispatched + REPLY_DAYS[urgency] * DAY
            if state in ("dispatched", "handling") and age < 45 and rnd() < 0.75:
                due = max(due, now_ts + rnd() * REPLY_DAYS[urgency] * DAY)  # most running clocks still run
            accept_due = dispatched + DAY
            instructions = "请按时限办理并及时答复企业。"
            if rnd() < 0.08:
                others = rng.sample(dep_ids, 3)
                for dep in [d for d in others if d != lead][: 1 + (rnd() < 0.3)]:
                    co_rows.append((pk, dep))
        outcome = result = reply = ""
        rating = solved = None
        if replied is not None:
            outcome = "solved" if rnd() < 0.8 else "partly_solved" if rnd() < 0.5 else "explained"
            result = "经核实，已协调相关单位办理完毕，并告知企业办理结果。"
            reply = result
        if followed is not None:
            rating = 5 if rnd() < 0.7 else 4 if rnd() < 0.7 else 3 if rnd() < 0.6 else 2
            solved = outcome != "explained"
        extension_due = None
        extension_reason = suspend_reason = reject_reason = ""
        review_date = merged_into = None
        if state == "handling" and rnd() < 0.03 and due > now_ts:
            extension_due, extension_reason = due + 5 * DAY, "涉及多部门会商，需延长办理时限。"
        if state == "suspended":
            suspend_reason = "受政策或客观条件限制，暂时无法解决，列入挂账管理。"
            review_date = (now + dt.timedelta(days=int(rnd() * 60) - 20)).date()
            updated = (accepted or created) + 7 * DAY * rnd()
        elif state == "rejected":
            reject_reason = "不属于企业诉求受理范围，已告知企业通过其他途径反映。"
            updated = created + rnd() * DAY
        elif state == "merged":
            merged_into = max(1, pk - 1 - int(rnd() * 500))
            updated = created + rnd() * DAY
        updated = min(updated, now_ts - 1)

        yield (pk, number, state, enterprise, title, content, directory["channels"][pick_channel()],
               cats[cat_code], pick_kind(), urgency, clerks[pk % len(clerks)], when(created), when(updated),
               lead, instructions, when(dispatched), when(accept_due), when(due), when(due), when(accepted),
               1 if (dispatched and rnd() < 0.03) else 0, when(extension_due), extension_reason, when(replied),
               outcome, result, reply, when(followed), rating, solved, 0, when(closed), suspend_reason, review_date,
               reject_reason, merged_into)
    stats["_days"] = len(day_seq)
    users["day_seq"] = {dt.date.fromtimestamp(d * DAY + 12 * HOUR): c for d, c in day_seq.items()}


EVENTS_SQL = """
INSERT INTO appeals_appealevent (appeal_id, action, actor_id, actor_name, actor_roles, actor_department,
                                 from_state, to_state, at, data)
SELECT a.id, e.action, e.actor_id, e.actor_name, e.actor_roles, e.actor_department, e.from_state, e.to_state,
       e.at, e.data
FROM appeals_appeal a
LEFT JOIN directory_department d ON d.id = a.lead_department_id
CROSS JOIN LATERAL (VALUES
  (1, 'register', a.created_by_id, '受理员', 'clerk', '', '', 'registered', a.created_at,
   jsonb_build_object('kind', a.kind, 'urgency', a.urgency, 'attachments', '[]'::jsonb)),
  (2, 'reject', %(dispatcher)s, '派单员', 'dispatcher', '', 'registered', 'rejected',
   CASE WHEN a.state = 'rejected' THEN a.updated_at END, jsonb_build_object('reason', a.reject_reason)),
  (3, 'merge', %(dispatcher)s, '派单员', 'dispatcher', '', 'registered', 'merged',
   CASE WHEN a.state = 'merged' THEN a.updated_at END, jsonb_build_object('into', a.merged_into_id)),
  (4, 'dispatch', %(dispatcher)s, '派单员', 'dispatcher', '', 'registered', 'dispatched', a.dispatched_at,
   jsonb_build_object('lead_department', a.lead_department_id, 'lead_department_name', d.name,
                      'due_at', a.due_at, 'instructions', a.instructions)),
  (5, 'accept', NULL::bigint, '承办人', 'handler', coalesce(d.name, ''), 'dispatched', 'handling', a.accepted_at,
   jsonb_build_object('on_time', a.accepted_at <= a.accept_due_at)),
  (6, 'suspend', %(supervisor)s, '督办员', 'supervisor', '', 'handling', 'suspended',
   CASE WHEN a.state = 'suspended' THEN a.updated_at END, jsonb_build_object('reason', a.suspend_reason)),
  (7, 'reply', NULL::bigint, '承办人', 'handler', coalesce(d.name, ''), 'handling', 'replied', a.replied_at,
   jsonb_build_object('outcome', a.outcome, 'result', a.result, 'reply', a.reply,
                      'on_time', a.replied_at <= a.due_at)),
  (8, 'follow-up', a.created_by_id, '受理员', 'clerk', '', 'replied', 'followed_up', a.followed_up_at,
   jsonb_build_object('rating', a.rating, 'solved', a.solved, 'comment', '')),
  (9, 'close', %(supervisor)s, '督办员', 'supervisor', '', 'followed_up', 'closed', a.closed_at, '{}'::jsonb)
) AS e(ord, action, actor_id, actor_name, actor_roles, actor_department, from_state, to_state, at, data)
WHERE a.id BETWEEN %(lo)s AND %(hi)s AND e.at IS NOT NULL
ORDER BY a.id, e.ord
"""


BULK_TABLES = ["appeals_appeal", "appeals_appealevent", "appeals_appeal_co_departments", "directory_enterprise"]


def drop_secondary_indexes(cursor) -> list[str]:
    """Drop the bulk-loaded tables' indexes that back no constraint; return their definitions.

    Building an index once after the load is several times faster than maintaining it row by row (the GIN
    search indexes especially). Primary keys and unique constraints stay."""
    cursor.execute("""
        SELECT quote_ident(ic.relname), pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    """, [BULK_TABLES])
    found = cursor.fetchall()
    for name, _ in found:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _, definition in found]


def make_users(directory: dict, password_hash: str) -> dict:
    from lianxi.accounts.models import User, UserRole

    def user(username, name, roles, **kw):
        u = User.objects.create(username=username, name=name, password=password_hash, **kw)
        UserRole.objects.bulk_create(UserRole(user=u, role=r) for r in roles)
        return u

    deps = directory["departments"]
    clerks = [user(f"bench_clerk{i:02d}" if i else "bench_clerk", f"受理员{i}", ["clerk"]) for i in range(8)]
    return {
        "clerks": [c.pk for c in clerks],
        "dispatcher": user("bench_dispatcher", "派单员", ["dispatcher"]).pk,
        "supervisor": user("bench_supervisor", "督办员", ["supervisor"]).pk,
        "leader": user("bench_leader", "市领导", ["leader"]).pk,
        "user": user,
        "deps": deps,
    }


def make_scoped_users(users: dict) -> dict:
    """Handlers and enterprise users for the busiest and for a typical department / enterprise."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT lead_department_id, count(*) FROM appeals_appeal WHERE lead_department_id IS NOT NULL "
                  "GROUP BY 1 ORDER BY 2 DESC")
        leads = c.fetchall()
        c.execute("SELECT enterprise_id, count(*) FROM appeals_appeal GROUP BY 1 ORDER BY 2 DESC")
        ents = c.fetchall()
    busiest_dep, small_dep = leads[0][0], leads[-1][0]
    busiest_ent, typical_ent = ents[0][0], ents[len(ents) // 2][0]
    make = users["user"]
    make("bench_handler", "承办人（最忙部门）", ["handler"], department_id=busiest_dep)
    make("bench_handler_small", "承办人（小部门）", ["handler"], department_id=small_dep)
    make("bench_enterprise", "企业联系人（诉求最多）", ["enterprise"], enterprise_id=busiest_ent)
    make("bench_enterprise_typical", "企业联系人（一般）", ["enterprise"], enterprise_id=typical_ent)
    return {"handler": (busiest_dep, leads[0][1]), "handler_small": (small_dep, leads[-1][1]),
            "enterprise": (busiest_ent, ents[0][1]), "enterprise_typical": (typical_ent, ents[len(ents) // 2][1])}


def holds_appeals(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM appeals_appeal)").fetchone()[0])
    except psycopg.Error:  # no such database, or not migrated
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=73_900)
    parser.add_argument("--events", choices=["all", "none"], default="all",
                        help="write each appeal's path of events (default) or none")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--reset", action="store_true",
                        help="rebuild the bench database even if it holds appeals (it is always rebuilt otherwise)")
    args = parser.parse_args()

    url = bench_url(PAGES_DB)
    t0 = time.perf_counter()

    def step(message):
        print(f"[{time.perf_counter() - t0:7.1f} s] {message}", flush=True)

    if holds_appeals(url) and not args.reset:
        sys.exit(f"{db_name(url)} already holds appeals; run with --reset to rebuild it")
    drop_database(url)  # always start from an empty database (a failed earlier run leaves nothing behind)
    ensure_database(url)
    setup_django(url)
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from lianxi.appeals.models import AppealNumberSequence

    migrate()
    step(f"migrated {db_name(url)}")

    rng = random.Random(args.seed)
    now = timezone.now()
    with connection.cursor() as c:
        index_definitions = drop_secondary_indexes(c)
    with transaction.atomic():
        with connection.cursor() as c:
            c.execute("SET LOCAL session_replication_role = replica")
        directory = seed_directory(args.enterprises, rng, now)
        users = make_users(directory, make_password(PASSWORD))
    step(f"directory: {len(directory['departments'])} departments, {args.enterprises} enterprises")

    stats: Counter = Counter()
    co_rows: list = []
    with transaction.atomic():
        with connection.cursor() as c:
            c.execute("SET LOCAL session_replication_role = replica")
            n = copy_rows(c.cursor, "appeals_appeal", APPEAL_COLUMNS,
                          generate_appeals(args.appeals, directory, users, rng, now, stats, co_rows))
            step(f"appeals: {n} copied")
            copy_rows(c.cursor, "appeals_appeal_co_departments", ["appeal_id", "department_id"], co_rows)
            step(f"co-departments: {len(co_rows)} rows")
    AppealNumberSequence.objects.bulk_create(
        AppealNumberSequence(day=day, last=last) for day, last in users.pop("day_seq").items())

    events = 0
    if args.events == "all":
        chunk = 100_000
        for lo in range(1, args.appeals + 1, chunk):
            with transaction.atomic(), connection.cursor() as c:
                c.execute("SET LOCAL session_replication_role = replica")
                c.execute("SET LOCAL work_mem = '64MB'")
                c.execute(EVENTS_SQL, {"lo": lo, "hi": lo + chunk - 1, "dispatcher": users["dispatcher"],
                                       "supervisor": users["supervisor"]})
                events += c.rowcount
            step(f"events: {events} (appeals up to {min(lo + chunk - 1, args.appeals)})")

    # The time limits running on the open appeals, exactly as the upgrade migration opens them for existing data.
    import importlib

    from django.apps import apps

    importlib.import_module("lianxi.appeals.migrations.0005_deadlines").open_running_limits(apps, None)
    from lianxi.appeals.models import Deadline

    step(f"deadlines: {Deadline.objects.count()} running limits")

    with connection.cursor() as c:
        c.execute("SET maintenance_work_mem = '256MB'")
        for definition in index_definitions:
            c.execute(definition)
    step(f"{len(index_definitions)} indexes rebuilt")

    # The facts the numbers count (lianxi.stats), as `refresh_stats --all` computes them after an upgrade.
    from lianxi.stats.facts import rebuild

    step(f"stats facts: {rebuild()} appeals")

    scoped = make_scoped_users(users)
    with connection.cursor() as c:
        for table in ("appeals_appeal", "appeals_appealevent", "appeals_appeal_co_departments",
                      "directory_enterprise", "appeals_deadline"):
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"(SELECT coalesce(max(id), 1) FROM {table}))")
    connection.close()
    import psycopg

    with psycopg.connect(url.replace("pgsql://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    step("vacuum analyze done")

    total = sum(v for k, v in stats.items() if not k.startswith("_"))
    open_states = ("registered", "dispatched", "handling", "replied", "followed_up", "suspended")
    print(f"appeals {total} over {stats['_days']} days; open {sum(stats[s] for s in open_states) / total:.1%}; "
          f"events {events}; co-handling rows {len(co_rows)}")
    print("states: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if not k.startswith("_")))
    for role, (pk, count) in scoped.items():
        print(f"bench_{role}: {'department' if 'handler' in role else 'enterprise'} {pk} with {count} appeals")
    print(json.dumps({"database": db_name(url), "seconds": round(time.perf_counter() - t0, 1)}))


if __name__ == "__main__":
    main()
