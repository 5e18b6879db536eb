"""Similar appeals of a text, or of an appeal: ranked, scored 0–1, labelled duplicate (same enterprise) or common.

A search gathers candidates, then scores each exactly (cosine of the shingle sets, ``lianxi.similar.text``) on
the appeal's current title and content, and keeps those scoring at least MIN_SCORE, the best TOP first.
The candidates are:

* for staff who may see many appeals: those sharing the most LSH buckets with the text (``_lsh_sql``:
  at most BAND_CAP of the newest per bucket, the CANDIDATES sharing most), the enterprise's own latest appeals
  (a merge candidate is never left to chance), and every appeal registered since the index's last pass (so the
  same text registered twice within the minute is found);
* for an enterprise user or a deputy, who see few appeals: their latest visible appeals, all of them.

The candidates' ids are gathered and their rows read in one query (a registration's 201 answer waits for it).
Every candidate is read through ``Appeal.objects.visible_to(user)``: nobody learns through "similar" of an
appeal they could not open — an enterprise user sees only its own enterprise's. Rejected appeals (不予受理) are
left out; a merged one is listed with the appeal it joined (if the user may see that one).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models.expressions import RawSQL

from lianxi.accounts.access import sees_everything
from lianxi.accounts.models import DEPARTMENT_ROLES
from lianxi.appeals.models import Appeal
from lianxi.appeals.workflow import State

from . import minhash
from .conf import similar_setting
from .index import search_marks
from .models import SimilarBand
from .text import cosine, shingles

DUPLICATE, COMMON = "duplicate", "common"
RELATION_LABELS = {DUPLICATE: "重复（同一企业，可合并）", COMMON: "共性（其他企业）"}
_FIELDS = ("pk", "number", "title", "content", "state", "created_at", "enterprise_id", "enterprise__name",
           "merged_into_id")
_PK, _TITLE, _CONTENT, _MERGED_INTO = 0, 2, 3, 8  # positions in a row of _FIELDS


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


def _lsh_sql(keys: list[int], exclude: int | None) -> tuple[str, list]:
    """SQL selecting the ids of the appeals sharing the most LSH buckets with these band keys: per band the newest
    BAND_CAP of its bucket (a backward walk of the primary key index, ``key = %s ORDER BY appeal_id DESC``), then
    the CANDIDATES found in most bands (the newer first among equals)."""
    table = connection.ops.quote_name(SimilarBand._meta.db_table)
    cap, candidates = similar_setting("BAND_CAP"), similar_setting("CANDIDATES")
    if connection.vendor == "postgresql":
        # One lateral walk per key: planned in a fraction of the time of BANDS unioned subqueries.
        bands = (f"SELECT b.appeal_id FROM unnest(%s::integer[]) AS k(key) CROSS JOIN LATERAL (SELECT appeal_id "
                 f"FROM {table} WHERE key = k.key ORDER BY appeal_id DESC LIMIT {cap:d}) b")
        params = [list(keys)]
    else:
        bands = " UNION ALL ".join(
            f"SELECT appeal_id FROM (SELECT appeal_id FROM {table} WHERE key = %s ORDER BY appeal_id DESC "
            f"LIMIT {cap:d}) b{i}" for i in range(len(keys)))
        params = list(keys)
    sql = (f"SELECT appeal_id FROM ({bands}) found WHERE appeal_id <> %s "
           f"GROUP BY appeal_id ORDER BY COUNT(*) DESC, appeal_id DESC LIMIT {candidates:d}")
    return sql, [*params, -1 if exclude is None else exclude]


def lsh_candidates(signature: bytes, *, exclude: int | None = None) -> list[int]:
    """The ids ``_lsh_sql`` selects for this signature, in its order."""
    keys = minhash.keys_of(signature)
    if not keys:
        return []
    sql, params = _lsh_sql(keys, exclude)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def narrow(user) -> bool:
    """Sees few appeals (an enterprise user, a deputy): scanning them all beats the index."""
    return not sees_everything(user) and not user.has_role(*DEPARTMENT_ROLES)


def _newest_ids_sql(user, scope, *, enterprise_id: int | None, exclude: int | None,
                    last_indexed: int) -> list[tuple[str, list]]:
    """SQL for the ids scored whatever LSH found: the newest UNINDEXED appeals above the index's mark and the
    enterprise's SAME_ENTERPRISE newest, both among the appeals the user may see. For citywide staff (every
    registration) written out, as the ORM would, without compiling two querysets per request."""
    unindexed, same = similar_setting("UNINDEXED"), similar_setting("SAME_ENTERPRISE")
    if not sees_everything(user):
        sources = [scope.filter(pk__gt=last_indexed).order_by("-pk").values("pk")[:unindexed]]
        if enterprise_id is not None:
            sources.append(scope.filter(enterprise_id=enterprise_id).order_by("-created_at", "-id")
                           .values("pk")[:same])
        return [qs.query.sql_with_params() for qs in sources]
    table = connection.ops.quote_name(Appeal._meta.db_table)
    live = "state <> %s AND id <> %s"
    params = [State.REJECTED.value, -1 if exclude is None else exclude]
    out = [(f"SELECT id FROM {table} WHERE id > %s AND {live} ORDER BY id DESC LIMIT {unindexed:d}",
             [last_indexed, *params])]
    if enterprise_id is not None:
        same_sql = (f"SELECT id FROM {table} WHERE enterprise_id = %s AND {live} "
                    f"ORDER BY created_at DESC, id DESC LIMIT {same:d}")
        out.append((same_sql, [enterprise_id, *params]))
    return out


def _candidate_rows(user, query: frozenset[str], *, enterprise_id: int | None, exclude: int | None,
                    last_indexed: int) -> list[tuple]:
    """The candidates' rows (``_FIELDS``), read in one query through the access rule."""
    scope = Appeal.objects.visible_to(user).exclude(state=State.REJECTED)
    if exclude is not None:
        scope = scope.exclude(pk=exclude)
    if narrow(user):
        return list(scope.order_by("-pk").values_list(*_FIELDS)[:similar_setting("SCOPE_SCAN")])
    sources = _newest_ids_sql(user, scope, enterprise_id=enterprise_id, exclude=exclude,
                              last_indexed=last_indexed)
    keys = minhash.keys_of(minhash.signature(query))
    if keys:
        sources.append(_lsh_sql(keys, exclude))
    # Each source is wrapped (SQLite accepts no LIMIT in a compound's member), UNION drops the repeats.
    sql = " UNION ".join(f"SELECT * FROM ({part}) s{i}" for i, (part, _) in enumerate(sources))
    params = [p for _, part_params in sources for p in part_params]
    return list(scope.filter(pk__in=RawSQL(sql, params)).order_by().values_list(*_FIELDS))


