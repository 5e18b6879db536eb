"""A common problem's story: enterprises 甲, 乙 and 丙 each raise the same power problem; the dispatcher groups
them, 工信局 handles them as one."""

from __future__ import annotations

import pytest

from lianxi.appeals import actions
from lianxi.directory.models import Enterprise
from lianxi.problems import services
from tests.conftest import make_user

USCC_BING = "91520181MA6DM2X4XA"


@pytest.fixture
def bing(db, town):
    return Enterprise.objects.create(name="清镇丙建材有限公司", uscc=USCC_BING, legal_representative="赵丙", town=town)


@pytest.fixture
def user_bing(bing):
    return make_user("user_bing", "enterprise", enterprise=bing, name="丙公司联系人")


@pytest.fixture
def register(clerk, category, now):
    def raise_for(enterprise, title="园区用电增容审批慢"):
        return actions.register(acting_user=clerk, enterprise=enterprise, title=title,
                                content=f"{enterprise.name}：{title}，影响生产", category=category, now=now).appeal

    return raise_for


@pytest.fixture
def appeals(register, jia, yi):
    """甲 and 乙 raise the same problem."""
    return [register(jia), register(yi)]


@pytest.fixture
def problem(dispatcher, appeals, now):
    return services.create_problem(acting_user=dispatcher, title="园区企业用电增容审批慢",
                                   description="多家企业反映用电增容审批周期长", appeals=appeals, now=now)
