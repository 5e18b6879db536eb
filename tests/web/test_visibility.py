"""The access rule holds on every page: what a persona may not see is a 404, never a hint."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxi.appeals import actions

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% test attachment\n"


def test_enterprise_jia_never_sees_yis_appeal(as_user, user_jia, registered, appeal_yi, yi):
    client = as_user(user_jia)
    listing = client.get("/appeals/").content.decode()
    assert registered.number in listing and appeal_yi.number not in listing
    assert appeal_yi.title not in listing
    assert client.get(f"/appeals/{appeal_yi.pk}/").status_code == 404
    assert client.get(f"/enterprises/{yi.pk}/").status_code == 404
    # Filtering the list by 乙 shows nothing, and does not even name 乙.
    filtered = client.get(f"/appeals/?enterprise={yi.pk}").content.decode()
    assert appeal_yi.number not in filtered and yi.name not in filtered
    # Nor does the search box of the registration page.
    assert yi.name not in client.get("/enterprises/search/?q=乙").content.decode()


def test_enterprise_user_cannot_act_on_another_enterprises_appeal(as_user, user_jia, appeal_yi):
    response = as_user(user_jia).post(f"/appeals/{appeal_yi.pk}/act/follow-up/",
                                      {"rating": "5", "solved": "true"})
    assert response.status_code == 404
    appeal_yi.refresh_from_db()
    assert appeal_yi.state == "registered" and appeal_yi.events.count() == 1


def test_handler_of_another_department_gets_404(as_user, handler_rsj, handler_gxj, dispatched):
    client = as_user(handler_rsj)
    assert client.get(f"/appeals/{dispatched.pk}/").status_code == 404
    assert dispatched.number not in client.get("/appeals/").content.decode()
    response = client.post(f"/appeals/{dispatched.pk}/act/accept/")
    assert response.status_code == 404
    dispatched.refresh_from_db()
    assert dispatched.state == "dispatched"
    assert as_user(handler_gxj).get(f"/appeals/{dispatched.pk}/").status_code == 200


def test_co_handling_department_sees_the_appeal(as_user, handler_rsj, registered, dispatcher, gxj, rsj):
    actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj, co_departments=[rsj])
    body = as_user(handler_rsj).get(f"/appeals/{registered.pk}/").content.decode()
    assert registered.title in body
    assert 'data-action="accept"' not in body  # only the lead department signs


def test_deputy_sees_only_what_they_registered(as_user, deputy, jia, category, registered):
    own = actions.register(acting_user=deputy, enterprise=jia, title="代表建议：优化园区公交", content="建议增开班车",
                           category=category).appeal
    client = as_user(deputy)
    listing = client.get("/appeals/").content.decode()
    assert own.number in listing and registered.number not in listing
    assert client.get(f"/appeals/{registered.pk}/").status_code == 404


def test_attachments_download_only_for_those_who_see_the_appeal(as_user, clerk, user_jia, user_yi, jia, category,
                                                                channel):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="附件", content="见附件", category=category,
                              channel=channel,
                              attachments=[SimpleUploadedFile("营业执照.pdf", PDF, "application/pdf")]).appeal
    attachment = appeal.attachments.get()
    url = f"/appeals/{appeal.pk}/attachments/{attachment.pk}/"
    assert url in as_user(user_jia).get(f"/appeals/{appeal.pk}/").content.decode()
    response = as_user(user_jia).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert as_user(user_yi).get(url).status_code == 404
    # An attachment id under the wrong appeal is not found either.
    other = actions.register(acting_user=clerk, enterprise=jia, title="另一件", content="c", category=category,
                             channel=channel).appeal
    assert as_user(user_jia).get(f"/appeals/{other.pk}/attachments/{attachment.pk}/").status_code == 404


def test_media_is_not_served_publicly(client, clerk, jia, category, channel):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="附件", content="c", category=category,
                              channel=channel,
                              attachments=[SimpleUploadedFile("a.pdf", PDF, "application/pdf")]).appeal
    path = appeal.attachments.get().file.name
    assert client.get(f"/media/{path}").status_code == 404
