"""Pages of the directory: importing enterprises from a spreadsheet."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from lianxi.accounts.access import may_edit_enterprises

from .forms import EnterpriseImportForm
from .importer import (COLUMNS, ImportFileError, RejectedRow, import_enterprises, rejected_rows_workbook,
                       template_workbook)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The last import's rejected rows, kept for the download link on the result page.
REJECTED_SESSION_KEY = "directory.import.rejected"
# The page lists this many rejected rows; the download has them all.
REJECTED_SHOWN = 200


def _require_editor(user) -> None:
    if not may_edit_enterprises(user):
        raise PermissionDenied("您没有维护企业名录的权限")


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    _require_editor(request.user)
    report = None
    if request.method == "POST":
        form = EnterpriseImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = import_enterprises(form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
            except ImportFileError as exc:
                form.add_error("file", exc.message)
            else:
                request.session[REJECTED_SESSION_KEY] = [
                    [r.line, r.uscc, r.name, r.reason, r.values] for r in report.rejected]
    else:
        form = EnterpriseImportForm()
    context = {"form": form, "report": report, "columns": COLUMNS,
               "rejected_shown": report.rejected[:REJECTED_SHOWN] if report else []}
    return render(request, "directory/enterprise_import.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def import_template(request):
    _require_editor(request.user)
    return _xlsx_response(template_workbook(), "企业名录导入模板.xlsx")


@login_required
@require_GET
def rejected_rows(request):
    _require_editor(request.user)
    stored = request.session.get(REJECTED_SESSION_KEY)
    if not stored:
        raise Http404("没有未导入的行可以下载")
    rows = [RejectedRow(line=line, uscc=uscc, name=name, reason=reason, values=values)
            for line, uscc, name, reason, values in stored]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx_response(rejected_rows_workbook(rows), f"未导入的企业-{stamp}.xlsx")
