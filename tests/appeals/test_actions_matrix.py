"""Every action × persona × state of the loop, driven by the workflow table itself.

The matrix is parametrized over ``workflow.ACTIONS`` and ``workflow.State``: add an action or change who may take
it, and these tests follow. What the table cannot say (who sees what, which kwargs are valid, what each action
records) is spelled out here by hand, persona by persona, so the expectations are not computed by the code under
test.

The appeal of the story: enterprise 甲 asks for its 技改补贴; 工信局 leads, 卫城镇 co-handles, 人社局 has nothing
to do with it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from lianxi.appeals import actions
from lianxi.appeals.forms import ACTION_FORMS, submit_action, submit_registration
from lianxi.appeals.models import Appeal, AppealEvent, AppealNumberSequence, Attachment
from lianxi.appeals.workflow import ACTIONS, Relation, State
from lianxi.core.errors import InvalidInput, NotFound, NotPermitted, StateConflict
from lianxi.core.workdays import local_date
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def at(*args) -> dt.datetime:
    """An aware moment in Asia/Shanghai."""
    return timezone.make_aware(dt.datetime(*args))


def iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


@pytest.fixture(autouse=True)
def quick_setup(settings):
    settings.LIANXI = {**settings.LIANXI, "AUTO_CLOSE_SATISFIED": False}


@pytest.fixture
def handler_town(db, town):
    """A handler of 卫城镇, the co-department of the story's appeal."""
    return make_user("handler_town", "handler", department=town, name="卫城镇承办人")


# ---- building an appeal in any state, through the action functions -------------------------------------------

# A pseudo-state for the matrix: handling, with an extension request waiting for the supervisor.
HANDLING_WITH_EXTENSION = "handling+extension"
# Another: registered again after its second return, waiting for a supervisor's arbitration.
AWAITING_ARBITRATION = "registered+returned-twice"
MATRIX_STATES = [*State.values, HANDLING_WITH_EXTENSION, AWAITING_ARBITRATION]


def base_state(state_key: str) -> str:
    return {HANDLING_WITH_EXTENSION: State.HANDLING, AWAITING_ARBITRATION: State.REGISTERED}.get(state_key, state_key)


@dataclass
class Cast:
    """Who and what an appeal is built with."""

    clerk: object
    dispatcher: object
    handler: object  # a handler of the lead department
    supervisor: object
    enterprise: object
    category: object
    channel: object
    lead: object
    co: list = field(default_factory=list)


@pytest.fixture
def cast(clerk, dispatcher, handler_gxj, supervisor, jia, category, channel, gxj, town):
    return Cast(clerk, dispatcher, handler_gxj, supervisor, jia, category, channel, gxj, [town])


def make_appeal_in(state: str, cast: Cast, *, now: dt.datetime, enterprise=None, urgency: str = "general",
                   registered_by=None, title: str = "申请技术改造补贴") -> Appeal:
    """An appeal of ``enterprise`` (default: the cast's) in ``state``, walked there step by step through the
    action functions, so every step obeys the same rules as in production."""
    appeal = actions.register(acting_user=registered_by or cast.clerk, enterprise=enterprise or cast.enterprise,
                              title=title, content="去年完成的技改项目，补贴至今未兑现，请协调。",
                              category=cast.category, channel=cast.channel, urgency=urgency, now=now).appeal
    if state == State.REGISTERED:
        return appeal
    if state == AWAITING_ARBITRATION:
        for reason in ("不属于本单位职责", "仍不属于本单位职责"):
            appeal = actions.dispatch(appeal, acting_user=cast.dispatcher, lead_department=cast.lead, now=now)
            appeal = actions.return_appeal(appeal, acting_user=cast.handler, reason=reason, now=now)
        return appeal
    if state == State.REJECTED:
        return actions.reject(appeal, acting_user=cast.dispatcher, reason="不属于涉企诉求范围", now=now)
    if state == State.MERGED:
        target = make_appeal_in(State.REGISTERED, cast, now=now, enterprise=enterprise, title="同一补贴问题")
        return actions.merge(appeal, acting_user=cast.dispatcher, into=target, now=now)
    appeal = actions.dispatch(appeal, acting_user=cast.dispatcher, lead_department=cast.lead,
                              co_departments=cast.co, now=now)
    if state == State.DISPATCHED:
        return appeal
    appeal = actions.accept(appeal, acting_user=cast.handler, now=now)
    if state == State.HANDLING:
        return appeal
    if state == HANDLING_WITH_EXTENSION:
        return actions.request_extension(appeal, acting_user=cast.handler, due_at=appeal.due_at + dt.timedelta(days=7),
                                         reason="需省级部门会商", now=now)
    if state == State.SUSPENDED:
        return actions.suspend(appeal, acting_user=cast.supervisor, reason="待省级资金下达",
                               review_date=local_date(now) + dt.timedelta(days=30), now=now)
    appeal = actions.reply(appeal, acting_user=cast.handler, result="补贴已拨付到账", outcome="solved", now=now)
    if state == State.REPLIED:
        return appeal
    appeal = actions.follow_up(appeal, acting_user=cast.clerk, rating=4, solved=True, now=now)
    if state == State.FOLLOWED_UP:
        return appeal
    if state == State.CLOSED:
        return actions.close(appeal, acting_user=cast.supervisor, now=now)
    raise ValueError(f"no way to build an appeal in {state!r}")


@pytest.mark.parametrize("state", MATRIX_STATES)
def test_make_appeal_in_reaches_the_state(state, cast, now):
    appeal = make_appeal_in(state, cast, now=now)
    appeal.refresh_from_db()
    assert appeal.state == base_state(state)
    assert appeal.extension_pending == (state == HANDLING_WITH_EXTENSION)
    assert appeal.awaiting_arbitration == (state == AWAITING_ARBITRATION)


# ---- the personas, described by hand ---------------------------------------------------------------------------

