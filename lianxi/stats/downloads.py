"""The two downloads of the numbers: the report (.docx) and the export of any table (.xlsx). The same question
(period and cut, lianxi.stats.forms.StatsForm) and the same access rule as the pages and the API: a department's
own staff get their department's, enterprises and deputies a 403 page; bad parameters a 400 page naming them."""

from __future__ import annotations

from django.http import HttpResponse
from django.template import engines
from django.utils import timezone
from django.views.decorators.http import require_GET

from lianxi.core.errors import InvalidInput
from lianxi.supervision.documents import DOCX, XLSX, attachment_disposition
from lianxi.web.views import lianxi_pages

from . import exports, selectors
from .forms import StatsForm

FIELD_LABELS = {"month": "月份", "quarter": "季度", "table": "表格", "non_field_errors": "参数"}

_BAD_REQUEST = engines["django"].from_string("""{% extends "base.html" %}
{% block title %}参数有误{% endblock %}
{% block content %}
<section class="error-page">
  <h1>400 · 参数有误</h1>
  <p>{{ error.message }}</p>
  <ul class="errorlist">{% for label, name, messages in fields %}
    <li><strong>{{ label }}</strong>（{{ name }}）：{{ messages|join:"；" }}</li>{% endfor %}
  </ul>
  <p><a class="button" href="{% url 'web:home' %}">返回我的待办</a></p>
</section>
{% endblock %}""")


def _label(name: str) -> str:
    field = StatsForm.base_fields.get(name)
    return str(field.label) if field is not None else FIELD_LABELS.get(name, name)


def bad_request(request, error: InvalidInput) -> HttpResponse:
    fields = [(_label(name), name, messages) for name, messages in error.fields.items()]
    return HttpResponse(_BAD_REQUEST.render({"error": error, "fields": fields}, request), status=400)


@require_GET
@lianxi_pages
def report(request):
    from . import report as reports  # matplotlib is imported only when a report is asked for

    selectors.department_scope(request.user)  # who may not read numbers gets 403 whatever the parameters
    try:
        q = selectors.question(request.user, reports.period_params(request.GET))
    except InvalidInput as error:
        return bad_request(request, error)
    response = HttpResponse(reports.render(q, now=timezone.now()), content_type=DOCX)
    response["Content-Disposition"] = attachment_disposition(*reports.filename_of(q))
    return response


@require_GET
@lianxi_pages
def export(request):
    selectors.department_scope(request.user)
    problems: dict[str, list[str]] = {}
    try:
        name = exports.table_name(request.GET)
    except InvalidInput as error:
        problems.update(error.fields)
    try:
        q = selectors.question(request.user, request.GET)
    except InvalidInput as error:
        problems.update(error.fields)
    if problems:
        return bad_request(request, InvalidInput(fields=problems))
    content, sheet = exports.render(q, name, now=timezone.now())
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = attachment_disposition(*exports.filename_of(q, name, sheet))
    response["X-Rows"] = str(len(sheet.rows))
    return response
