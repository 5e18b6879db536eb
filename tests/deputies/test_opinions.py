"""人大代表/政协委员: an inspection opinion becomes rectification appeals under the same loop; the deputy follows
them and receives the answer letter once all are answered."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import pytest
from docx import Document

from lianxi.appeals import actions
from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.core.errors import InvalidInput, NotFound, NotPermitted, StateConflict
from lianxi.deputies import letter, selectors, services
from lianxi.deputies.models import Opinion
from lianxi.meetings import services as meeting_services
from lianxi.meetings.models import MeetingType
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_deputy(db):
    return make_user("deputy_qian", "deputy", name="人大代表钱")


@pytest.fixture
def opinion(deputy, now):
    return services.register_opinion(acting_user=deputy, kind="inspection", body="npc", title="关于园区企业用电保障的审议意见",
                                     content="视察发现园区企业用电增容审批慢、停电频繁", now=now)


@pytest.fixture
def tasks(opinion, deputy, jia, yi, category, now):
    return [services.add_task(opinion, acting_user=deputy, enterprise=enterprise, title=title, content=title + "，请整改",
                              category=category, now=now)
            for enterprise, title in ((jia, "甲公司用电增容审批慢"), (yi, "乙公司停电频繁"))]


def reply(appeal, dispatcher, handler, gxj, text):
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj)
    actions.accept(appeal, acting_user=handler)
    return actions.reply(appeal, acting_user=handler, result=text, outcome="solved", reply=text)


def test_a_deputys_opinion_becomes_rectification_appeals(opinion, tasks, deputy, jia):
    assert (opinion.deputy_id, opinion.created_by_id, opinion.kind) == (deputy.pk, deputy.pk, "inspection")
    assert set(opinion.appeals.all()) == set(tasks)
    for task in tasks:
        task.refresh_from_db()
        assert (task.channel.code, task.created_by_id, task.state) == ("npc_inspection", deputy.pk, "registered")
        assert AppealEvent.objects.get(appeal=task).action == "register"
    # The deputy follows them: they are among the appeals the deputy can see.
    assert set(Appeal.objects.visible_to(deputy)) == set(tasks)


def test_an_opinion_from_an_inspection_raises_its_tasks_in_that_meeting(clerk, deputy, jia, category, now):
    inspection = meeting_services.create_meeting(acting_user=clerk, type=MeetingType.objects.get(code="npc_inspection"),
                                                 title="市人大常委会视察营商环境", date=dt.date(2026, 3, 5),
                                                 attendees=[deputy])
    opinion = services.register_opinion(acting_user=deputy, kind="inspection", body="npc", title="审议意见",
                                        content="c", meeting=inspection, now=now)
    task = services.add_task(opinion, acting_user=deputy, enterprise=jia, title="t", content="c", category=category)
    assert task.meeting_id == inspection.pk and task.channel.code == "npc_inspection"


def test_rules_of_registration(deputy, other_deputy, clerk, handler_gxj, opinion, jia, category):
    with pytest.raises(NotPermitted):
        services.register_opinion(acting_user=deputy, deputy=other_deputy, kind="suggestion", body="npc", title="t",
                                  content="c")
    with pytest.raises(InvalidInput) as proposal:
        services.register_opinion(acting_user=deputy, kind="proposal", body="npc", title="t", content="c")
    assert set(proposal.value.fields) == {"kind"}
    with pytest.raises(NotPermitted):
        services.register_opinion(acting_user=handler_gxj, kind="suggestion", body="npc", title="t", content="c")
    on_paper = services.register_opinion(acting_user=clerk, deputy=other_deputy, kind="proposal", body="cppcc",
                                         title="关于设立园区物流专线的提案", content="c")
    assert (on_paper.deputy_id, on_paper.created_by_id, on_paper.channel_code) == (
        other_deputy.pk, clerk.pk, "cppcc_consultation")
    with pytest.raises(InvalidInput) as no_deputy:
        services.register_opinion(acting_user=clerk, kind="suggestion", body="npc", title="t", content="c")
    assert set(no_deputy.value.fields) == {"deputy"}
    # Only the deputy who made it (or staff) splits it into tasks.
    with pytest.raises(NotFound):
        services.add_task(opinion, acting_user=other_deputy, enterprise=jia, title="t", content="c", category=category)
    assert Opinion.objects.count() == 2 and Appeal.objects.count() == 0


def test_the_answer_letter_comes_when_every_task_is_answered(opinion, tasks, dispatcher, handler_gxj, gxj, supervisor,
                                                             clerk):
    assert not selectors.progress(opinion).ready
    with pytest.raises(StateConflict):
        letter.render(opinion)
    reply(tasks[0], dispatcher, handler_gxj, gxj, "已开辟绿色通道，增容于3月20日完成")
    assert selectors.progress(opinion).answered == 1
    with pytest.raises(StateConflict):
        letter.render(opinion)
    reply(tasks[1], dispatcher, handler_gxj, gxj, "已更换故障线路，近一月未再停电")
    actions.follow_up(tasks[1], acting_user=clerk, rating=5, solved=True)  # followed up still counts as answered
    assert selectors.progress(opinion).ready

    word = Document(io.BytesIO(letter.render(opinion)))
    text = "\n".join(p.text for p in word.paragraphs)
    assert word.paragraphs[0].text == "关于对人大代表赵代表所提《关于园区企业用电保障的审议意见》审议意见的答复函"
    assert "人大代表赵代表：" in text and "分解为2项整改任务" in text
    assert "一、甲公司用电增容审批慢（主办单位：市工业和信息化局；办理结果：已解决）" in text
    assert "已开辟绿色通道，增容于3月20日完成" in text and "二、乙公司停电频繁" in text
    assert "已更换故障线路，近一月未再停电" in text


def test_the_deputy_follows_on_their_page_and_gets_the_letter(client, api, opinion, tasks, deputy, other_deputy,
                                                               dispatcher, handler_gxj, gxj):
    client.force_login(deputy)
    page = client.get(f"/opinions/{opinion.pk}/").content.decode()
    assert tasks[0].number in page and "办理中（已答复 0/2）" in page and "下载答复函" not in page
    url = f"/api/v1/opinions/{opinion.pk}/answer-letter.docx"
    assert api.as_(deputy).get(url).status_code == 409
    for task, text in zip(tasks, ("增容已完成", "线路已更换")):
        reply(task, dispatcher, handler_gxj, gxj, text)
    page = client.get(f"/opinions/{opinion.pk}/").content.decode()
    assert "已全部答复" in page and url in page
    listing = client.get("/opinions/").content.decode()
    assert opinion.title in listing and url in listing
    response = api.as_(deputy).get(url)
    assert response.status_code == 200 and response["Content-Type"] == letter.DOCX
    assert quote("答复函") in response["Content-Disposition"]
    assert "增容已完成" in "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    # Another deputy neither sees the opinion nor gets its letter.
    assert api.as_(other_deputy).get(url).status_code == 404
    assert api.get(f"/api/v1/opinions/{opinion.pk}/").status_code == 404
    client.force_login(other_deputy)
    assert client.get(f"/opinions/{opinion.pk}/").status_code == 404


def test_the_api(api, deputy, jia, category, handler_gxj, dispatcher, gxj):
    created = api.as_(deputy).post("/api/v1/opinions/", {"kind": "suggestion", "body": "npc", "title": "关于融资的建议",
                                                         "content": "c"}, format="json")
    assert created.status_code == 201 and created.json()["deputy"] == deputy.pk
    opinion_id = created.json()["id"]
    assert [o["id"] for o in api.get("/api/v1/opinions/?search=融资").json()["results"]] == [opinion_id]
    assert api.get("/api/v1/opinions/?search=用地").json()["count"] == 0
    task = api.post(f"/api/v1/opinions/{opinion_id}/tasks/", {"enterprise": jia.pk, "title": "融资难",
                                                              "content": "贷款审批慢", "category": category.pk},
                    format="json")
    assert task.status_code == 201, task.content
    assert task.json()["channel"] == Appeal.objects.get(pk=task.json()["id"]).channel_id
    body = api.get(f"/api/v1/opinions/{opinion_id}/").json()
    assert (body["appeals"], body["tasks_total"], body["tasks_answered"], body["answer_letter"]) == (
        [task.json()["id"]], 1, 0, None)
    assert [t["id"] for t in api.get(f"/api/v1/opinions/{opinion_id}/tasks/").json()] == [task.json()["id"]]
    reply(Appeal.objects.get(pk=task.json()["id"]), dispatcher, handler_gxj, gxj, "已放贷")
    body = api.get(f"/api/v1/opinions/{opinion_id}/").json()
    assert body["answer_letter"] == f"/api/v1/opinions/{opinion_id}/answer-letter.docx"
    # The department handling a task sees the opinion it answers to.
    assert api.as_(handler_gxj).get(f"/api/v1/opinions/{opinion_id}/").status_code == 200
    assert api.as_(handler_gxj).post("/api/v1/opinions/", {"kind": "suggestion", "body": "npc", "title": "t",
                                                           "content": "c"}, format="json").status_code == 403


def test_the_deputy_follows_a_task_the_dispatcher_registered_for_their_opinion(opinion, dispatcher, deputy,
                                                                               other_deputy, jia, category):
    task = services.add_task(opinion, acting_user=dispatcher, enterprise=jia, title="派单员分解的任务", content="c",
                             category=category)
    assert selectors.progress(opinion).total == 1
    # The access rule: a deputy sees what they registered and every task of their own opinions.
    assert list(selectors.tasks_for(opinion, deputy)) == [task]
    assert list(selectors.tasks_for(opinion, dispatcher)) == [task]
    assert task not in Appeal.objects.visible_to(other_deputy)
