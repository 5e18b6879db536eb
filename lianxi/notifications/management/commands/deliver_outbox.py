"""``python manage.py deliver_outbox [--once] [--interval SECONDS]``: send the outbox's due messages.

A plain loop over an idempotent step (lianxi.notifications.delivery.deliver): it keeps going while there is work
and sleeps ``--interval`` seconds when there is none. Ctrl-C or SIGTERM stops it after the message in hand."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from lianxi.notifications.delivery import deliver


class Command(BaseCommand):
    help = "发送待发消息（邮件、短信、企业微信/钉钉）：默认循环运行，--once 只运行一轮"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="发送一轮后退出")
        parser.add_argument("--interval", type=float, default=5.0, help="没有待发消息时的等待秒数（默认 5）")
        parser.add_argument("--batch", type=int, default=100, help="每轮最多发送条数（默认 100）")

    def handle(self, *args, once: bool = False, interval: float = 5.0, batch: int = 100, **options):
        if once:
            report = deliver(batch=batch)
            self.stdout.write(str(report))
            return

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        previous = signal.signal(signal.SIGTERM, stop)  # `make demo` stops the loop with SIGTERM
        self.stdout.write(f"deliver_outbox: 每 {interval:g} 秒检查一次待发消息（Ctrl-C 退出）")
        try:
            while not stopping:
                close_old_connections()  # a database restart must not kill the loop for good
                report = deliver(batch=batch)
                if report.claimed:
                    self.stdout.write(str(report))
                if report.claimed < batch:  # a full batch means there may be more: go again at once
                    self._sleep(interval, lambda: stopping)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("deliver_outbox: 已停止")

    @staticmethod
    def _sleep(seconds: float, stopping) -> None:
        deadline = time.monotonic() + seconds
        while not stopping() and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.2, left))  # short naps, so SIGTERM is honoured within 0.2 s
