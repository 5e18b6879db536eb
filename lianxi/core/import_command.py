"""What every ``manage.py import_…`` command shares (import_enterprises, import_indicators): the same service as the
upload page, a progress bar on stderr, then every rejected row with its line number and reason, and the counts. A file
that cannot be imported at all exits with status 1 and one message, having written nothing.

A command subclasses ``ImportCommand`` with its ``help`` and its importer's two functions.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Callable, Iterable

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from .sheets import ImportFileError, ImportReport, RejectedRow


class ImportCommand(BaseCommand):
    # ``importer(file, *, dry_run, progress) -> ImportReport``; raises ImportFileError. Wrap in staticmethod().
    importer: Callable[..., ImportReport]
    # ``rejected_workbook(rejected rows) -> .xlsx bytes``. Wrap in staticmethod().
    rejected_workbook: Callable[[Iterable[RejectedRow]], bytes]

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
            report = self.importer(file, dry_run=dry_run, progress=progress)
        except ImportFileError as exc:
            raise CommandError(f"{file}：{exc.message}。未导入任何数据。") from exc

        for row in report.rejected:
            label = f"（{row.uscc}）" if row.uscc else ""
            self.stdout.write(f"第 {row.line} 行{label}：{row.reason}")
        style = self.style.WARNING if report.rejected else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
        if rejected_out and report.rejected:
            Path(rejected_out).write_bytes(self.rejected_workbook(report.rejected))
            self.stdout.write(f"未导入的行已写入 {rejected_out}")
