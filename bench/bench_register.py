"""Registration throughput of the API under gunicorn on PostgreSQL: POST /api/v1/appeals/ at concurrency 8.

What it does, all by itself and bounded in time:
  1. (re)creates a throwaway database (default lianxi_bench_register), migrates it, seeds a few departments,
     enterprises and a clerk with an API token;
  2. starts gunicorn on 127.0.0.1 (a free port) with DB_CONN_MAX_AGE so connections persist;
  3. sends a warm-up, then N registrations from C client threads (http.client, keep-alive when the worker class
     allows it), each request timed from send to the end of the answer;
  4. prints requests/s, p50/p95/p99 latency, the errors and the CPU per registration of the load generator, the
     gunicorn workers and PostgreSQL (/proc), checks the database holds exactly the appeals that
     were answered 201 with unique numbers, stops gunicorn and drops the database (unless --keep-db).

    .venv/bin/python bench/bench_register.py                    # defaults: 4 sync workers, 3000 requests
    .venv/bin/python bench/bench_register.py --workers 4 --threads 1 --requests 2000
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (REGISTER_DB, ROOT, bench_url, drop_database, ensure_database, migrate,  # noqa: E402
                     setup_django, summary_ms)

HOST = "127.0.0.1"
PATH = "/api/v1/appeals/"


def seed() -> dict:
    """A few departments and categories' defaults, 50 enterprises, a clerk and their token."""
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from lianxi.accounts.models import User
    from lianxi.directory.models import Category, Department, Enterprise

    with transaction.atomic():
        departments = [Department.objects.create(code=f"d{i}", name=f"压测部门{i}") for i in range(5)]
        for i, category in enumerate(Category.objects.order_by("pk")):
            category.default_department = departments[i % len(departments)]
            category.save()
        # The bench bypasses model validation: USCCs need only be unique here.
        enterprises = Enterprise.objects.bulk_create(
            Enterprise(name=f"清镇压测企业{i:03d}有限公司", uscc=f"91520181BENCH{i:05d}") for i in range(50))
        clerk = User.objects.create_user(username="bench_clerk", password="bench-pass-123", name="压测受理员")
        clerk.set_roles(["clerk"])
        token = Token.objects.create(user=clerk)
    return {"token": token.key, "enterprises": [e.pk for e in enterprises],
            "categories": list(Category.objects.filter(is_active=True).values_list("pk", flat=True))}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (and of its waited-for children), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def cpu_split(arbiter: int) -> dict[str, float]:
    """CPU seconds so far of this process (the load generator), the gunicorn workers and every PostgreSQL
    process (backends, WAL writer, checkpointer: the server is this machine's)."""
    workers, postgres = 0.0, 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, ppid = stat[stat.index("(") + 1:stat.rindex(")")], int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == arbiter:
            workers += cpu_seconds(int(entry.name))
        elif name.startswith("postgres"):
            postgres += cpu_seconds(int(entry.name))
    return {"client": time.process_time(), "gunicorn": workers + cpu_seconds(arbiter), "postgres": postgres}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int, conn_max_age: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{port}",
           "--workers", str(workers), "--threads", str(threads),
           "--worker-class", "gthread" if threads > 1 else "sync",
           "--log-level", "warning", "--timeout", "30", "--graceful-timeout", "5"]
    env = {**os.environ, "DATABASE_URL": url, "DB_CONN_MAX_AGE": str(conn_max_age), "DEBUG": "0",
           "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1",
           "PYTHONWARNINGS": "ignore:No directory at"}  # whitenoise: no collected static files in a checkout
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # the arbiter stops its own workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group of the process this script started, nothing else
        proc.wait(timeout=5)


