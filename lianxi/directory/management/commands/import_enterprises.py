"""``python manage.py import_enterprises FILE``: import the enterprise directory from a .csv or .xlsx file.

The same service as the upload page (lianxi.directory.importer). Prints a progress bar on stderr, then the counts
and every rejected row with its line number and reason. A file that cannot be imported at all exits with status 1
and one message, having written nothing.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lianxi.directory.importer import ImportFileError, import_enterprises, rejected_rows_workbook


class Command(BaseCommand):
    help = "从 .csv 或 .xlsx 文件导入企业名录（按统一社会信用代码新增或更新）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .csv 或 .xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验并统计，不写入数据库")
        parser.add_argument("--rejected-out", metavar="XLSX", help="把未导入的行及原因写入此 .xlsx 文件")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, file, dry_run, rejected_out, no_progress, verbosity, **options):
        # tqdm redraws with "\r": write to the raw stream, not the wrapper that appends a newline to each write.
        progress = functools.partial(tqdm, file=getattr(self.stderr, "_out", sys.stderr), leave=False,
                                     disable=no_progress or verbosity < 1)
        try:
            report = import_enterprises(file, dry_run=dry_run, progress=progress)
        except ImportFileError as exc:
            raise CommandError(f"{file}：{exc.message}。未导入任何数据。") from exc

        for row in report.rejected:
            label = f"（{row.uscc}）" if row.uscc else ""
            self.stdout.write(f"第 {row.line} 行{label}：{row.reason}")
        style = self.style.WARNING if report.rejected else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
        if rejected_out and report.rejected:
            Path(rejected_out).write_bytes(rejected_rows_workbook(report.rejected))
            self.stdout.write(f"未导入的行已写入 {rejected_out}")
