"""Texts and helpers for the similar-appeal stories.

TECH_SUBSIDY is 甲's 技改补贴 appeal; TECH_SUBSIDY_TRADITIONAL says the same thing reworded, in traditional
characters with full-width digits (as typed on a Hong Kong or Taiwan input method). DRAINAGE_* are one common
problem (the park's sewer) in the words of different enterprises; UNRELATED shares nothing with either.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.similar.text import forget_places

TECH_SUBSIDY = ("申请兑现工业技术改造补贴",
                ("我公司2025年实施铝材生产线技术改造，完成设备投资300万元，已按要求提交技改补贴申报材料并通过初审，"
                 "至今未兑现，请协助了解审核进度和拨付时间。"))
TECH_SUBSIDY_TRADITIONAL = ("工業技術改造補貼申請兌現",
                            ("本公司２０２５年實施鋁材生產線技術改造，設備投資３００萬元已完成，技改補貼申報材料已通過初審，"
                             "但補貼至今未兌現，請協助了解審核進度與撥付時間。"))
UNRELATED = ("食堂油烟扰民", "隔壁餐馆的排烟管道正对职工宿舍窗户，夜间油烟和噪声很大，职工休息受到干扰。")

DRAINAGE = [
    ("园区污水管网堵塞，厂区污水排不出去",
     "近期园区污水管网堵塞，厂区生产废水和生活污水排不出去，雨天污水外溢到厂区道路，请尽快疏通园区污水管网。"),
    ("园区污水管网堵塞导致污水外溢",
     "园区污水管网堵塞已有半个月，厂区污水排不出去，雨天污水外溢到厂区道路，希望尽快疏通园区污水管网。"),
    ("厂区污水排不出去，园区污水管网堵塞",
     "园区污水管网长期堵塞，厂区生产废水排不出去，雨天污水外溢，请管委会尽快疏通园区污水管网。"),
    ("请疏通园区污水管网",
     "园区污水管网堵塞，我厂生产废水和生活污水排不出去，雨天污水外溢到厂区道路，请尽快疏通园区污水管网。"),
    ("园区污水管网堵塞问题",
     "园区污水管网堵塞，厂区生活污水排不出去，雨天污水外溢到厂区道路，恳请尽快疏通园区污水管网。"),
]
POWER = [
    ("新厂房用电报装进度缓慢",
     "新建厂房需新增一台800千伏安变压器，用电报装申请已提交两个月，供电方案迟迟未批复，影响设备调试投产。"),
    ("厂房用电报装迟迟未批复",
     "新建厂房用电报装申请提交两个月，需新增变压器，供电方案迟迟未批复，设备无法调试投产。"),
    ("用电报装供电方案未批复",
     "新厂房用电报装已申请两个月，新增变压器的供电方案迟迟未批复，影响设备调试和投产。"),
    ("新厂房变压器用电报装",
     "厂房新增变压器的用电报装申请已提交两个月，供电方案迟迟没有批复，设备调试投产受影响。"),
    ("申请加快用电报装",
     "新建厂房用电报装申请提交已两个月，新增变压器供电方案迟迟未批复，影响设备调试投产，请加快办理。"),
    ("用电报装两个月未批复",
     "新厂房新增变压器用电报装提交两个月了，供电方案迟迟未批复，设备调试投产推迟。"),
]
HIRING = [
    ("技术工人招聘困难",
     "公司新生产线投产，需招聘数控操作工和电工约30名，网络招聘效果不好，希望纳入政府组织的专场招聘会。"),
    ("数控操作工招聘难",
     "新生产线投产需招聘数控操作工和电工约30名，网络招聘效果不好，希望参加政府组织的专场招聘会。"),
    ("请求纳入专场招聘会",
     "新生产线需招聘数控操作工、电工约30名，通过网络招聘效果不好，请纳入政府组织的专场招聘会。"),
    ("招聘数控操作工和电工",
     "公司新生产线需要招聘数控操作工和电工30名，网络招聘效果不好，希望纳入专场招聘会。"),
]


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, 0))


@pytest.fixture(autouse=True)
def _fresh_places():
    """Each test has its own directory: forget the town names an earlier test's directory cached."""
    forget_places()
    yield
    forget_places()


@pytest.fixture
def register(clerk, category, channel):
    """register(enterprise, (title, content), when=None, by=clerk) → the appeal, registered through the action."""

    def do(enterprise, text, when=None, by=None):
        title, content = text
        return actions.register(acting_user=by or clerk, enterprise=enterprise, title=title, content=content,
                                category=category, channel=channel, now=when).appeal

    return do
