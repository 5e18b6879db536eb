"""The pages of meetings, reception days and pairings. Thin: read through the selectors and access rules, write
through the services, render. Errors of the hierarchy become the page's Chinese message (or 404/403 pages)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianxi.accounts.models import Role, User
from lianxi.appeals import deadlines
from lianxi.appeals.models import Appeal
from lianxi.appeals.selectors import LIST_RELATED
from lianxi.appeals.workflow import may_register
from lianxi.core.errors import InvalidInput, LianxiError
from lianxi.directory.filters import search_enterprises
from lianxi.directory.models import Category, Department, Enterprise
from lianxi.web.views import lianxi_pages, paginate, with_errors

from . import documents, selectors, services
from .access import (may_configure_meeting_types, may_log_visit, may_manage_pairings, may_record_meetings,
                     sees_reception_days)
from .filters import MeetingFilter
from .forms import (BULK_FIELDS, HoldForm, MeetingForm, MeetingTypeForm, PairingForm, ScheduleForm,
                    SessionForm, VisitAppealForm, VisitForm, bound_meeting, resolve_enterprise, rows_from_post)
from .models import MeetingType, ReceptionSession

BULK_START_ROWS = 10
BULK_MORE_ROWS = 10


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# ---- meetings -----------------------------------------------------------------------------------------------------

@lianxi_pages
def meeting_list(request):
    user = request.user
    filterset = MeetingFilter(request.GET or None, queryset=selectors.meetings_for(user).order_by("-date", "-id"))
    meetings = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = paginate(request, meetings)
    selectors.with_appeal_counts(page.object_list, user)
    form = filterset.form
    form.fields["search"].widget.attrs.update(placeholder="会议名称或地点", type="search")
    for name in ("date_from", "date_to"):
        form.fields[name].widget.input_type = "date"
    return render(request, "meetings/meeting_list.html", {
        "page": page, "fields": [form[n] for n in ("search", "type", "date_from", "date_to")],
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "may_record": may_record_meetings(user), "may_configure": may_configure_meeting_types(user),
    })


def _meeting_form_page(request, form, meeting=None, status=200):
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting}, status=status)


def _page_meeting_form(*args, **kwargs) -> MeetingForm:
    form = MeetingForm(*args, **kwargs)
    # Attending enterprises come with the appeals they raise (or are added on the meeting's page): a field for
    # tens of thousands of enterprises has no place on this form.
    del form.fields["enterprises"]
    return form


@lianxi_pages
def meeting_create(request):
    user = request.user
    _require(may_record_meetings(user), "您无权登记会议")
    if request.method == "POST":
        form = _page_meeting_form(request.POST, user=user)
        if form.is_valid():
            try:
                meeting = services.create_meeting(acting_user=user, **form.service_kwargs())
            except InvalidInput as exc:
                return _meeting_form_page(request, with_errors(form, exc.fields), status=400)
            messages.success(request, f"已登记会议“{meeting.title}”，可接着登记会上提出的诉求")
            return redirect("meetings:detail", pk=meeting.pk)
        return _meeting_form_page(request, form, status=400)
    initial = {"date": timezone.localdate()}
    if request.GET.get("type"):
        initial["type"] = MeetingType.objects.filter(code=request.GET["type"]).values_list("pk", flat=True).first()
    return _meeting_form_page(request, _page_meeting_form(user=user, initial=initial))


@lianxi_pages
def meeting_edit(request, pk):
    user = request.user
    meeting = selectors.meeting_detail(user, pk)
    _require(may_record_meetings(user), "您无权修改会议")
    if request.method == "POST":
        form = _page_meeting_form(request.POST, user=user)
        if form.is_valid():
            try:
                services.update_meeting(meeting, acting_user=user, **form.service_kwargs())
            except InvalidInput as exc:
                return _meeting_form_page(request, with_errors(form, exc.fields), meeting, status=400)
            messages.success(request, "会议信息已保存")
            return redirect("meetings:detail", pk=meeting.pk)
        return _meeting_form_page(request, form, meeting, status=400)
    return _meeting_form_page(request, _page_meeting_form(user=user, initial=bound_meeting(meeting)), meeting)


@lianxi_pages
def meeting_detail(request, pk):
    user = request.user
    meeting = selectors.meeting_detail(user, pk)
    appeals = selectors.meeting_appeals(meeting, user).prefetch_related(deadlines.prefetch_running())
    return render(request, "meetings/meeting_detail.html", {
        "meeting": meeting, "page": paginate(request, appeals, per_page=100),
        "enterprises": selectors.meeting_enterprises(meeting, user),
        "session": getattr(meeting, "reception_session", None),
        "documents": [(d, fmt) for d in documents.DOCUMENTS.values() for fmt in ("xlsx", "docx")],
        "may_record": may_record_meetings(user),
    })


@require_POST
@lianxi_pages
def meeting_enterprises(request, pk):
    """Add an attending enterprise (by name or credit code), or remove one that raised nothing."""
    user = request.user
    meeting = selectors.meeting_detail(user, pk)
    try:
        if request.POST.get("remove"):
            enterprise = get_object_or_404(Enterprise.objects.visible_to(user), pk=request.POST["remove"])
            services.remove_enterprise(meeting, enterprise, acting_user=user)
            messages.success(request, f"已将“{enterprise.name}”移出参会企业")
        else:
            try:
                enterprise = resolve_enterprise(Enterprise.objects.visible_to(user), request.POST.get("enterprise", ""))
            except forms.ValidationError as exc:
                raise InvalidInput(fields={"enterprise": exc.messages})
            services.add_enterprises(meeting, [enterprise], acting_user=user)
            messages.success(request, f"已添加参会企业“{enterprise.name}”")
    except InvalidInput as exc:
        for field_messages in exc.fields.values():
            for message in field_messages:
                messages.error(request, message)
    except LianxiError as exc:
        messages.error(request, exc.message)
    return redirect("meetings:detail", pk=meeting.pk)


# ---- the bulk-entry table ------------------------------------------------------------------------------------------

def _bulk_choices():
    return {"categories": list(Category.objects.filter(is_active=True).order_by("sort_order", "code")),
            "departments": list(Department.objects.filter(is_active=True).order_by("sort_order", "code"))}


@lianxi_pages
def bulk_entry(request, pk):
    """批量登记: the clerk types the meeting's list into one table; every row is checked, and the list is
    registered only when all rows are right — a meeting's list is entered once, whole."""
    user = request.user
    meeting = selectors.meeting_detail(user, pk)
    _require(may_record_meetings(user), "您无权为会议登记诉求")
    context = {"meeting": meeting, "error": None, **_bulk_choices(),
               "may_dispatch": user.has_role(Role.DISPATCHER), "fields": BULK_FIELDS}
    if request.method == "POST":
        rows = rows_from_post(request.POST)
        dispatch = bool(request.POST.get("dispatch")) and user.has_role(Role.DISPATCHER)
        try:
            result = services.bulk_register(meeting, rows, acting_user=user, dispatch=dispatch)
        except InvalidInput as exc:
            row_errors = exc.fields.get("rows") or []
            if row_errors and isinstance(row_errors[0], str):  # about the list as a whole
                context["list_errors"], row_errors = row_errors, []
            rows = rows or [{}]
            context.update(error=exc, dispatch=dispatch, rows=[
                {"index": i + 1, "values": row, "errors": row_errors[i] if i < len(row_errors) else {}}
                for i, row in enumerate(rows)])
            return render(request, "meetings/bulk_entry.html", context, status=400)
        note = f"，其中{result.dispatched}条已直接交办" if result.dispatched else ""
        messages.success(request, f"已登记{len(result.appeals)}条诉求{note}")
        return redirect("meetings:detail", pk=meeting.pk)
    context["rows"] = [{"index": i, "values": {}, "errors": {}} for i in range(1, BULK_START_ROWS + 1)]
    return render(request, "meetings/bulk_entry.html", context)


