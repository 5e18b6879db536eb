"""The numbers at scale: /api/v1/stats/* and the dashboard on the 1,000,000-appeal bench database (PostgreSQL).

    .venv/bin/python bench/gen_appeals.py          # once: the bench database (it ends by building the facts)
    .venv/bin/python bench/bench_stats.py          # every case, 5 repeats
    .venv/bin/python bench/bench_stats.py --refresh 1000 --rebuild   # also the background step's cost

Each case is requested in-process with Django's test Client as bench_dispatcher (citywide: every department's
numbers), once to warm up and then --repeats times; p50/p95 wall time in ms, the number of SQL queries and their
total time in one more request. Targets (issue 5): summary and breakdown for one year over 1,000,000 appeals
< 1 s; the dashboard page < 2 s. Cases over their target are flagged "!".

--refresh N marks N random appeals stale (as N actions would) and times one `refresh()` (what the Celery beat
task and `refresh_stats` run every minute); --rebuild times `refresh_stats --all` over every appeal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PAGES_DB, bench_url, db_name, setup_django, summary_ms  # noqa: E402

API_TARGET_MS = 1000
PAGE_TARGET_MS = 2000


def build_cases(today: dt.date, lookups: dict) -> list[tuple[str, str, int]]:
    from django.urls import reverse

    year = f"from={(today - dt.timedelta(days=364)).isoformat()}&to={today.isoformat()}"
    everything = "from=2020-01-01&to=" + today.isoformat()
    api = "/api/v1/stats"
    cases = [
        ("api summary, one year", f"{api}/summary/?{year}", API_TARGET_MS),
        ("api summary, all years (1,000,000)", f"{api}/summary/?{everything}", API_TARGET_MS),
        ("api summary, one year, department", f"{api}/summary/?{year}&department={lookups['department']}",
         API_TARGET_MS),
        ("api summary, one year, channel", f"{api}/summary/?{year}&channel={lookups['channel']}", API_TARGET_MS),
        ("api summary, one year, town", f"{api}/summary/?{year}&town={lookups['town']}", API_TARGET_MS),
        ("api summary, one year, ownership+size", f"{api}/summary/?{year}&ownership=private&size=small",
         API_TARGET_MS),
    ]
    for by in ("department", "channel", "category", "month", "town"):
        cases.append((f"api breakdown by {by}, one year", f"{api}/breakdown/?{year}&by={by}", API_TARGET_MS))
    cases += [
        ("api ranking, one year", f"{api}/ranking/?{year}", API_TARGET_MS),
        ("api growth by category, one year", f"{api}/growth/?{year}&by=category", API_TARGET_MS),
    ]
    for name, target in (("stats:dashboard", PAGE_TARGET_MS), ("stats:screen", PAGE_TARGET_MS)):
        cases.append((f"page {name}, one year", f"{reverse(name)}?{year}", target))
    lists = f"{reverse('web:appeal_list')}?created_{year.replace('&to=', '&created_to=')}"
    cases += [
        ("click-through list: completed, one year", f"{lists}&measure=completed", 200),
        ("click-through list: overdue now, one year", f"{lists}&measure=overdue_now", 200),
    ]
    return cases


def bench_refresh(n: int) -> None:
    from django.db import connection

    from lianxi.stats.facts import refresh

    with connection.cursor() as c:
        c.execute("INSERT INTO stats_staleappeal (appeal_id) SELECT id FROM appeals_appeal "
                  "ORDER BY random() LIMIT %s ON CONFLICT DO NOTHING", [n])
    start = time.perf_counter()
    done = refresh()
    seconds = time.perf_counter() - start
    print(f"refresh of {done} stale appeals: {seconds:.2f} s ({done / seconds:,.0f} appeals/s)")


def bench_rebuild() -> None:
    from lianxi.stats.facts import rebuild

    start = time.perf_counter()
    done = rebuild()
    seconds = time.perf_counter() - start
    print(f"rebuild (refresh_stats --all) of {done} appeals: {seconds:.1f} s ({done / seconds:,.0f} appeals/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="measured requests per case (default 5)")
    parser.add_argument("--only", default="", help="regular expression: run only the matching cases")
    parser.add_argument("--refresh", type=int, default=0, help="also time refresh() of N stale appeals")
    parser.add_argument("--rebuild", action="store_true", help="also time refresh_stats --all")
    args = parser.parse_args()

    url = bench_url(PAGES_DB)
    setup_django(url, DB_CONN_MAX_AGE="600", DEBUG="0")
    from lianxi.core.startup import settle

    settle()  # as config/wsgi.py does in every gunicorn worker
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from lianxi.accounts.models import User
    from lianxi.appeals.models import Appeal
    from lianxi.directory.models import Department
    from lianxi.stats.models import AppealFact

    if not AppealFact.objects.exists():
        sys.exit(f"{db_name(url)} has no facts: run bench/gen_appeals.py (or manage.py refresh_stats --all)")
    if args.rebuild:
        bench_rebuild()
    if args.refresh:
        bench_refresh(args.refresh)
    user = User.objects.get(username="bench_dispatcher")
    client = Client()
    client.force_login(user)
    busiest = (Appeal.objects.values("lead_department").order_by().annotate(n=Count("pk")).order_by("-n")
               .first()["lead_department"])
    lookups = {"department": busiest, "channel": Appeal.objects.values_list("channel_id", flat=True).first(),
               "town": Department.objects.filter(kind="town").values_list("pk", flat=True).first()}
    total = AppealFact.objects.count()
    cases = [c for c in build_cases(timezone.localdate(), lookups) if re.search(args.only, c[0])]
    print(f"bench_stats: {total} appeals' facts in {db_name(url)}, {os.cpu_count()} cores, {args.repeats} repeats "
          f"after 1 warm-up")
    print(f"{'case':48s} {'p50':>8s} {'p95':>8s} {'queries':>7s} {'sql ms':>8s} {'target':>7s}  status")
    slow = []
    for name, path, target in cases:
        response = client.get(path)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries = list(captured.captured_queries)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
        s = summary_ms(times)
        db_ms = sum(float(q["time"]) for q in queries) * 1000
        flag = "!" if s["p50"] > target else " "
        print(f"{name:48s} {s['p50']:8.1f} {s['p95']:8.1f} {len(queries):7d} {db_ms:8.1f} {target:7d}  "
              f"{response.status_code}{flag}", flush=True)
        if flag == "!":
            slow.append(name)
    print(f"{len(slow)} case(s) over target" + (": " + "; ".join(slow) if slow else ""))


if __name__ == "__main__":
    main()
