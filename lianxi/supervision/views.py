"""The pages of 督办 and 问责. Thin: read through the selectors (the access rule), write through the services
with the forms the API uses, render. A LianxiError becomes the page's Chinese message, or a 404/403 page."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianxi.accounts.access import sees_everything
from lianxi.appeals.models import Appeal
from lianxi.core.errors import LianxiError, NotFound
from lianxi.web.timeline import timeline
from lianxi.web.views import lianxi_pages, paginate, with_errors

from . import documents, selectors, services
from .forms import AccountabilityForm, AnswerForm, DecideForm, parsed
from .models import AccountabilityStatus, AccountabilityTrigger, Supervision


def _visible_appeal_ids(user, appeal_ids) -> set[int]:
    """Which of these appeals the user may open: an order or a record can be visible while its appeal is not
    (an order addressed to a department that no longer handles the appeal)."""
    return set(Appeal.objects.visible_to(user).filter(pk__in=set(appeal_ids)).values_list("pk", flat=True))


def _choice_select(field, empty_label: str):
    field.widget = forms.Select(choices=[("", empty_label), *[c for c in field.choices if c[0] != ""]])


def _date_inputs(form, *names):
    for name in names:
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# ---- 督办单 --------------------------------------------------------------------------------------------------

def _order_filter_fields(filterset, user):
    form = filterset.form
    _choice_select(form.fields["level"], "全部级别")
    _choice_select(form.fields["answer_state"], "全部答复情况")
    form.fields["department"].empty_label = "全部单位"
    form.fields["search"].widget.attrs.update(placeholder="文号、诉求编号或督办内容", type="search")
    shown = ["search", "level", "answer_state"] + (["department"] if sees_everything(user) else [])
    return [form[name] for name in shown]


@lianxi_pages
def order_list(request):
    user = request.user
    orders, filterset = selectors.order_list(user, request.GET)
    page = paginate(request, orders)
    return render(request, "supervision/order_list.html", {
        "page": page, "fields": _order_filter_fields(filterset, user),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "visible_appeals": _visible_appeal_ids(user, [o.appeal_id for o in page.object_list]),
        "may_issue": selectors.may_issue(user),
    })


def _order_page(request, order: Supervision, *, form=None, error: LianxiError | None = None):
    user, now = request.user, timezone.now()
    state = order.answer_state(now)
    may_answer = services.may_answer(user, order) and state in ("pending", "late")
    context = {
        "order": order, "appeal": order.appeal, "state": state, "now": now,
        "appeal_visible": bool(_visible_appeal_ids(user, [order.appeal_id])),
        "facts": documents.order_facts(order), "title": documents.order_title(order),
        "answer_form": (form or AnswerForm(auto_id="id_answer_%s")) if may_answer else None,
        "error": error,
    }
    if state == "late" and services.may_record_accountability(user):
        query = {"supervision": order.number, "appeals": order.appeal.number,
                 "trigger": AccountabilityTrigger.UNANSWERED}
        if order.department_id:
            query["department"] = order.department_id
        context["accountability_url"] = f"{reverse('supervision:accountability_create')}?{urlencode(query)}"
    return render(request, "supervision/order_detail.html", context, status=error.status if error else 200)


@lianxi_pages
def order_detail(request, pk):
    return _order_page(request, selectors.order_detail(request.user, pk))


@require_POST
@lianxi_pages
def order_answer(request, pk):
    order = selectors.order_detail(request.user, pk)
    form = AnswerForm(request.POST, auto_id="id_answer_%s")
    try:
        services.answer_order(order, acting_user=request.user, **parsed(form))
    except NotFound:
        raise
    except LianxiError as exc:
        order = selectors.order_detail(request.user, pk)  # as it stands, in case a concurrent answer won
        return _order_page(request, order, form=with_errors(form, exc.fields), error=exc)
    messages.success(request, f"已答复督办单 {order.number}")
    return redirect("supervision:order_detail", pk=order.pk)


@lianxi_pages
def order_document(request, pk):
    order = selectors.order_detail(request.user, pk)
    response = HttpResponse(documents.order_docx(order), content_type=documents.DOCX)
    response["Content-Disposition"] = documents.attachment_disposition(*documents.order_filename(order))
    return response


# ---- 问责 ----------------------------------------------------------------------------------------------------

def _accountability_filter_fields(filterset):
    form = filterset.form
    for name, label in (("status", "全部状态"), ("trigger", "全部情形"), ("measure", "全部方式")):
        _choice_select(form.fields[name], label)
    form.fields["department"].empty_label = "全部单位"
    _date_inputs(form, "from", "to")
    form.fields["search"].widget.attrs.update(placeholder="编号或事由", type="search")
    return [form[name] for name in ("from", "to", "department", "status", "trigger", "measure", "search")]


def _record_form(user, data=None, initial=None):
    form = AccountabilityForm(data, user=user, initial=initial, auto_id="id_record_%s")
    form.fields["trigger"].widget = forms.Select(choices=[("", "请选择"), *AccountabilityTrigger.choices])
    form.fields["measure"].widget = forms.RadioSelect(choices=form.fields["measure"].choices)
    return form


@lianxi_pages
def accountability_list(request):
    user = request.user
    records, filterset = selectors.accountability_list(user, request.GET)
    query = request.GET.copy()
    query.pop("page", None)
    may_record = services.may_record_accountability(user)
    return render(request, "supervision/accountability_list.html", {
        "page": paginate(request, records), "fields": _accountability_filter_fields(filterset),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "export_url": f"{reverse('supervision:accountability_export')}?{query.urlencode()}",
        "record_form": _record_form(user) if may_record else None,
    })


@lianxi_pages
def accountability_create(request):
    """记录问责. GET: the form alone, filled from the query (a late order's "转问责" link); POST: record it."""
    user = request.user
    if not services.may_record_accountability(user):
        raise PermissionDenied("只有督办员可以记录问责")
    if request.method != "POST":
        initial = {k: request.GET[k] for k in ("department", "trigger", "appeals", "supervision", "measure")
                   if request.GET.get(k)}
        return render(request, "supervision/accountability_create.html", {"record_form": _record_form(user,
                                                                                                  initial=initial)})
    form = _record_form(user, request.POST)
    try:
        record = services.record_accountability(acting_user=user, **parsed(form))
    except LianxiError as exc:
        form = with_errors(form, exc.fields)
        return render(request, "supervision/accountability_create.html", {"record_form": form, "error": exc},
                      status=exc.status)
    messages.success(request, f"已记录问责 {record.number}")
    return redirect("supervision:accountability_detail", pk=record.pk)


def _evidence(record, user):
    """The linked appeals, each with its events as the appeal page reads them."""
    items = selectors.evidence(record, user)
    events = [e for item in items for e in item.events]
    entries = defaultdict(list)
    for entry in timeline(events):
        entry.label = selectors.event_label(entry.event.action)
        entries[entry.event.appeal_id].append(entry)
    return [(item, entries[item.appeal.pk]) for item in items]


def _decide_form(data=None):
    return DecideForm(data, auto_id="id_decide_%s")


def _record_page(request, record, *, form=None, error: LianxiError | None = None):
    user = request.user
    may_decide = record.status == AccountabilityStatus.PROPOSED and services.may_record_accountability(user)
    return render(request, "supervision/accountability_detail.html", {
        "record": record, "evidence": _evidence(record, user), "error": error,
        "decide_form": (form or _decide_form()) if may_decide else None,
        "supervision_visible": bool(record.supervision_id and selectors.orders_for(user)
                                    .filter(pk=record.supervision_id).exists()),
    }, status=error.status if error else 200)


@lianxi_pages
def accountability_detail(request, pk):
    return _record_page(request, selectors.accountability_detail(request.user, pk))


@require_POST
@lianxi_pages
def accountability_decide(request, pk):
    record = selectors.accountability_detail(request.user, pk)
    form = _decide_form(request.POST)
    try:
        if not services.may_record_accountability(request.user):
            raise PermissionDenied("只有督办员可以认定问责")
        record = services.decide_accountability(record, acting_user=request.user, **parsed(form))
    except NotFound:
        raise
    except LianxiError as exc:
        record = selectors.accountability_detail(request.user, pk)
        return _record_page(request, record, form=with_errors(form, exc.fields), error=exc)
    messages.success(request, f"问责记录 {record.number} 已认定：{record.get_status_display()}")
    return redirect("supervision:accountability_detail", pk=record.pk)


@lianxi_pages
def accountability_export(request):
    """The filtered list (a period: ``from``/``to``) as the 问责清单 .xlsx."""
    records, filterset = selectors.accountability_list(request.user, request.GET)
    cleaned = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    start, end = cleaned.get("from"), cleaned.get("to")
    content, rows = documents.accountability_xlsx(records, start=start, end=end)
    response = HttpResponse(content, content_type=documents.XLSX)
    response["Content-Disposition"] = documents.attachment_disposition(*documents.accountability_filename(start, end))
    response["X-Rows"] = str(rows)
    return response
