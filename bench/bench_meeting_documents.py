"""Generating a meeting's two documents (问题清单 and 责任分解表) for a 500-appeal meeting: target < 3 s for both.

    .venv/bin/python bench/bench_meeting_documents.py                      # SQLite, a temporary file
    .venv/bin/python bench/bench_meeting_documents.py --postgres           # PostgreSQL, lianxi_bench_meetings
    .venv/bin/python bench/bench_meeting_documents.py --appeals 500 --repeats 5

It never touches the configured database nor ``lianxi_bench``: on SQLite it migrates a file in a temporary
directory; with ``--postgres`` it creates ``lianxi_bench_meetings`` on 127.0.0.1 (dropping a leftover first) and
drops it afterwards. The meeting's appeals are played through the loop's action functions into a realistic mix
(registered, dispatched, handling with progress notes, replied, followed up), then each document is generated
``--repeats`` times in each format as the clerk (who sees every row). It prints the median and worst seconds per
file and for "both documents" in each format, and exits 1 if both documents in either format take 3 s or more.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, drop_database, ensure_database  # noqa: E402

TARGET_SECONDS = 3.0
PG_URL = "postgres://postgres@127.0.0.1:5432/lianxi_bench_meetings"


def boot(url: str) -> None:
    import os

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def build(appeals: int):
    """A symposium with ``appeals`` appeals at every step of the loop; returns (meeting, clerk)."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from stdnum.cn.uscc import calc_check_digit

    from lianxi.accounts.models import User
    from lianxi.appeals import actions
    from lianxi.directory.models import Category, Department, Enterprise
    from lianxi.meetings import services
    from lianxi.meetings.models import MeetingType

    def user(username, role, **kwargs):
        person = User.objects.create(username=username, name=kwargs.pop("name", username),
                                     password=make_password(None), **kwargs)
        person.set_roles([role])
        return person

    departments = [Department.objects.create(code=f"d{i}", name=f"清镇市第{i}局") for i in range(8)]
    clerk, dispatcher = user("clerk", "clerk", name="受理员"), user("dispatcher", "dispatcher", name="派单员")
    leader = user("leader", "leader", name="市长")
    handlers = [user(f"handler{i}", "handler", department=d, name=f"承办人{i}") for i, d in enumerate(departments)]
    enterprises = []
    for n in range(60):
        body = f"91520181MA{n:07d}"
        enterprises.append(Enterprise.objects.create(name=f"清镇{n:03d}号实业有限公司", uscc=body + calc_check_digit(body)))
    categories = list(Category.objects.all())
    meeting = services.create_meeting(acting_user=clerk, type=MeetingType.objects.get(code="symposium"),
                                      title="2026年第四季度民营企业发展座谈会", date=dt.date(2026, 11, 20),
                                      place="市政府3楼会议室", host=leader, departments=departments)
    meeting.enterprises.set(enterprises)
    start = timezone.now() - dt.timedelta(days=3)
    for i in range(appeals):
        appeal = actions.register(
            acting_user=clerk, enterprise=enterprises[i % len(enterprises)], title=f"第{i + 1}项：厂区用电增容审批慢",
            content="新厂房需增容至800千伏安，供电方案迟迟未批复，影响投产。\n希望协调供电局尽快出具方案。",
            category=categories[i % len(categories)], meeting=meeting, now=start).appeal
        step = i % 6
        if step == 0:
            continue  # registered
        lead = departments[i % len(departments)]
        handler = handlers[i % len(handlers)]
        actions.dispatch(appeal, acting_user=dispatcher, lead_department=lead,
                         co_departments=[departments[(i + 1) % len(departments)]], now=start)
        if step == 1:
            continue  # dispatched
        actions.accept(appeal, acting_user=handler, now=start)
        actions.progress(appeal, acting_user=handler, note="已赴企业现场踏勘，正协调供电局出具方案", now=start)
        if step in (2, 3):
            continue  # handling
        actions.reply(appeal, acting_user=handler, result="供电方案已批复，增容工程已开工", outcome="solved", now=start)
        if step == 4:
            continue  # replied
        actions.follow_up(appeal, acting_user=clerk, rating=5, solved=True, now=start)
    return meeting, clerk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help=f"use {PG_URL} (created and dropped)")
    args = parser.parse_args()

    tmp = None
    if args.postgres:
        ensure_database(PG_URL, fresh=True)
        url = PG_URL
    else:
        tmp = tempfile.TemporaryDirectory(prefix="lianxi-bench-meetings-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    try:
        boot(url)
        from django.db import connection

        from lianxi.meetings import documents

        started = time.perf_counter()
        meeting, clerk = build(args.appeals)
        print(f"database: {connection.vendor}; built a meeting of {meeting.appeals.count()} appeals "
              f"in {time.perf_counter() - started:.1f} s")
        times: dict[tuple[str, str], list[float]] = {}
        sizes: dict[tuple[str, str], int] = {}
        for _ in range(args.repeats):
            for key in documents.DOCUMENTS:
                for fmt in documents.FORMATS:
                    t0 = time.perf_counter()
                    content = documents.render(meeting, clerk, key, fmt)
                    times.setdefault((key, fmt), []).append(time.perf_counter() - t0)
                    sizes[(key, fmt)] = len(content)
        print(f"{'document':<24}{'format':<8}{'median s':>10}{'max s':>9}{'size KB':>10}")
        for (key, fmt), values in times.items():
            print(f"{key:<24}{fmt:<8}{statistics.median(values):>10.3f}{max(values):>9.3f}"
                  f"{sizes[(key, fmt)] / 1024:>10.0f}")
        worst = 0.0
        for fmt in documents.FORMATS:
            both = [a + b for a, b in zip(times[("problem-list", fmt)], times[("responsibility-table", fmt)])]
            worst = max(worst, max(both))
            print(f"both documents, {fmt}: median {statistics.median(both):.3f} s, max {max(both):.3f} s "
                  f"(target < {TARGET_SECONDS:.0f} s)")
        all_four = [sum(times[k][i] for k in times) for i in range(args.repeats)]
        print(f"all four files: median {statistics.median(all_four):.3f} s, max {max(all_four):.3f} s")
        return 0 if worst < TARGET_SECONDS else 1
    finally:
        if args.postgres:
            from django.db import connections

            connections.close_all()
            drop_database(PG_URL)
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
