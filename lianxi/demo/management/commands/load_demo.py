"""``manage.py load_demo``: fill the demo database with 清镇's year of appeals, once; then print the accounts.

It refuses any database but the demo's own SQLite file (``make demo`` sets LIANXI_DEMO=1 and
DATABASE_URL=sqlite:///var/demo.sqlite3), and writes nothing when it refuses.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from lianxi.appeals.workflow import State
from lianxi.demo import loader


class Command(BaseCommand):
    help = "载入清镇市演示数据（仅限演示数据库 var/demo.sqlite3）。Load the 清镇 demo data (demo database only)."

    def handle(self, *args, **options):
        problem = loader.demo_database_problem()
        if problem:
            raise CommandError(f"拒绝载入演示数据 Refusing to load demo data:\n{problem}")
        if loader.already_loaded():
            self.stdout.write("演示数据已存在，未做任何更改。Demo data is already loaded; nothing changed.\n")
        elif loader.foreign_data_present():
            raise CommandError("数据库中已有非演示数据，拒绝混入演示数据；请删除 var/demo.sqlite3 后重新运行 make demo。\n"
                               "The database already holds data that is not the demo's; delete var/demo.sqlite3 "
                               "and run make demo again.")
        else:
            self.stdout.write("正在载入演示数据… Loading demo data…")
            started = time.monotonic()
            summary = loader.load()
            states = "，".join(f"{State(s).label} {summary.states[s]}" for s in State.values if summary.states[s])
            self.stdout.write(self.style.SUCCESS(
                f"已载入：部门 {summary.departments} 个，企业 {summary.enterprises} 家，账号 {summary.users} 个，"
                f"诉求 {summary.appeals} 件（{states}），会议 {summary.meetings} 次（其中民企接待日 "
                f"{summary.receptions_held} 次），领导结对 {summary.pairings} 对、走访 {summary.visits} 次，"
                f"代表委员意见建议 {summary.opinions} 件，用时 {time.monotonic() - started:.1f} 秒。\n"))
            for failure in summary.failures:
                self.stderr.write(f"未完成的演示情节 Unfinished demo story: {failure}")
        self.stdout.write(loader.accounts_text())
