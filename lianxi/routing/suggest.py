"""Which department should lead this appeal: the learned model and the remits, blended, ranked, thresholded.

For a text, every active department d gets a score in 0–1:

* ``p_d``: the active learned model's calibrated probability (lianxi.routing.learner), 0 for a department the
  history never saw;
* ``q_d``: its remit score: the cosine similarity of the text's 2–3 character n-grams with the department's
  name and remit (TF-IDF over the remits), through a softmax with temperature ``REMIT_TEMPERATURE``;
* blended per department by how much history it has: with ``n_d`` its examples in the model and
  ``w_d = n_d / (n_d + BLEND_EXAMPLES)``, ``score_d = w_d · p_d + (1 − w_d) · q_d``. With no model every w_d is
  0 and the remits alone answer (cold start); a department with 30 examples is half history, half remit; with
  hundreds the remit hardly counts. A new department keeps its remit score whatever the others' history.
* 属地: place names are masked in the features (lianxi.routing.text), so the text alone cannot tell one town
  from another. When it names towns or parks, the score all towns and parks hold together goes to the named
  ones (equal shares of what the others held): the text decides *whether* the matter is local, the name *where*.

The answer is the top ``TOP`` with their scores, or ``[]`` ("no suggestion") when the text is empty, has fewer
than ``MIN_EVIDENCE`` known 2–3 character n-grams, or its best score is below ``MIN_SCORE``: a dispatcher is
better served by no suggestion than by a wild guess.

Each process keeps the active model in memory and looks at the database at most every ``RELOAD_SECONDS`` for a
new active version or changed departments (two small queries); saving a department forgets the catalogue in
this process at once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .conf import routing_setting
from .learner import LearnedModel, Vectorizer, hashed_counts, hashed_counts_by_length, softmax
from .text import Normalized, Places, appeal_text

LOCAL_KINDS = ("town", "park")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    department: int
    name: str
    score: float

    def as_dict(self) -> dict:
        return {"department": self.department, "name": self.name, "score": self.score}


@dataclass
class Catalogue:
    """The departments that may be suggested (active ones), and what their remits say."""

    ids: np.ndarray
    names: list[str]
    local: np.ndarray  # bool: town or park
    places: Places
    remit_vectorizer: Vectorizer
    remits: sparse.csr_matrix  # (departments × remit n-grams), L2-normalised TF-IDF
    fingerprint: str = ""

    @classmethod
    def build(cls, departments: Iterable[dict]) -> "Catalogue":
        """``departments``: dicts with id, name, kind, remit and optionally is_active (default True)."""
        departments = list(departments)
        places = Places.build((d["id"], d["name"]) for d in departments if d["kind"] in LOCAL_KINDS)
        active = [d for d in departments if d.get("is_active", True)]
        # A department is described by its name and its remit (职责: free text, keywords welcome).
        texts = [appeal_text(d["name"], d["remit"] or "", places).text for d in active]
        counts = hashed_counts(texts, min_n=2)
        vectorizer = Vectorizer.fit(counts, min_df=1, max_features=1_000_000)
        return cls(np.array([d["id"] for d in active], dtype=np.int64), [d["name"] for d in active],
                   np.array([d["kind"] in LOCAL_KINDS for d in active], dtype=bool), places, vectorizer,
                   vectorizer.select(counts), fingerprint(departments))


def fingerprint(departments: list[dict]) -> str:
    digest = hashlib.sha1()
    for d in departments:
        digest.update(repr((d["id"], d["name"], d["kind"], d["remit"], d.get("is_active", True))).encode())
    return digest.hexdigest()


def department_rows() -> list[dict]:
    from lianxi.directory.models import Department

    return list(Department.objects.order_by("sort_order", "code", "pk")
                .values("id", "name", "kind", "remit", "is_active"))


class Suggester:
    def __init__(self, catalogue: Catalogue, model: LearnedModel | None = None, version: int | None = None):
        self.catalogue = catalogue
        self.model = model
        self.version = version
        self.top = routing_setting("TOP")
        self.min_score = routing_setting("MIN_SCORE")
        self.min_listed = routing_setting("MIN_LISTED")
        self.min_evidence = routing_setting("MIN_EVIDENCE")
        self.temperature = routing_setting("REMIT_TEMPERATURE")
        n_departments = len(catalogue.ids)
        self.weight = np.zeros(n_departments)  # w_d
        self.model_columns = np.zeros(0, np.int64)  # model class i → catalogue column (−1: not suggestable)
        if model is not None:
            position = {int(pk): i for i, pk in enumerate(catalogue.ids)}
            self.model_columns = np.array([position.get(int(c), -1) for c in model.classes], dtype=np.int64)
            known = self.model_columns >= 0
            counts = model.class_counts[known].astype(np.float64)
            self.weight[self.model_columns[known]] = counts / (counts + routing_setting("BLEND_EXAMPLES"))

    # -- scoring many texts at once (evaluation) or one (a request): the same code --
    def scores(self, texts: list[Normalized]) -> np.ndarray:
        """(texts × departments) blended scores; a row of zeros where the text gives nothing to go on."""
        catalogue = self.catalogue
        n, d = len(texts), len(catalogue.ids)
        if d == 0:
            return np.zeros((n, 0))
        all_counts, multi_counts = hashed_counts_by_length([t.text for t in texts])
        remit_x = catalogue.remit_vectorizer.select(multi_counts)
        remit = softmax(np.asarray((remit_x @ catalogue.remits.T).todense()) / self.temperature)
        known = catalogue.remit_vectorizer.columns(multi_counts.indices) >= 0
        scores = (1.0 - self.weight) * remit
        if self.model is not None:
            learned = self.model.probabilities(self.model.vectorizer.select(all_counts))
            suggestable = self.model_columns >= 0
            p = np.zeros((n, d))
            p[:, self.model_columns[suggestable]] = learned[:, suggestable]
            scores += self.weight * p
            known |= self.model.vectorizer.columns(multi_counts.indices) >= 0
        row_of = np.repeat(np.arange(n), np.diff(multi_counts.indptr))
        evidence = np.bincount(row_of[known], minlength=n)
        scores[evidence < self.min_evidence] = 0.0
        self._localise(scores, texts)
        return scores

    def _localise(self, scores: np.ndarray, texts: list[Normalized]) -> None:
        local = self.catalogue.local
        if not local.any():
            return
        for row, text in enumerate(texts):
            named = np.isin(self.catalogue.ids, list(text.places)) if text.places else None
            if named is None or not named.any():
                continue
            others = scores[row, local & ~named].sum()
            scores[row, local & ~named] = 0.0
            scores[row, named] += others / named.sum()

    def rank(self, row: np.ndarray, penalties: dict[int, float] | None = None) -> list[Suggestion]:
        if penalties:
            row = row.copy()
            for pk, factor in penalties.items():
                row[self.catalogue.ids == pk] *= factor
        if not len(row) or row.max() < self.min_score:
            return []
        order = np.argsort(-row, kind="stable")[: self.top]
        return [Suggestion(int(self.catalogue.ids[i]), self.catalogue.names[i], round(float(row[i]), 3))
                for k, i in enumerate(order) if k == 0 or row[i] >= self.min_listed]

    def suggest(self, title: str, content: str, *, penalties: dict[int, float] | None = None) -> list[Suggestion]:
        text = appeal_text(title or "", content or "", self.catalogue.places)
        if not text.text:
            return []
        return self.rank(self.scores([text])[0], penalties)


# ---- the process's suggester ----------------------------------------------------------------------------------

_lock = threading.Lock()
_state: dict = {"suggester": None, "checked": 0.0}


def forget() -> None:
    """Drop this process's suggester: the next suggestion reloads the active model and the departments."""
    with _lock:
        _state.update(suggester=None, checked=0.0)


