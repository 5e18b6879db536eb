"""Each page renders for the persona it is for, and answers 403/404 (in Chinese) to the others."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client, registered):
    for url in ["/", "/appeals/", f"/appeals/{registered.pk}/", "/appeals/new/", "/enterprises/",
                "/config/departments/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("web:login"))


def test_login_page_is_chinese_and_logs_in(client, clerk):
    page = client.get(reverse("web:login"))
    assert page.status_code == 200 and "登录" in page.content.decode()
    wrong = client.post(reverse("web:login"), {"username": "clerk", "password": "wrong"})
    assert wrong.status_code == 200 and "用户名或密码不正确" in wrong.content.decode()
    right = client.post(reverse("web:login"), {"username": "clerk", "password": "pass-word-123"})
    assert right.status_code == 302 and right.url == reverse("web:home")
    home = client.get(reverse("web:home"))
    assert "受理员小周" in home.content.decode() and "受理员" in home.content.decode()


def test_logout_is_a_post(as_user, clerk):
    client = as_user(clerk)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response.url == reverse("web:login")
    assert client.get(reverse("web:home")).status_code == 302


def test_home_shows_the_dispatchers_inbox(as_user, dispatcher, registered):
    body = as_user(dispatcher).get(reverse("web:home")).content.decode()
    assert "待交办" in body and registered.number in body
    assert "?state=registered" in body  # the section links to the filtered list


def test_home_shows_the_handlers_inbox_only_for_their_department(as_user, handler_gxj, handler_rsj, dispatched):
    assert dispatched.number in as_user(handler_gxj).get("/").content.decode()
    assert dispatched.number not in as_user(handler_rsj).get("/").content.decode()


def test_navigation_follows_roles(as_user, clerk, admin_user, user_jia, handler_gxj, jia):
    clerk_nav = as_user(clerk).get("/").content.decode()
    assert "登记诉求" in clerk_nav and "企业档案" in clerk_nav and "系统配置" not in clerk_nav
    admin_nav = as_user(admin_user).get("/").content.decode()
    assert "系统配置" in admin_nav and "登记诉求" not in admin_nav
    jia_nav = as_user(user_jia).get("/").content.decode()
    assert "我的诉求" in jia_nav and "本企业" in jia_nav and "企业档案" not in jia_nav
    assert f'href="/enterprises/{jia.pk}/"' in jia_nav
    handler_nav = as_user(handler_gxj).get("/").content.decode()
    assert "登记诉求" not in handler_nav and "系统配置" not in handler_nav


def test_list_shows_the_columns_and_filters(as_user, dispatcher, registered, dispatched_other):
    client = as_user(dispatcher)
    body = client.get("/appeals/").content.decode()
    for text in [registered.number, registered.title, "贵州甲材料有限公司", "已登记", "共 2 条"]:
        assert text in body
    only_registered = client.get("/appeals/?state=registered").content.decode()
    assert registered.number in only_registered and dispatched_other.number not in only_registered
    by_department = client.get(f"/appeals/?department={dispatched_other.lead_department_id}").content.decode()
    assert dispatched_other.number in by_department and registered.number not in by_department
    by_text = client.get("/appeals/?search=技改").content.decode()
    assert registered.number in by_text and dispatched_other.number not in by_text


@pytest.fixture
def dispatched_other(dispatcher, clerk, yi, category, channel, rsj):
    from lianxi.appeals import actions

    appeal = actions.register(acting_user=clerk, enterprise=yi, title="招工难", content="需要招工",
                              category=category, channel=channel).appeal
    return actions.dispatch(appeal, acting_user=dispatcher, lead_department=rsj)


def test_list_paginates_without_a_query_per_row(as_user, dispatcher, clerk, jia, category, channel,
                                                django_assert_max_num_queries):
    from lianxi.appeals import actions

    for i in range(25):
        actions.register(acting_user=clerk, enterprise=jia, title=f"诉求{i:02d}", content="c", category=category,
                         channel=channel)
    client = as_user(dispatcher)
    # session, user, roles, count, page, plus the filter form's selects: a constant, whatever the page size.
    with django_assert_max_num_queries(12):
        first = client.get("/appeals/")
    assert first.content.decode().count('class="title-cell"') == 20
    second = client.get("/appeals/?page=2").content.decode()
    assert second.count('class="title-cell"') == 5 and "第 2 / 2 页" in second


def test_detail_shows_facts_timeline_and_the_users_actions(as_user, dispatcher, handler_gxj, dispatched):
    body = as_user(handler_gxj).get(f"/appeals/{dispatched.pk}/").content.decode()
    assert dispatched.title in body and "市工业和信息化局" in body
    assert "派单员老陈" in body and "交办" in body and "已登记 → 已交办" in body  # the timeline
    assert 'data-action="accept"' in body and 'data-action="return"' in body
    # Handling-only actions are shown disabled, with their reason.
    assert "诉求当前为“已交办”，不能办结答复" in body
    assert 'data-action="dispatch"' not in body


def test_detail_of_a_missing_appeal_is_a_chinese_404(as_user, clerk):
    response = as_user(clerk).get("/appeals/999999/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_register_page_is_for_those_who_register(as_user, clerk, user_jia, deputy, dispatcher, handler_gxj,
                                                 supervisor, leader):
    for persona in (clerk, user_jia, deputy, dispatcher):
        assert as_user(persona).get("/appeals/new/").status_code == 200
    for persona in (handler_gxj, supervisor, leader):
        response = as_user(persona).get("/appeals/new/")
        assert response.status_code == 403 and "您无权登记诉求" in response.content.decode()


def test_enterprise_pages(as_user, clerk, handler_gxj, jia, yi, registered, dispatched_other):
    client = as_user(clerk)
    listing = client.get("/enterprises/").content.decode()
    assert jia.name in listing and yi.name in listing
    searched = client.get("/enterprises/?search=乙食品").content.decode()
    assert yi.name in searched and jia.name not in searched
    by_uscc = client.get(f"/enterprises/?search={jia.uscc.lower()}").content.decode()
    assert jia.name in by_uscc and yi.name not in by_uscc
    profile = client.get(f"/enterprises/{jia.pk}/").content.decode()
    assert jia.uscc in profile and registered.number in profile and dispatched_other.number not in profile
    # A handler sees the directory, but on the profile only the appeals of their own department.
    handler_profile = as_user(handler_gxj).get(f"/enterprises/{jia.pk}/").content.decode()
    assert jia.uscc in handler_profile and registered.number not in handler_profile


def test_enterprise_list_filters_by_town_and_tag(as_user, clerk, jia, yi, town):
    from lianxi.directory.models import Department, Tag

    other_town = Department.objects.create(code="hjz", name="红枫湖镇", kind="town")
    yi.town = other_town
    yi.save()
    tag = Tag.objects.create(name="专精特新")
    jia.tags.add(tag)
    client = as_user(clerk)
    by_town = client.get(f"/enterprises/?town={other_town.pk}").content.decode()
    assert yi.name in by_town and jia.name not in by_town
    by_tag = client.get(f"/enterprises/?tag={tag.pk}").content.decode()
    assert jia.name in by_tag and yi.name not in by_tag and "专精特新" in by_tag


def test_enterprise_user_goes_to_their_own_profile(as_user, user_jia, jia):
    response = as_user(user_jia).get("/enterprises/")
    assert response.status_code == 302 and response.url == f"/enterprises/{jia.pk}/"


def test_unknown_action_is_404(as_user, dispatcher, registered):
    assert as_user(dispatcher).post(f"/appeals/{registered.pk}/act/explode/").status_code == 404


def test_csrf_is_enforced_on_actions(dispatcher, registered, gxj):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(dispatcher)
    response = client.post(f"/appeals/{registered.pk}/act/dispatch/", {"lead_department": gxj.pk})
    assert response.status_code == 403
    registered.refresh_from_db()
    assert registered.state == "registered"


def test_a_huge_list_is_counted_only_a_little_ahead(as_user, dispatcher, clerk, jia, category, channel, monkeypatch):
    from lianxi.appeals import actions
    from lianxi.web.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "ahead", 25)
    for i in range(41):
        actions.register(acting_user=clerk, enterprise=jia, title=f"诉求{i:02d}", content="c", category=category,
                         channel=channel)
    client = as_user(dispatcher)
    body = client.get("/appeals/").content.decode()
    assert "25 条以上" in body and "第 1 / 2 页" in body  # 20 a page: counted 25 of 41
    second = client.get("/appeals/?page=2").content.decode()
    # Asking for page 2 counts 25 past its start: all 41 are found, and the newest first order holds.
    assert "共 41 条" in second and second.count('class="title-cell"') == 20
    assert "诉求20" in second and "诉求21" not in second and "诉求01" in second
    third = client.get("/appeals/?page=3").content.decode()
    assert third.count('class="title-cell"') == 1 and "诉求00" in third
    assert "共 1 条" in client.get("/appeals/?search=诉求07").content.decode()
