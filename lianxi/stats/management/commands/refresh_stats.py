"""python manage.py refresh_stats [--once] [--all] [--interval SECONDS]

Recomputes the facts the numbers are counted from (lianxi.stats.facts) for the appeals actions marked stale; by
default in a loop beside the web server, like ``supervise``. ``--all`` recomputes every appeal (after an upgrade
or a bulk load), with a progress bar. For scale-out the same step is the Celery task
``lianxi.stats.tasks.refresh_stats``.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from lianxi.appeals.models import Appeal
from lianxi.stats.facts import rebuild, refresh


class Command(BaseCommand):
    help = "刷新统计数据（默认循环运行；--all 全量重算）"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只刷新一遍后退出")
        parser.add_argument("--all", action="store_true", help="全量重算每一件诉求的统计事实")
        parser.add_argument("--interval", type=float, default=60.0, help="循环间隔秒数（默认 60）")

    def handle(self, *args, once=False, all=False, interval=60.0, **options):
        if all:
            started = time.perf_counter()
            with tqdm(total=Appeal.objects.count(), unit="件", disable=options["verbosity"] < 1) as bar:
                done = rebuild(progress=bar.update)
            self.stdout.write(f"已重算 {done} 件诉求的统计事实，用时 {time.perf_counter() - started:.1f} 秒")
            return
        if once:
            self.stdout.write(f"已刷新 {refresh()} 件诉求的统计事实")
            return
        self.stdout.write(f"统计刷新已启动，每 {interval:g} 秒一遍（Ctrl-C 停止）")
        try:
            while True:
                refresh()
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("统计刷新已停止")