def wait_ready(port: int, token: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/v1/categories/", headers={"Authorization": f"Token {token}"})
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


class Client:
    """One client thread's keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int, token: str):
        self.port, self.conn = port, None
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json",
                        "Accept": "application/json"}

    def post(self, body: bytes) -> tuple[int, float]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            start = time.perf_counter()
            try:
                self.conn.request("POST", PATH, body=body, headers=self.headers)
                response = self.conn.getresponse()
                response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest):
                # A kept-alive connection the server had closed: retry once on a fresh one.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - start
            if response.getheader("Connection", "").lower() == "close" or response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, elapsed
        raise AssertionError("unreachable")


def run_load(port: int, data: dict, count: int, concurrency: int, time_limit: float, start_at: int = 0):
    """Send ``count`` registrations from ``concurrency`` threads; stop early at ``time_limit`` seconds."""
    counter = itertools.count(start_at)
    end = start_at + count
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter = Counter()
    deadline = time.monotonic() + time_limit
    enterprises, categories = data["enterprises"], data["categories"]

    def worker():
        client = Client(port, data["token"])
        while time.monotonic() < deadline:
            with lock:
                i = next(counter)
            if i >= end:
                break
            body = json.dumps({
                "enterprise": enterprises[i % len(enterprises)], "category": categories[i % len(categories)],
                "title": f"压测诉求{i}：厂区用电报装进度咨询", "urgency": "general", "kind": "help",
                "content": "企业新建厂房需要新增一台800千伏安变压器，申请已提交两周，请协调供电部门加快办理。",
            }, ensure_ascii=False).encode()
            try:
                status, elapsed = client.post(body)
            except OSError as exc:
                with lock:
                    statuses[f"{type(exc).__name__}"] += 1
                continue
            with lock:
                statuses[status] += 1
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="measured registrations (default 3000)")
    parser.add_argument("--warmup", type=int, default=200, help="registrations before measuring (default 200)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker (default 1: the sync worker; >1 uses the gthread worker)")
    parser.add_argument("--conn-max-age", type=int, default=60, help="DB_CONN_MAX_AGE for gunicorn (default 60)")
    parser.add_argument("--time-limit", type=float, default=120, help="stop sending after this many seconds")
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    url = bench_url(REGISTER_DB)
    ensure_database(url, fresh=True)
    setup_django(url)
    migrate()
    data = seed()
    from django.db import connection

    connection.close()

    port = free_port()
    proc = start_gunicorn(url, port, args.workers, args.threads, args.conn_max_age)
    try:
        wait_ready(port, data["token"], proc)
        _, _, warm = run_load(port, data, args.warmup, args.concurrency, 30)
        before = cpu_split(proc.pid)
        elapsed, latencies, statuses = run_load(port, data, args.requests, args.concurrency, args.time_limit,
                                                start_at=args.warmup)
        spent = {name: value - before[name] for name, value in cpu_split(proc.pid).items()}
    finally:
        stop_gunicorn(proc)

    from lianxi.appeals.models import Appeal

    created = Appeal.objects.count()
    numbers = Appeal.objects.values("number").distinct().count()
    ok = statuses.get(201, 0)
    errors = {k: v for k, v in statuses.items() if k != 201}
    s = summary_ms(latencies) if latencies else {"p50": 0, "p95": 0, "p99": 0, "max": 0}
    worker_class = "gthread" if args.threads > 1 else "sync"
    print(f"bench_register: POST {PATH} on PostgreSQL ({os.cpu_count()} cores), gunicorn {args.workers} "
          f"{worker_class} workers x {args.threads} threads, DB_CONN_MAX_AGE={args.conn_max_age}, "
          f"concurrency {args.concurrency}")
    print(f"  warm-up      {sum(warm.values())} requests ({warm.get(201, 0)} created)")
    print(f"  measured     {ok + sum(errors.values())} requests in {elapsed:.2f} s")
    print(f"  throughput   {ok / elapsed:.1f} registrations/s")
    print(f"  latency ms   p50 {s['p50']:.1f}   p95 {s['p95']:.1f}   p99 {s['p99']:.1f}   max {s['max']:.1f}")
    print(f"  errors       {sum(errors.values())} {dict(errors) if errors else ''}")
    done = max(1, ok + sum(errors.values()))
    print("  CPU ms/req   " + "   ".join(f"{name} {seconds * 1000 / done:.2f}" for name, seconds in spent.items())
          + f"   (all cores: {os.cpu_count() * elapsed * 1000 / done:.2f})")
    expected = ok + warm.get(201, 0)
    print(f"  database     {created} appeals, {numbers} distinct numbers (expected {expected})")
    connection.close()
    if not args.keep_db:
        drop_database(url)
    if errors or created != expected or numbers != created:
        sys.exit(1)


if __name__ == "__main__":
    main()
