"""What every import's upload pages share (the enterprise directory's, lianxi.directory.views; the quarterly
indicators', lianxi.economy.views): the upload page (its template includes lianxi/templates/includes/import_form.html
and import_result.html), which keeps the rejected rows in the session for the download link; that download; and the
.xlsx response. Each view checks its own access first, then calls one of these."""

from __future__ import annotations

from typing import Callable, Iterable

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from .sheets import Column, ImportFileError, ImportReport, RejectedRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The result page lists this many rejected rows; the download has them all.
REJECTED_SHOWN = 200


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download named ``filename`` (Chinese names are fine)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def import_page(request, form_class, importer: Callable[..., ImportReport], *, template: str,
                columns: Iterable[Column], session_key: str) -> HttpResponse:
    """The upload form (GET) and the import of a valid upload (POST) with its result. ``importer(file, *, dry_run)``
    raises ImportFileError for a file that cannot be imported at all: that becomes the form's error, and the page a
    400. The import's rejected rows are kept in the session under ``session_key`` for ``rejected_download``."""
    posted = request.method == "POST"
    form = form_class(request.POST, request.FILES) if posted else form_class()
    report = None
    if posted and form.is_valid():
        try:
            report = importer(form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            request.session[session_key] = [[r.line, r.uscc, r.name, r.reason, r.values] for r in report.rejected]
    context = {"form": form, "report": report, "columns": columns,
               "rejected_shown": report.rejected[:REJECTED_SHOWN] if report else []}
    return render(request, template, context, status=400 if form.errors else 200)


def rejected_download(request, session_key: str, workbook: Callable[[Iterable[RejectedRow]], bytes],
                      name: str) -> HttpResponse:
    """The last import's rejected rows (kept by ``import_page``) as ``workbook`` makes them, in a file
    ``{name}-{local time}.xlsx``; a 404 when there are none."""
    stored = request.session.get(session_key)
    if not stored:
        raise Http404("没有未导入的行可以下载")
    rows = [RejectedRow(*row) for row in stored]
    return xlsx_response(workbook(rows), f"{name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
