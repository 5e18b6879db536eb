"""The loop's own actions notify through the hook (lianxi.appeals.actions._record calls it): one appeal's story,
from registration to a reopening follow-up, and the outbox delivered exactly once through a flaky mail server."""

from __future__ import annotations

import datetime as dt

import pytest

from lianxi.appeals import actions
from lianxi.notifications.delivery import deliver
from lianxi.notifications.models import Notification, OutboxMessage

from .test_delivery import FlakySender

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("created_at", "id").values_list("kind", flat=True))


def test_an_appeal_through_the_loop_tells_each_person_their_part(clerk, dispatcher, handler_gxj, user_jia, user_yi,
                                                                 gxj, jia, category, channel, now):
    handler_gxj.email = "h@gxj.gov.cn"
    handler_gxj.save()
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="申请技改补贴兑现", content="尚未兑现",
                              category=category, channel=channel, now=now).appeal
    assert not Notification.objects.exists()  # registering tells nobody

    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, instructions="请尽快兑现", now=now)
    (told,) = Notification.objects.filter(recipient=handler_gxj)
    assert told.title == f"【交办】{appeal.number} 申请技改补贴兑现" and told.url == f"/appeals/{appeal.pk}/"
    assert told.event.action == "dispatch" and "交办意见：请尽快兑现" in told.body
    (mail,) = OutboxMessage.objects.all()
    assert (mail.channel, mail.address, mail.state) == ("email", "h@gxj.gov.cn", "pending")

    later = now + dt.timedelta(hours=1)
    actions.accept(appeal, acting_user=handler_gxj, now=later)
    actions.reply(appeal, acting_user=handler_gxj, result="已拨付", outcome="solved", reply="补贴已拨付", now=later)
    actions.follow_up(appeal, acting_user=user_jia, rating=1, solved=False, comment="没到账", now=later)

    assert kinds(handler_gxj) == ["dispatch", "follow-up"]  # not their own accept or reply
    assert kinds(user_jia) == ["reply"]  # not their own follow-up
    assert kinds(clerk) == ["reply"]  # the clerk registered it: told of the reply to follow up
    assert kinds(dispatcher) == [] and kinds(user_yi) == []

    # Delivery: the mail server is down twice, then the two e-mails go out once each.
    sender = FlakySender(failures=2)
    moment = later
    for _ in range(6):
        deliver(now=moment, senders={"email": sender})
        moment += dt.timedelta(minutes=10)
    assert len(sender.accepted) == len(set(sender.accepted)) == 2
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}


def test_a_second_return_asks_the_supervisors_to_arbitrate(registered, dispatcher, supervisor, handler_gxj, gxj, now):
    actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj, now=now)
    actions.return_appeal(registered, acting_user=handler_gxj, reason="不属于本局", now=now)
    assert kinds(dispatcher) == ["return"] and kinds(supervisor) == []
    actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj, now=now)
    actions.return_appeal(registered, acting_user=handler_gxj, reason="仍不属于本局", now=now)
    assert kinds(supervisor) == ["return"]
    assert Notification.objects.get(recipient=supervisor).title.startswith("【待仲裁】")
    assert kinds(dispatcher) == ["return"]  # the second return went to the supervisors instead