# persona -> (roles held, how it stands to the story's appeal: "all" citywide staff, "lead" handler of 工信局,
# "co" handler of 卫城镇, "own" enterprise 甲 itself, "none" an outsider to this appeal)
PERSONAS: dict[str, tuple[set[str], str]] = {
    "clerk": ({"clerk"}, "all"),
    "dispatcher": ({"dispatcher"}, "all"),
    "supervisor": ({"supervisor"}, "all"),
    "leader": ({"leader"}, "all"),
    "admin_user": ({"admin"}, "all"),
    "handler_gxj": ({"handler"}, "lead"),
    "handler_town": ({"handler"}, "co"),
    "handler_rsj": ({"handler"}, "none"),
    "user_jia": ({"enterprise"}, "own"),
    "user_yi": ({"enterprise"}, "none"),
    "deputy": ({"deputy"}, "none"),  # the clerk registered the appeal, not the deputy
    "anonymous": (set(), "none"),
}

# Before dispatch (and after reject/merge of a registered appeal) there is no lead or co department.
STATES_WITH_DEPARTMENTS = {State.DISPATCHED, State.HANDLING, HANDLING_WITH_EXTENSION, State.SUSPENDED,
                           State.REPLIED, State.FOLLOWED_UP, State.CLOSED}

STANDING = {
    "all": {Relation.ANY},
    "lead": {Relation.ANY, Relation.LEAD, Relation.LEAD_OR_CO},
    "co": {Relation.ANY, Relation.LEAD_OR_CO},
    "own": {Relation.ANY, Relation.OWN},
    "none": {Relation.ANY},
}


def persona_user(request, persona: str):
    return AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_personas_hold_the_roles_described(persona, request, handler_town):
    assert request.getfixturevalue(persona).role_codes == PERSONAS[persona][0]


def expect_visible(persona: str, state_key: str) -> bool:
    sight = PERSONAS[persona][1]
    if sight in ("all", "own"):
        return True
    if sight in ("lead", "co"):
        return state_key in STATES_WITH_DEPARTMENTS
    return False


def expect_permitted(persona: str, action) -> bool:
    roles, sight = PERSONAS[persona]
    return any(role in roles and relation in STANDING[sight] for role, relation in action.who.items())


# ---- valid input for each action, and what it must record -----------------------------------------------------

@dataclass(frozen=True)
class Valid:
    """Valid keywords for an action, the event data they must produce and their effect on the appeal.
    Each callable gets (appeal before the action, cast, the moment of the action); ``data`` and ``effects`` also
    get the keywords used."""

    kwargs: Callable[..., dict]
    data: Callable[..., dict]
    effects: Callable[..., dict] = lambda before, kw, cast, when: {}
    to_state: str | None = None  # for an action with several targets: where these kwargs lead


def _requested(before, when):
    return (before.due_at or when) + dt.timedelta(days=5)


