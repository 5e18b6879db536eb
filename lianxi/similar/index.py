"""Keeping the similar-appeal index true: ``index_pending`` (a background step, every minute) and ``rebuild``.

``index_pending`` is idempotent and cheap when nothing happened. It indexes the appeals above the high-water mark
that have no signature yet, and re-indexes those whose title or content was edited (修改登记信息 writes an "edit"
event naming the changed fields) since the event high-water mark. Both marks are re-examined ``LOOKBACK`` ids
back: ids are handed out when a transaction inserts, not when it commits, so a registration that took id 100 may
commit after one that took 101 and would otherwise be skipped for ever. Until an appeal is indexed, the search
still finds it: it scores every appeal above the mark exactly (``lianxi.similar.search``).

Two passes running at once (a Celery beat task and a loop) do no harm: a signature is written by upsert, bucket
rows are inserted ignoring duplicates, and an appeal re-indexed twice ends with the same rows.

``rebuild`` learns the stop shingles from the newest appeals, empties the index and computes every appeal's
signature again, in batches (on PostgreSQL the rows are streamed with COPY). Searches during a rebuild see a
partial index; run it after an upgrade that changes the signature (BANDS, ROWS) or when the stop shingles should
be learnt again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from lianxi.appeals.models import Appeal, AppealEvent

from . import minhash
from .conf import similar_setting
from .models import SimilarBand, SimilarDoc, SimilarState
from .text import STOP_SHINGLES, bigrams, normalized, shingles

BATCH = 2000
_stop_cache: tuple[int, frozenset[str]] | None = None


def checksum(title: str, content: str) -> int:
    """A signed 64-bit digest of the text a signature was computed from."""
    digest = hashlib.blake2b(f"{title}\x00{content}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def state() -> SimilarState:
    """The index's state as it stands (an unsaved blank one before the first pass: reading never writes)."""
    return SimilarState.objects.filter(pk=1).first() or SimilarState(pk=1)


def stop_shingles(current: SimilarState) -> frozenset[str]:
    """The learnt stop shingles of ``current``'s version (kept per process, reread when the version changes)."""
    global _stop_cache
    if _stop_cache is None or _stop_cache[0] != current.version:
        _stop_cache = (current.version, frozenset(current.stop_shingles))
    return _stop_cache[1]


