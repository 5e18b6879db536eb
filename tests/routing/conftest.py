"""智能派单 stories: five units with remits (工信局, 人社局, 税务局, 生态环境分局, 卫城镇) and a small generated
history of appeals dispatched to them, some first sent to the wrong unit and returned."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from lianxi.appeals import actions
from lianxi.directory.models import Department
from lianxi.routing import suggest, training
from tests.conftest import make_user

# What enterprises write about each unit's matters.
TOPICS = {
    "gxj": ["工业技术改造补贴", "专精特新企业认定", "首次升规奖励资金", "拖欠中小企业账款", "工业技改项目申报"],
    "rsj": ["招聘普工和技术工人", "职工社保关系转移", "失业保险稳岗返还", "职业技能培训补贴", "劳动争议调解"],
    "swj": ["增值税留抵退税", "发票领用和开具", "出口退税办理", "纳税申报和缴费", "减税降费政策落实"],
    "sthj": ["建设项目环评审批", "排污许可证办理", "环保督察问题整改", "废水排放标准", "危险废物处置"],
    "wcz": ["征地补偿款兑付", "村民阻工扰企", "厂区门前道路修复", "土地流转协调", "施工现场属地协调"],
}
REMITS = {
    "gxj": "负责工业经济运行；工业技术改造、专精特新、首次升规等惠企政策申报和兑现；清理拖欠中小企业账款。",
    "rsj": "负责就业创业和企业用工招聘服务、职业技能培训补贴、失业保险稳岗返还、社会保险和劳动争议仲裁。",
    "swj": "负责税费征收管理，落实减税降费和增值税留抵退税政策，办理出口退税、发票管理和纳税缴费服务。",
    "sthj": "负责建设项目环评审批、排污许可、生态环境执法和环保督察反馈问题整改。",
    "wcz": "负责辖区企业服务和属地协调，配合处置征地拆迁、阻工扰企、道路和环境等属地问题。",
}
OPENINGS = ["我公司", "本企业", "公司", "我们"]
ASKS = ["请协助协调解决。", "希望尽快办理。", "请给予指导。", "恳请帮助。"]


def appeal_text(code: str, rng: random.Random) -> tuple[str, str]:
    main, other = rng.sample(TOPICS[code], 2)
    title = rng.choice(["关于{p}的问题", "申请{p}", "{p}进度咨询", "反映{p}"]).format(p=main)
    content = (f"{rng.choice(OPENINGS)}成立于{rng.randint(2010, 2024)}年，有员工{rng.randint(20, 300)}人。"
               f"目前在{main}方面遇到困难，{other}也需要协调，{rng.choice(ASKS)}")
    return title, content


@pytest.fixture(autouse=True)
def fresh_router():
    """Each test starts with no suggester and no retrain check in this process."""
    suggest.forget()
    training._checked.update(at=-1e18, attempted_at_event=None)
    yield
    suggest.forget()


@pytest.fixture
def units(gxj, rsj, town):
    """The five units by code, with their remits."""
    swj = Department.objects.create(code="swj", name="市税务局", kind="bureau")
    sthj = Department.objects.create(code="sthj", name="贵阳市生态环境局清镇分局", kind="bureau")
    found = {"gxj": gxj, "rsj": rsj, "swj": swj, "sthj": sthj, "wcz": town}
    for code, unit in found.items():
        unit.remit = REMITS[code]
        unit.save()
    return found


@pytest.fixture
def handlers(units):
    return {code: make_user(f"routing_handler_{code}", "handler", department=unit)
            for code, unit in units.items()}


@pytest.fixture
def history(units, handlers, clerk, dispatcher, jia, category, channel, now):
    """A small generated history: 12 appeals per unit dispatched to it and kept, registered a day apart; every
    sixth one was first sent to the next unit, which returned it. Returns {"appeals", "returns"}."""
    rng = random.Random(7)
    codes = list(units)
    at = now - dt.timedelta(days=400)
    appeals, returns = [], []
    for i in range(12 * len(codes)):
        code = codes[i % len(codes)]
        title, content = appeal_text(code, rng)
        at += dt.timedelta(days=1)
        appeal = actions.register(acting_user=clerk, enterprise=jia, title=title, content=content,
                                  category=category, channel=channel, now=at).appeal
        if i % 6 == 0:
            wrong = codes[(i + 1) % len(codes)]
            actions.dispatch(appeal, acting_user=dispatcher, lead_department=units[wrong],
                             now=at + dt.timedelta(minutes=5))
            actions.return_appeal(appeal, acting_user=handlers[wrong], reason="不属于本单位职责",
                                  now=at + dt.timedelta(minutes=30))
            returns.append((appeal, wrong))
        actions.dispatch(appeal, acting_user=dispatcher, lead_department=units[code], now=at + dt.timedelta(hours=1))
        appeals.append((appeal, code))
    return {"appeals": appeals, "returns": returns}