VALID: dict[str, Valid] = {
    "edit": Valid(
        kwargs=lambda before, cast, when: {"title": "申请技术改造补贴（更正）", "urgency": "urgent"},
        data=lambda before, kw, cast, when: {"changes": {"title": [before.title, "申请技术改造补贴（更正）"],
                                                         "urgency": ["general", "urgent"]}},
        effects=lambda before, kw, cast, when: {"title": "申请技术改造补贴（更正）", "urgency": "urgent"}),
    "dispatch": Valid(
        kwargs=lambda before, cast, when: {"lead_department": cast.lead, "co_departments": cast.co,
                                           "instructions": "请于时限内办结并答复企业"},
        data=lambda before, kw, cast, when: {"lead_department": cast.lead.pk,
                                             "co_departments": [d.pk for d in cast.co],
                                             "instructions": "请于时限内办结并答复企业", "due_at_explicit": False,
                                             "redispatch": False},
        effects=lambda before, kw, cast, when: {"lead_department_id": cast.lead.pk, "dispatched_at": when,
                                                "co_department_ids": {d.pk for d in cast.co}}),
    "arbitrate": Valid(
        kwargs=lambda before, cast, when: {"lead_department": cast.lead, "co_departments": cast.co,
                                           "reason": "经会商，该事项由工信局主办"},
        data=lambda before, kw, cast, when: {"lead_department": cast.lead.pk,
                                             "co_departments": [d.pk for d in cast.co],
                                             "reason": "经会商，该事项由工信局主办", "redispatch": True},
        effects=lambda before, kw, cast, when: {"lead_department_id": cast.lead.pk, "dispatched_at": when,
                                                "arbitrated_at": when, "return_count": 2}),
    "return": Valid(
        kwargs=lambda before, cast, when: {"reason": "不属于本单位职责"},
        data=lambda before, kw, cast, when: {"reason": "不属于本单位职责", "department": cast.lead.pk,
                                             "return_count": 1, "arbitration": False},
        effects=lambda before, kw, cast, when: {"lead_department_id": None, "co_department_ids": set(),
                                                "due_at": None, "return_count": 1}),
    "accept": Valid(
        kwargs=lambda before, cast, when: {},
        data=lambda before, kw, cast, when: {"on_time": True},
        effects=lambda before, kw, cast, when: {"accepted_at": when}),
    "progress": Valid(
        kwargs=lambda before, cast, when: {"note": "已赴企业现场核实"},
        data=lambda before, kw, cast, when: {"note": "已赴企业现场核实"}),
    "request-extension": Valid(
        kwargs=lambda before, cast, when: {"due_at": _requested(before, when), "reason": "需省级部门会商"},
        data=lambda before, kw, cast, when: {"due_at": iso(kw["due_at"]), "reason": "需省级部门会商"},
        effects=lambda before, kw, cast, when: {"extension_due_at": kw["due_at"], "due_at": before.due_at}),
    "decide-extension": Valid(
        kwargs=lambda before, cast, when: {"approve": True, "reason": "同意"},
        data=lambda before, kw, cast, when: {"approve": True, "requested_due_at": iso(before.extension_due_at)},
        effects=lambda before, kw, cast, when: {"due_at": before.extension_due_at, "extension_due_at": None,
                                                "original_due_at": before.original_due_at}),
    "reply": Valid(
        kwargs=lambda before, cast, when: {"result": "补贴已拨付", "outcome": "solved", "reply": "您的补贴已到账"},
        data=lambda before, kw, cast, when: {"result": "补贴已拨付", "outcome": "solved", "reply": "您的补贴已到账"},
        effects=lambda before, kw, cast, when: {"replied_at": when, "outcome": "solved", "extension_due_at": None}),
    "follow-up": Valid(
        kwargs=lambda before, cast, when: {"rating": 4, "solved": True, "comment": "办得快"},
        data=lambda before, kw, cast, when: {"rating": 4, "solved": True, "comment": "办得快", "reopened": False},
        effects=lambda before, kw, cast, when: {"rating": 4, "solved": True, "followed_up_at": when,
                                                "reopen_count": 0},
        to_state=State.FOLLOWED_UP),
    "close": Valid(
        kwargs=lambda before, cast, when: {},
        data=lambda before, kw, cast, when: {"automatic": False},
        effects=lambda before, kw, cast, when: {"closed_at": when}),
    "suspend": Valid(
        kwargs=lambda before, cast, when: {"reason": "待省级资金下达",
                                           "review_date": local_date(when) + dt.timedelta(days=60)},
        data=lambda before, kw, cast, when: {"reason": "待省级资金下达", "review_date": kw["review_date"].isoformat()},
        effects=lambda before, kw, cast, when: {"review_date": kw["review_date"], "suspend_reason": "待省级资金下达"}),
    "resume": Valid(
        kwargs=lambda before, cast, when: {"reason": "资金已到位"},
        data=lambda before, kw, cast, when: {"reason": "资金已到位"},
        effects=lambda before, kw, cast, when: {"review_date": None}),
    "reject": Valid(
        kwargs=lambda before, cast, when: {"reason": "属于民事纠纷，请通过诉讼解决"},
        data=lambda before, kw, cast, when: {"reason": "属于民事纠纷，请通过诉讼解决"},
        effects=lambda before, kw, cast, when: {"reject_reason": "属于民事纠纷，请通过诉讼解决"}),
    "merge": Valid(
        kwargs=lambda before, cast, when: {"into": make_appeal_in(State.REGISTERED, cast, now=when,
                                                                  title="同一补贴问题")},
        data=lambda before, kw, cast, when: {"into": kw["into"].pk, "into_number": kw["into"].number},
        effects=lambda before, kw, cast, when: {"merged_into_id": kw["into"].pk}),
    "supervise": Valid(
        kwargs=lambda before, cast, when: {"level": "supervise", "text": "请加快办理"},
        data=lambda before, kw, cast, when: {"level": "supervise", "text": "请加快办理",
                                             "department": before.lead_department_id, "automatic": False}),
    "instruct": Valid(
        kwargs=lambda before, cast, when: {"text": "请工信局主要负责同志亲自过问，限期解决"},
        data=lambda before, kw, cast, when: {"instruction": "请工信局主要负责同志亲自过问，限期解决",
                                             "department": before.lead_department_id}),
}

LOOP_ACTIONS = [name for name in ACTIONS if name != "register"]


def test_every_action_of_the_table_has_a_performer_a_form_and_a_test():
    assert set(LOOP_ACTIONS) == set(actions.PERFORMERS) == set(ACTION_FORMS) == set(VALID)


def snapshot(appeal: Appeal) -> tuple:
    """Everything an action could change: the row, its co-departments, the events, the number of appeals."""
    return (Appeal.objects.filter(pk=appeal.pk).values().get(),
            sorted(appeal.co_departments.values_list("pk", flat=True)),
            AppealEvent.objects.filter(appeal=appeal).count(), Appeal.objects.count())


def attribute(appeal: Appeal, name: str):
    if name == "co_department_ids":
        return set(appeal.co_departments.values_list("pk", flat=True))
    return getattr(appeal, name)


# ---- the matrix ------------------------------------------------------------------------------------------------

def try_action(name: str, state_key: str, persona: str, appeal: Appeal, user, cast: Cast, when: dt.datetime):
    """One cell of the matrix: the persona attempts the action with valid input; assert what must follow."""
    action = ACTIONS[name]
    before = Appeal.objects.get(pk=appeal.pk)
    kwargs = VALID[name].kwargs(before, cast, when)
    unchanged = snapshot(appeal)

    visible = expect_visible(persona, state_key)
    permitted = expect_permitted(persona, action)
    state_ok = base_state(state_key) in action.sources and all(
        condition(before, when) is None for condition in action.conditions)

    if not (visible and permitted and state_ok):
        expected = NotFound if not visible else NotPermitted if not permitted else StateConflict
        with pytest.raises(expected) as refused:
            actions.PERFORMERS[name](appeal, acting_user=user, now=when, **kwargs)
        assert type(refused.value) is expected
        assert CHINESE.search(refused.value.message)
        if expected is StateConflict and base_state(state_key) not in action.sources:
            # The reason names the state the appeal is in and the action refused.
            assert State(base_state(state_key)).label in refused.value.message
            assert action.label in refused.value.message
        assert snapshot(appeal) == unchanged
        return

    events_before = unchanged[2]
    result = actions.PERFORMERS[name](appeal, acting_user=user, now=when, **kwargs)
    valid = VALID[name]
    to_state = valid.to_state or action.target or before.state
    after = Appeal.objects.get(pk=appeal.pk)
    assert result.state == after.state == to_state
    events = list(AppealEvent.objects.filter(appeal=appeal).order_by("at", "id"))
    assert len(events) == events_before + 1
    event = events[-1]
    assert (event.action, event.actor_id, event.actor_name, event.from_state, event.to_state, event.at) == (
        name, user.pk, user.display_name, before.state, to_state, when)
    expected_data = valid.data(before, kwargs, cast, when)
    assert {k: event.data.get(k) for k in expected_data} == expected_data
    for attr, value in valid.effects(before, kwargs, cast, when).items():
        assert attribute(after, attr) == value, attr


