"""Permission-aware reads of appeals: every list, detail, inbox and export starts here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from lianxi.accounts.models import DEPARTMENT_ROLES, Role
from lianxi.core.errors import NotFound
from lianxi.supervision.models import Supervision

from . import workflow
from .deadlines import prefetch_running
from .filters import AppealFilter, overdue_q, warning_q
from .models import Appeal, AppealEvent
from .workflow import State

LIST_RELATED = ("enterprise", "channel", "category", "lead_department")
# Returned twice and not yet arbitrated (Appeal.awaiting_arbitration as a condition).
AWAITING_ARBITRATION = Q(state=State.REGISTERED, return_count__gte=2, arbitrated_at__isnull=True)


def appeals_for(user) -> QuerySet:
    return Appeal.objects.visible_to(user)


def appeal_list(user, params=None) -> tuple[QuerySet, AppealFilter]:
    """The visible appeals filtered by ``params`` (a QueryDict or dict), newest first."""
    filterset = AppealFilter(params or None, queryset=appeals_for(user).select_related(*LIST_RELATED)
                             .prefetch_related(prefetch_running()))
    # An unbound filterset (no params) is not "valid", but it means "no filter", not "nothing".
    if not filterset.is_bound:
        qs = filterset.queryset
    else:
        qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return qs.order_by("-created_at", "-id"), filterset


def appeal_detail(user, pk) -> Appeal:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("诉求不存在或您无权查看")
    appeal = (appeals_for(user).select_related(*LIST_RELATED, "created_by", "merged_into")
              .prefetch_related("co_departments", "attachments", prefetch_running()).filter(pk=pk).first())
    if appeal is None:
        raise NotFound("诉求不存在或您无权查看")
    return appeal


def appeal_events(appeal: Appeal) -> QuerySet:
    return AppealEvent.objects.filter(appeal=appeal).order_by("at", "id")


def available_actions(user, appeal: Appeal, now: dt.datetime | None = None) -> list[workflow.Availability]:
    return workflow.available(user, appeal, now or timezone.now())


@dataclass
class InboxSection:
    key: str
    title: str
    queryset: QuerySet
    list_query: str  # the appeal-list query string that shows the whole section

    @property
    def count(self) -> int:
        return self.queryset.count()

    def first(self, n: int = 8) -> list[Appeal]:
        return list(self.queryset.select_related(*LIST_RELATED).prefetch_related(prefetch_running())
                    .order_by("due_at", "-created_at")[:n])


def inbox(user, now: dt.datetime | None = None) -> list[InboxSection]:
    """我的待办: what waits for this user now, one section per kind of work their roles give them."""
    if user is None or not user.is_authenticated:  # AnonymousUser has no roles to ask about
        return []
    now = now or timezone.now()
    visible = appeals_for(user)
    sections: list[InboxSection] = []

    def add(key, title, qs, query):
        sections.append(InboxSection(key, title, qs, query))

    if user.has_role(Role.DISPATCHER):
        add("to_dispatch", "待交办", visible.filter(state=State.REGISTERED, return_count=0), "state=registered")
        add("returned", "被退回待重新交办", visible.filter(state=State.REGISTERED, return_count=1),
            "state=registered")
    if user.has_role(Role.SUPERVISOR):
        add("to_arbitrate", "两次退回待仲裁", visible.filter(AWAITING_ARBITRATION), "state=registered")
    if user.has_role(*DEPARTMENT_ROLES) and user.department_id:
        add("to_answer", "待答复督办单", visible.filter(pk__in=Supervision.objects.filter(
            department_id=user.department_id, answered_at__isnull=True, answer_due_at__isnull=False)
            .values("appeal_id")), "")
    if user.has_role(Role.HANDLER) and user.department_id:
        mine = visible.filter(lead_department_id=user.department_id)
        add("to_accept", "待签收", mine.filter(state=State.DISPATCHED), "state=dispatched")
        add("handling", "办理中", mine.filter(state=State.HANDLING), "state=handling")
        add("co_handling", "协办中", visible.filter(state=State.HANDLING, co_departments=user.department_id)
            .exclude(lead_department_id=user.department_id), "state=handling")
    if user.has_role(*DEPARTMENT_ROLES, Role.SUPERVISOR, Role.DISPATCHER):
        add("warning", "临期预警", visible.filter(warning_q(now)), "deadline=warning")
        add("overdue", "已超期", visible.filter(overdue_q(now)), "deadline=overdue")
    if user.has_role(Role.CLERK):
        add("to_follow_up", "待回访", visible.filter(state=State.REPLIED), "state=replied")
    if user.has_role(Role.SUPERVISOR):
        add("extensions", "待审批延期", visible.filter(state=State.HANDLING, extension_due_at__isnull=False),
            "state=handling")
        add("to_close", "待销号", visible.filter(state=State.FOLLOWED_UP), "state=followed_up")
        add("suspended_review", "挂账到期复查",
            visible.filter(state=State.SUSPENDED, review_date__lte=timezone.localdate(now)), "state=suspended")
    if user.has_role(Role.ENTERPRISE, Role.DEPUTY):
        add("to_rate", "待我评价", visible.filter(state=State.REPLIED), "state=replied")
        add("my_open", "办理中的诉求", visible.filter(state__in=workflow.OPEN_STATES)
            .exclude(state=State.REPLIED), "")
    if user.has_role(Role.LEADER) and not sections:
        add("overdue", "已超期", visible.filter(overdue_q(now)), "deadline=overdue")
        add("open", "在办诉求", visible.filter(state__in=workflow.OPEN_STATES), "")
    return sections

