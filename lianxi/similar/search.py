"""Similar appeals of a text, or of an appeal: ranked, scored 0–1, labelled duplicate (same enterprise) or common.

A search gathers candidates, then scores each exactly (cosine of the shingle sets, ``lianxi.similar.text``) on
the appeal's current title and content, and keeps those scoring at least MIN_SCORE, the best TOP first.
The candidates are:

* for staff who may see many appeals: those sharing the most LSH buckets with the text (``lsh_candidates``:
  at most BAND_CAP of the newest per bucket, the CANDIDATES sharing most), the enterprise's own latest appeals
  (a merge candidate is never left to chance), and every appeal registered since the index's last pass (so the
  same text registered twice within the minute is found);
* for an enterprise user or a deputy, who see few appeals: their latest visible appeals, all of them.

Every candidate is read through ``Appeal.objects.visible_to(user)``: nobody learns through "similar" of an
appeal they could not open — an enterprise user sees only its own enterprise's. Rejected appeals (不予受理) are
left out; a merged one is listed with the appeal it joined (if the user may see that one).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from django.db import connection

from lianxi.accounts.access import sees_everything
from lianxi.accounts.models import DEPARTMENT_ROLES
from lianxi.appeals.models import Appeal
from lianxi.appeals.workflow import State
from lianxi.core.db import id_in

from . import minhash
from .conf import similar_setting
from .index import state, stop_shingles
from .models import SimilarBand
from .text import cosine, shingles

DUPLICATE, COMMON = "duplicate", "common"
RELATION_LABELS = {DUPLICATE: "重复（同一企业，可合并）", COMMON: "共性（其他企业）"}
_FIELDS = ("pk", "number", "title", "content", "state", "created_at", "enterprise_id", "enterprise__name",
           "merged_into_id")


@dataclass
class SimilarAppeal:
    id: int
    number: str
    title: str
    enterprise: dict
    state: str
    state_label: str
    created_at: object
    score: float
    relation: str
    relation_label: str
    merged_into: dict | None

    def as_dict(self) -> dict:
        return asdict(self)


def lsh_candidates(signature: bytes, *, exclude: int | None = None) -> list[int]:
    """The appeals sharing the most LSH buckets with ``signature``: per band the newest BAND_CAP of its bucket
    (a backward walk of the primary key index, ``key = %s ORDER BY appeal_id DESC``), then the CANDIDATES
    found in most bands (the newer first among equals)."""
    keys = minhash.keys_of(signature)
    if not keys:
        return []
    table = connection.ops.quote_name(SimilarBand._meta.db_table)
    cap = similar_setting("BAND_CAP")
    one = (f"SELECT appeal_id FROM (SELECT appeal_id FROM {table} WHERE key = %s "
           f"ORDER BY appeal_id DESC LIMIT {cap:d}) b")
    sql = " UNION ALL ".join(one for _ in keys)
    with connection.cursor() as cursor:
        cursor.execute(sql, keys)
        found = Counter(row[0] for row in cursor.fetchall())
    found.pop(exclude, None)
    return sorted(found, key=lambda pk: (-found[pk], -pk))[:similar_setting("CANDIDATES")]


def narrow(user) -> bool:
    """Sees few appeals (an enterprise user, a deputy): scanning them all beats the index."""
    return not sees_everything(user) and not user.has_role(*DEPARTMENT_ROLES)


def _candidate_rows(user, query: frozenset[str], *, enterprise_id: int | None, exclude: int | None,
                    last_indexed: int) -> list[dict]:
    scope = Appeal.objects.visible_to(user).exclude(state=State.REJECTED)
    if exclude is not None:
        scope = scope.exclude(pk=exclude)
    if narrow(user):
        return list(scope.order_by("-pk").values(*_FIELDS)[:similar_setting("SCOPE_SCAN")])
    ids = set(lsh_candidates(minhash.signature(query), exclude=exclude))
    ids.update(scope.filter(pk__gt=last_indexed).order_by("-pk")
               .values_list("pk", flat=True)[:similar_setting("UNINDEXED")])
    if enterprise_id is not None:
        ids.update(scope.filter(enterprise_id=enterprise_id).order_by("-created_at", "-id")
                   .values_list("pk", flat=True)[:similar_setting("SAME_ENTERPRISE")])
    if not ids:
        return []
    return list(scope.filter(id_in("pk", sorted(ids))).values(*_FIELDS))


def similar_to_text(user, title: str, content: str, *, enterprise_id: int | None = None,
                    exclude: int | None = None, limit: int | None = None) -> list[SimilarAppeal]:
    """The appeals ``user`` may see that are similar to this title and content, best first. ``enterprise_id``:
    the enterprise raising it (its own appeals are duplicates, the others' common problems); ``exclude``: the
    appeal itself."""
    current = state()
    stop = stop_shingles(current)
    query = shingles(title, content, stop)
    if not query:
        return []
    floor, limit = similar_setting("MIN_SCORE"), limit or similar_setting("TOP")
    scored = []
    for row in _candidate_rows(user, query, enterprise_id=enterprise_id, exclude=exclude,
                               last_indexed=current.last_appeal_id):
        score = cosine(query, shingles(row["title"], row["content"], stop))
        if score >= floor:
            scored.append((score, row))
    scored.sort(key=lambda item: (-item[0], -item[1]["pk"]))
    scored = scored[:limit]
    targets = {row["merged_into_id"] for _, row in scored if row["merged_into_id"]}
    merged = {}
    if targets:
        merged = {pk: {"id": pk, "number": number, "title": title}
                  for pk, number, title in Appeal.objects.visible_to(user).filter(pk__in=targets)
                  .values_list("pk", "number", "title")}
    states = dict(State.choices)
    out = []
    for score, row in scored:
        relation = DUPLICATE if enterprise_id is not None and row["enterprise_id"] == enterprise_id else COMMON
        out.append(SimilarAppeal(
            id=row["pk"], number=row["number"], title=row["title"],
            enterprise={"id": row["enterprise_id"], "name": row["enterprise__name"]},
            state=row["state"], state_label=states.get(row["state"], row["state"]), created_at=row["created_at"],
            score=round(min(score, 1.0), 3), relation=relation, relation_label=RELATION_LABELS[relation],
            merged_into=merged.get(row["merged_into_id"])))
    return out


def similar_to_appeal(user, appeal: Appeal, *, limit: int | None = None) -> list[SimilarAppeal]:
    """The appeals similar to an existing one (itself excluded), as its enterprise's duplicates or common."""
    return similar_to_text(user, appeal.title, appeal.content, enterprise_id=appeal.enterprise_id,
                           exclude=appeal.pk, limit=limit)