@pytest.mark.parametrize("state_key", MATRIX_STATES)
@pytest.mark.parametrize("name", LOOP_ACTIONS)
def test_action_matrix(name, state_key, request, cast, now):
    """Every persona attempts ``name`` on one appeal in ``state_key``. Each attempt runs in a savepoint that is
    rolled back afterwards, so every persona meets the same appeal (and the personas and the appeal are built
    once per cell row, which keeps the 14 × 10 × 12 matrix fast)."""
    appeal = make_appeal_in(state_key, cast, now=now)
    users = {persona: persona_user(request, persona) for persona in PERSONAS}
    when = now + dt.timedelta(hours=1)
    failures = []
    for persona, user in users.items():
        savepoint = transaction.savepoint()
        try:
            try_action(name, state_key, persona, appeal, user, cast, when)
        except (Exception, pytest.fail.Exception) as failure:  # collect every persona's failure, then report
            failures.append(f"{persona}: {type(failure).__name__}: {failure}")
        finally:
            transaction.savepoint_rollback(savepoint)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_register_matrix(persona, request, cast, now):
    """Who may register an appeal for enterprise 甲: the table's roles; an enterprise only for itself."""
    user = persona_user(request, persona)
    roles, sight = PERSONAS[persona]
    may_register = any(role in roles and relation in STANDING[sight]
                       for role, relation in ACTIONS["register"].who.items())
    if not may_register:
        with pytest.raises(NotPermitted):
            actions.register(acting_user=user, enterprise=cast.enterprise, title="t", content="c",
                             category=cast.category, channel=cast.channel, now=now)
        assert Appeal.objects.count() == AppealEvent.objects.count() == AppealNumberSequence.objects.count() == 0
        return
    registration = actions.register(acting_user=user, enterprise=cast.enterprise, title=" 用电增容 ",
                                    content="新厂房需增容至800千伏安", category=cast.category, now=now)
    appeal = registration.appeal
    assert registration.created and appeal.state == State.REGISTERED
    assert (appeal.title, appeal.created_by_id, appeal.created_at) == ("用电增容", user.pk, now)
    # Without a channel: an enterprise registers online, a deputy through an inspection, staff at the window.
    expected_channel = {"user_jia": "online", "deputy": "npc_inspection"}.get(persona, "window")
    assert appeal.channel.code == expected_channel
    event = AppealEvent.objects.get(appeal=appeal)
    assert (event.action, event.actor_id, event.from_state, event.to_state) == ("register", user.pk, "", "registered")
    assert event.data["channel"] == expected_channel and event.data["category"] == cast.category.code


# ---- special cases ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rating", [1, 2])
def test_bad_rating_reopens_to_the_lead_department_for_five_working_days(rating, cast, clerk, now):
    appeal = make_appeal_in(State.REPLIED, cast, now=now)
    when = at(2026, 3, 17, 9, 30)  # Tuesday
    appeal = actions.follow_up(appeal, acting_user=clerk, rating=rating, solved=False, comment="没有解决", now=when)
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING and appeal.reopen_count == 1
    # 差评整改: Wed 18, Thu 19, Fri 20, Mon 23, Tue 24 March.
    assert appeal.due_at == at(2026, 3, 24, 23, 59, 59)
    assert (appeal.rating, appeal.solved) == (rating, False)
    event = appeal.events.order_by("at", "id").last()
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "follow-up", clerk.pk, "replied", "handling")
    assert event.data["reopened"] is True and event.data["due_at"] == iso(at(2026, 3, 24, 23, 59, 59))
    # The lead department replies again; the second bad rating counts a second reopening.
    actions.reply(appeal, acting_user=cast.handler, result="已重新协调", outcome="partly_solved", now=when)
    appeal = actions.follow_up(appeal, acting_user=clerk, rating=1, solved=False, now=when)
    assert appeal.state == State.HANDLING and appeal.reopen_count == 2


@pytest.mark.parametrize("rating", [3, 4, 5])
def test_satisfied_rating_ends_in_followed_up(rating, cast, user_jia, now):
    appeal = make_appeal_in(State.REPLIED, cast, now=now)
    due_before = Appeal.objects.get(pk=appeal.pk).due_at
    appeal = actions.follow_up(appeal, acting_user=user_jia, rating=rating, solved=False, now=now)
    appeal.refresh_from_db()
    assert appeal.state == State.FOLLOWED_UP and appeal.reopen_count == 0 and appeal.due_at == due_before
    event = appeal.events.order_by("at", "id").last()
    assert (event.actor_id, event.to_state, event.data["reopened"], event.data["due_at"]) == (
        user_jia.pk, "followed_up", False, None)


def test_follow_up_rejects_a_rating_outside_the_scale(cast, clerk, now):
    appeal = make_appeal_in(State.REPLIED, cast, now=now)
    unchanged = snapshot(appeal)
    for rating in (0, 6):
        with pytest.raises(InvalidInput) as bad:
            actions.follow_up(appeal, acting_user=clerk, rating=rating, solved=True, now=now)
        assert "rating" in bad.value.fields
    assert snapshot(appeal) == unchanged


def test_second_return_is_counted(cast, dispatcher, handler_gxj, gxj, now):
    appeal = make_appeal_in(State.DISPATCHED, cast, now=now)
    actions.return_appeal(appeal, acting_user=handler_gxj, reason="应由人社局办理", now=now)
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, now=now)
    appeal = actions.return_appeal(appeal, acting_user=handler_gxj, reason="仍不属于本局", now=now)
    appeal.refresh_from_db()
    assert appeal.state == State.REGISTERED and appeal.return_count == 2 and appeal.lead_department is None
    returns = list(appeal.events.filter(action="return").order_by("at", "id"))
    assert [e.data["return_count"] for e in returns] == [1, 2]
    assert returns[-1].data["reason"] == "仍不属于本局" and returns[-1].data["department"] == gxj.pk


