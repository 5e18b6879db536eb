"""CPU per registration, in-process: Django's Python time and the PostgreSQL backend's, without HTTP or gunicorn.

Where bench_register.py measures throughput (which moves with the VM by ±15 % from run to run), this splits one
registration's cost: ``time.process_time()`` of this process, and the CPU time of the database backend serving
it (read from ``/proc/<pid>/stat``, so PostgreSQL on this machine only). Creates, seeds (as bench_register.py)
and drops its own database; ``--profile`` prints cProfile's top functions for one more round.

    .venv/bin/python bench/profile_register.py                       # 3 rounds of 1,000 registrations
    .venv/bin/python bench/profile_register.py --rounds 1 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_register  # noqa: E402
from _common import bench_url, drop_database, ensure_database, migrate, setup_django  # noqa: E402

DB = "postgres://postgres@127.0.0.1:5432/lianxi_bench_profile"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000, help="registrations per round (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=300, help="registrations before measuring (default 300)")
    parser.add_argument("--profile", action="store_true", help="also profile one round with cProfile")
    args = parser.parse_args()

    url = bench_url(DB)
    ensure_database(url, fresh=True)
    setup_django(url, DEBUG="0", DB_CONN_MAX_AGE="600")
    migrate()
    from django.db import connection
    from django.test import Client

    from lianxi.core.startup import settle

    data = bench_register.seed()
    settle()
    client = Client(HTTP_AUTHORIZATION=f"Token {data['token']}")
    enterprises, categories = data["enterprises"], data["categories"]

    def register(i: int) -> None:
        body = json.dumps({
            "enterprise": enterprises[i % len(enterprises)], "category": categories[i % len(categories)],
            "title": f"压测诉求{i}：厂区用电报装进度咨询", "urgency": "general", "kind": "help",
            "content": "企业新建厂房需要新增一台800千伏安变压器，申请已提交两周，请协调供电部门加快办理。",
        }, ensure_ascii=False)
        response = client.post("/api/v1/appeals/", body, content_type="application/json")
        if response.status_code != 201:
            sys.exit(f"registration {i}: {response.status_code} {response.content[:300]!r}")

    for i in range(args.warmup):
        register(i)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    print(f"profile_register: POST /api/v1/appeals/ in-process on PostgreSQL, {args.requests} per round, "
          f"after {args.warmup} (the bench's 50 enterprises: every appeal has similar ones)")
    n = args.warmup
    for round_ in range(1, args.rounds + 1):
        py, db, wall = time.process_time(), bench_register.cpu_seconds(pid), time.perf_counter()
        for _ in range(args.requests):
            register(n)
            n += 1
        py, db, wall = time.process_time() - py, bench_register.cpu_seconds(pid) - db, time.perf_counter() - wall
        per = 1000 / args.requests
        print(f"  round {round_}: wall {wall * per:.2f} ms   Python CPU {py * per:.2f} ms   "
              f"PostgreSQL backend CPU {db * per:.2f} ms   per registration")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            register(n)
            n += 1
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
    connection.close()
    drop_database(url)


if __name__ == "__main__":
    main()
