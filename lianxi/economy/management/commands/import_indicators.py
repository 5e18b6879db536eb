"""``python manage.py import_indicators FILE``: import 企业季度经济指标 from a .csv or .xlsx file.

The same service as the upload page (lianxi.economy.importer); what the command prints and how it fails is
lianxi.core.import_command's.
"""

from __future__ import annotations

from lianxi.core.import_command import ImportCommand
from lianxi.economy.importer import import_indicators, rejected_rows_workbook


class Command(ImportCommand):
    help = "从 .csv 或 .xlsx 文件导入企业季度经济指标（按企业和期间新增或更新）"
    importer = staticmethod(import_indicators)
    rejected_workbook = staticmethod(rejected_rows_workbook)
