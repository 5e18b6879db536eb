"""python manage.py supervise [--once] [--now ISO] [--interval SECONDS]

The supervision pass as a plain loop (like healthchecks' sendalerts): the embedded default needs no extra
server. For scale-out the same step runs as the Celery task ``lianxi.supervision.tasks.supervise``.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lianxi.supervision import escalation
from lianxi.supervision.escalation import run_pass


class Command(BaseCommand):
    help = "督办巡检：临期提醒、超期督办、挂牌督办与问责清单（默认循环运行）"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一遍后退出")
        parser.add_argument("--now", help="以该时刻（ISO 格式，如 2026-10-09T09:00+08:00）运行一遍，用于补跑与测试")
        parser.add_argument("--interval", type=float, default=60.0, help="循环间隔秒数（默认 60）")
        parser.add_argument("--baseline", action="store_true",
                            help="上线历史数据时用：只记录各时限已到达的督办级别，不发督办单（此后按变化督办）")

    def handle(self, *args, once=False, now=None, interval=60.0, baseline=False, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None:
                raise CommandError(f"--now 不是有效的 ISO 时间：{now}")
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        if baseline:
            moved = escalation.baseline(moment)
            self.stdout.write(f"已记录 {moved} 个时限的当前督办级别，未发督办单")
            return
        if once or moment is not None:
            self.stdout.write(str(run_pass(moment)))
            return
        self.stdout.write(f"督办巡检已启动，每 {interval:g} 秒一遍（Ctrl-C 停止）")
        try:
            while True:
                report = run_pass()
                if sum(report.counts[k] for k in ("reminder", "supervise", "listed", "unanswered")):
                    self.stdout.write(str(report))
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("督办巡检已停止")
