"""The navigation bar: which pages a user's roles open to them. The pages themselves check again."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from lianxi.accounts.access import may_configure, may_edit_enterprises, sees_everything
from lianxi.accounts.models import DEPARTMENT_ROLES, Role
from lianxi.appeals.workflow import may_register
from lianxi.economy.access import may_read_economy
from lianxi.notifications.services import unread_count


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    badge: int = 0  # a count shown beside the label (unread messages)


def is_enterprise_only(user) -> bool:
    """An enterprise user with no staff role: their pages are "my enterprise", not the directory."""
    return user.has_role(Role.ENTERPRISE) and not (sees_everything(user) or user.has_role(*DEPARTMENT_ROLES, Role.DEPUTY))


def sees_directory(user) -> bool:
    return sees_everything(user) or user.has_role(*DEPARTMENT_ROLES, Role.DEPUTY)



def reads_numbers(user) -> bool:
    """Whoever lianxi.stats.selectors.department_scope admits (citywide staff, a department's own staff)."""
    from lianxi.core.errors import NotPermitted
    from lianxi.stats.selectors import department_scope

    try:
        department_scope(user)
    except NotPermitted:
        return False
    return True


def nav_items(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    items = [NavItem("我的待办", reverse("web:home"))]
    items.append(NavItem("我的诉求" if is_enterprise_only(user) else "诉求列表", reverse("web:appeal_list")))
    if may_register(user):
        items.append(NavItem("登记诉求", reverse("web:appeal_register")))
    if sees_directory(user):
        items.append(NavItem("企业档案", reverse("web:enterprise_list")))
    elif user.enterprise_id:
        items.append(NavItem("本企业", reverse("web:enterprise_detail", args=[user.enterprise_id])))
    if user.has_role(Role.SUPERVISOR, Role.LEADER) or (user.has_role(*DEPARTMENT_ROLES) and user.department_id):
        items.append(NavItem("督办", reverse("supervision:order_list")))
    if user.has_role(Role.SUPERVISOR, Role.LEADER, Role.HEAD):
        items.append(NavItem("问责", reverse("supervision:accountability_list")))
    from lianxi.meetings.nav import meeting_nav_items

    items.extend(meeting_nav_items(user, NavItem))  # 会议, 接待日, 结对子, 代表建议
    from lianxi.problems.selectors import leads_or_co_handles_any

    if user.has_role(Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER) or leads_or_co_handles_any(user):
        items.append(NavItem("共性问题", reverse("problems:list")))
    if reads_numbers(user):
        items.append(NavItem("统计分析", reverse("stats:dashboard")))
        items.append(NavItem("热点话题", reverse("similar:hotspots")))
    if may_read_economy(user):
        items.append(NavItem("经济监测", reverse("economy:monitor")))
    if may_edit_enterprises(user):
        items.append(NavItem("企业导入", reverse("directory:enterprise_import")))
    if may_configure(user):
        items.append(NavItem("系统配置", reverse("web:config_list", args=["departments"])))
    items.append(NavItem("消息", reverse("notifications:inbox"), badge=unread_count(user)))  # one indexed count
    return items