def test_return_needs_a_reason(cast, handler_gxj, now):
    appeal = make_appeal_in(State.DISPATCHED, cast, now=now)
    unchanged = snapshot(appeal)
    with pytest.raises(InvalidInput) as bad:
        actions.return_appeal(appeal, acting_user=handler_gxj, reason="   ", now=now)
    assert set(bad.value.fields) == {"reason"}
    assert snapshot(appeal) == unchanged


def test_redispatch_after_a_return_restarts_the_clock(cast, dispatcher, handler_gxj, rsj, now):
    appeal = make_appeal_in(State.DISPATCHED, cast, now=now)  # Wed 11 March: due Fri 20 March
    assert appeal.due_at == at(2026, 3, 20, 23, 59, 59)
    actions.return_appeal(appeal, acting_user=handler_gxj, reason="应由人社局办理", now=at(2026, 3, 12, 9, 0))
    again = at(2026, 3, 16, 10, 0)  # Monday
    appeal = actions.dispatch(appeal, acting_user=dispatcher, lead_department=rsj, now=again)
    appeal.refresh_from_db()
    assert appeal.dispatched_at == again and appeal.accepted_at is None
    assert appeal.accept_due_at == at(2026, 3, 17, 23, 59, 59)
    # 7 working days from Monday 16 March: 17, 18, 19, 20, 23, 24, 25.
    assert appeal.due_at == appeal.original_due_at == at(2026, 3, 25, 23, 59, 59)
    assert set(appeal.co_departments.all()) == set()  # the return cleared 卫城镇 and nobody re-added it
    event = appeal.events.order_by("at", "id").last()
    assert event.data["redispatch"] is True and event.data["lead_department"] == rsj.pk


def test_dispatch_with_a_deadline_in_the_past_is_refused(cast, dispatcher, gxj, town, now):
    appeal = make_appeal_in(State.REGISTERED, cast, now=now)
    unchanged = snapshot(appeal)
    for due_at in (now - dt.timedelta(days=1), now):
        with pytest.raises(InvalidInput) as bad:
            actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, co_departments=[town],
                             due_at=due_at, now=now)
        assert set(bad.value.fields) == {"due_at"}
    assert snapshot(appeal) == unchanged


def test_dispatch_with_an_explicit_deadline_keeps_it(cast, dispatcher, gxj, now):
    appeal = make_appeal_in(State.REGISTERED, cast, now=now)
    due = at(2026, 4, 30, 18, 0)
    appeal = actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, due_at=due, now=now)
    assert appeal.due_at == appeal.original_due_at == due
    assert appeal.events.order_by("at", "id").last().data["due_at_explicit"] is True


def test_dispatch_drops_the_lead_department_from_the_co_departments(cast, dispatcher, gxj, rsj, now):
    appeal = make_appeal_in(State.REGISTERED, cast, now=now)
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=gxj, co_departments=[gxj, rsj], now=now)
    assert list(appeal.co_departments.all()) == [rsj]


def test_extension_only_before_the_deadline(cast, handler_gxj, now):
    appeal = make_appeal_in(State.HANDLING, cast, now=now)  # due Fri 20 March 23:59:59
    deadline = appeal.due_at
    asked = deadline + dt.timedelta(days=7)
    late = deadline + dt.timedelta(seconds=1)
    unchanged = snapshot(appeal)
    with pytest.raises(StateConflict) as refused:
        actions.request_extension(appeal, acting_user=handler_gxj, due_at=asked, reason="需会商", now=late)
    assert "已超过办结时限" in refused.value.message
    assert snapshot(appeal) == unchanged
    # At the very last second it is still in time.
    appeal = actions.request_extension(appeal, acting_user=handler_gxj, due_at=asked, reason="需会商", now=deadline)
    assert appeal.extension_due_at == asked and appeal.due_at == deadline


def test_only_one_extension_request_may_be_pending(cast, handler_gxj, now):
    appeal = make_appeal_in(HANDLING_WITH_EXTENSION, cast, now=now)
    unchanged = snapshot(appeal)
    with pytest.raises(StateConflict) as refused:
        actions.request_extension(appeal, acting_user=handler_gxj, due_at=appeal.due_at + dt.timedelta(days=20),
                                  reason="再延", now=now)
    assert "已有待审批的延期申请" in refused.value.message
    assert snapshot(appeal) == unchanged


def test_extension_must_ask_for_a_later_deadline(cast, handler_gxj, now):
    appeal = make_appeal_in(State.HANDLING, cast, now=now)
    unchanged = snapshot(appeal)
    for due_at in (appeal.due_at, appeal.due_at - dt.timedelta(days=1), None):
        with pytest.raises(InvalidInput) as bad:
            actions.request_extension(appeal, acting_user=handler_gxj, due_at=due_at, reason="需会商", now=now)
        assert set(bad.value.fields) == {"due_at"}
    assert snapshot(appeal) == unchanged


def test_approved_extension_moves_the_deadline_and_keeps_the_original(cast, supervisor, now):
    appeal = make_appeal_in(HANDLING_WITH_EXTENSION, cast, now=now)
    original, asked = appeal.due_at, appeal.extension_due_at
    appeal = actions.decide_extension(appeal, acting_user=supervisor, approve=True, reason="同意", now=now)
    appeal.refresh_from_db()
    assert (appeal.due_at, appeal.original_due_at, appeal.extension_due_at, appeal.extension_reason) == (
        asked, original, None, "")
    event = appeal.events.order_by("at", "id").last()
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "decide-extension", supervisor.pk, "handling", "handling")
    assert event.data == {"approve": True, "reason": "同意", "requested_due_at": iso(asked),
                          "previous_due_at": iso(original)}


