"""The pages: 共性问题 in the navigation, the list, a problem with its members and the actions for the user's
role, and 归入共性问题 from an appeal's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianxi.problems import services
from lianxi.problems.models import CommonProblem, Stage

pytestmark = pytest.mark.django_db


def nav_labels(client) -> list[str]:
    from lianxi.web.nav import nav_items

    return [item.label for item in nav_items(client.get(reverse("web:home")).wsgi_request.user)]


def test_the_navigation_offers_common_problems(as_user, dispatcher, supervisor, leader, handler_gxj, handler_rsj,
                                               user_jia, problem, gxj, rsj, now):
    for staff in (dispatcher, supervisor, leader):
        assert "共性问题" in nav_labels(as_user(staff))
    assert "共性问题" not in nav_labels(as_user(user_jia))
    # A department's handler once the department leads or co-handles a problem.
    assert "共性问题" not in nav_labels(as_user(handler_gxj))
    assert "共性问题" not in nav_labels(as_user(handler_rsj))
    services.dispatch_problem(problem, acting_user=dispatcher, lead_department=gxj, co_departments=[rsj], now=now)
    assert "共性问题" in nav_labels(as_user(handler_gxj))
    assert "共性问题" in nav_labels(as_user(handler_rsj))


def test_the_list(as_user, dispatcher, user_jia, problem):
    page = as_user(dispatcher).get(reverse("problems:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert problem.title in html and reverse("problems:create") in html
    assert problem.title not in as_user(dispatcher).get(reverse("problems:list"), {"state": "replied"}).content.decode()
    assert as_user(user_jia).get(reverse("problems:list")).status_code == 403


def test_creating_a_problem_on_its_page(as_user, dispatcher, handler_gxj, appeals):
    client = as_user(dispatcher)
    assert client.get(reverse("problems:create")).status_code == 200
    bad = client.post(reverse("problems:create"), {"title": "", "appeals": "LX20990101-0001"})
    assert bad.status_code == 400 and "LX20990101-0001" in bad.content.decode()
    assert not CommonProblem.objects.exists()
    done = client.post(reverse("problems:create"), {"title": "园区用电增容难",
                                                    "appeals": f"{appeals[0].number}、{appeals[1].number}"})
    problem = CommonProblem.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("problems:detail", args=[problem.pk])
    assert problem.members.count() == 2
    assert as_user(handler_gxj).get(reverse("problems:create")).status_code == 403


def test_the_problem_page_through_the_story(as_user, dispatcher, handler_gxj, user_jia, user_yi, problem, appeals,
                                            gxj):
    from lianxi.appeals import actions

    url = reverse("problems:detail", args=[problem.pk])
    page = as_user(dispatcher).get(url).content.decode()
    assert "贵州甲材料有限公司" in page and "清镇乙食品有限公司" in page
    assert 'data-action="dispatch"' in page and 'data-action="add"' in page and 'data-action="accept"' not in page
    assert as_user(user_jia).get(url).status_code == 404
    assert as_user(handler_gxj).get(url).status_code == 404  # nobody has dispatched it to 工信局 yet
    act = lambda name: reverse("problems:act", args=[problem.pk, name])  # noqa: E731
    dispatched = as_user(dispatcher).post(act("dispatch"), {"lead_department": gxj.pk})
    assert dispatched.status_code == 302
    assert {a.state for a in problem_appeals(problem)} == {"dispatched"}
    handler = as_user(handler_gxj)
    page = handler.get(url).content.decode()
    assert 'data-action="accept"' in page and 'data-action="reply"' not in page and 'data-action="add"' not in page
    # The dispatcher may not accept: 403 page, nothing changes.
    assert as_user(dispatcher).post(act("accept")).status_code == 403
    handler = as_user(handler_gxj)
    assert handler.post(act("accept")).status_code == 302
    failed = handler.post(act("reply"), {"result": "", "outcome": "solved"})
    assert failed.status_code == 400 and "办结答复未执行" in failed.content.decode()
    assert handler.post(act("reply"), {"result": "已协调", "outcome": "solved", "reply": "一次答复"}).status_code == 302
    assert {a.reply for a in problem_appeals(problem)} == {"一次答复"}
    actions.follow_up(appeals[0], acting_user=user_jia, rating=4, solved=True)
    actions.follow_up(appeals[1], acting_user=user_yi, rating=1, solved=False)
    page = as_user(dispatcher).get(url).content.decode()
    assert "满意（已解决）" in page and "非常不满意（未解决）" in page and "一次答复" in page
    assert as_user(dispatcher).post(act("nonsense")).status_code == 404


def problem_appeals(problem):
    return [m.appeal for m in problem.members.select_related("appeal").filter(removed_at__isnull=True)]


def test_a_conflict_is_shown_on_the_page_and_changes_nothing(as_user, dispatcher, problem, appeals, gxj, rsj):
    from lianxi.appeals import actions

    actions.dispatch(appeals[1], acting_user=dispatcher, lead_department=rsj)
    answer = as_user(dispatcher).post(reverse("problems:act", args=[problem.pk, "dispatch"]),
                                      {"lead_department": gxj.pk})
    assert answer.status_code == 409
    html = answer.content.decode()
    assert appeals[1].number in html and "交办未执行" in html
    problem.refresh_from_db()
    assert problem.state == Stage.COLLECTING


def test_removing_from_the_page(as_user, dispatcher, problem, appeals):
    answer = as_user(dispatcher).post(reverse("problems:act", args=[problem.pk, "remove"]),
                                      {"appeals": appeals[0].number})
    assert answer.status_code == 302
    assert [a.pk for a in problem_appeals(problem)] == [appeals[1].pk]


def test_the_appeal_page_names_its_problem_to_staff_only(as_user, dispatcher, handler_gxj, user_jia, problem,
                                                        appeals, gxj, now):
    url = reverse("web:appeal_detail", args=[appeals[0].pk])
    link = reverse("problems:detail", args=[problem.pk])
    page = as_user(dispatcher).get(url).content.decode()
    assert "属于共性问题" in page and link in page and problem.title in page
    # Already in a problem: no second grouping offered.
    assert 'data-action="group"' not in page
    # The enterprise sees its appeal, not the problem (its title is about several enterprises).
    page = as_user(user_jia).get(url).content.decode()
    assert "属于共性问题" not in page and problem.title not in page
    services.dispatch_problem(problem, acting_user=dispatcher, lead_department=gxj, now=now)
    page = as_user(handler_gxj).get(url).content.decode()
    assert "属于共性问题" in page and link in page


def test_grouping_from_the_appeal_page(as_user, dispatcher, handler_gxj, user_jia, register, jia, yi, bing):
    first, second, third = register(jia), register(yi), register(bing)
    page = as_user(dispatcher).get(reverse("web:appeal_detail", args=[first.pk])).content.decode()
    assert 'data-action="group"' in page and "归入共性问题" in page
    assert 'data-action="group"' not in as_user(handler_gxj).get(
        reverse("web:appeal_detail", args=[first.pk])).content.decode()
    client = as_user(dispatcher)
    missing = client.post(reverse("problems:group", args=[first.pk]), {})
    assert missing.status_code == 400 and not CommonProblem.objects.exists()
    created = client.post(reverse("problems:group", args=[first.pk]), {"title": "园区用电增容难"})
    problem = CommonProblem.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("problems:detail", args=[problem.pk])
    joined = client.post(reverse("problems:group", args=[second.pk]), {"problem": problem.pk})
    assert joined.status_code == 302
    assert [a.pk for a in problem_appeals(problem)] == [first.pk, second.pk]
    # Grouping an appeal twice is refused on the page, with its reason.
    again = client.post(reverse("problems:group", args=[second.pk]), {"title": "另一个"})
    assert again.status_code == 409 and second.number in again.content.decode()
    assert CommonProblem.objects.count() == 1
    assert as_user(handler_gxj).post(reverse("problems:group", args=[third.pk]), {"title": "x"}).status_code == 404
    assert as_user(user_jia).post(reverse("problems:group", args=[third.pk]), {"title": "x"}).status_code == 404
    assert as_user(user_jia).post(reverse("problems:group", args=[first.pk]), {"title": "x"}).status_code == 403