@lianxi_pages
def bulk_rows(request):
    """More empty rows for the bulk table (HTMX)."""
    _require(may_record_meetings(request.user), "您无权登记诉求")
    try:
        start = max(1, int(request.GET.get("start", 1)))
    except ValueError:
        start = 1
    rows = [{"index": i, "values": {}, "errors": {}} for i in range(start, start + BULK_MORE_ROWS)]
    return render(request, "meetings/partials/bulk_rows.html",
                  {"rows": rows, "next_start": start + BULK_MORE_ROWS, **_bulk_choices()})


@lianxi_pages
def enterprise_options(request):
    """Completion for the enterprise cells (HTMX): <option>s of "名称 信用代码" for a shared <datalist>."""
    query = (request.GET.get("enterprise") or request.GET.get("q") or "").strip()
    results = []
    if len(query) >= 2:
        results = list(search_enterprises(Enterprise.objects.visible_to(request.user), query)
                       .order_by("name")[:12])
    return render(request, "meetings/partials/enterprise_options.html", {"results": results})


# ---- meeting types ---------------------------------------------------------------------------------------------------

@lianxi_pages
def meeting_types(request, pk=None):
    _require(may_configure_meeting_types(request.user), "只有平台管理员可以维护会议类型")
    instance = get_object_or_404(MeetingType, pk=pk) if pk else None
    form = MeetingTypeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"已保存会议类型“{saved.name}”")
        return redirect("meetings:types")
    return render(request, "meetings/meeting_types.html", {
        "types": MeetingType.objects.select_related("channel").order_by("sort_order", "code"),
        "form": form, "instance": instance}, status=400 if form.is_bound else 200)


