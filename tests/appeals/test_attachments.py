"""Attachments on registration and reply: the type is judged by the file's first bytes, the size by the setting,
and a refused file stores nothing at all — no appeal, no attachment row, no file on disk, no number used."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from lianxi.appeals import actions
from lianxi.appeals.forms import submit_action, submit_registration
from lianxi.appeals.models import Appeal, AppealEvent, AppealNumberSequence, Attachment
from lianxi.appeals.workflow import State
from lianxi.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 16
ZIP = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 32  # docx / xlsx / pptx / ofd are zip containers
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32  # doc / xls / wps
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def register(clerk, jia, category, channel, files, now):
    return actions.register(acting_user=clerk, enterprise=jia, title="厂房产权证办理", content="请附件查看材料",
                            category=category, channel=channel, attachments=files, now=now)


def assert_nothing_stored(media):
    assert (Appeal.objects.count(), AppealEvent.objects.count(), Attachment.objects.count(),
            AppealNumberSequence.objects.count()) == (0, 0, 0, 0)
    assert stored_files(media) == []


@pytest.mark.parametrize("name, content, content_type", [
    ("营业执照.pdf", PDF, "application/pdf"),
    ("现场照片.PNG", PNG, "image/png"),
    ("photo.jpeg", JPG, "image/jpeg"),
    ("anim.gif", GIF, "image/gif"),
    ("申请表.docx", ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("明细.xlsx", ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("旧版申请表.doc", OLE, "application/msword"),
    ("说明.wps", OLE, "application/vnd.ms-works"),
])
def test_allowed_types_are_stored(name, content, content_type, media, clerk, jia, category, channel, now):
    registration = register(clerk, jia, category, channel, [SimpleUploadedFile(name, content)], now)
    appeal = registration.appeal
    attachment = Attachment.objects.get()
    assert (attachment.appeal, attachment.name, attachment.size, attachment.content_type, attachment.uploaded_by) == (
        appeal, name, len(content), content_type, clerk)
    event = appeal.events.get()
    assert attachment.event == event and event.data["attachments"] == [name]
    # Stored under the appeal's month and number, with the bytes intact.
    assert attachment.file.name.startswith(f"appeals/2026/03/{appeal.number}/")
    with attachment.file.open("rb") as f:
        assert f.read() == content
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize("name, content, reason", [
    ("setup.exe", EXE, "类型不允许"),
    ("readme.txt", b"just some text", "类型不允许"),
    ("no_extension", PDF, "类型不允许"),
    ("invoice.pdf", b"this is not a pdf at all", "内容与扩展名不符"),
    ("virus.pdf", EXE, "内容与扩展名不符"),  # a renamed executable
    ("photo.png", PDF, "内容与扩展名不符"),
    ("empty.pdf", b"", "空文件"),
])
def test_refused_files_store_nothing(name, content, reason, media, clerk, jia, category, channel, now):
    with pytest.raises(InvalidInput) as bad:
        register(clerk, jia, category, channel, [SimpleUploadedFile(name, content)], now)
    assert set(bad.value.fields) == {"attachments"}
    assert len(bad.value.fields["attachments"]) == 1
    message = bad.value.fields["attachments"][0]
    assert reason in message and name in message
    assert_nothing_stored(media)


def test_too_big_is_refused(settings, media, clerk, jia, category, channel, now):
    settings.LIANXI = {**settings.LIANXI, "MAX_ATTACHMENT_BYTES": 1024}
    big = SimpleUploadedFile("扫描件.pdf", PDF + b"\x00" * 1024)
    with pytest.raises(InvalidInput) as bad:
        register(clerk, jia, category, channel, [big], now)
    [message] = bad.value.fields["attachments"]
    assert "扫描件.pdf" in message and "超过大小限制" in message
    assert re.search(r"（1\.0\sKB）", message)  # the limit as configured, not rounded down to "0MB"
    assert_nothing_stored(media)
    # Exactly at the limit is fine.
    exact = SimpleUploadedFile("扫描件.pdf", PDF + b"\x00" * (1024 - len(PDF)))
    register(clerk, jia, category, channel, [exact], now)
    assert Attachment.objects.get().size == 1024


def test_one_bad_file_refuses_them_all(media, clerk, jia, category, channel, now):
    files = [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", PNG), SimpleUploadedFile("c.exe", EXE)]
    with pytest.raises(InvalidInput) as bad:
        register(clerk, jia, category, channel, files, now)
    assert len(bad.value.fields["attachments"]) == 1 and "c.exe" in bad.value.fields["attachments"][0]
    assert_nothing_stored(media)


def test_too_many_files(media, clerk, jia, category, channel, now):
    files = [SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(11)]
    with pytest.raises(InvalidInput) as bad:
        register(clerk, jia, category, channel, files, now)
    assert any("最多" in m for m in bad.value.fields["attachments"])
    assert_nothing_stored(media)


def test_registration_form_with_files(media, user_jia, category):
    files = MultiValueDict({"attachments": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.jpg", JPG)]})
    registration = submit_registration(acting_user=user_jia, data={"title": "t", "content": "c",
                                                                   "category": category.pk}, files=files)
    assert sorted(registration.appeal.attachments.values_list("name", flat=True)) == ["a.pdf", "b.jpg"]
    assert len(stored_files(media)) == 2


def test_registration_form_refuses_a_bad_file(media, user_jia, category):
    files = MultiValueDict({"attachments": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("x.bat", b"@echo")]})
    with pytest.raises(InvalidInput) as bad:
        submit_registration(acting_user=user_jia, data={"title": "t", "content": "c", "category": category.pk},
                            files=files)
    assert set(bad.value.fields) == {"attachments"}
    assert_nothing_stored(media)


@pytest.fixture
def handling(clerk, dispatcher, handler_gxj, jia, category, channel, gxj, now):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="t", content="c", category=category,
                              channel=channel, now=now).appeal
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=now)
    return actions.accept(appeal, acting_user=handler_gxj, now=now)


def test_reply_with_attachment(media, handling, handler_gxj, now):
    files = MultiValueDict({"attachments": [SimpleUploadedFile("答复函.pdf", PDF)]})
    appeal = submit_action("reply", handling, acting_user=handler_gxj,
                           data={"result": "已办结", "outcome": "solved"}, files=files)
    assert appeal.state == State.REPLIED
    attachment = appeal.attachments.get()
    reply_event = appeal.events.get(action="reply")
    assert (attachment.event, attachment.uploaded_by, attachment.name) == (reply_event, handler_gxj, "答复函.pdf")
    assert reply_event.data["attachments"] == ["答复函.pdf"]


def test_reply_with_a_bad_attachment_changes_nothing(media, handling, handler_gxj, now):
    events = handling.events.count()
    files = MultiValueDict({"attachments": [SimpleUploadedFile("答复函.pdf", b"<html>not a pdf</html>")]})
    with pytest.raises(InvalidInput) as bad:
        submit_action("reply", handling, acting_user=handler_gxj, data={"result": "已办结", "outcome": "solved"},
                      files=files)
    assert set(bad.value.fields) == {"attachments"}
    handling.refresh_from_db()
    assert handling.state == State.HANDLING and handling.events.count() == events
    assert Attachment.objects.count() == 0 and stored_files(media) == []