def current() -> Suggester:
    """The suggester for this process: rebuilt when the active model or the departments changed, looked at
    most every RELOAD_SECONDS."""
    now = time.monotonic()
    suggester = _state["suggester"]
    if suggester is not None and now - _state["checked"] < routing_setting("RELOAD_SECONDS"):
        return suggester
    with _lock:
        suggester = _state["suggester"]
        if suggester is not None and now - _state["checked"] < routing_setting("RELOAD_SECONDS"):
            return suggester
        from .models import RoutingModel

        rows = department_rows()
        version = RoutingModel.objects.filter(is_active=True).values_list("version", flat=True).first()
        catalogue = suggester.catalogue if suggester is not None else None
        if catalogue is None or catalogue.fingerprint != fingerprint(rows):
            catalogue = Catalogue.build(rows)
        if suggester is None or suggester.version != version:
            try:
                loaded = RoutingModel.load_active() if version is not None else None
            except Exception:  # noqa: BLE001 - an unreadable model row: the remits still answer
                log.exception("routing: active model v%s unreadable; suggesting from the remits", version)
                loaded = None
            model, version = loaded if loaded is not None else (None, version)
            suggester = Suggester(catalogue, model, version)
        elif suggester.catalogue is not catalogue:
            suggester = Suggester(catalogue, suggester.model, suggester.version)
        _state.update(suggester=suggester, checked=time.monotonic())
        return suggester


def suggest(title: str, content: str) -> list[Suggestion]:
    return current().suggest(title, content)


def suggest_for_appeal(appeal) -> list[Suggestion]:
    """The appeal's suggestions; a department that already returned this appeal is marked down
    (score × RETURNED_FACTOR): it has said the appeal is not its own."""
    penalties = None
    if appeal.return_count:
        from lianxi.appeals.models import AppealEvent

        factor = routing_setting("RETURNED_FACTOR")
        returned = AppealEvent.objects.filter(appeal=appeal, action="return").values_list("data", flat=True)
        penalties = {int(d["department"]): factor for d in returned if d.get("department")}
    return current().suggest(appeal.title, appeal.content, penalties=penalties)
