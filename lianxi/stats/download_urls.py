"""The numbers' downloads: the report (.docx) and any table (.xlsx). The dashboard pages link here."""

from django.urls import path

from . import downloads

app_name = "stats_files"

urlpatterns = [
    path("stats/report.docx", downloads.report, name="report"),
    path("stats/export.xlsx", downloads.export, name="export"),
]
