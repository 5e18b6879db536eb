"""The writers of deputies' opinions and their rectification tasks. Tasks are appeals, registered through
``lianxi.appeals.actions.register`` like any other, and linked to the opinion they answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from lianxi.accounts.models import Role
from lianxi.appeals import actions
from lianxi.appeals.models import Appeal
from lianxi.core.errors import InvalidInput, NotFound, NotPermitted
from lianxi.directory.models import Channel

from .access import may_add_tasks, may_register_opinion
from .models import Opinion


def _require(fields: dict[str, object]) -> None:
    missing = {name: ["此项为必填项"] for name, value in fields.items() if not str(value or "").strip()}
    if missing:
        raise InvalidInput(fields=missing)


def register_opinion(*, acting_user, kind: str, body: str, title: str, content: str, deputy=None, meeting=None,
                     now: dt.datetime | None = None) -> Opinion:
    """A deputy registers their own opinion; a clerk or dispatcher registers one handed in on paper and names
    the deputy."""
    if acting_user is not None and not may_register_opinion(acting_user):
        raise NotPermitted("您无权登记代表建议")
    staff = acting_user is None or acting_user.has_role(Role.CLERK, Role.DISPATCHER)
    if not staff:
        if deputy is not None and deputy.pk != acting_user.pk:
            raise NotPermitted("代表、委员只能登记本人的意见建议")
        deputy = acting_user
    _require({"title": title, "content": content, "deputy": deputy})
    errors = {}
    if not deputy.has_role(Role.DEPUTY):
        errors["deputy"] = [f"“{deputy.display_name}”不是人大代表或政协委员"]
    if kind not in Opinion.Kind.values:
        errors["kind"] = ["类型须为 审议意见、建议 或 提案"]
    if body not in Opinion.Body.values:
        errors["body"] = ["请选择人大或政协"]
    elif kind == Opinion.Kind.PROPOSAL and body != Opinion.Body.CPPCC:
        errors["kind"] = ["提案由政协委员提出；人大代表提出的是建议或审议意见"]
    if meeting is not None and acting_user is not None:
        if not type(meeting).objects.visible_to(acting_user).filter(pk=meeting.pk).exists():
            errors["meeting"] = ["会议不存在或您无权查看"]
    if errors:
        raise InvalidInput(fields=errors)
    return Opinion.objects.create(kind=kind, body=body, deputy=deputy, title=title.strip(), content=content.strip(),
                                  meeting=meeting, created_by=acting_user, created_at=now or timezone.now())


def add_task(opinion: Opinion, *, acting_user, enterprise, title: str, content: str, category, kind: str = "help",
             urgency: str = "general", attachments: Sequence = (), now: dt.datetime | None = None) -> Appeal:
    """整改任务: one appeal the opinion becomes, for the enterprise concerned. It is raised in the opinion's
    inspection when there is one (its channel follows that meeting), else through the body's channel
    (人大视察/代表建议 or 政协园区协商/委员提案)."""
    if acting_user is not None and not Opinion.objects.visible_to(acting_user).filter(pk=opinion.pk).exists():
        raise NotFound("意见建议不存在或您无权查看")
    if acting_user is not None and not may_add_tasks(acting_user, opinion):
        raise NotPermitted("只有提出意见的代表委员本人或受理员、派单员可以登记整改任务")
    channel = None
    if opinion.meeting_id is None:
        channel = Channel.objects.filter(code=opinion.channel_code).first()
        if channel is None:
            raise InvalidInput(fields={"channel": [f"没有“{opinion.channel_code}”渠道，请联系平台管理员"]})
    with transaction.atomic():
        appeal = actions.register(acting_user=acting_user, enterprise=enterprise, title=title, content=content,
                                  category=category, channel=channel, kind=kind or "help",
                                  urgency=urgency or "general", attachments=attachments, meeting=opinion.meeting,
                                  now=now).appeal
        opinion.appeals.add(appeal)
    return appeal