def search_marks() -> tuple[int, frozenset[str]]:
    """What a search needs of the state — the high-water mark and the stop shingles — in one narrow read: every
    registration searches, and the stop list (a JSON list) is parsed again only when its version changes."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_appeal_id, version FROM {connection.ops.quote_name(SimilarState._meta.db_table)}"
                       " WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return 0, frozenset()
    last_appeal_id, version = row
    if _stop_cache is None or _stop_cache[0] != version:
        return last_appeal_id, stop_shingles(state())
    return last_appeal_id, _stop_cache[1]


@dataclass(frozen=True)
class Entry:
    appeal_id: int
    signature: bytes
    checksum: int
    keys: tuple[int, ...]  # the LSH buckets (none for an empty signature)

    def bands(self) -> list[SimilarBand]:
        return [SimilarBand(key=key, appeal_id=self.appeal_id) for key in self.keys]


def entries(rows: Sequence[tuple[int, str, str]], stop: frozenset[str]) -> list[Entry]:
    """(appeal id, title, content) → the index entries, signatures and band keys computed in one batch."""
    sets = [shingles(title, content, stop) for _, title, content in rows]
    sigs = minhash.signatures(sets)
    filled = [i for i, sig in enumerate(sigs) if sig]
    keys: list[tuple[int, ...]] = [()] * len(rows)
    if filled:
        for i, row in zip(filled, minhash.band_keys(minhash.matrix([sigs[i] for i in filled])).tolist()):
            keys[i] = tuple(row)
    return [Entry(pk, sig, checksum(title, content), key)
            for (pk, title, content), sig, key in zip(rows, sigs, keys)]


def index_appeals(rows: Sequence[tuple[int, str, str]], stop: frozenset[str]) -> int:
    """(Re-)index these appeals; those whose text has not changed since they were indexed are left alone.
    Returns how many were written."""
    old = {pk: (sig, digest) for pk, sig, digest in SimilarDoc.objects.filter(appeal_id__in=[r[0] for r in rows])
           .values_list("appeal_id", "signature", "checksum")}
    fresh = [e for e in entries(rows, stop) if e.appeal_id not in old or old[e.appeal_id][1] != e.checksum]
    if not fresh:
        return 0
    stale = [(key, e.appeal_id) for e in fresh if e.appeal_id in old
             for key in minhash.keys_of(bytes(old[e.appeal_id][0]))]
    with transaction.atomic():
        for start in range(0, len(stale), 500):
            SimilarBand.objects.filter(pk__in=stale[start:start + 500]).delete()
        SimilarBand.objects.bulk_create([band for e in fresh for band in e.bands()], ignore_conflicts=True,
                                        batch_size=1000)
        SimilarDoc.objects.bulk_create(
            [SimilarDoc(appeal_id=e.appeal_id, signature=e.signature, checksum=e.checksum) for e in fresh],
            update_conflicts=True, unique_fields=["appeal"], update_fields=["signature", "checksum"])
    return len(fresh)


def _edited_appeals(events: Iterable[tuple[int, dict]]) -> set[int]:
    return {appeal_id for appeal_id, data in events
            if {"title", "content"} & set((data or {}).get("changes") or {})}


def index_pending(now=None) -> int:
    """Index what is new or edited since the last pass (module docstring). Returns how many appeals were
    written."""
    now = now or timezone.now()
    current = SimilarState.objects.get_or_create(pk=1)[0]
    stop = stop_shingles(current)
    lookback = similar_setting("LOOKBACK")
    done = 0

    low, top = max(0, current.last_appeal_id - lookback), current.last_appeal_id
    while True:
        rows = list(Appeal.objects.filter(pk__gt=low, similar_doc__isnull=True).order_by("pk")
                    .values_list("pk", "title", "content")[:BATCH])
        if not rows:
            break
        done += index_appeals(rows, stop)
        low = top = max(top, rows[-1][0])

    since = max(0, current.last_event_id - lookback)
    last_event = AppealEvent.objects.filter(pk__gt=current.last_event_id).aggregate(m=Max("pk"))["m"]
    edited = _edited_appeals(AppealEvent.objects.filter(pk__gt=since, action="edit")
                             .values_list("appeal_id", "data"))
    if edited:
        done += index_appeals(list(Appeal.objects.filter(pk__in=edited).values_list("pk", "title", "content")),
                              stop)

    # Marks only move forward, whichever of two concurrent passes writes last.
    SimilarState.objects.filter(pk=1, last_appeal_id__lt=top).update(last_appeal_id=top)
    if last_event:
        SimilarState.objects.filter(pk=1, last_event_id__lt=last_event).update(last_event_id=last_event)
    SimilarState.objects.filter(pk=1).update(indexed_at=now)
    return done


# ---- rebuild -----------------------------------------------------------------------------------------------------

def learn_stop_shingles(sample: int | None = None) -> list[str]:
    """The bigrams in at least STOP_DF of the newest ``sample`` appeals (at most STOP_MAX, the commonest first);
    none from fewer than 200 appeals, which say nothing about what "every appeal" says."""
    sample = sample or similar_setting("STOP_SAMPLE")
    rows = Appeal.objects.order_by("-pk").values_list("title", "content")[:sample]
    df: Counter[str] = Counter()
    n = 0
    for title, content in rows.iterator(chunk_size=BATCH):
        df.update((bigrams(normalized(title)) | bigrams(normalized(content))) - STOP_SHINGLES)
        n += 1
    if n < 200:
        return []
    floor = similar_setting("STOP_DF") * n
    common = [gram for gram, count in df.most_common(similar_setting("STOP_MAX")) if count >= floor]
    return sorted(common)


def _empty_index() -> None:
    tables = [connection.ops.quote_name(m._meta.db_table) for m in (SimilarBand, SimilarDoc)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks still pending in this transaction would forbid the TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are initially deferred
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def _write_batch(batch: list[Entry]) -> None:
    """Insert a batch of entries into an index known not to hold them (a rebuild)."""
    if connection.vendor != "postgresql":
        SimilarBand.objects.bulk_create([band for e in batch for band in e.bands()], batch_size=1000)
        SimilarDoc.objects.bulk_create([SimilarDoc(appeal_id=e.appeal_id, signature=e.signature,
                                                   checksum=e.checksum) for e in batch], batch_size=1000)
        return
    band_lines = "".join(f"{key}\t{e.appeal_id}\n" for e in batch for key in e.keys)
    doc_lines = "".join(f"{e.appeal_id}\t\\\\x{e.signature.hex()}\t{e.checksum}\n" for e in batch)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(SimilarBand._meta.db_table)} (key, appeal_id) FROM STDIN") as copy:
            copy.write(band_lines)
        with cursor.copy(f"COPY {quote(SimilarDoc._meta.db_table)} (appeal_id, signature, checksum) "
                         f"FROM STDIN") as copy:
            copy.write(doc_lines)


def rebuild(progress: Callable[[int], None] | None = None, now=None) -> int:
    """Learn the stop shingles, empty the index and index every appeal again. Returns how many appeals."""
    now = now or timezone.now()
    stop = learn_stop_shingles()
    last_event = AppealEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    with transaction.atomic():
        current = SimilarState.objects.select_for_update().get_or_create(pk=1)[0]
        current.stop_shingles, current.version = stop, current.version + 1
        current.last_appeal_id, current.last_event_id = 0, last_event
        current.save()
        _empty_index()
    stop_set = frozenset(stop)
    done, low = 0, 0
    while True:
        rows = list(Appeal.objects.filter(pk__gt=low).order_by("pk").values_list("pk", "title", "content")[:BATCH])
        if not rows:
            break
        with transaction.atomic():
            _write_batch(entries(rows, stop_set))
            SimilarState.objects.filter(pk=1).update(last_appeal_id=rows[-1][0])
        done += len(rows)
        low = rows[-1][0]
        if progress:
            progress(len(rows))
    SimilarState.objects.filter(pk=1).update(rebuilt_at=now, indexed_at=now)
    if connection.vendor == "postgresql":
        # The planner's statistics, and (VACUUM, outside a transaction) the visibility map that lets the search
        # read a bucket from the index alone.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in (SimilarBand, SimilarDoc):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    return done
