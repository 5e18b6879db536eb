"""One `supervise --once` pass over the 1,000,000-appeal bench database (about 10 % open), on PostgreSQL.

    .venv/bin/python bench/gen_appeals.py            # once: the bench database (about 9 minutes)
    .venv/bin/python bench/bench_supervise.py        # resets what earlier runs of this bench wrote, then measures

What it measures, each pass timed end to end (`escalation.run_pass`, what the command and the Celery task run):
  1. catch-up: the first pass over data that has never been supervised (the bench data, like data upgraded by
     migration 0005, starts every running limit at level 0), so every limit already in warning, overdue or
     5 working days overdue gets its one order now;
  2. the same moment again: must create nothing (idempotent) and read nothing but the index;
  3. one minute later, one hour later, the next working morning: the steady state of a pass that runs every
     minute, touching only the limits that crossed a threshold since the last pass.
For each: the limits it read ("checked"), the orders and accountability records it created, and the seconds. The
claim query's plan is printed to show it reads the partial index `deadline_next_alert`, not the appeal table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PAGES_DB, bench_url, setup_django  # noqa: E402

RESET_SQL = [
    "DELETE FROM supervision_accountability_appeals",
    "DELETE FROM supervision_accountability",
    "DELETE FROM supervision_supervision",
    "DELETE FROM supervision_documentnumber",
    "DELETE FROM notifications_outboxmessage WHERE notification_id IN (SELECT id FROM notifications_notification "
    "WHERE event_id IN (SELECT id FROM appeals_appealevent WHERE actor_id IS NULL AND action IN "
    "('supervise', 'accountability')))",
    "DELETE FROM notifications_notification WHERE event_id IN (SELECT id FROM appeals_appealevent "
    "WHERE actor_id IS NULL AND action IN ('supervise', 'accountability'))",
    "DELETE FROM appeals_appealevent WHERE actor_id IS NULL AND action IN ('supervise', 'accountability')",
    "UPDATE appeals_deadline SET alert = 0, next_alert_at = warn_at WHERE ended_at IS NULL AND alert > 0",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-reset", action="store_true", help="keep what earlier runs wrote")
    args = parser.parse_args()

    url = bench_url(PAGES_DB)
    setup_django(url)
    from django.db import connection
    from django.utils import timezone

    from lianxi.appeals.models import Appeal, Deadline
    from lianxi.core.workdays import add_workdays, local_date
    from lianxi.supervision.escalation import run_pass
    from lianxi.supervision.models import Accountability, Supervision

    if not args.no_reset:
        with connection.cursor() as c:
            for statement in RESET_SQL:
                c.execute(statement)
            c.execute("ANALYZE appeals_deadline")

    appeals = Appeal.objects.count()
    open_appeals = Appeal.objects.open().count()
    running = Deadline.objects.filter(ended_at__isnull=True).count()
    print(f"appeals {appeals}, open {open_appeals} ({open_appeals / appeals:.1%}), running limits {running}")

    now = timezone.now()
    with connection.cursor() as c:
        c.execute("EXPLAIN SELECT id, appeal_id FROM appeals_deadline WHERE ended_at IS NULL AND next_alert_at <= %s "
                  "ORDER BY next_alert_at, id LIMIT 500", [now])
        print("claim plan: " + " / ".join(row[0].strip() for row in c.fetchall()))

    next_morning = timezone.make_aware(dt.datetime.combine(add_workdays(local_date(now), 1), dt.time(9, 0)))
    moments = [("catch-up (first pass ever)", now), ("same moment again", now),
               ("+1 minute", now + dt.timedelta(minutes=1)), ("+1 hour", now + dt.timedelta(hours=1)),
               ("next working morning 09:00", next_morning)]
    results = []
    for label, moment in moments:
        orders, records = Supervision.objects.count(), Accountability.objects.count()
        started = time.perf_counter()
        report = run_pass(moment)
        seconds = time.perf_counter() - started
        made = Supervision.objects.count() - orders, Accountability.objects.count() - records
        c = report.counts
        print(f"{label:28s} {seconds:8.2f} s  checked {c['checked']:6d}  orders {made[0]:6d} "
              f"(提醒 {c['reminder']}, 督办 {c['supervise']}, 挂牌 {c['listed']})  accountability {made[1]:5d}")
        results.append({"pass": label, "seconds": round(seconds, 3), "checked": c["checked"],
                        "orders": made[0], "accountability": made[1]})
    print(json.dumps({"appeals": appeals, "open": open_appeals, "running_limits": running, "passes": results},
                     ensure_ascii=False))
    # The passes wrote tens of thousands of rows: leave the planner's statistics and the visibility map fresh
    # for bench_pages.py (index-only counts slow down severalfold on a stale visibility map).
    connection.close()
    import psycopg

    with psycopg.connect(url.replace("pgsql://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    main()
