"""Training from the platform's own history, evaluating honestly, and retraining in the background.

The history (DOMAIN.md's loop, read from the appeals and their events):

* **Examples (positives)**: every appeal whose dispatch stood: it has a lead department and is past
  ``registered`` (dispatched, handling, replied, followed up, closed, suspended), and is neither rejected nor
  merged. A return clears the lead department and puts the appeal back to ``registered``, so the lead department
  an appeal has now is the one its latest 交办 or 仲裁交办 set and nobody returned: the truth after re-dispatches.
* **Negatives**: every ``return`` event, with the department that returned it (``data["department"]``) and the
  appeal's text. How they count: lianxi.routing.learner (added to that department's complement).

**Evaluation** is time-based: the examples are ordered by registration time and the newest ``HOLDOUT`` share
(20 %) is held out; the evaluation model is trained on the older ones only (returns of held-out appeals
included: none of their text is seen), and the figures are those of the whole suggester (learned model blended
with the remits, threshold included: a held-out appeal answered "no suggestion" counts as a miss). A time split
is what dispatching is: tomorrow's appeals from yesterday's history. Then, by default, the model that becomes
active is refit on all examples, the newest included (they are the most like the next appeals); the figures
printed are those of the same procedure on the held-out split. ``routing_train --no-refit`` activates the
evaluated model itself instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from .conf import routing_setting
from .learner import Examples, LearnedModel, hashed_counts, train
from .models import RetrainClaim, RoutingModel
from .suggest import Catalogue, Suggester, department_rows, forget
from .text import Normalized, Places, appeal_text

log = logging.getLogger(__name__)

DISPATCH_ACTIONS = ("dispatch", "arbitrate")
CLAIM_EXPIRES = dt.timedelta(hours=1)  # a claim older than this belonged to a process that died


class NotEnoughHistory(Exception):
    pass


class TrainingBusy(Exception):
    pass


# ---- the history ----------------------------------------------------------------------------------------------

def examples_from_rows(rows, neg_rows, places: Places) -> Examples:
    """``rows``: (title, content, department id, time as float seconds); ``neg_rows`` the same with the
    department that returned the appeal."""
    texts, labels, times, named = [], [], [], []
    for title, content, department, at in rows:
        text = appeal_text(title, content, places)
        texts.append(text.text)
        named.append(text.places)
        labels.append(department)
        times.append(at)
    neg_texts, neg_labels, neg_times = [], [], []
    for title, content, department, at in neg_rows:
        neg_texts.append(appeal_text(title, content, places).text)
        neg_labels.append(department)
        neg_times.append(at)
    return Examples(texts, np.array(labels, dtype=np.int64), np.array(times, dtype=np.float64), neg_texts,
                    np.array(neg_labels, dtype=np.int64), np.array(neg_times, dtype=np.float64), named)


def history_rows():
    """(positives, negatives) as rows for examples_from_rows, read from the database: the newest MAX_EXAMPLES
    positives, and the returns of appeals registered since the oldest of them."""
    from lianxi.appeals.models import Appeal, AppealEvent
    from lianxi.appeals.workflow import State

    positives = (Appeal.objects.filter(lead_department__isnull=False)
                 .exclude(state__in=[State.REGISTERED, State.REJECTED, State.MERGED]).order_by("-created_at", "-id")
                 .values_list("title", "content", "lead_department_id", "created_at")
                 [: routing_setting("MAX_EXAMPLES")])
    rows, oldest = [], None
    for title, content, lead, at in positives.iterator(chunk_size=5000):
        rows.append((title, content, lead, at.timestamp()))
        oldest = at
    returns = AppealEvent.objects.filter(action="return")
    if oldest is not None:
        returns = returns.filter(appeal__created_at__gte=oldest)
    returns = (returns.order_by()
               .values_list("data", "appeal__title", "appeal__content", "appeal__created_at"))
    neg_rows = []
    for data, title, content, at in returns.iterator(chunk_size=5000):
        department = (data or {}).get("department")
        if department:
            neg_rows.append((title, content, int(department), at.timestamp()))
    return rows, neg_rows


# ---- training and evaluation ----------------------------------------------------------------------------------

@dataclass
class Report:
    model: LearnedModel
    metrics: dict


def _options() -> dict:
    return {"negative_weight": routing_setting("NEGATIVE_WEIGHT"), "alpha": routing_setting("ALPHA"),
            "min_df": routing_setting("MIN_DF"), "max_features": routing_setting("MAX_FEATURES")}


def held_out_metrics(suggester: Suggester, texts: list[Normalized], labels: np.ndarray) -> dict:
    """top-1 / top-3 accuracy and macro-F1 of the suggester's answers; "no suggestion" is a miss (and a
    prediction of no department for the F1)."""
    from sklearn.metrics import f1_score

    hits1 = hits3 = answered = 0
    predicted = np.full(len(labels), -1, dtype=np.int64)
    for start in range(0, len(texts), 2000):
        scores = suggester.scores(texts[start: start + 2000])
        top = np.argsort(-scores, axis=1, kind="stable")[:, :3]
        for i, row in enumerate(scores):
            if not len(row) or row.max() < suggester.min_score:
                continue
            truth = labels[start + i]
            ids = suggester.catalogue.ids[top[i]]
            predicted[start + i] = ids[0]
            answered += 1
            hits1 += int(ids[0] == truth)
            hits3 += int(truth in ids)
    n = len(labels)
    present = np.unique(labels)
    return {"top1": hits1 / n, "top3": hits3 / n,
            "macro_f1": float(f1_score(labels, predicted, labels=present, average="macro", zero_division=0)),
            "coverage": answered / n, "top1_answered": hits1 / answered if answered else 0.0}


def evaluate(examples: Examples, catalogue: Catalogue, *, holdout: float | None = None, refit: bool = True) -> Report:
    """Time-based held-out evaluation, then the model to activate (refit on everything unless ``refit`` is
    False). Raises NotEnoughHistory when there is nothing to learn from."""
    holdout = routing_setting("HOLDOUT") if holdout is None else holdout
    started = time.perf_counter()
    n = len(examples.texts)
    if n < routing_setting("MIN_EXAMPLES") or len(np.unique(examples.labels)) < 2:
        raise NotEnoughHistory(f"历史样本 {n} 件，至少需要 {routing_setting('MIN_EXAMPLES')} 件且涉及两个以上部门")
    counts = hashed_counts(examples.texts)
    neg_counts = hashed_counts(examples.neg_texts)
    options = _options()
    order = np.argsort(examples.times, kind="stable")
    n_test = int(round(n * holdout))
    metrics: dict = {"split": "time", "holdout": holdout, "examples": n, "negatives": len(examples.neg_texts),
                     "departments": int(len(np.unique(examples.labels))), "test_examples": n_test}
    evaluated = None
    if n_test >= 10 and len(np.unique(examples.labels[order[: n - n_test]])) >= 2:
        train_rows, test_rows = np.sort(order[: n - n_test]), order[n - n_test:]
        cutoff = examples.times[test_rows[0]]
        neg_rows = np.flatnonzero(examples.neg_times < cutoff)
        evaluated = train(examples, counts=counts, neg_counts=neg_counts, rows=train_rows, neg_rows=neg_rows,
                          **options)
        test_texts = [Normalized(examples.texts[i], examples.places[i] if examples.places else frozenset())
                      for i in test_rows]
        metrics.update(held_out_metrics(Suggester(catalogue, evaluated), test_texts, examples.labels[test_rows]))
        metrics["train_examples"] = int(len(train_rows))
    else:
        metrics.update(test_examples=0, note="样本太少，未做留出评估")
    if refit or evaluated is None:
        model = train(examples, counts=counts, neg_counts=neg_counts, **options)
        metrics["active_trained_on"] = "all"
    else:
        model = evaluated
        metrics["active_trained_on"] = "train"
    metrics["seconds"] = time.perf_counter() - started
    return Report(model, metrics)


# ---- the versioned model in the database ----------------------------------------------------------------------

def claim(now: dt.datetime) -> bool:
    """Take the retrain claim (conditional UPDATE: only one process gets it), or say it is taken."""
    RetrainClaim.objects.get_or_create(pk=1)
    free = Q(started_at__isnull=True) | Q(started_at__lt=now - CLAIM_EXPIRES)
    return RetrainClaim.objects.filter(free, pk=1).update(started_at=now) == 1


def release() -> None:
    RetrainClaim.objects.filter(pk=1).update(started_at=None)


def train_from_history(*, trigger: str = RoutingModel.Trigger.COMMAND, holdout: float | None = None,
                       refit: bool = True) -> RoutingModel:
    """Retrain from the history, store the model as the next version and make it the active one."""
    from lianxi.appeals.models import AppealEvent

    now = timezone.now()
    if not claim(now):
        raise TrainingBusy("另一个训练正在进行")
    try:
        started = time.perf_counter()
        # Read first: dispatches after this one count towards the next retrain.
        last_dispatch = (AppealEvent.objects.filter(action__in=DISPATCH_ACTIONS).order_by("-pk")
                         .values_list("pk", flat=True).first() or 0)
        catalogue = Catalogue.build(department_rows())
        rows, neg_rows = history_rows()
        normalise_started = time.perf_counter()
        examples = examples_from_rows(rows, neg_rows, catalogue.places)
        normalise_seconds = time.perf_counter() - normalise_started
        report = evaluate(examples, catalogue, holdout=holdout, refit=refit)
        report.metrics["normalise_seconds"] = normalise_seconds
        blob = report.model.to_bytes()
        with transaction.atomic():
            version = (RoutingModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            RoutingModel.objects.filter(is_active=True).update(is_active=False)
            row = RoutingModel.objects.create(
                version=version, trained_at=now, trigger=trigger, n_examples=len(examples.texts),
                n_negatives=report.model.info.get("negatives", 0), n_departments=len(report.model.classes),
                last_dispatch_event=last_dispatch, metrics=report.metrics,
                seconds=time.perf_counter() - started, blob=blob, is_active=True)
            keep = routing_setting("KEEP_VERSIONS")
            (RoutingModel.objects.filter(version__lte=version - keep).exclude(blob=b"").update(blob=b""))
    finally:
        release()
    forget()
    return row


# ---- retraining in the background -----------------------------------------------------------------------------

_checked = {"at": -1e18, "attempted_at_event": None}
_check_lock = threading.Lock()


def retrain_due() -> bool:
    """Whether RETRAIN_EVERY dispatches came after the active model's history (with no model yet: as soon as
    there are MIN_EXAMPLES dispatches). Reads at most that many events, newest ones, by primary key."""
    from lianxi.appeals.models import AppealEvent

    active = RoutingModel.objects.filter(is_active=True).values_list("last_dispatch_event", flat=True).first()
    needed = routing_setting("RETRAIN_EVERY") if active is not None else routing_setting("MIN_EXAMPLES")
    newer = AppealEvent.objects.filter(pk__gt=active or 0, action__in=DISPATCH_ACTIONS).order_by("pk")
    nth = newer.values_list("pk", flat=True)[needed - 1: needed].first()
    if nth is None:
        return False
    # A history found too thin is not retried until more dispatches came.
    return _checked["attempted_at_event"] is None or nth > _checked["attempted_at_event"]


def maybe_retrain(*, force_check: bool = False) -> RoutingModel | None:
    """The cheap step for a loop: returns at once unless RETRAIN_CHECK_SECONDS passed since this process last
    looked; then one or two indexed queries; retrains (seconds to a minute) only when due."""
    now = time.monotonic()
    with _check_lock:
        if not force_check and now - _checked["at"] < routing_setting("RETRAIN_CHECK_SECONDS"):
            return None
        _checked["at"] = now
    if not retrain_due():
        return None
    from lianxi.appeals.models import AppealEvent

    try:
        return train_from_history(trigger=RoutingModel.Trigger.BACKGROUND)
    except TrainingBusy:
        return None
    except NotEnoughHistory as exc:
        _checked["attempted_at_event"] = (AppealEvent.objects.filter(action__in=DISPATCH_ACTIONS).order_by("-pk")
                                          .values_list("pk", flat=True).first())
        log.info("routing: %s", exc)
        return None
