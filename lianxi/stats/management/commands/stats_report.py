"""python manage.py stats_report --month 2026-10 | --quarter 2026Q3 | --from 2026-01-01 --to 2026-09-30
[--department ID] [--channel ID] [--category ID] [--meeting ID] [--town ID] [--size CODE] [--ownership CODE]
--out FILE.docx

Writes the same report as /stats/report.docx (lianxi.stats.report), citywide unless cut, for a scheduled
monthly mailing. Bad parameters: the command fails naming them and writes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lianxi.core.errors import InvalidInput
from lianxi.stats import report
from lianxi.stats.forms import CUT_LOOKUPS, StatsForm
from lianxi.stats.selectors import system_question


class Command(BaseCommand):
    help = "生成诉求办理情况月报/季报（.docx）"

    def add_arguments(self, parser):
        period = parser.add_mutually_exclusive_group(required=True)
        period.add_argument("--month", help="月份，如 2026-10")
        period.add_argument("--quarter", help="季度，如 2026Q3 或 2026-Q3")
        period.add_argument("--from", dest="start", help="起始登记日期 YYYY-MM-DD（与 --to 一起用）")
        parser.add_argument("--to", dest="end", help="截止登记日期 YYYY-MM-DD")
        for name in CUT_LOOKUPS:
            parser.add_argument(f"--{name}", help=f"{StatsForm.base_fields[name].label}（id 或代码）")
        parser.add_argument("--out", required=True, help="输出文件路径（.docx）")

    def handle(self, *args, month=None, quarter=None, start=None, end=None, out=None, **options):
        params = {name: options[name] for name in CUT_LOOKUPS if options.get(name)}
        params.update({"month": month, "quarter": quarter, "from": start, "to": end})
        params = {key: value for key, value in params.items() if value}
        started = time.perf_counter()
        try:
            q = system_question(report.period_params(params))
        except InvalidInput as error:
            problems = "；".join(f"{name}: {'、'.join(messages)}" for name, messages in error.fields.items())
            raise CommandError(f"参数有误：{problems or error.message}") from error
        content = report.render(q, now=timezone.now())
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.stdout.write(f"已生成《{report.title_of(q)}》：{path}（{len(content) // 1024} KB，"
                          f"用时 {time.perf_counter() - started:.1f} 秒）")