def similar_to_text(user, title: str, content: str, *, enterprise_id: int | None = None,
                    exclude: int | None = None, limit: int | None = None) -> list[SimilarAppeal]:
    """The appeals ``user`` may see that are similar to this title and content, best first. ``enterprise_id``:
    the enterprise raising it (its own appeals are duplicates, the others' common problems); ``exclude``: the
    appeal itself."""
    last_indexed, stop = search_marks()
    query = shingles(title, content, stop)
    if not query:
        return []
    floor, limit = similar_setting("MIN_SCORE"), limit or similar_setting("TOP")
    scored = []
    for row in _candidate_rows(user, query, enterprise_id=enterprise_id, exclude=exclude,
                               last_indexed=last_indexed):
        score = cosine(query, shingles(row[_TITLE], row[_CONTENT], stop))
        if score >= floor:
            scored.append((score, row))
    scored.sort(key=lambda item: (-item[0], -item[1][_PK]))
    scored = scored[:limit]
    targets = {row[_MERGED_INTO] for _, row in scored if row[_MERGED_INTO]}
    merged = {}
    if targets:
        merged = {pk: {"id": pk, "number": number, "title": title}
                  for pk, number, title in Appeal.objects.visible_to(user).filter(pk__in=targets)
                  .values_list("pk", "number", "title")}
    states = dict(State.choices)
    out = []
    for score, (pk, number, found_title, _, state, created_at, enterprise, enterprise_name, merged_into) in scored:
        relation = DUPLICATE if enterprise_id is not None and enterprise == enterprise_id else COMMON
        out.append(SimilarAppeal(
            id=pk, number=number, title=found_title, enterprise={"id": enterprise, "name": enterprise_name},
            state=state, state_label=states.get(state, state), created_at=created_at,
            score=round(min(score, 1.0), 3), relation=relation, relation_label=RELATION_LABELS[relation],
            merged_into=merged.get(merged_into)))
    return out


def similar_to_appeal(user, appeal: Appeal, *, limit: int | None = None) -> list[SimilarAppeal]:
    """The appeals similar to an existing one (itself excluded), as its enterprise's duplicates or common."""
    return similar_to_text(user, appeal.title, appeal.content, enterprise_id=appeal.enterprise_id,
                           exclude=appeal.pk, limit=limit)