# ---- 周二民企接待日 -------------------------------------------------------------------------------------------------

def _range_from(request) -> tuple[dt.date, dt.date]:
    """The page's range: ?from=&to=, by default this year up to eight weeks ahead."""
    today = timezone.localdate()
    start, end = dt.date(today.year, 1, 1), today + dt.timedelta(weeks=8)
    for name in ("from", "to"):
        try:
            value = dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            continue
        start, end = (value, end) if name == "from" else (start, value)
    return start, max(start, end)


@lianxi_pages
def reception(request):
    user = request.user
    _require(sees_reception_days(user), "接待日安排仅对工作人员开放")
    start, end = _range_from(request)
    schedule_form = ScheduleForm(initial={"from": timezone.localdate(),
                                          "to": timezone.localdate() + dt.timedelta(weeks=12)})
    if request.method == "POST":
        _require(may_record_meetings(user), "您无权安排接待日")
        schedule_form = ScheduleForm(request.POST)
        if schedule_form.is_valid():
            data = schedule_form.cleaned_data
            try:
                created = services.schedule_reception_days(data["from"], data["to"], acting_user=user,
                                                           duty_departments=data["duty_departments"])
            except InvalidInput as exc:
                schedule_form = with_errors(schedule_form, exc.fields)
            else:
                messages.success(request, f"已安排{len(created)}个接待日（节假日的周二不安排，已安排的日期不变）")
                return redirect("meetings:reception")
    stats = selectors.reception_stats(start, end)
    return render(request, "meetings/reception.html", {
        "stats": stats, "start": start, "end": end, "today": timezone.localdate(),
        "all_time": selectors.reception_stats(None, timezone.localdate()),
        "schedule_form": schedule_form, "may_record": may_record_meetings(user),
    }, status=400 if schedule_form.is_bound and schedule_form.errors else 200)


@lianxi_pages
def reception_session(request, pk):
    user = request.user
    _require(sees_reception_days(user), "接待日安排仅对工作人员开放")
    session = get_object_or_404(ReceptionSession.objects.select_related("meeting")
                                .prefetch_related("duty_departments"), pk=pk)
    form = SessionForm(initial={"duty_departments": [d.pk for d in session.duty_departments.all()],
                                "note": session.note})
    hold_form = HoldForm()
    error = None
    if request.method == "POST":
        _require(may_record_meetings(user), "您无权修改接待日")
        try:
            if "hold" in request.POST:
                hold_form = HoldForm(request.POST)
                if hold_form.is_valid():
                    meeting = services.hold_session(session, acting_user=user, **hold_form.cleaned_data)
                    messages.success(request, "已开展接待，请登记当天收集的诉求")
                    return redirect("meetings:bulk", pk=meeting.pk)
            else:
                form = SessionForm(request.POST)
                if form.is_valid():
                    data = dict(form.cleaned_data)
                    data["cancelled"] = {"cancel": True, "restore": False}.get(request.POST.get("status_change"))
                    services.update_session(session, acting_user=user, **data)
                    messages.success(request, "接待日已保存")
                    return redirect("meetings:reception_session", pk=session.pk)
        except LianxiError as exc:
            error = exc
    meeting = session.meeting
    counts = None
    if meeting is not None:
        counts = selectors.with_appeal_counts([meeting], user)[0].appeal_count
    return render(request, "meetings/reception_session.html", {
        "session": session, "form": form, "hold_form": hold_form, "error": error, "appeal_count": counts,
        "may_record": may_record_meetings(user),
    }, status=error.status if error else 200)


# ---- 结对子 -------------------------------------------------------------------------------------------------------

