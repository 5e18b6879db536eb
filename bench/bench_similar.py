"""Similar-appeal search and hot topics on the 1,000,000-appeal bench database (PostgreSQL).

    .venv/bin/python bench/gen_appeals.py              # once: the bench database
    .venv/bin/python bench/bench_similar.py --rebuild  # build the index (similar_index --rebuild), then measure
    .venv/bin/python bench/bench_similar.py            # measure (builds the index first if it is empty)

It creates only the lianxi.similar tables (``migrate similar``) and fills them; no other table is written.

Search: --queries texts, each taken from a random appeal, asked in-process (``similar_to_text``, what the API
and the registration page call) as four personas: bench_dispatcher (citywide: LSH over every appeal), with the
text verbatim (a duplicate) and reworded (a sentence dropped, traditional characters, full-width digits); the
API round trip ``POST /api/v1/appeals/similar/`` through Django's test client; bench_handler (a department's
appeals: LSH, then the access rule); bench_enterprise (the enterprise with the most appeals: its own scanned).
p50/p95/p99/max in ms after one warm-up query; target (issue 6): < 100 ms at 1,000,000 appeals.

Also: one incremental ``index_pending`` pass finding --pending new appeals (the newest, taken out of the index),
and hot topics (``lianxi.similar.clusters.hotspots``) for a county's year (the newest ~20,000 appeals), one
month, one year, and all 1,000,000 appeals.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PAGES_DB, bench_url, db_name, setup_django, summary_ms  # noqa: E402

TARGET_MS = 100


def reworded(title: str, content: str) -> tuple[str, str]:
    """Drop one sentence, write it in traditional characters with full-width digits."""
    import zhconv

    sentences = [s for s in content.replace("。", "。\n").splitlines() if s]
    if len(sentences) > 2:
        sentences.pop(1)
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    return (zhconv.convert(title, "zh-tw").translate(full),
            zhconv.convert("".join(sentences), "zh-tw").translate(full))


def line(name: str, seconds: list[float], extra: str = "") -> None:
    s = summary_ms(seconds)
    flag = " !" if s["p95"] > TARGET_MS else ""
    print(f"  {name:<58} p50 {s['p50']:7.1f}  p95 {s['p95']:7.1f}  p99 {s['p99']:7.1f}  max {s['max']:7.1f} ms"
          f"{flag}{extra}")


def bench_search(queries: int, seed: int) -> None:
    from django.db import connection, reset_queries
    from rest_framework.test import APIClient

    from lianxi.accounts.models import User
    from lianxi.appeals.models import Appeal
    from lianxi.similar.search import similar_to_text

    rng = random.Random(seed)
    top = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first()
    ids = rng.sample(range(1, top + 1), queries + 1)
    rows = list(Appeal.objects.filter(pk__in=ids).values_list("pk", "title", "content", "enterprise_id"))
    users = {name: User.objects.get(username=name) for name in
             ("bench_dispatcher", "bench_handler", "bench_enterprise")}
    enterprise = users["bench_enterprise"].enterprise_id
    own = list(Appeal.objects.filter(enterprise_id=enterprise).values_list("title", "content")[:queries + 1])

    def run(name, user, texts, with_enterprise=True):
        seconds, found, top_scores = [], 0, []
        for i, (pk, title, content, ent) in enumerate(texts):
            start = time.perf_counter()
            result = similar_to_text(user, title, content, enterprise_id=ent if with_enterprise else None,
                                     exclude=None)
            if i:  # the first one warms the caches
                seconds.append(time.perf_counter() - start)
                found += bool(result)
                top_scores.append(result[0].score if result else 0.0)
        line(name, seconds, f"   similar found for {found}/{len(seconds)}, "
                            f"mean best score {sum(top_scores) / len(top_scores):.2f}")

    print(f"search over {Appeal.objects.count():,} appeals ({queries} queries each)")
    run("dispatcher, verbatim text (a duplicate)", users["bench_dispatcher"], rows)
    run("dispatcher, reworded (traditional, full-width, shorter)", users["bench_dispatcher"],
        [(pk, *reworded(t, c), e) for pk, t, c, e in rows])
    run("handler (own department's appeals only)", users["bench_handler"], rows)
    run("enterprise user (its own appeals only)", users["bench_enterprise"],
        [(None, t, c, enterprise) for t, c in own])

    client = APIClient()
    client.force_authenticate(users["bench_dispatcher"])
    seconds = []
    for i, (pk, title, content, ent) in enumerate(rows):
        start = time.perf_counter()
        answer = client.post("/api/v1/appeals/similar/", {"title": title, "content": content, "enterprise": ent},
                             format="json")
        assert answer.status_code == 200, answer.content
        if i:
            seconds.append(time.perf_counter() - start)
    line("API POST /api/v1/appeals/similar/ (dispatcher)", seconds)

    connection.force_debug_cursor = True
    reset_queries()
    similar_to_text(users["bench_dispatcher"], rows[1][1], rows[1][2], enterprise_id=rows[1][3])
    queries_run = connection.queries
    connection.force_debug_cursor = False
    print(f"  one search: {len(queries_run)} queries, "
          f"{sum(float(q['time']) for q in queries_run) * 1000:.1f} ms in the database")


def bench_incremental(count: int) -> None:
    """Time one index_pending pass that finds ``count`` new appeals. Without writing any other table: the newest
    ``count`` appeals are taken out of the index, as if they had just been registered."""
    from lianxi.appeals.models import Appeal
    from lianxi.similar.index import index_pending, state
    from lianxi.similar.models import SimilarBand, SimilarDoc, SimilarState

    if not count:
        return
    index_pending()  # catch up first
    newest = list(Appeal.objects.order_by("-pk").values_list("pk", flat=True)[:count])
    from lianxi.similar import minhash

    docs = SimilarDoc.objects.filter(appeal_id__in=newest).values_list("appeal_id", "signature")
    SimilarBand.objects.filter(pk__in=[(k, pk) for pk, sig in docs for k in minhash.keys_of(bytes(sig))]).delete()
    SimilarDoc.objects.filter(appeal_id__in=newest).delete()
    SimilarState.objects.filter(pk=1).update(last_appeal_id=min(newest) - 1)
    start = time.perf_counter()
    done = index_pending()
    seconds = time.perf_counter() - start
    assert state().last_appeal_id == newest[0]
    print(f"index_pending finding {count} new appeals: {done} indexed in {seconds * 1000:.0f} ms "
          f"({seconds * 1000 / max(done, 1):.2f} ms per appeal)")
    start = time.perf_counter()
    index_pending()
    print(f"index_pending with nothing new: {(time.perf_counter() - start) * 1000:.1f} ms")


def bench_hotspots() -> None:
    import datetime as dt

    import numpy as np
    from django.db.models import Max
    from django.utils import timezone

    from lianxi.appeals.models import Appeal
    from lianxi.similar import clusters, minhash
    from lianxi.stats.selectors import system_question

    last = timezone.localtime(Appeal.objects.aggregate(m=Max("created_at"))["m"]).date()
    county_start = last - dt.timedelta(days=21)  # ~20,000 appeals: a county's year
    cases = [
        ("a county's year (the newest three weeks)", county_start, last),
        ("one month", last.replace(day=1) - dt.timedelta(days=30), last.replace(day=1) - dt.timedelta(days=1)),
        ("one year", last - dt.timedelta(days=364), last),
        ("all 1,000,000 appeals (three years)", dt.date(2020, 1, 1), last),
    ]
    print("hot topics (clusters.hotspots, 20 topics described; both periods clustered together)")
    for name, start, end in cases:
        q = system_question({"from": start.isoformat(), "to": end.isoformat()})
        began = time.perf_counter()
        now = clusters.period_appeals(q)
        read = time.perf_counter() - began
        before = clusters.period_appeals(q.previous())
        began = time.perf_counter()
        shown = clusters.hotspots(q, user=None)  # the system: every title
        total = time.perf_counter() - began
        distinct = len(clusters._distinct(np.concatenate([now.signatures, before.signatures]))[0])
        print(f"  {name:<42} {len(now.appeal_ids):>8,} + {len(before.appeal_ids):>8,} previous appeals "
              f"({distinct:,} distinct signatures): {total:5.2f} s, of which reading this period {read:4.2f} s; "
              f"{len(shown)} topics, first: {shown[0].title if shown else '—'} ({shown[0].size if shown else 0})")
    # The bench's texts come from a few hundred templates, so most signatures repeat and are clustered once. Real
    # text repeats far less: the clustering itself, over a million signatures that are all different.
    rng = np.random.default_rng(3)
    signatures = rng.integers(0, 1 << 16, size=(1_000_000, minhash.size()), dtype=np.uint16)
    signatures[1::2, :20] = signatures[::2, :20]  # half of them with a near twin: pairs to verify and join
    began = time.perf_counter()
    labels = clusters.components(signatures)
    print(f"  clustering 1,000,000 distinct signatures alone (500,000 near-twin pairs): "
          f"{time.perf_counter() - began:.2f} s, {len(np.unique(labels)):,} components")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index first (similar_index --rebuild)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pending", type=int, default=100, help="new appeals one index_pending pass finds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-hotspots", action="store_true")
    args = parser.parse_args()

    url = bench_url(PAGES_DB)
    setup_django(url)
    from django.core.management import call_command

    from lianxi.similar.index import rebuild
    from lianxi.similar.models import SimilarDoc

    print(f"database {db_name(url)}")
    call_command("migrate", "similar", interactive=False, verbosity=0)
    if args.rebuild or not SimilarDoc.objects.exists():
        from tqdm import tqdm

        from lianxi.appeals.models import Appeal

        start = time.perf_counter()
        with tqdm(total=Appeal.objects.count(), unit="appeals") as bar:
            done = rebuild(progress=bar.update)
        print(f"rebuild: {done:,} appeals in {time.perf_counter() - start:.0f} s")
    bench_search(args.queries, args.seed)
    bench_incremental(args.pending)
    if not args.skip_hotspots:
        bench_hotspots()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('similar_similarband')), "
                       "pg_size_pretty(pg_total_relation_size('similar_similardoc'))")
        bands, docs = cursor.fetchone()
    print(f"index size: buckets {bands}, signatures {docs}")


if __name__ == "__main__":
    main()
