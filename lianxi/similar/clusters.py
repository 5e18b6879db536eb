"""Hot topics (热点话题): clusters of similar appeals registered in a period, ranked by growth.

A question (``lianxi.stats.selectors.Question``: period, cut, and the access rule's forced department) names the
appeals: those received (not rejected, not merged) in the period and in the previous one of the same length
(``Question.previous()``), read from the numbers' facts. Their stored MinHash signatures are clustered together:

1. For every LSH band, the appeals are sorted by their bucket key; two neighbours in the same bucket are a
   candidate pair (a bucket of k appeals gives k − 1 pairs, not k²: a chain, so a thousand identical texts
   cost a thousand pairs).
2. A pair is kept when the signatures agree on at least CLUSTER_SIMILARITY of their positions (an estimate of
   the Jaccard similarity of the two texts' shingles): one accidental bucket collision does not glue two
   topics together.
3. The kept pairs are the edges of a graph whose connected components (scipy, union–find in C) are the
   topics. A topic is shown when it has at least CLUSTER_MIN_SIZE appeals in the period.

Topics are ranked by their increase over the previous period (appeals in it that fall in the same component),
then the growth rate (a topic new in this period first), then size. Each carries its size, the enterprises
(count) and towns (names) raising it, a representative title (the appeal whose signature agrees most with the
others'), key terms and its appeals.

Key terms are the character n-grams (2–4) present in at least half of the topic's appeals, never one holding a
function character or made of stop shingles, ranked by how much more often they occur in the topic than in a
sample of the period's appeals (frequency × inverse background frequency) times how word-like they are (their
accessor variety: how many different characters surround them in the texts read); one overlapping a term
already chosen is passed over.

Cost: linear in the period's appeals but for the sorts: two queries (the facts, then their signatures: 64 bytes
each), identical signatures merged into one node, BANDS sorts, one comparison per candidate pair; then a few
small queries for the shown topics.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lianxi.appeals.models import Appeal
from lianxi.core.db import id_in
from lianxi.directory.models import Enterprise

from . import minhash
from .conf import similar_setting
from .index import state, stop_shingles
from .models import SimilarDoc
from .text import STOP_CHARS, STOP_SHINGLES, normalized

# ---- clustering ------------------------------------------------------------------------------------------------

PAIR_CHUNK = 500_000

def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """(n, BANDS) band keys → (pairs, 2) row indices: neighbours sharing a bucket, band by band."""
    pairs = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        column = keys[order, band]
        same = np.flatnonzero(column[1:] == column[:-1])
        if len(same):
            pairs.append(np.stack([order[same], order[same + 1]], axis=1))
    if not pairs:
        return np.zeros((0, 2), np.int64)
    return np.concatenate(pairs)  # a pair found in several bands is kept several times: harmless, and cheaper


def _distinct(signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows of the distinct signatures, the distinct one each row is): the same text registered a hundred times
    is one node of the graph. Rows are compared through a 64-bit hash of their bytes."""
    data = np.ascontiguousarray(signatures)
    if data.shape[1] * data.itemsize % 8:
        _, first, inverse = np.unique(data, axis=0, return_index=True, return_inverse=True)
        return first, inverse.ravel()
    words = data.view(np.uint64)
    digest = np.zeros(len(data), np.uint64)
    for column in range(words.shape[1]):
        digest = minhash.splitmix64(digest ^ words[:, column])
    _, first, inverse = np.unique(digest, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def components(signatures: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """(n, BANDS × ROWS) signatures → a component label per row (steps 1–3 of the module docstring)."""
    if len(signatures) == 0:
        return np.zeros(0, np.int64)
    threshold = similar_setting("CLUSTER_SIMILARITY") if threshold is None else threshold
    first, inverse = _distinct(signatures)
    nodes = signatures[first]
    n, needed = len(nodes), math.ceil(threshold * nodes.shape[1] - 1e-9)
    pairs = candidate_pairs(minhash.band_keys(nodes))
    kept = [chunk[(nodes[chunk[:, 0]] == nodes[chunk[:, 1]]).sum(axis=1) >= needed]
            for chunk in np.array_split(pairs, max(1, len(pairs) // PAIR_CHUNK))]  # bounded memory
    pairs = np.concatenate(kept) if kept else pairs
    graph = coo_matrix((np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1][inverse]


# ---- the period's appeals --------------------------------------------------------------------------------------

def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Up to this many appeals, their signatures are read by primary key; beyond, the range of their ids is read and
# filtered here (a literal array of a million ids costs more to plan than the range costs to read).
BY_KEY = 50_000


@dataclass
class Period:
    appeal_ids: np.ndarray
    enterprise_ids: np.ndarray
    signatures: np.ndarray


def period_appeals(q) -> Period:
    """The received appeals of a question (period, cut, forced department: the numbers' facts) that are indexed
    and have shingles, in id order, with their signatures."""
    facts = list(q.facts().filter(received=True).order_by("appeal_id").values_list("appeal_id", "enterprise_id"))
    ids = np.array([pk for pk, _ in facts], np.int64)
    enterprises = np.array([e for _, e in facts], np.int64)
    table = connection.ops.quote_name(SimilarDoc._meta.db_table)
    if not len(ids):
        rows = []
    elif connection.vendor == "postgresql" and len(ids) <= BY_KEY:
        rows = _fetch(f"SELECT appeal_id, signature FROM {table} WHERE appeal_id = ANY(%s) ORDER BY appeal_id",
                      [ids.tolist()])
    else:
        rows = _fetch(f"SELECT appeal_id, signature FROM {table} WHERE appeal_id BETWEEN %s AND %s "
                      f"ORDER BY appeal_id", [int(ids[0]), int(ids[-1])])
    width = minhash.size() * minhash.DTYPE.itemsize
    # (An empty signature has no shingles; one of another size awaits a rebuild.)
    found = [(pk, bytes(sig)) for pk, sig in rows if len(sig) == width]
    found_ids = np.array([pk for pk, _ in found], np.int64)
    keep = np.isin(found_ids, ids)
    found_ids = found_ids[keep]
    return Period(found_ids, enterprises[np.searchsorted(ids, found_ids)],
                  minhash.matrix([sig for (_, sig), k in zip(found, keep) if k]))


# ---- key terms -------------------------------------------------------------------------------------------------

def _texts(ids) -> dict[int, str]:
    rows = Appeal.objects.filter(id_in("pk", list(ids))).values_list("pk", "title", "content")
    return {pk: normalized(f"{title}\n{content}") for pk, title, content in rows}


def _is_term(gram: str, stop: frozenset[str]) -> bool:
    if any(ch in STOP_CHARS for ch in gram):
        return False
    return not all(gram[i:i + 2] in STOP_SHINGLES or gram[i:i + 2] in stop for i in range(len(gram) - 1))


def _grams(text: str, stop: frozenset[str], known: dict[str, bool]) -> set[str]:
    """The 2–4 character n-grams of a normalised text that may be key terms (``known``: _is_term's answers so
    far, shared by the texts of one call: the same n-grams come back in text after text)."""
    raw = {run[i:i + n] for run in text.split() for n in (2, 3, 4) for i in range(len(run) - n + 1)}
    out = set()
    for gram in raw:
        ok = known.get(gram)
        if ok is None:
            ok = known[gram] = _is_term(gram, stop)
        if ok:
            out.add(gram)
    return out


def accessor_variety(grams: set[str], texts: list[str]) -> dict[str, int]:
    """How many different characters precede, and follow, each n-gram in ``texts`` (the smaller of the two):
    a word is met in many contexts (污水 in 生活污水, 污水处理, 污水管网), a fragment across two words in one
    (水管 only in 污水管网). The classic dictionary-free test of a Chinese word."""
    left: dict[str, set] = {g: set() for g in grams}
    right: dict[str, set] = {g: set() for g in grams}
    for text in texts:
        padded = f" {text} "
        for n in (2, 3, 4):
            for i in range(1, len(padded) - n):
                gram = padded[i:i + n]
                if gram in left:
                    left[gram].add(padded[i - 1])
                    right[gram].add(padded[i + n])
    return {g: min(len(left[g]), len(right[g])) for g in grams}


def key_terms(members: list[set[str]], background: list[set[str]], variety: dict[str, int],
              count: int) -> list[str]:
    """The terms of a topic (module docstring): ``members`` and ``background`` are n-gram sets per appeal,
    ``variety`` the accessor variety of every candidate."""
    if not members:
        return []
    inside = Counter(g for grams in members for g in grams)
    outside = Counter(g for grams in background for g in grams)
    m, n = len(members), len(background)
    scored = sorted((((c / m) * math.log((n + 1) / (outside[g] + 1) + 1) * math.log(1 + variety.get(g, 1)), g)
                     for g, c in inside.items() if c * 2 >= m), reverse=True)
    chosen: list[str] = []
    for _, gram in scored:
        if any(gram[i:i + 2] in term for term in chosen for i in range(len(gram) - 1)):
            continue  # overlaps a term already chosen
        chosen.append(gram)
        if len(chosen) == count:
            break
    return chosen


# ---- hot topics ------------------------------------------------------------------------------------------------

@dataclass
class Topic:
    label: int
    current: list[int]  # appeal ids in the period, oldest first
    previous: int
    enterprises: int
    rows: np.ndarray = field(repr=False, default=None)  # their rows in the period's arrays
    representative: int = 0
    title: str = ""
    terms: list[str] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.current)

    @property
    def increase(self) -> int:
        return self.size - self.previous

    @property
    def growth_rate(self) -> float | None:
        return self.increase / self.previous if self.previous else None


def _representative(signatures: np.ndarray, rows: np.ndarray) -> int:
    """The row (of ``rows``, at most 100 looked at) whose signature agrees most with the others'."""
    rows = rows[:: max(1, len(rows) // 100)][:100]
    sample = signatures[rows]
    agree = (sample[:, None, :] == sample[None, :, :]).sum(axis=(1, 2))
    return int(rows[int(np.argmax(agree))])


def topics(q) -> tuple[list[Topic], Period]:
    """Every topic of the question's period (at least CLUSTER_MIN_SIZE appeals in it), ranked, without the
    details (``describe`` adds them to those shown)."""
    now, before = period_appeals(q), period_appeals(q.previous())
    signatures = np.concatenate([now.signatures, before.signatures])
    labels = components(signatures)
    current_labels, previous_labels = labels[: len(now.appeal_ids)], labels[len(now.appeal_ids):]
    minimum = similar_setting("CLUSTER_MIN_SIZE")
    sizes = np.bincount(current_labels, minlength=len(signatures)) if len(current_labels) else np.zeros(0, int)
    previous = np.bincount(previous_labels, minlength=len(signatures)) if len(previous_labels) else None
    found = []
    order = np.argsort(current_labels, kind="stable")
    bounds = np.searchsorted(current_labels[order], np.flatnonzero(sizes >= minimum), side="left")
    for label, start in zip(np.flatnonzero(sizes >= minimum), bounds):
        rows = order[start:start + sizes[label]]
        found.append(Topic(label=int(label), current=now.appeal_ids[rows].tolist(),
                           previous=int(previous[label]) if previous is not None else 0,
                           enterprises=len(np.unique(now.enterprise_ids[rows])), rows=rows))
    found.sort(key=lambda t: (-t.increase, -(t.growth_rate if t.growth_rate is not None else math.inf), -t.size,
                              t.current[0]))
    return found, now


def describe(shown: list[Topic], period: Period, *, user) -> None:
    """Fill in the shown topics' title, towns and key terms (a few queries for all of them together). The title
    is read through the user's access rule (the numbers' facts may lag behind a transfer): no title when the user
    may not open the representative appeal. ``user`` None is the system, which reads every title."""
    if not shown:
        return
    stop = stop_shingles(state())
    for topic in shown:
        topic.representative = int(period.appeal_ids[_representative(period.signatures, topic.rows)])
    sample_size = similar_setting("TERM_SAMPLE")
    samples = {t.label: t.current[:: max(1, len(t.current) // sample_size)][:sample_size] for t in shown}
    ids = period.appeal_ids
    background_ids = ids[:: max(1, len(ids) // similar_setting("BACKGROUND_SAMPLE"))].tolist()
    texts = _texts({pk for sample in samples.values() for pk in sample} | set(background_ids))
    known: dict[str, bool] = {}
    grams = {pk: _grams(text, stop, known) for pk, text in texts.items()}
    background = [grams[pk] for pk in background_ids if pk in grams]
    member_grams = {t.label: [grams[pk] for pk in samples[t.label] if pk in grams] for t in shown}
    candidates = {g for sets in member_grams.values() for g in Counter(x for s in sets for x in s)
                  if sum(g in s for s in sets) * 2 >= len(sets)}
    variety = accessor_variety(candidates, list(texts.values()))
    readable = Appeal.objects if user is None else Appeal.objects.visible_to(user)
    titles = dict(readable.filter(pk__in=[t.representative for t in shown]).values_list("pk", "title"))
    enterprise_of = dict(zip(ids.tolist(), period.enterprise_ids.tolist()))
    involved = np.unique(np.concatenate([period.enterprise_ids[t.rows] for t in shown])).tolist()
    towns = dict(Enterprise.objects.filter(id_in("pk", involved)).values_list("pk", "town__name"))
    for topic in shown:
        topic.title = titles.get(topic.representative, "")
        topic.terms = key_terms(member_grams[topic.label], background, variety, similar_setting("KEY_TERMS"))
        counted = Counter(towns.get(enterprise_of[pk]) for pk in topic.current)
        topic.towns = [name for name, _ in counted.most_common() if name]


def hotspots(q, *, user, limit: int | None = None) -> list[Topic]:
    """The ``limit`` (HOTSPOTS) hottest topics of the question, described for ``user`` (None: the system's, as
    a ``system_question``)."""
    found, period = topics(q)
    shown = found[: limit or similar_setting("HOTSPOTS")]
    describe(shown, period, user=user)
    return shown


def topic_of(q, appeal_id: int, *, user) -> Topic | None:
    """The topic of the question's period that holds this appeal, described for ``user``; None if it is in
    none."""
    found, period = topics(q)
    for topic in found:
        if appeal_id in topic.current:
            describe([topic], period, user=user)
            return topic
    return None
