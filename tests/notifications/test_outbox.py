"""What goes into the outbox: one row per recipient per external channel they chose and have an address for."""

from __future__ import annotations

import pytest

from lianxi.notifications.models import NotificationPreference, OutboxMessage
from lianxi.notifications.services import update_preferences
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatch(record, registered, dispatcher, gxj):
    def run():
        return record(registered, "dispatch", dispatcher, lead_department=gxj.pk, lead_department_name=gxj.name,
                      co_departments=[])
    return run


def outbox_of(user) -> dict[str, OutboxMessage]:
    return {m.channel: m for m in OutboxMessage.objects.filter(notification__recipient=user)}


def test_by_default_email_only_and_only_with_an_address(dispatch, gxj, settings, now):
    settings.LIANXI_NOTIFY = {**settings.LIANXI_NOTIFY, "SITE_URL": "https://lianxi.qingzhen.gov.cn/"}
    with_mail = make_user("h_mail", "handler", department=gxj)
    with_mail.email, with_mail.phone = "h@gxj.gov.cn", "13900000001"
    with_mail.save()
    without = make_user("h_none", "handler", department=gxj)

    notification = dispatch().get(recipient=with_mail)
    messages = outbox_of(with_mail)
    assert set(messages) == {"email"}  # SMS and the chat robot are opted into
    email = messages["email"]
    assert (email.address, email.subject, email.state, email.attempts) == ("h@gxj.gov.cn", notification.title,
                                                                           "pending", 0)
    assert email.next_attempt_at == now and email.notification == notification
    assert email.body.startswith(notification.body)
    assert email.body.endswith(f"查看详情：https://lianxi.qingzhen.gov.cn/appeals/{notification.appeal_id}/")
    assert outbox_of(without) == {}  # no address: nothing to send, the inbox still has it
    assert without.notifications.count() == 1


def test_chosen_channels_with_addresses(dispatch, gxj):
    everything = make_user("h_all", "handler", department=gxj)
    everything.email, everything.phone = "a@gxj.gov.cn", "13900000002"
    everything.save()
    update_preferences(acting_user=everything, sms=True, webhook=True)
    phone_only = make_user("h_phone", "handler", department=gxj)
    phone_only.phone = "13900000003"
    phone_only.save()
    update_preferences(acting_user=phone_only, email=True, sms=True, webhook=False)
    inbox_only = make_user("h_quiet", "handler", department=gxj)
    inbox_only.email = "q@gxj.gov.cn"
    inbox_only.save()
    update_preferences(acting_user=inbox_only, email=False)

    dispatch()
    everything_out = outbox_of(everything)
    assert set(everything_out) == {"email", "sms", "webhook"}
    assert everything_out["sms"].address == everything_out["webhook"].address == "13900000002"
    assert everything_out["sms"].body.startswith(everything_out["sms"].subject)  # an SMS is short
    assert "[查看详情](" in everything_out["webhook"].body  # markdown for the robot
    assert set(outbox_of(phone_only)) == {"sms"}  # e-mail chosen but no address
    assert outbox_of(inbox_only) == {}
    assert inbox_only.notifications.count() == 1  # the inbox is always on


def test_preferences_service_rejects_what_it_does_not_know(handler_gxj):
    from lianxi.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as bad:
        update_preferences(acting_user=handler_gxj, fax=True)
    assert "fax" in bad.value.fields
    with pytest.raises(InvalidInput):
        update_preferences(acting_user=handler_gxj, sms="yes")
    assert not NotificationPreference.objects.exists()
