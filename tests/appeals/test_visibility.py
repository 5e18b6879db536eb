"""Who sees which appeal: the one access rule, seen through every door (the queryset, the list, the detail, 我的待办).

The cast of appeals, each built through the action functions:

- ``jia_gxj``   甲's appeal, 工信局 leads and 卫城镇 co-handles, accepted (办理中)
- ``yi_rsj``    乙's appeal, dispatched to 人社局
- ``jia_new``   甲's appeal, just registered (no department yet)
- ``yi_deputy`` 乙's appeal, registered by the deputy during an inspection
- ``returned``  甲's appeal, dispatched to 人社局 and returned by it
- ``jia_dual``  甲's appeal, registered by a 人社局 handler who is also a deputy (two roles)

The expected sets are written by hand, persona by persona.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from lianxi.appeals import actions, selectors
from lianxi.appeals.models import Appeal
from lianxi.appeals.workflow import State
from lianxi.core.errors import NotFound
from lianxi.directory.models import Enterprise
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

ALL = {"jia_gxj", "yi_rsj", "jia_new", "yi_deputy", "returned", "jia_dual"}

EXPECTED: dict[str, set[str]] = {
    "clerk": ALL,
    "dispatcher": ALL,
    "supervisor": ALL,
    "leader": ALL,
    "admin_user": ALL,
    "superuser": ALL,  # a superuser without roles (the console account)
    "handler_gxj": {"jia_gxj"},
    "handler_town": {"jia_gxj"},  # co-handling
    "handler_rsj": {"yi_rsj"},  # no longer ``returned``: it sent it back
    "handler_without_department": set(),
    "user_jia": {"jia_gxj", "jia_new", "returned", "jia_dual"},
    "user_yi": {"yi_rsj", "yi_deputy"},
    "deputy": {"yi_deputy"},  # only what the deputy registered
    "rsj_deputy": {"yi_rsj", "jia_dual"},  # handler of 人社局 and deputy: the union
    "nobody": set(),  # an account with no role
    "anonymous": set(),
}



@pytest.fixture
def people(request, clerk, dispatcher, supervisor, leader, admin_user, handler_gxj, handler_rsj, user_jia, user_yi,
           deputy, gxj, rsj, town):
    from lianxi.accounts.models import User

    superuser = User.objects.create_superuser("root", password="pass-word-123")
    return {
        "clerk": clerk, "dispatcher": dispatcher, "supervisor": supervisor, "leader": leader,
        "admin_user": admin_user, "superuser": superuser, "handler_gxj": handler_gxj,
        "handler_town": make_user("handler_town", "handler", department=town),
        "handler_rsj": handler_rsj, "handler_without_department": make_user("floating", "handler"),
        "user_jia": user_jia, "user_yi": user_yi, "deputy": deputy,
        "rsj_deputy": make_user("rsj_deputy", "handler", "deputy", department=rsj, name="人社局干部兼人大代表"),
        "nobody": make_user("nobody"), "anonymous": AnonymousUser(),
    }


@pytest.fixture
def appeals(people, jia, yi, category, channel, gxj, rsj, town, now):
    clerk, dispatcher = people["clerk"], people["dispatcher"]

    def register(enterprise, by=clerk, title="诉求"):
        return actions.register(acting_user=by, enterprise=enterprise, title=title, content="内容",
                                category=category, channel=channel, now=now).appeal

    jia_gxj = register(jia, title="甲的技改补贴")
    actions.dispatch(jia_gxj, acting_user=dispatcher, lead_department=gxj, co_departments=[town], now=now)
    actions.accept(jia_gxj, acting_user=people["handler_gxj"], now=now)
    yi_rsj = register(yi, title="乙的用工招聘")
    actions.dispatch(yi_rsj, acting_user=dispatcher, lead_department=rsj, now=now)
    jia_new = register(jia, title="甲的用地指标")
    yi_deputy = register(yi, by=people["deputy"], title="乙的视察意见")
    returned = register(jia, title="甲的退回件")
    actions.dispatch(returned, acting_user=dispatcher, lead_department=rsj, now=now)
    assert Appeal.objects.visible_to(people["handler_rsj"]).filter(pk=returned.pk).exists()  # before the return
    actions.return_appeal(returned, acting_user=people["handler_rsj"], reason="不属于本局职责", now=now)
    jia_dual = register(jia, by=people["rsj_deputy"], title="甲的代表建议")
    return {"jia_gxj": jia_gxj, "yi_rsj": yi_rsj, "jia_new": jia_new, "yi_deputy": yi_deputy,
            "returned": returned, "jia_dual": jia_dual}


def names(appeals: dict, qs) -> set[str]:
    by_pk = {a.pk: name for name, a in appeals.items()}
    pks = list(qs.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)), "an appeal is listed twice"
    return {by_pk[pk] for pk in pks}


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_visible_to(persona, people, appeals):
    assert names(appeals, Appeal.objects.visible_to(people[persona])) == EXPECTED[persona]


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_appeal_list_and_detail_agree_with_the_rule(persona, people, appeals):
    user = people[persona]
    listed, _ = selectors.appeal_list(user)
    assert names(appeals, listed) == EXPECTED[persona]
    for name, appeal in appeals.items():
        if name in EXPECTED[persona]:
            assert selectors.appeal_detail(user, appeal.pk).pk == appeal.pk
            assert selectors.appeal_detail(user, str(appeal.pk)).pk == appeal.pk
        else:
            with pytest.raises(NotFound):
                selectors.appeal_detail(user, appeal.pk)
    with pytest.raises(NotFound):
        selectors.appeal_detail(user, "not-a-number")


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_inbox_shows_only_visible_appeals(persona, people, appeals, now):
    user = people[persona]
    for section in selectors.inbox(user, now=now):
        assert names(appeals, section.queryset) <= EXPECTED[persona], section.key
        assert section.count == len(names(appeals, section.queryset))


def test_inbox_of_nobody_is_empty(people, appeals, now):
    assert selectors.inbox(people["anonymous"], now=now) == []
    assert selectors.inbox(people["nobody"], now=now) == []


def _inbox(user, now) -> dict[str, set]:
    return {s.key: {a.pk for a in s.queryset} for s in selectors.inbox(user, now=now)}


def test_inbox_sections_of_each_role(people, appeals, now):
    pk = {name: a.pk for name, a in appeals.items()}
    dispatcher = _inbox(people["dispatcher"], now)
    assert dispatcher["to_dispatch"] == {pk["jia_new"], pk["yi_deputy"], pk["jia_dual"]}
    assert dispatcher["returned"] == {pk["returned"]}
    gxj = _inbox(people["handler_gxj"], now)
    assert (gxj["to_accept"], gxj["handling"], gxj["co_handling"]) == (set(), {pk["jia_gxj"]}, set())
    town = _inbox(people["handler_town"], now)
    assert (town["to_accept"], town["handling"], town["co_handling"]) == (set(), set(), {pk["jia_gxj"]})
    rsj = _inbox(people["handler_rsj"], now)
    assert (rsj["to_accept"], rsj["handling"]) == ({pk["yi_rsj"]}, set())
    jia = _inbox(people["user_jia"], now)
    assert jia["my_open"] == {pk["jia_gxj"], pk["jia_new"], pk["returned"], pk["jia_dual"]}
    assert _inbox(people["deputy"], now)["my_open"] == {pk["yi_deputy"]}


def test_filters_cannot_widen_what_a_handler_sees(people, appeals, yi, rsj):
    handler = people["handler_gxj"]
    for params in ({"enterprise": yi.pk}, {"department": rsj.pk}, {"search": "乙"},
                   {"search": appeals["yi_rsj"].number}, {"state": ["dispatched", "registered"]}):
        listed, _ = selectors.appeal_list(handler, params)
        assert names(appeals, listed) == set(), params


def test_invalid_filter_values_list_nothing_rather_than_everything(people, appeals):
    for params in ({"state": "bogus"}, {"enterprise": "999999"}, {"created_from": "昨天"}):
        listed, filterset = selectors.appeal_list(people["clerk"], params)
        assert names(appeals, listed) == set() and filterset.errors, params


def test_department_filter_covers_lead_and_co(people, appeals, gxj, town, rsj):
    clerk = people["clerk"]
    assert names(appeals, selectors.appeal_list(clerk, {"department": gxj.pk})[0]) == {"jia_gxj"}
    assert names(appeals, selectors.appeal_list(clerk, {"department": town.pk})[0]) == {"jia_gxj"}
    assert names(appeals, selectors.appeal_list(clerk, {"department": rsj.pk})[0]) == {"yi_rsj"}


def test_co_handling_ends_when_redispatched_without_the_department(people, appeals, jia, category, channel, gxj,
                                                                   town, now):
    appeal = actions.register(acting_user=people["clerk"], enterprise=jia, title="t", content="c",
                              category=category, channel=channel, now=now).appeal
    actions.dispatch(appeal, acting_user=people["dispatcher"], lead_department=gxj, co_departments=[town], now=now)
    assert Appeal.objects.visible_to(people["handler_town"]).filter(pk=appeal.pk).exists()
    actions.return_appeal(appeal, acting_user=people["handler_gxj"], reason="请重新分派", now=now)
    assert not Appeal.objects.visible_to(people["handler_town"]).filter(pk=appeal.pk).exists()
    assert not Appeal.objects.visible_to(people["handler_gxj"]).filter(pk=appeal.pk).exists()
    appeal.refresh_from_db()
    assert appeal.state == State.REGISTERED


@pytest.mark.parametrize("persona, expected", [
    ("clerk", {"jia", "yi"}), ("dispatcher", {"jia", "yi"}), ("supervisor", {"jia", "yi"}),
    ("leader", {"jia", "yi"}), ("admin_user", {"jia", "yi"}), ("superuser", {"jia", "yi"}),
    ("handler_gxj", {"jia", "yi"}), ("deputy", {"jia", "yi"}), ("rsj_deputy", {"jia", "yi"}),
    ("user_jia", {"jia"}), ("user_yi", {"yi"}), ("nobody", set()), ("anonymous", set()),
])
def test_enterprise_visibility(persona, expected, people, jia, yi):
    by_pk = {jia.pk: "jia", yi.pk: "yi"}
    visible = Enterprise.objects.visible_to(people[persona]).values_list("pk", flat=True)
    assert {by_pk[pk] for pk in visible} == expected