def test_denied_extension_keeps_the_deadline(cast, supervisor, handler_gxj, now):
    appeal = make_appeal_in(HANDLING_WITH_EXTENSION, cast, now=now)
    original = appeal.due_at
    appeal = actions.decide_extension(appeal, acting_user=supervisor, approve=False, reason="理由不充分", now=now)
    appeal.refresh_from_db()
    assert (appeal.due_at, appeal.original_due_at, appeal.extension_due_at) == (original, original, None)
    assert appeal.events.order_by("at", "id").last().data["approve"] is False
    # Decided: nothing is pending any more, so the handler may ask again.
    actions.request_extension(appeal, acting_user=handler_gxj, due_at=original + dt.timedelta(days=3),
                              reason="补充材料后再申请", now=now)


@pytest.mark.parametrize("target_state", [State.MERGED, State.CLOSED, State.REJECTED])
def test_merge_into_a_finished_appeal_is_refused(target_state, cast, dispatcher, now):
    target = make_appeal_in(target_state, cast, now=now)
    appeal = make_appeal_in(State.REGISTERED, cast, now=now)
    unchanged = snapshot(appeal)
    with pytest.raises(InvalidInput) as bad:
        actions.merge(appeal, acting_user=dispatcher, into=target, now=now)
    assert set(bad.value.fields) == {"into"}
    assert State(target_state).label in bad.value.fields["into"][0]
    assert snapshot(appeal) == unchanged


def test_merge_into_itself_is_refused(cast, dispatcher, now):
    appeal = make_appeal_in(State.DISPATCHED, cast, now=now)
    unchanged = snapshot(appeal)
    for into in (appeal, None):
        with pytest.raises(InvalidInput) as bad:
            actions.merge(appeal, acting_user=dispatcher, into=into, now=now)
        assert set(bad.value.fields) == {"into"}
    assert snapshot(appeal) == unchanged


def test_merge_of_a_dispatched_appeal(cast, dispatcher, now):
    target = make_appeal_in(State.HANDLING, cast, now=now)
    appeal = make_appeal_in(State.DISPATCHED, cast, now=now)
    appeal = actions.merge(appeal, acting_user=dispatcher, into=target, now=now)
    appeal.refresh_from_db()
    assert appeal.state == State.MERGED and appeal.merged_into == target
    event = appeal.events.order_by("at", "id").last()
    assert (event.from_state, event.to_state, event.data["into_number"]) == ("dispatched", "merged", target.number)


@pytest.mark.parametrize("days_ahead", [0, -1, None])
def test_suspend_needs_a_future_review_date(days_ahead, cast, supervisor, now):
    appeal = make_appeal_in(State.HANDLING, cast, now=now)
    unchanged = snapshot(appeal)
    review_date = None if days_ahead is None else local_date(now) + dt.timedelta(days=days_ahead)
    with pytest.raises(InvalidInput) as bad:
        actions.suspend(appeal, acting_user=supervisor, reason="待政策出台", review_date=review_date, now=now)
    assert set(bad.value.fields) == {"review_date"}
    assert snapshot(appeal) == unchanged


def test_suspend_and_resume(cast, supervisor, now):
    appeal = make_appeal_in(State.HANDLING, cast, now=now)
    review = dt.date(2026, 3, 12)
    appeal = actions.suspend(appeal, acting_user=supervisor, reason="待政策出台", review_date=review, now=now)
    assert appeal.state == State.SUSPENDED and appeal.review_date == review
    appeal = actions.resume(appeal, acting_user=supervisor, reason="政策已出台", now=now)
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING and appeal.review_date is None
    assert list(appeal.events.order_by("at", "id").values_list("action", "from_state", "to_state"))[-2:] == [
        ("suspend", "handling", "suspended"), ("resume", "suspended", "handling")]


def test_co_department_may_note_progress_but_not_accept_return_or_reply(cast, handler_town, handler_gxj, now):
    dispatched = make_appeal_in(State.DISPATCHED, cast, now=now)
    unchanged = snapshot(dispatched)
    with pytest.raises(NotPermitted):
        actions.accept(dispatched, acting_user=handler_town, now=now)
    with pytest.raises(NotPermitted):
        actions.return_appeal(dispatched, acting_user=handler_town, reason="不是我们的", now=now)
    assert snapshot(dispatched) == unchanged

    handling = actions.accept(dispatched, acting_user=handler_gxj, now=now)
    with pytest.raises(NotPermitted):
        actions.reply(handling, acting_user=handler_town, result="已办", outcome="solved", now=now)
    with pytest.raises(NotPermitted):
        actions.request_extension(handling, acting_user=handler_town, due_at=handling.due_at + dt.timedelta(days=1),
                                  reason="x", now=now)
    appeal = actions.progress(handling, acting_user=handler_town, note="已协调用地指标", now=now)
    assert appeal.state == State.HANDLING
    event = appeal.events.order_by("at", "id").last()
    assert (event.action, event.actor_id, event.actor_department, event.data) == (
        "progress", handler_town.pk, "卫城镇", {"note": "已协调用地指标"})


def test_enterprise_follows_up_its_own_appeal_only(cast, user_jia, user_yi, yi, now):
    own = make_appeal_in(State.REPLIED, cast, now=now)
    others = make_appeal_in(State.REPLIED, cast, now=now, enterprise=yi)
    unchanged = snapshot(others)
    with pytest.raises(NotFound):
        actions.follow_up(others, acting_user=user_jia, rating=5, solved=True, now=now)
    assert snapshot(others) == unchanged
    appeal = actions.follow_up(own, acting_user=user_jia, rating=5, solved=True, comment="很满意", now=now)
    assert appeal.state == State.FOLLOWED_UP
    event = appeal.events.order_by("at", "id").last()
    assert (event.actor_id, event.actor_name, event.actor_department) == (user_jia.pk, "甲公司联系人", "贵州甲材料有限公司")
    # and 乙 can rate its own
    assert actions.follow_up(others, acting_user=user_yi, rating=3, solved=True, now=now).state == State.FOLLOWED_UP