@lianxi_pages
def pairing_list(request):
    user = request.user
    pairings = selectors.pairings_for(user).order_by("leader__name", "enterprise__name")
    if not request.GET.get("all"):
        pairings = pairings.filter(ended_on__isnull=True)
    form = PairingForm(user=user) if may_manage_pairings(user) else None
    if request.method == "POST":
        _require(may_manage_pairings(user), "您无权安排领导结对")
        form = PairingForm(request.POST, user=user)
        if form.is_valid():
            try:
                pairing = services.create_pairing(acting_user=user, **form.cleaned_data)
            except InvalidInput as exc:
                form = with_errors(form, exc.fields)
            else:
                messages.success(request, f"已结对：{pairing.leader.display_name} — {pairing.enterprise.name}")
                return redirect("meetings:pairings")
    return render(request, "meetings/pairing_list.html", {
        "page": paginate(request, pairings, per_page=50), "form": form, "show_all": bool(request.GET.get("all")),
        "leaders": User.objects.filter(role_grants__role=Role.LEADER, pairings__isnull=False).distinct()
        .order_by("name"),
    }, status=400 if form is not None and form.is_bound else 200)


def _leader_page(request, leader):
    user = request.user
    overview = selectors.leader_overview(leader, user)
    return render(request, "meetings/leader_pairings.html", {
        "leader": leader, "overview": overview, "mine": leader.pk == user.pk,
        "open_total": sum(len(p.open_appeals) for p in overview),
        "overdue_total": sum(p.overdue for p in overview), "warning_total": sum(p.warning for p in overview),
        "state_labels": deadlines.DEADLINE_STATE_LABELS,
    })


@lianxi_pages
def my_pairings(request):
    _require(request.user.has_role(Role.LEADER), "只有领导有结对企业")
    return _leader_page(request, request.user)


@lianxi_pages
def leader_pairings(request, user_pk):
    """A leader's page as others see it (staff follow up on a leader's enterprises)."""
    if not selectors.pairings_for(request.user).filter(leader_id=user_pk).exists():
        raise Http404("未找到")
    leader = get_object_or_404(User, pk=user_pk)
    return _leader_page(request, leader)


@lianxi_pages
def pairing_detail(request, pk):
    user = request.user
    pairing = get_object_or_404(selectors.pairings_for(user), pk=pk)
    visit_form = VisitForm(user=user, initial={"pairing": pairing.pk, "date": timezone.localdate()})
    status = 200
    if request.method == "POST":
        try:
            if "end" in request.POST:
                services.end_pairing(pairing, acting_user=user)
                messages.success(request, "已解除结对")
                return redirect("meetings:pairing", pk=pairing.pk)
            data = request.POST.copy()
            data["pairing"] = str(pairing.pk)
            visit_form = VisitForm(data, user=user)
            if visit_form.is_valid():
                data = dict(visit_form.cleaned_data)
                data.pop("pairing")
                visit = services.log_visit(pairing, acting_user=user, **data)
                messages.success(request, "已登记走访，可接着登记走访中企业提出的诉求")
                return redirect("meetings:visit", pk=visit.pk)
            status = 400
        except InvalidInput as exc:
            visit_form, status = with_errors(visit_form, exc.fields), 400
        except LianxiError as exc:
            messages.error(request, exc.message)
            return redirect("meetings:pairing", pk=pairing.pk)
    del visit_form.fields["pairing"]
    del visit_form.fields["appeals"]
    visits = selectors.visits_for(user).filter(pairing=pairing).order_by("-date", "-id")
    return render(request, "meetings/pairing_detail.html", {
        "pairing": pairing, "visits": visits, "visit_form": visit_form,
        "may_log": may_log_visit(user, pairing) and pairing.is_active, "may_manage": may_manage_pairings(user),
    }, status=status)


@lianxi_pages
def visit_detail(request, pk):
    user = request.user
    visit = get_object_or_404(selectors.visits_for(user), pk=pk)
    may_raise = may_log_visit(user, visit.pairing) and may_register(user)
    form = VisitAppealForm(user=user) if may_raise else None
    error = None
    if request.method == "POST":
        _require(may_raise, "您无权登记走访中的诉求")
        form = VisitAppealForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                appeal = services.register_from_visit(visit, acting_user=user, **form.action_kwargs())
            except InvalidInput as exc:
                form, error = with_errors(form, exc.fields), exc
            except LianxiError as exc:
                error = exc
            else:
                messages.success(request, f"诉求已登记，编号 {appeal.number}")
                return redirect("meetings:visit", pk=visit.pk)
    appeals = (Appeal.objects.visible_to(user).filter(visits=visit).select_related(*LIST_RELATED)
               .prefetch_related(deadlines.prefetch_running()).order_by("created_at", "id"))
    return render(request, "meetings/visit_detail.html", {
        "visit": visit, "appeals": appeals, "form": form, "error": error,
    }, status=400 if form is not None and form.is_bound else 200)
