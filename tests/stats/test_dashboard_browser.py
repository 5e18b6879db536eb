"""统计分析 and 数据大屏 in a real browser (the system Chromium, driven by Playwright): the charts are drawn from the
installed ECharts with no console error, a card and a chart bar open the filtered appeal list, and the big screen's
minute poll updates the page in place."""

from __future__ import annotations

import re

import pytest

PASSWORD = "pass-word-123"  # tests/conftest.py make_user
MARCH = "from=2026-03-01&to=2026-03-31"

# A transactional test run may have flushed the data migration's channels and categories: ``directory_defaults``
# puts them back before the story (tests/stats/conftest.py) reads them.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("directory_defaults")]


def test_the_dashboard_and_the_big_screen(live_server, story, leader, browser):
    # ``browser`` comes last (see its fixture in tests/conftest.py): no database work once Playwright runs.
    from playwright.sync_api import expect

    overdue_url = f"/appeals/{story.a4.pk}/"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", leader.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".who-name")).to_have_text(leader.display_name)

    page.click("nav.main-nav >> text=统计分析")
    expect(page.locator("h1")).to_have_text("统计分析")
    page.goto(f"{live_server.url}/dashboard/?{MARCH}")
    expect(page.locator(".report-sentence .sentence")).to_have_text("2026年3月，收集问题7个，办结3个，办结率42.9%，满意率100%")
    for chart in ("trend", "channel", "category"):
        expect(page.locator(f"#chart-{chart} canvas")).to_have_count(1)
    expect(page.locator(f"#overdue a[href='{overdue_url}']").first).to_be_visible()

    # A card opens the list of what it counted. (Overdue is read against the real clock here: A4, and A9 once its
    # reply was due on 3 April.)
    overdue_now = page.locator("[data-card=overdue_now] .stat-value").inner_text().removesuffix("件")
    assert int(overdue_now) >= 1
    page.click("[data-card=overdue_now]")
    expect(page).to_have_url(re.compile(r"/appeals/\?.*measure=overdue_now"))
    expect(page.locator(".result-count")).to_have_text(f"共 {overdue_now} 条")
    expect(page.locator(f"a[href='{overdue_url}']").first).to_be_visible()

    # So does a chart's bar: March's 受理量 in the trend (clicked low on the bar, away from the rate line's point).
    page.go_back()
    trend = page.locator("#chart-trend")
    expect(trend.locator("canvas")).to_have_count(1)
    trend.scroll_into_view_if_needed()
    page.wait_for_timeout(800)  # the bars' entry animation
    x, y = trend.evaluate("el => echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [0, 0.5])")
    box = trend.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page).to_have_url(re.compile(r"/appeals/\?.*created_from=2026-03-01.*measure=received"))
    expect(page.locator(".result-count")).to_have_text("共 7 条")

    # The big screen: dark, the same numbers, the charts; its poll swaps the numbers in without reloading the page
    # or rebuilding the charts.
    page.goto(f"{live_server.url}/dashboard/screen/?{MARCH}")
    expect(page.locator("body.screen")).to_be_visible()
    expect(page.locator("#screen-cards [data-card=received] .stat-value")).to_contain_text("7")
    for chart in ("trend", "channel", "category"):
        expect(page.locator(f"#chart-{chart} canvas")).to_have_count(1)
    page.evaluate("""() => {
        window.notReloaded = true;
        document.querySelector('#chart-trend canvas').dataset.kept = 'yes';
        document.querySelector('#screen-cards .stat-card').dataset.old = 'yes';
        const poll = document.querySelector('[data-screen-poll]');
        htmx.ajax('GET', poll.getAttribute('hx-get'), {source: poll, swap: 'none'});
    }""")
    expect(page.locator("#screen-cards .stat-card[data-old]")).to_have_count(0)  # swapped in anew
    expect(page.locator("#screen-cards .stat-card")).to_have_count(5)
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#chart-trend canvas[data-kept=yes]")).to_have_count(1)
    page.set_viewport_size({"width": 1920, "height": 1080})
    expect(page.locator("#chart-trend canvas")).to_have_count(1)

    assert errors == []
