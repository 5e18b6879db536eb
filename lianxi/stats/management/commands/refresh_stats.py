"""python manage.py refresh_stats [--all]

Recomputes the facts the numbers are counted from (lianxi.stats.facts): by default one pass over the appeals
actions marked stale (``manage.py background`` runs the same pass every minute, the Celery task
``lianxi.stats.tasks.refresh_stats`` for scale-out); ``--all`` recomputes every appeal (after an upgrade or a bulk
load), with a progress bar.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from lianxi.appeals.models import Appeal
from lianxi.stats.facts import rebuild, refresh


class Command(BaseCommand):
    help = "刷新统计数据（默认一遍；--all 全量重算）"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="全量重算每一件诉求的统计事实")

    def handle(self, *args, all=False, **options):
        if all:
            started = time.perf_counter()
            with tqdm(total=Appeal.objects.count(), unit="件", disable=options["verbosity"] < 1) as bar:
                done = rebuild(progress=bar.update)
            self.stdout.write(f"已重算 {done} 件诉求的统计事实，用时 {time.perf_counter() - started:.1f} 秒")
            return
        self.stdout.write(f"已刷新 {refresh()} 件诉求的统计事实")
