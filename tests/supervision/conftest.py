"""The story of the supervision tests: 甲's appeal in the hands of 工信局, 乙's dispatched to 人社局."""

import pytest

from lianxi.appeals import actions


@pytest.fixture
def appeal(clerk, dispatcher, handler_gxj, jia, category, channel, gxj):
    """甲's appeal, in the hands of 工信局."""
    registered = actions.register(acting_user=clerk, enterprise=jia, title="申请技改补贴兑现", content="去年的技改补贴尚未兑现",
                                  category=category, channel=channel).appeal
    return actions.accept(actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj),
                          acting_user=handler_gxj)


@pytest.fixture
def appeal_rsj(clerk, dispatcher, yi, category, channel, rsj):
    """乙's appeal, dispatched to 人社局."""
    registered = actions.register(acting_user=clerk, enterprise=yi, title="招工难", content="需招聘技术工人50名",
                                  category=category, channel=channel).appeal
    return actions.dispatch(registered, acting_user=dispatcher, lead_department=rsj)


def issue(appeal, supervisor, **extra):
    """A supervisor's 督办单 on the appeal (the order, not the appeal)."""
    kwargs = {"level": "supervise", "text": "请于两个工作日内办结并书面答复", **extra}
    return actions.supervise(appeal, acting_user=supervisor, **kwargs)._last_supervision


def propose(appeal, department):
    """A 问责 record the supervision pass put on the list (待认定): the department never answered an order."""
    from django.utils import timezone

    from lianxi.supervision import services

    return services.propose_accountabilities(
        [(department, appeal, "unanswered", "督办单逾期未答复", None)], timezone.now())[0]
