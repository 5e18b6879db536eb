"""``python manage.py import_enterprises FILE``: import the enterprise directory from a .csv or .xlsx file.

The same service as the upload page (lianxi.directory.importer); what the command prints and how it fails is
lianxi.core.import_command's.
"""

from __future__ import annotations

from lianxi.core.import_command import ImportCommand
from lianxi.directory.importer import import_enterprises, rejected_rows_workbook


class Command(ImportCommand):
    help = "从 .csv 或 .xlsx 文件导入企业名录（按统一社会信用代码新增或更新）"
    importer = staticmethod(import_enterprises)
    rejected_workbook = staticmethod(rejected_rows_workbook)
