"""One appeal through the whole loop in a real browser (the system Chromium, driven by Playwright), each persona
logging in and acting through the pages: register → dispatch → accept → reply → follow-up → close."""

from __future__ import annotations

import pytest

from lianxi.directory.models import Category

PASSWORD = "pass-word-123"  # tests/conftest.py make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loop_data(directory_defaults, gxj):
    """The default category (a transactional test run may have flushed the data migration's rows: the fixture
    puts them back), routed to 工信局."""
    category = Category.objects.get(code="policy")
    category.default_department = gxj
    category.save()
    return category


def test_one_appeal_through_the_whole_loop(live_server, loop_data, clerk, dispatcher, handler_gxj, supervisor, jia,
                                           browser):
    # ``browser`` comes last (see its fixture in tests/conftest.py): no database work once Playwright runs.
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(15_000)

    def login(user):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator(".who-name")).to_have_text(user.display_name)

    def logout():
        page.click("text=退出")
        expect(page.locator("h1")).to_have_text("登录")

    def state_is(label):
        expect(page.locator("p.state")).to_have_text(label)

    def act(action, fill=None):
        """Open the action's panel (if it has one), fill it in and confirm."""
        form = page.locator(f"form[data-action='{action}']")
        details = page.locator(f"details:has(form[data-action='{action}']) > summary")
        if details.count():
            details.click()
        if fill:
            fill(form)
        form.locator("button[type=submit]").click()

    # 受理员 registers for 甲, found through the search box.
    login(clerk)
    page.click("nav.main-nav >> text=登记诉求")
    page.fill("#enterprise-q", "甲材料")
    page.locator("#enterprise-results input[type=radio]").first.check()
    page.fill("#register-form [name=title]", "申请技改补贴兑现")
    page.fill("#register-form [name=content]", "去年的技改补贴尚未兑现，请协调。")
    page.select_option("#register-form [name=category]", str(loop_data.pk))
    page.click("#register-form button[type=submit]")
    state_is("已登记")
    expect(page.locator(".messages")).to_contain_text("诉求已登记")
    appeal_url = page.url
    logout()

    # 派单员 dispatches to 工信局 (the category's default lead department is preselected).
    login(dispatcher)
    page.goto(appeal_url)
    act("dispatch", lambda form: form.locator("[name=instructions]").fill("请尽快兑现"))
    state_is("已交办")
    logout()

    # 工信局承办人 signs for it and replies.
    login(handler_gxj)
    page.goto(appeal_url)
    act("accept")
    state_is("办理中")

    def reply(form):
        form.locator("[name=result]").fill("补贴已于本周拨付到账")
        form.locator("[name=outcome]").select_option("solved")

    act("reply", reply)
    state_is("已答复")
    logout()

    # 受理员 calls the enterprise back.
    login(clerk)
    page.goto(appeal_url)

    def rate(form):
        form.locator("input[name=rating][value='5']").check()
        form.locator("input[name=solved][value='true']").check()

    act("follow-up", rate)
    state_is("已回访")
    logout()

    # 督查室 crosses it off.
    login(supervisor)
    page.goto(appeal_url)
    act("close")
    state_is("已销号")
    timeline = page.locator("#history ol.timeline .event-action").all_inner_texts()
    assert timeline == ["登记", "交办", "签收", "办结答复", "回访", "销号"]
