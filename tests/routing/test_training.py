"""routing_train and the background retrain: what the history teaches, versions, the due check, the claim."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from lianxi.appeals import actions
from lianxi.appeals.models import AppealEvent
from lianxi.routing import suggest, training
from lianxi.routing.models import RetrainClaim, RoutingModel

from .conftest import appeal_text

pytestmark = pytest.mark.django_db


def test_the_history_is_the_final_lead_department_and_the_returns(history, units, clerk, dispatcher, jia, category,
                                                                  channel, now):
    # Not examples: an appeal still waiting for dispatch, a rejected one, a merged one.
    waiting = actions.register(acting_user=clerk, enterprise=jia, title="等待交办", content="税费问题",
                               category=category, channel=channel, now=now).appeal
    rejected = actions.register(acting_user=clerk, enterprise=jia, title="不予受理", content="税费问题",
                                category=category, channel=channel, now=now).appeal
    actions.reject(rejected, acting_user=dispatcher, reason="不属于受理范围", now=now)
    merged = actions.register(acting_user=clerk, enterprise=jia, title="重复反映", content="税费问题",
                              category=category, channel=channel, now=now).appeal
    actions.dispatch(merged, acting_user=dispatcher, lead_department=units["swj"], now=now)
    actions.merge(merged, acting_user=dispatcher, into=history["appeals"][0][0], now=now)

    rows, neg_rows = training.history_rows()
    assert len(rows) == len(history["appeals"]) == 60
    by_title = {}
    for title, content, department, at in rows:
        by_title.setdefault(title, set()).add(department)
    for appeal, code in history["appeals"]:
        assert units[code].pk in by_title[appeal.title]  # the department it was finally dispatched to
    assert not {"等待交办", "不予受理", "重复反映"} & set(by_title)
    # Every return is a negative for the department that returned it.
    assert sorted((t, d) for t, _, d, _ in neg_rows) == sorted((a.title, units[w].pk) for a, w in history["returns"])
    assert waiting.state == "registered" and len(neg_rows) == 10


def test_routing_train_prints_held_out_figures_and_activates_a_new_version(history, units):
    out = io.StringIO()
    call_command("routing_train", stdout=out)
    text = out.getvalue()
    assert "历史样本：60 件（5 个部门），退回样本：10 件" in text
    assert "留出评估（按登记时间，最新 20% 共 12 件，训练从未见过）" in text
    for label in ("top-1", "top-3", "macro-F1"):
        assert label in text
    first = RoutingModel.objects.get()
    assert first.is_active and first.version == 1 and first.n_examples == 60 and first.n_negatives == 10
    assert first.metrics["split"] == "time" and first.metrics["test_examples"] == 12
    assert 0 <= first.metrics["top1"] <= first.metrics["top3"] <= 1 and 0 <= first.metrics["macro_f1"] <= 1
    assert first.last_dispatch_event == AppealEvent.objects.filter(action="dispatch").latest("pk").pk
    assert "模型 v1 已启用" in text

    call_command("routing_train", "--no-refit", stdout=io.StringIO())
    assert list(RoutingModel.objects.values_list("version", "is_active")) == [(2, True), (1, False)]
    assert RoutingModel.objects.get(version=2).metrics["active_trained_on"] == "train"


def test_the_active_model_answers_suggestions(history, units):
    title, content = "申请办理排污许可证", "公司新建项目需要办理环评审批和排污许可，请问流程。"
    call_command("routing_train", stdout=io.StringIO())
    found = suggest.suggest(title, content)
    assert found[0].department == units["sthj"].pk
    assert suggest.current().version == 1


def test_without_enough_history_nothing_is_stored(units, dispatcher, clerk, jia, category, channel, now):
    appeal = actions.register(acting_user=clerk, enterprise=jia, title="申请退税", content="增值税留抵退税",
                              category=category, channel=channel, now=now).appeal
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=units["swj"], now=now)
    with pytest.raises(CommandError, match="历史样本 1 件"):
        call_command("routing_train", stdout=io.StringIO())
    assert not RoutingModel.objects.exists()
    assert RetrainClaim.objects.get().started_at is None  # the claim was released


def test_a_busy_claim_refuses_a_second_training(history):
    assert training.claim(dt.datetime.now(dt.timezone.utc))
    with pytest.raises(CommandError, match="另一个训练正在进行"):
        call_command("routing_train", stdout=io.StringIO())
    assert not RoutingModel.objects.exists()
    training.release()
    call_command("routing_train", stdout=io.StringIO())
    assert RoutingModel.objects.filter(is_active=True).count() == 1


def test_a_claim_left_by_a_dead_process_expires(history):
    RetrainClaim.objects.create(pk=1, started_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2))
    call_command("routing_train", stdout=io.StringIO())
    assert RoutingModel.objects.count() == 1


def test_background_retrain_after_every_n_new_dispatches(history, units, clerk, dispatcher, jia, category, channel,
                                                         now, settings):
    settings.LIANXI_ROUTING = {**settings.LIANXI_ROUTING, "RETRAIN_EVERY": 3, "RETRAIN_CHECK_SECONDS": 3600}
    # No model yet and more than MIN_EXAMPLES dispatches: the first model is due.
    first = training.maybe_retrain()
    assert first.version == 1 and first.trigger == "background"
    assert training.maybe_retrain() is None  # throttled: looked a moment ago
    assert training.maybe_retrain(force_check=True) is None  # looked again: nothing new

    rng = __import__("random").Random(1)
    for i in range(3):
        appeal = actions.register(acting_user=clerk, enterprise=jia, title=appeal_text("swj", rng)[0],
                                  content=appeal_text("swj", rng)[1], category=category, channel=channel,
                                  now=now + dt.timedelta(hours=i)).appeal
        if i < 2:
            actions.dispatch(appeal, acting_user=dispatcher, lead_department=units["swj"], now=now)
    assert not training.retrain_due()  # two new dispatches
    actions.dispatch(appeal, acting_user=dispatcher, lead_department=units["swj"], now=now)
    assert training.retrain_due()
    second = training.maybe_retrain(force_check=True)
    assert second.version == 2 and second.n_examples == 63 and second.is_active
    assert not RoutingModel.objects.get(version=1).is_active


def test_the_celery_task_runs_the_same_step(history, settings):
    from lianxi.routing.tasks import maybe_retrain, retrain

    assert maybe_retrain.run() == 1
    assert maybe_retrain.run() is None
    assert retrain.run() == 2


def test_only_the_newest_versions_keep_their_model(history, settings):
    settings.LIANXI_ROUTING = {**settings.LIANXI_ROUTING, "KEEP_VERSIONS": 2}
    for _ in range(3):
        call_command("routing_train", stdout=io.StringIO())
    kept = dict(RoutingModel.objects.values_list("version", "blob"))
    assert bytes(kept[1]) == b"" and bytes(kept[2]) and bytes(kept[3])
    assert RoutingModel.objects.get(version=1).metrics["top1"] >= 0  # the figures stay


def test_an_unreadable_active_model_falls_back_to_the_remits(history, units):
    call_command("routing_train", stdout=io.StringIO())
    RoutingModel.objects.filter(is_active=True).update(blob=b"not a model")
    suggest.forget()
    found = suggest.suggest("申请办理排污许可证", "新建项目需要办理环评审批和排污许可")
    assert found[0].department == units["sthj"].pk
    assert suggest.current().model is None


def test_only_the_newest_examples_are_read(history, settings):
    """MAX_EXAMPLES bounds training time however long the history grows: the newest appeals, and only the
    returns of appeals registered since the oldest of them."""
    settings.LIANXI_ROUTING = {**settings.LIANXI_ROUTING, "MAX_EXAMPLES": 30}
    rows, neg_rows = training.history_rows()
    newest = sorted(history["appeals"], key=lambda pair: pair[0].created_at)[-30:]
    assert sorted(title for title, *_ in rows) == sorted(appeal.title for appeal, _ in newest)
    oldest = min(appeal.created_at for appeal, _ in newest).timestamp()
    assert len(neg_rows) == sum(1 for appeal, _ in history["returns"] if appeal.created_at.timestamp() >= oldest) == 5
