"""python manage.py background [--once] [--interval SECONDS]

The minute's background steps in one loop beside the web server (what `make demo` runs): each step named in
``settings.LIANXI_BACKGROUND_STEPS`` is a function that does what is due and returns quickly when nothing is —
the numbers' facts (lianxi.stats), the similar-appeal index (lianxi.similar), the routing model's retraining
(lianxi.routing). A step that fails is logged and the others still run (``--once`` then exits with an error).
For scale-out each step is also a Celery beat task (config/settings.py ``CELERY_BEAT_SCHEDULE``); the 督办 pass
and the outbox keep their own commands.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
FAILED = "failed"


def run_steps() -> dict[str, object]:
    results = {}
    for path in settings.LIANXI_BACKGROUND_STEPS:
        try:
            results[path] = import_string(path)()
        except Exception:  # one broken step must not stop the others
            log.exception("background step %s failed", path)
            results[path] = FAILED
    return results


class Command(BaseCommand):
    help = "后台任务循环：统计刷新、查重索引、派单模型重训（默认循环运行）"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一遍后退出")
        parser.add_argument("--interval", type=float, default=60.0, help="循环间隔秒数（默认 60）")

    def handle(self, *args, once=False, interval=60.0, **options):
        if once:
            results = run_steps()
            for path, result in results.items():
                self.stdout.write(f"{path}: {result}")
            failed = [path for path, result in results.items() if result is FAILED]
            if failed:
                raise CommandError(f"后台任务失败：{'、'.join(failed)}")
            return
        self.stdout.write(f"后台任务已启动，每 {interval:g} 秒一遍（Ctrl-C 停止）")
        try:
            while True:
                close_old_connections()  # a database restart must not kill the loop for good
                run_steps()
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("后台任务已停止")
