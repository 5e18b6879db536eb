"""Pages of the directory: importing enterprises from a spreadsheet."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_GET, require_http_methods

from lianxi.accounts.access import may_edit_enterprises
from lianxi.core.import_pages import import_page, rejected_download, xlsx_response

from .forms import EnterpriseImportForm
from .importer import COLUMNS, import_enterprises, rejected_rows_workbook, template_workbook

# The last import's rejected rows, kept for the download link on the result page.
REJECTED_SESSION_KEY = "directory.import.rejected"


def _require_editor(user) -> None:
    if not may_edit_enterprises(user):
        raise PermissionDenied("您没有维护企业名录的权限")


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    _require_editor(request.user)
    return import_page(request, EnterpriseImportForm, import_enterprises, template="directory/enterprise_import.html",
                       columns=COLUMNS, session_key=REJECTED_SESSION_KEY)


@login_required
@require_GET
def import_template(request):
    _require_editor(request.user)
    return xlsx_response(template_workbook(), "企业名录导入模板.xlsx")


@login_required
@require_GET
def rejected_rows(request):
    _require_editor(request.user)
    return rejected_download(request, REJECTED_SESSION_KEY, rejected_rows_workbook, "未导入的企业")
