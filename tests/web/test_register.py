"""The registration page: find the enterprise (or create it inline), then register with attachments."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxi.appeals.models import Appeal
from lianxi.directory.models import Enterprise

pytestmark = pytest.mark.django_db

NEW_USCC = "91520181MA6DLCCC1U"  # not 甲's or 乙's; check digit valid


def appeal_data(category, **extra):
    return {"title": "厂区道路破损影响运输", "content": "园区主干道破损严重", "category": category.pk, **extra}


def test_search_box_finds_by_name_and_uscc(as_user, clerk, jia, yi):
    client = as_user(clerk)
    by_name = client.get("/enterprises/search/?q=甲材料", HTTP_HX_REQUEST="true").content.decode()
    assert jia.name in by_name and yi.name not in by_name and f'value="{jia.pk}"' in by_name
    by_uscc = client.get(f"/enterprises/search/?q={yi.uscc[:14].lower()}").content.decode()
    assert yi.name in by_uscc and jia.name not in by_uscc
    nothing = client.get("/enterprises/search/?q=不存在的公司").content.decode()
    assert "没有找到" in nothing and "新建企业" in nothing
    # Without JavaScript the page itself lists the results.
    page = client.get("/appeals/new/?q=甲材料").content.decode()
    assert jia.name in page and 'form="register-form"' in page


def test_clerk_registers_for_a_chosen_enterprise_with_attachments(as_user, clerk, jia, category, channel):
    photo = SimpleUploadedFile("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    response = as_user(clerk).post("/appeals/new/", appeal_data(category, enterprise=jia.pk, channel=channel.pk,
                                                                 attachments=[photo]))
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response.url == f"/appeals/{appeal.pk}/"
    assert appeal.enterprise == jia and appeal.state == "registered" and appeal.created_by == clerk
    assert [a.name for a in appeal.attachments.all()] == ["现场照片.png"]
    event = appeal.events.get()
    assert event.action == "register" and event.actor == clerk and event.data["attachments"] == ["现场照片.png"]


def test_clerk_must_choose_an_enterprise(as_user, clerk, category):
    response = as_user(clerk).post("/appeals/new/", appeal_data(category))
    assert response.status_code == 400
    assert "请选择企业，或新建企业" in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_bad_attachment_is_refused_and_nothing_stored(as_user, clerk, jia, category):
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = as_user(clerk).post("/appeals/new/", appeal_data(category, enterprise=jia.pk, attachments=[fake]))
    assert response.status_code == 400
    assert "“合同.pdf”的内容与扩展名不符" in response.content.decode()
    assert not Appeal.objects.exists()
    # What was typed is kept, and the chosen enterprise stays chosen.
    body = response.content.decode()
    assert "厂区道路破损影响运输" in body and f'value="{jia.pk}" form="register-form" checked' in body


def test_clerk_creates_the_enterprise_inline(as_user, clerk, category):
    response = as_user(clerk).post("/appeals/new/", appeal_data(
        category, **{"new-name": "清镇丙建材有限公司", "new-uscc": NEW_USCC.lower()[:9] + " " + NEW_USCC.lower()[9:],
                     "new-legal_representative": "陈丙", "new-contact_person": "陈丙",
                     "new-contact_phone": "138 0000 0003"}))
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(name="清镇丙建材有限公司")
    assert enterprise.uscc == NEW_USCC and enterprise.contact_phone == "13800000003"
    assert Appeal.objects.get().enterprise == enterprise


def test_invalid_new_enterprise_stores_nothing(as_user, clerk, category):
    response = as_user(clerk).post("/appeals/new/", appeal_data(
        category, **{"new-name": "清镇丁公司", "new-uscc": "91520181MA6DL8XX40", "new-contact_phone": "12"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "统一社会信用代码无效" in body and "电话号码格式不正确" in body
    assert not Enterprise.objects.filter(name="清镇丁公司").exists() and not Appeal.objects.exists()


def test_new_enterprise_is_rolled_back_when_the_appeal_is_invalid(as_user, clerk, category):
    response = as_user(clerk).post("/appeals/new/", {
        "title": "", "content": "", "category": category.pk, "new-name": "清镇戊公司", "new-uscc": NEW_USCC})
    assert response.status_code == 400
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists() and not Appeal.objects.exists()


def test_only_enterprise_editors_may_create_inline(as_user, dispatcher, category):
    page = as_user(dispatcher).get("/appeals/new/").content.decode()
    assert "新建企业" not in page
    response = as_user(dispatcher).post("/appeals/new/", appeal_data(
        category, **{"new-name": "清镇己公司", "new-uscc": NEW_USCC}))
    assert response.status_code == 400
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()


def test_enterprise_user_registers_for_their_own_enterprise_only(as_user, user_jia, jia, yi, category):
    client = as_user(user_jia)
    page = client.get("/appeals/new/").content.decode()
    assert jia.name in page and 'name="q"' not in page and 'name="channel"' not in page
    client.post("/appeals/new/", appeal_data(category))
    appeal = Appeal.objects.get()
    assert appeal.enterprise == jia and appeal.channel.code == "online"
    # Naming another enterprise does not work.
    response = client.post("/appeals/new/", appeal_data(category, enterprise=yi.pk))
    assert response.status_code == 400 and Appeal.objects.count() == 1


def test_choosing_and_creating_at_once_is_refused(as_user, clerk, jia, category):
    response = as_user(clerk).post("/appeals/new/", appeal_data(
        category, enterprise=jia.pk, **{"new-name": "清镇庚公司", "new-uscc": NEW_USCC}))
    assert response.status_code == 400 and "请二选一" in response.content.decode()
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists() and not Appeal.objects.exists()
