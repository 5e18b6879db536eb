"""Acting through the detail page: the forms shown are exactly the allowed actions; a POST changes the state and
writes the event; a failed one shows the Chinese reason and changes nothing."""

import pytest

from lianxi.appeals.models import Appeal, AppealEvent

pytestmark = pytest.mark.django_db


def last_event(appeal):
    return AppealEvent.objects.filter(appeal=appeal).order_by("-at", "-id").first()


def test_dispatcher_dispatches_through_the_page(as_user, dispatcher, registered, gxj, rsj):
    client = as_user(dispatcher)
    page = client.get(f"/appeals/{registered.pk}/").content.decode()
    assert f'<option value="{gxj.pk}" selected>' in page  # the category's default department is proposed
    response = client.post(f"/appeals/{registered.pk}/act/dispatch/",
                           {"lead_department": gxj.pk, "co_departments": [rsj.pk], "instructions": "请于一周内答复"})
    assert response.status_code == 302 and response.url == f"/appeals/{registered.pk}/"
    registered.refresh_from_db()
    assert registered.state == "dispatched" and registered.lead_department == gxj
    event = last_event(registered)
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        "dispatch", dispatcher, "registered", "dispatched")
    assert event.data["instructions"] == "请于一周内答复"
    page = client.get(response.url).content.decode()
    assert "已交办，诉求当前状态：已交办" in page
    assert "市人力资源和社会保障局" in page and "请于一周内答复" in page  # facts and timeline


def test_handler_accepts_and_replies(as_user, handler_gxj, dispatched):
    client = as_user(handler_gxj)
    client.post(f"/appeals/{dispatched.pk}/act/accept/")
    dispatched.refresh_from_db()
    assert dispatched.state == "handling" and last_event(dispatched).action == "accept"
    client.post(f"/appeals/{dispatched.pk}/act/reply/", {"result": "补贴已拨付到账", "outcome": "solved"})
    dispatched.refresh_from_db()
    assert dispatched.state == "replied" and dispatched.reply == "补贴已拨付到账"
    event = last_event(dispatched)
    assert event.action == "reply" and event.actor == handler_gxj and event.data["outcome"] == "solved"
    timeline = client.get(f"/appeals/{dispatched.pk}/").content.decode()
    assert "办结答复" in timeline and "已解决" in timeline and "办理中 → 已答复" in timeline


def test_enterprise_rates_its_replied_appeal(as_user, user_jia, replied):
    client = as_user(user_jia)
    page = client.get(f"/appeals/{replied.pk}/").content.decode()
    assert 'data-action="follow-up"' in page and 'type="radio" name="rating"' in page
    client.post(f"/appeals/{replied.pk}/act/follow-up/", {"rating": "4", "solved": "true", "comment": "很及时"})
    replied.refresh_from_db()
    assert replied.state == "followed_up" and replied.rating == 4 and replied.solved is True
    event = last_event(replied)
    assert event.action == "follow-up" and event.actor == user_jia and event.data["comment"] == "很及时"


def test_a_bad_rating_reopens_the_appeal(as_user, clerk, replied):
    as_user(clerk).post(f"/appeals/{replied.pk}/act/follow-up/", {"rating": "1", "solved": "false"})
    replied.refresh_from_db()
    assert replied.state == "handling" and replied.reopen_count == 1
    assert last_event(replied).data["reopened"] is True


