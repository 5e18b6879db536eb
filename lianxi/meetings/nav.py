"""The navigation entries of meetings, reception days, pairings and deputies' opinions (lianxi.web.nav adds
them to the bar). The pages check again."""

from __future__ import annotations

from django.urls import reverse

from lianxi.accounts.models import Role
from lianxi.deputies.access import may_register_opinion

from .access import may_manage_pairings, sees_reception_days


def meeting_nav_items(user, item_class) -> list:
    items = [item_class("会议", reverse("meetings:list"))]
    if sees_reception_days(user):
        items.append(item_class("接待日", reverse("meetings:reception")))
    if user.has_role(Role.LEADER):
        items.append(item_class("我的结对企业", reverse("meetings:my_pairings")))
    elif may_manage_pairings(user):
        items.append(item_class("结对子", reverse("meetings:pairings")))
    if may_register_opinion(user) or user.has_role(Role.LEADER):
        items.append(item_class("代表建议", reverse("deputies:list")))
    return items
