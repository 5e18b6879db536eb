"""Pages of the private-economy monitor: 民营经济运行监测 (the numbers, the chart, the .xlsx), and the upload of
quarterly indicators. Who may not read the monitor gets a 404 on every page here; a reader who may not import gets
a 403 on the upload pages."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from lianxi.core.errors import NotFound, NotPermitted
from lianxi.core.import_pages import import_page, rejected_download, xlsx_response
from lianxi.web.views import lianxi_pages

from . import exports
from .access import may_import_indicators, may_read_economy
from .forms import QUARTER_CHOICES, IndicatorImportForm, SharesForm
from .importer import COLUMNS, import_indicators, rejected_rows_workbook, template_workbook
from .selectors import MEASURES, Monitor, monitor, periods_with_data

# The last import's rejected rows, for the download link on the result page.
REJECTED_SESSION_KEY = "economy.import.rejected"
# The chart's lines: the non-public share of each measure shown, the private one a click away in the legend.
CHART_MEASURES = ("taxes_paid", "employees", "revenue", "output_value", "market_entities")


def _reader(user) -> None:
    if not may_read_economy(user):
        raise NotFound()


def _importer(user) -> None:
    _reader(user)
    if not may_import_indicators(user):
        raise NotPermitted("只有平台管理员可以导入经济指标")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def chart_data(result: Monitor) -> dict:
    """The trend for ECharts, passed to the page with json_script: percentages, null for a gap."""
    labels = {m.key: m.label for m in MEASURES}
    series = []
    for sector, attribute, name in (("non_public", "non_public_share", "非公"), ("private", "private_share", "民营")):
        for key in CHART_MEASURES:
            series.append({"name": f"{labels[key]}（{name}）", "sector": sector,
                           "data": [_rounded(getattr(row[key], attribute)) for row in result.trend]})
    return {"periods": [row.name for row in result.trend], "series": series}


@lianxi_pages
@require_GET
def monitor_page(request):
    _reader(request.user)
    form = SharesForm(request.GET)
    result = monitor(form.period()) if form.is_valid() else None
    years = {p.year for p in periods_with_data()} | ({result.period.year} if result and result.period else set())
    context = {"form": form, "monitor": result, "measures": MEASURES, "years": sorted(years, reverse=True),
               "quarter_choices": QUARTER_CHOICES, "may_import": may_import_indicators(request.user),
               "chart": chart_data(result) if result else None}
    return render(request, "economy/monitor.html", context, status=200 if result else 400)


@lianxi_pages
@require_GET
def monitor_export(request):
    _reader(request.user)
    form = SharesForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("年度或季度有误：" + "；".join(m for ms in form.errors.values() for m in ms))
    result = monitor(form.period())
    return xlsx_response(exports.monitor_xlsx(result), exports.export_filename(result))


@lianxi_pages
@require_http_methods(["GET", "POST"])
def indicator_import(request):
    _importer(request.user)
    return import_page(request, IndicatorImportForm, import_indicators, template="economy/indicator_import.html",
                       columns=COLUMNS, session_key=REJECTED_SESSION_KEY)


@lianxi_pages
@require_GET
def import_template(request):
    _importer(request.user)
    return xlsx_response(template_workbook(), "企业季度经济指标导入模板.xlsx")


@lianxi_pages
@require_GET
def import_rejected(request):
    _importer(request.user)
    return rejected_download(request, REJECTED_SESSION_KEY, rejected_rows_workbook, "未导入的经济指标")