def test_invalid_input_shows_field_errors_and_changes_nothing(as_user, handler_gxj, dispatched):
    client = as_user(handler_gxj)
    response = client.post(f"/appeals/{dispatched.pk}/act/return/", {"reason": "   "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "输入有误，请检查标出的字段" in body and "没有任何改动" in body
    assert 'class="error"' in body and "<details class=\"action danger\" open>" in body  # the form stays open
    dispatched.refresh_from_db()
    assert dispatched.state == "dispatched" and dispatched.return_count == 0
    assert last_event(dispatched).action == "dispatch"


def test_business_rule_errors_show_on_their_field(as_user, handler_gxj, handling):
    before = handling.due_at
    response = as_user(handler_gxj).post(f"/appeals/{handling.pk}/act/request-extension/",
                                         {"due_at": "2000-01-01T10:00", "reason": "需要协调"})
    assert response.status_code == 400
    assert "申请的时限必须晚于现行办结时限" in response.content.decode()
    handling.refresh_from_db()
    assert handling.extension_due_at is None and handling.due_at == before
    assert last_event(handling).action == "accept"


def test_an_action_in_the_wrong_state_is_refused(as_user, dispatcher, dispatched, gxj):
    events = dispatched.events.count()
    response = as_user(dispatcher).post(f"/appeals/{dispatched.pk}/act/dispatch/", {"lead_department": gxj.pk})
    assert response.status_code == 409
    assert "诉求当前为“已交办”，不能交办" in response.content.decode()
    assert dispatched.events.count() == events
    assert Appeal.objects.get(pk=dispatched.pk).state == "dispatched"


def test_an_action_the_user_may_not_take_is_403(as_user, clerk, registered, gxj):
    response = as_user(clerk).post(f"/appeals/{registered.pk}/act/dispatch/", {"lead_department": gxj.pk})
    assert response.status_code == 403 and "您无权对该诉求执行“交办”" in response.content.decode()
    registered.refresh_from_db()
    assert registered.state == "registered" and registered.events.count() == 1


def test_supervisor_sees_close_disabled_with_its_reason_until_followed_up(as_user, supervisor, replied):
    body = as_user(supervisor).get(f"/appeals/{replied.pk}/").content.decode()
    assert "诉求当前为“已答复”，不能销号" in body
    assert 'data-action="close"' not in body and 'data-action="supervise"' in body


def test_typed_text_is_escaped_everywhere(as_user, clerk, dispatcher, handler_gxj, jia, category, channel, gxj):
    from lianxi.appeals import actions

    script = "<script>alert('x')</script>"
    appeal = actions.register(acting_user=clerk, enterprise=jia, title=script, content=script, category=category,
                              channel=channel).appeal
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, instructions=script)
    for persona, url in [(dispatcher, f"/appeals/{appeal.pk}/"), (dispatcher, "/appeals/"),
                         (dispatcher, f"/enterprises/{jia.pk}/"), (handler_gxj, "/")]:
        body = as_user(persona).get(url).content.decode()
        assert script not in body, url
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body, url


def test_clerk_corrects_a_registration_and_the_timeline_shows_the_change(as_user, clerk, registered, category):
    from lianxi.directory.models import Category

    client = as_user(clerk)
    page = client.get(f"/appeals/{registered.pk}/").content.decode()
    assert 'data-action="edit"' in page and 'value="申请技改补贴兑现"' in page  # prefilled from the appeal
    finance = Category.objects.get(code="finance")
    client.post(f"/appeals/{registered.pk}/act/edit/", {
        "title": "申请技改补贴及时兑现", "content": registered.content, "category": finance.pk,
        "channel": registered.channel_id, "kind": registered.kind, "urgency": registered.urgency})
    registered.refresh_from_db()
    assert registered.title == "申请技改补贴及时兑现" and registered.category == finance
    event = last_event(registered)
    assert event.action == "edit" and event.actor == clerk and event.from_state == event.to_state == "registered"
    timeline = client.get(f"/appeals/{registered.pk}/").content.decode()
    assert "申请技改补贴兑现 → 申请技改补贴及时兑现" in timeline
    assert f"{category.name} → 融资信贷" in timeline


def test_every_kind_of_event_reads_in_chinese(as_user, clerk, dispatcher, handler_gxj, supervisor, registered, gxj,
                                              jia, category, channel):
    import datetime as dt

    from django.utils import timezone

    from lianxi.appeals import actions

    appeal = actions.dispatch(registered, acting_user=dispatcher, lead_department=gxj)
    appeal = actions.return_appeal(appeal, acting_user=handler_gxj, reason="不属于本局职责")
    appeal = actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, instructions="请再核实")
    appeal = actions.accept(appeal, acting_user=handler_gxj)
    appeal = actions.progress(appeal, acting_user=handler_gxj, note="已约企业面谈")
    appeal = actions.request_extension(appeal, acting_user=handler_gxj, reason="需要跨部门会商",
                                       due_at=appeal.due_at + dt.timedelta(days=10))
    appeal = actions.decide_extension(appeal, acting_user=supervisor, approve=False, reason="时限内可办结")
    appeal = actions.supervise(appeal, acting_user=supervisor, level="listed", text="请加快办理")
    appeal = actions.suspend(appeal, acting_user=supervisor, reason="待上级政策明确",
                             review_date=timezone.localdate() + dt.timedelta(days=30))
    other = actions.register(acting_user=clerk, enterprise=jia, title="重复反映", content="同上", category=category,
                             channel=channel).appeal
    actions.merge(other, acting_user=dispatcher, into=appeal)

    body = as_user(supervisor).get(f"/appeals/{appeal.pk}/").content.decode()
    for text in ["退回", "不属于本局职责", "退单次数", "重新交办", "记录进展", "已约企业面谈", "申请延期", "需要跨部门会商",
                 "审批延期", "不同意", "督办", "挂牌督办", "请加快办理", "挂账", "待上级政策明确", "复查日期",
                 "办理中 → 挂账", 'data-action="resume"']:
        assert text in body, text
    merged = as_user(supervisor).get(f"/appeals/{other.pk}/").content.decode()
    assert "已合并" in merged and f"并入诉求</dt><dd>{appeal.number}" in merged


def test_supervisor_arbitrates_a_twice_returned_appeal_through_the_page(as_user, supervisor, dispatcher, handler_gxj,
                                                                        handler_rsj, registered, gxj, rsj):
    from lianxi.appeals import actions

    for lead, handler in ((gxj, handler_gxj), (rsj, handler_rsj)):
        actions.dispatch(registered, acting_user=dispatcher, lead_department=lead)
        actions.return_appeal(registered, acting_user=handler, reason="不属于本单位职责")
    # The dispatcher's dispatch form is there but refused, with the reason.
    page = as_user(dispatcher).get(f"/appeals/{registered.pk}/").content.decode()
    assert "须由督办员裁定主办单位" in page
    client = as_user(supervisor)
    page = client.get(f"/appeals/{registered.pk}/").content.decode()
    assert 'data-action="arbitrate"' in page and "仲裁意见" in page
    response = client.post(f"/appeals/{registered.pk}/act/arbitrate/",
                           {"lead_department": gxj.pk, "reason": "经会商由工信局主办"})
    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.state == "dispatched" and registered.lead_department == gxj and registered.arbitrated_at
    event = last_event(registered)
    assert (event.action, event.actor, event.data["reason"]) == ("arbitrate", supervisor, "经会商由工信局主办")


def test_the_detail_page_shows_each_running_limit(as_user, dispatcher, dispatched):
    page = as_user(dispatcher).get(f"/appeals/{dispatched.pk}/").content.decode()
    assert "<h2>时限</h2>" in page
    assert "<th>签收</th>" in page and "<th>办结</th>" in page
    from django.utils import timezone

    assert timezone.localtime(dispatched.due_at).strftime("%Y-%m-%d %H:%M") in page