def test_satisfied_follow_up_closes_automatically_when_configured(settings, cast, user_jia, now):
    settings.LIANXI = {**settings.LIANXI, "AUTO_CLOSE_SATISFIED": True}
    appeal = make_appeal_in(State.REPLIED, cast, now=now)
    appeal = actions.follow_up(appeal, acting_user=user_jia, rating=4, solved=True, now=now)
    appeal.refresh_from_db()
    assert appeal.state == State.CLOSED and appeal.closed_at == now
    follow, close = list(appeal.events.order_by("at", "id"))[-2:]
    assert (follow.action, follow.actor_id, follow.from_state, follow.to_state) == (
        "follow-up", user_jia.pk, "replied", "followed_up")
    assert (close.action, close.actor, close.actor_name, close.from_state, close.to_state, close.data) == (
        "close", None, "系统", "followed_up", "closed", {"automatic": True})


@pytest.mark.parametrize("rating, solved, state", [(4, False, State.FOLLOWED_UP), (2, True, State.HANDLING)])
def test_auto_close_only_when_satisfied_and_solved(rating, solved, state, settings, cast, clerk, now):
    settings.LIANXI = {**settings.LIANXI, "AUTO_CLOSE_SATISFIED": True}
    appeal = make_appeal_in(State.REPLIED, cast, now=now)
    appeal = actions.follow_up(appeal, acting_user=clerk, rating=rating, solved=solved, now=now)
    appeal.refresh_from_db()
    assert appeal.state == state
    assert not appeal.events.filter(action="close").exists()


def test_supervise_leaves_the_state_and_names_the_department(cast, supervisor, rsj, now):
    appeal = make_appeal_in(State.HANDLING, cast, now=now)
    appeal = actions.supervise(appeal, acting_user=supervisor, level="listed", text="挂牌督办", department=rsj, now=now)
    assert appeal.state == State.HANDLING
    event = appeal.events.order_by("at", "id").last()
    assert (event.from_state, event.to_state, event.data["department"], event.data["level"]) == (
        "handling", "handling", rsj.pk, "listed")
    order = appeal.supervisions.get()
    assert (order.level, order.department, order.issued_by, order.event, order.text) == (
        "listed", rsj, supervisor, event, "挂牌督办")
    assert event.data["supervision"] == order.pk and event.data["number"] == order.number
    with pytest.raises(InvalidInput) as bad:
        actions.supervise(appeal, acting_user=supervisor, level="shout", text="", now=now)
    assert set(bad.value.fields) == {"level", "text"}
    assert appeal.supervisions.count() == 1 and appeal.events.filter(action="supervise").count() == 1


# ---- forms: the single entry point of pages and API -----------------------------------------------------------

def test_submit_action_parses_and_performs(cast, dispatcher, gxj, rsj, town, now):
    appeal = make_appeal_in(State.REGISTERED, cast, now=now)
    appeal = submit_action("dispatch", appeal, acting_user=dispatcher,
                           data={"lead_department": str(gxj.pk), "co_departments": [str(rsj.pk), str(town.pk)],
                                 "instructions": "  请尽快办理 "})
    appeal.refresh_from_db()
    assert appeal.state == State.DISPATCHED and appeal.lead_department == gxj
    assert set(appeal.co_departments.all()) == {rsj, town} and appeal.instructions == "请尽快办理"
    event = appeal.events.order_by("at", "id").last()
    assert (event.action, event.actor_id) == ("dispatch", dispatcher.pk)
    assert sorted(event.data["co_departments"]) == sorted([rsj.pk, town.pk])


@pytest.mark.parametrize("name, state, persona, data, fields", [
    ("dispatch", State.REGISTERED, "dispatcher", {"lead_department": "", "due_at": "下周"},
     {"lead_department", "due_at"}),
    ("dispatch", State.REGISTERED, "dispatcher", {"lead_department": "999999"}, {"lead_department"}),
    ("return", State.DISPATCHED, "handler_gxj", {"reason": ""}, {"reason"}),
    ("progress", State.HANDLING, "handler_town", {}, {"note"}),
    ("request-extension", State.HANDLING, "handler_gxj", {"due_at": "明天", "reason": ""}, {"due_at", "reason"}),
    ("decide-extension", HANDLING_WITH_EXTENSION, "supervisor", {"approve": ""}, {"approve"}),
    ("reply", State.HANDLING, "handler_gxj", {"result": "", "outcome": "done"}, {"result", "outcome"}),
    ("follow-up", State.REPLIED, "user_jia", {"rating": "9", "solved": ""}, {"rating", "solved"}),
    ("suspend", State.HANDLING, "supervisor", {"reason": "x", "review_date": "2026-02-30"}, {"review_date"}),
    ("merge", State.REGISTERED, "dispatcher", {"into": "LX20990101-0001"}, {"into"}),
    ("supervise", State.HANDLING, "supervisor", {"level": "yell", "text": ""}, {"level", "text"}),
])
def test_submit_action_bad_input_names_the_fields_and_stores_nothing(name, state, persona, data, fields, request,
                                                                     cast, handler_town, now):
    appeal = make_appeal_in(state, cast, now=now)
    unchanged = snapshot(appeal)
    with pytest.raises(InvalidInput) as bad:
        submit_action(name, appeal, acting_user=request.getfixturevalue(persona), data=data)
    assert set(bad.value.fields) == fields
    assert all(CHINESE.search(m) for messages in bad.value.fields.values() for m in messages)
    assert snapshot(appeal) == unchanged


