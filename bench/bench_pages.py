"""Server time of the appeal list and detail (pages and API) on the 1,000,000-appeal bench database.

Run bench/gen_appeals.py first. Each case is requested in-process with Django's test Client (force_login for
pages, the same session for the API), once to warm up and then --repeats times; the table gives p50/p95 in ms,
the Python CPU time of the request (p50: the rest of the wall time is waiting for PostgreSQL, or for a core),
the number of SQL queries and their total time in one more (unmeasured) request. Cases over the target (200 ms)
are flagged with "!".

    .venv/bin/python bench/bench_pages.py                       # every case, 10 repeats
    .venv/bin/python bench/bench_pages.py --repeats 20 --only handler
    .venv/bin/python bench/bench_pages.py --explain --only "dispatcher.*search"   # EXPLAIN ANALYZE slow queries

Personas (made by gen_appeals.py): bench_dispatcher (sees everything), bench_handler (the department that leads
the most appeals: lead OR co-handled), bench_enterprise (the enterprise with the most appeals).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PAGES_DB, bench_url, db_name, setup_django, summary_ms  # noqa: E402

TARGET_MS = 200


def enterprise_fragment(name: str) -> str:
    """The brand and the start of the trade: four characters people would type to find the enterprise."""
    for region in ("贵州省", "清镇市", "贵州", "清镇", "贵阳"):
        if name.startswith(region):
            return name[len(region):len(region) + 4]
    return name[:4]


def build_cases(users: dict) -> list[tuple[str, str, str]]:
    """(name, username, path) for every case."""
    from django.db.models import Q
    from django.urls import NoReverseMatch, reverse

    from lianxi.appeals.models import Appeal

    try:
        pages = reverse("web:appeal_list")
    except NoReverseMatch:
        pages = None
    dispatcher, handler, enterprise = users["dispatcher"], users["handler"], users["enterprise"]
    dep = handler.department_id
    common_text = "用电"  # a frequent title word (about 2 % of appeals)
    rare_text = "留抵退税"  # a rarer phrase
    ent_text = enterprise_fragment(enterprise.enterprise.name)  # e.g. 源腾装饰 from 清镇市源腾装饰工程有限公司
    nothing = "不存在的关键词"
    lists = [
        ("default", ""), ("state=handling", "?state=handling"), ("state=closed", "?state=closed"),
        (f"department={dep}", f"?department={dep}"), (f"search={common_text}", f"?search={common_text}"),
        (f"search={rare_text}", f"?search={rare_text}"), (f"search={ent_text}", f"?search={ent_text}"),
        (f"search={nothing}", f"?search={nothing}"), ("deadline=overdue", "?deadline=overdue"),
        ("deadline=due_soon", "?deadline=due_soon"), ("page=500", "?page=500"),
        ("state=handling&page=50", "?state=handling&page=50"),
    ]
    per_persona = {
        "dispatcher": [name for name, _ in lists],
        "handler": ["default", "state=handling", f"search={common_text}", f"search={nothing}", "deadline=overdue",
                    "page=500"],
        "enterprise": ["default", "state=closed", f"search={common_text}", "page=500"],
    }
    cases = []
    for persona, user in (("dispatcher", dispatcher), ("handler", handler), ("enterprise", enterprise)):
        visible = Appeal.objects.visible_to(user)
        recent = visible.order_by("-created_at", "-id").values_list("pk", flat=True).first()
        closed = (visible.filter(state="closed").order_by("created_at", "id").values_list("pk", flat=True)
                  .first())
        co = None
        if persona == "handler":  # an appeal the handler's department only co-handles
            co = (visible.filter(~Q(lead_department_id=dep), state="handling").order_by("-created_at")
                  .values_list("pk", flat=True).first())
        for prefix, base in (("page", pages), ("api", "/api/v1/appeals/")):
            if base is None:
                continue
            for name, query in lists:
                if name in per_persona[persona]:
                    cases.append((f"{persona} {prefix} list {name}", user.username, base + query))
            for label, pk in (("recent", recent), ("old closed", closed), ("co-handled", co)):
                if pk is None:
                    continue
                path = reverse("web:appeal_detail", args=[pk]) if prefix == "page" else f"{base}{pk}/"
                cases.append((f"{persona} {prefix} detail {label}", user.username, path))
                if prefix == "api" and label == "recent":
                    cases.append((f"{persona} api events {label}", user.username, f"{base}{pk}/events/"))
    return cases


def explain(queries: list[dict], top: int = 3) -> None:
    from django.db import connection

    for q in sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:top]:
        if not q["sql"].lstrip().upper().startswith("SELECT"):
            continue
        print(f"\n    -- {float(q['time']) * 1000:.1f} ms: {q['sql'][:300]}")
        with connection.cursor() as c:
            c.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            for (line,) in c.fetchall():
                print("    " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=10, help="measured requests per case (default 10)")
    parser.add_argument("--only", default="", help="regular expression: run only the matching cases")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest queries of slow cases")
    parser.add_argument("--time-limit", type=float, default=900, help="stop starting new cases after this (s)")
    parser.add_argument("--no-settle", action="store_true",
                        help="skip lianxi.core.startup.settle() (no gc.freeze): shows the full collections' pauses")
    args = parser.parse_args()

    url = bench_url(PAGES_DB)
    # Persistent connections as under gunicorn; the test Client closes "old" connections after each request.
    setup_django(url, DB_CONN_MAX_AGE="600", DEBUG="0")
    if not args.no_settle:
        from lianxi.core.startup import settle

        settle()  # as config/wsgi.py does in every gunicorn worker
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lianxi.accounts.models import User
    from lianxi.appeals.models import Appeal

    if not Appeal.objects.exists():
        sys.exit(f"{db_name(url)} has no appeals: run bench/gen_appeals.py first")
    try:
        users = {role: User.objects.select_related("enterprise").get(username=f"bench_{role}")
                 for role in ("dispatcher", "handler", "enterprise")}
    except User.DoesNotExist:
        sys.exit(f"{db_name(url)} lacks the bench users: rebuild it with bench/gen_appeals.py --reset")
    total = Appeal.objects.count()
    clients = {}
    for user in users.values():
        client = Client()
        client.force_login(user)
        clients[user.username] = client

    cases = [c for c in build_cases(users) if re.search(args.only, c[0])]
    print(f"bench_pages: {total} appeals in {db_name(url)}, {os.cpu_count()} cores, {args.repeats} repeats "
          f"after 1 warm-up; target < {TARGET_MS} ms")
    print(f"{'case':58s} {'p50':>8s} {'p95':>8s} {'cpu p50':>8s} {'queries':>7s} {'sql ms':>8s}  status")
    deadline = time.monotonic() + args.time_limit
    slow = []
    for name, username, path in cases:
        if time.monotonic() > deadline:
            print(f"time limit reached; {name} and later cases skipped")
            break
        client = clients[username]
        response = client.get(path)  # warm-up (and the status we report)
        times = []
        with CaptureQueriesContext(connection) as captured:
            client.get(path)  # counted, not timed (the debug cursor adds its own overhead)
        queries = list(captured.captured_queries)  # copy now: the next request resets the log
        times, cpu = [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        s = summary_ms(times)
        cpu_p50 = summary_ms(cpu)["p50"]
        db_ms = sum(float(q["time"]) for q in queries) * 1000
        flag = "!" if s["p50"] > TARGET_MS or s["p95"] > TARGET_MS else " "
        print(f"{name:58s} {s['p50']:8.1f} {s['p95']:8.1f} {cpu_p50:8.1f} {len(queries):7d} {db_ms:8.1f}  "
              f"{response.status_code}{flag}", flush=True)
        if flag == "!":
            slow.append(name)
            if args.explain:
                explain(queries)
    print(f"{len(slow)} case(s) over {TARGET_MS} ms" + (": " + "; ".join(slow) if slow else ""))


if __name__ == "__main__":
    main()