def test_submit_action_business_rule_errors_also_store_nothing(cast, supervisor, dispatcher, gxj, now):
    handling = make_appeal_in(State.HANDLING, cast, now=now)
    unchanged = snapshot(handling)
    with pytest.raises(InvalidInput) as bad:
        submit_action("suspend", handling, acting_user=supervisor,
                      data={"reason": "待政策", "review_date": "2020-01-01"})
    assert set(bad.value.fields) == {"review_date"}
    assert snapshot(handling) == unchanged

    registered = make_appeal_in(State.REGISTERED, cast, now=now)
    unchanged = snapshot(registered)
    with pytest.raises(InvalidInput) as bad:
        submit_action("dispatch", registered, acting_user=dispatcher,
                      data={"lead_department": gxj.pk, "due_at": "2020-01-01 18:00"})
    assert set(bad.value.fields) == {"due_at"}
    assert snapshot(registered) == unchanged


def test_submit_action_merge_by_number(cast, dispatcher, now):
    target = make_appeal_in(State.DISPATCHED, cast, now=now)
    appeal = make_appeal_in(State.REGISTERED, cast, now=now)
    appeal = submit_action("merge", appeal, acting_user=dispatcher, data={"into": target.number.lower()})
    assert appeal.state == State.MERGED and appeal.merged_into_id == target.pk


def test_submit_action_follow_up_by_form_reopens(cast, user_jia, now):
    appeal = make_appeal_in(State.REPLIED, cast, now=now)
    appeal = submit_action("follow-up", appeal, acting_user=user_jia,
                           data={"rating": "2", "solved": "false", "comment": "没解决"})
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING and (appeal.rating, appeal.solved, appeal.reopen_count) == (2, False, 1)


@pytest.mark.parametrize("name, state, persona, expected", [
    # Not visible: 404 before anything about the input is said.
    ("accept", State.DISPATCHED, "handler_rsj", NotFound),
    ("reply", State.HANDLING, "handler_rsj", NotFound),
    ("follow-up", State.REPLIED, "user_yi", NotFound),
    ("dispatch", State.REGISTERED, "handler_gxj", NotFound),
    ("progress", State.HANDLING, "anonymous", NotFound),
    # Visible but not theirs to do: 403, not 400.
    ("dispatch", State.DISPATCHED, "handler_gxj", NotPermitted),
    ("reply", State.HANDLING, "handler_town", NotPermitted),
    ("accept", State.DISPATCHED, "clerk", NotPermitted),
    ("close", State.FOLLOWED_UP, "leader", NotPermitted),
])
def test_submit_action_checks_visibility_and_permission_before_input(name, state, persona, expected, request,
                                                                     cast, handler_town, now):
    appeal = make_appeal_in(state, cast, now=now)
    unchanged = snapshot(appeal)
    junk = {"lead_department": "x", "due_at": "x", "reason": "", "rating": "x", "result": "", "outcome": "x",
            "note": ""}
    with pytest.raises(expected):
        submit_action(name, appeal, acting_user=persona_user(request, persona), data=junk)
    assert snapshot(appeal) == unchanged


def _nothing_registered():
    assert (Appeal.objects.count(), AppealEvent.objects.count(), Attachment.objects.count(),
            AppealNumberSequence.objects.count()) == (0, 0, 0, 0)


def test_submit_registration_bad_input_names_the_fields_and_stores_nothing(clerk, jia):
    with pytest.raises(InvalidInput) as bad:
        submit_registration(acting_user=clerk, data={"enterprise": jia.pk, "title": "", "content": " ",
                                                     "category": "", "urgency": "very"})
    assert set(bad.value.fields) == {"title", "content", "category", "urgency"}
    _nothing_registered()


def test_submit_registration_refuses_another_enterprise(user_jia, yi, category):
    with pytest.raises(InvalidInput) as bad:
        submit_registration(acting_user=user_jia, data={"enterprise": yi.pk, "title": "t", "content": "c",
                                                        "category": category.pk})
    assert set(bad.value.fields) == {"enterprise"}
    _nothing_registered()


@pytest.mark.parametrize("persona", ["leader", "handler_gxj", "admin_user", "anonymous"])
def test_submit_registration_needs_a_registering_role(persona, request, jia, category):
    with pytest.raises(NotPermitted):
        submit_registration(acting_user=persona_user(request, persona),
                            data={"enterprise": jia.pk, "title": "t", "content": "c", "category": category.pk})
    _nothing_registered()


def test_submit_registration_for_the_enterprise_itself(user_jia, jia, category):
    registration = submit_registration(acting_user=user_jia, data={"title": "融资难", "content": "贷款审批慢",
                                                                   "category": category.pk})
    appeal = registration.appeal
    assert (appeal.enterprise, appeal.channel.code, appeal.kind, appeal.urgency, appeal.state) == (
        jia, "online", "help", "general", State.REGISTERED)
    assert appeal.events.get().actor_id == user_jia.pk


# ---- appeal numbers --------------------------------------------------------------------------------------------

def test_numbers_run_per_day_consecutively(clerk, jia, category, channel):
    def register(moment, title="诉求"):
        return actions.register(acting_user=clerk, enterprise=jia, title=title, content="内容", category=category,
                                channel=channel, now=moment).appeal.number

    assert [register(at(2026, 3, 11, 9, 0)), register(at(2026, 3, 11, 10, 0))] == [
        "LX20260311-0001", "LX20260311-0002"]
    # A refused registration does not use up a number.
    with pytest.raises(InvalidInput):
        register(at(2026, 3, 11, 11, 0), title="")
    # The day is the day in 清镇, not in UTC: 23:59 Beijing time is still the 11th, 00:01 is the 12th
    # (though both are the 11th in UTC).
    assert register(at(2026, 3, 11, 23, 59)) == "LX20260311-0003"
    assert register(at(2026, 3, 12, 0, 1)) == "LX20260312-0001"
    assert register(at(2026, 3, 12, 8, 0)) == "LX20260312-0002"
    assert register(at(2026, 3, 11, 23, 59, 59)) == "LX20260311-0004"
    numbers = list(Appeal.objects.order_by("number").values_list("number", flat=True))
    assert all(re.fullmatch(r"LX\d{8}-\d{4}", n) for n in numbers) and len(set(numbers)) == 6
