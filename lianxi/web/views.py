"""The pages. Thin: read through the selectors and the access rule, write through submit_action /
submit_registration, render. A LianxiError becomes the page's Chinese message, or a 404/403 page."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lianxi.accounts.access import may_edit_enterprises
from lianxi.accounts.models import Role
from lianxi.appeals import selectors
from lianxi.appeals.forms import ACTION_FORMS, RegisterForm, submit_action, submit_registration
from lianxi.appeals.workflow import ACTIONS, Availability, State, may_register
from lianxi.core.db import KeysFirstPaginator
from lianxi.core.errors import InvalidInput, LianxiError, NotFound, NotPermitted
from lianxi.directory.filters import EnterpriseFilter, search_enterprises
from lianxi.directory.models import Enterprise

from .forms import QuickEnterpriseForm, appeal_filter_form, carried_filters, for_page
from .nav import is_enterprise_only
from .timeline import timeline

PAGE_SIZE = 20


def lianxi_pages(view):
    """Login required; the error hierarchy's 404 and 403 become the Chinese 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message)

    return wrapper


class CappedPaginator(KeysFirstPaginator):
    """Counts at most ``ahead`` rows past the requested page. At a million appeals an exact COUNT costs more than
    the page it numbers (PostgreSQL: 114 ms for a dispatcher's whole list, about 1 s for a handler's); counting
    a little ahead keeps the next pages reachable and the page says "1000 条以上" instead of a total."""

    ahead = 1_000
    capped = False  # set by count: there are more rows than were counted

    def get_page(self, number):
        try:
            self.wanted = max(1, int(number))
        except (TypeError, ValueError):
            self.wanted = 1
        return super().get_page(number)

    @cached_property
    def count(self) -> int:
        limit = (getattr(self, "wanted", 1) - 1) * self.per_page + self.ahead
        # Unordered: the subquery only has to find limit + 1 rows, in whatever order is cheapest.
        found = self.object_list.order_by().values("pk")[: limit + 1].count()
        self.capped = found > limit
        return min(found, limit)


def paginate(request, queryset, per_page: int = PAGE_SIZE, paginator_class=Paginator):
    return paginator_class(queryset, per_page).get_page(request.GET.get("page"))


def with_errors(form, fields: dict[str, list[str]]):
    """The bound form showing its own errors plus those the action reported (business rules)."""
    form.full_clean()
    for field, field_messages in fields.items():
        target = field if field in form.fields else None
        known = {str(m) for m in form.errors.get(target or "__all__", [])}
        for message in field_messages:
            if message not in known:
                form.add_error(target, message)
    return form


# ---- 我的待办 --------------------------------------------------------------------------------------------------

@dataclass
class InboxRow:
    title: str
    count: int
    appeals: list
    url: str


@lianxi_pages
def home(request):
    list_url = reverse("web:appeal_list")
    sections = [InboxRow(s.title, s.count, s.first(5), f"{list_url}?{s.list_query}" if s.list_query else list_url)
                for s in selectors.inbox(request.user)]
    return render(request, "web/home.html", {"sections": sections, "may_register": may_register(request.user),
                                             "enterprise_view": is_enterprise_only(request.user)})


# ---- appeals --------------------------------------------------------------------------------------------------

@lianxi_pages
def appeal_list(request):
    appeals, filterset = selectors.appeal_list(request.user, request.GET)
    enterprise = None
    if request.GET.get("enterprise", "").isdigit():
        # Named through the access rule, so that a filter never reveals an enterprise the user may not see.
        enterprise = Enterprise.objects.visible_to(request.user).filter(pk=request.GET["enterprise"]).first()
    enterprise_view = is_enterprise_only(request.user)
    return render(request, "web/appeal_list.html", {
        "page": paginate(request, appeals, paginator_class=CappedPaginator), "filter": filterset,
        "enterprise": enterprise,
        "fields": appeal_filter_form(filterset, enterprise_view=enterprise_view),
        "carried": carried_filters(filterset, request.user),
        "filtered": any(v for k, v in request.GET.items() if k != "page"), "enterprise_view": enterprise_view,
        "may_register": may_register(request.user),
    })


@dataclass
class ActionPanel:
    availability: Availability
    form: object = None
    open: bool = False

    @property
    def action(self):
        return self.availability.action


def _auto_id(name: str) -> str:
    """Several action forms share a page (and field names such as "reason"): keep their ids apart."""
    return f"id_{name}_%s"


def _action_form(name: str, appeal, user, data=None, files=None):
    kwargs = {"user": user, "appeal": appeal, "auto_id": _auto_id(name)}
    if name in ("dispatch", "arbitrate") and data is None:
        # Propose the lead department the meeting proposed (责任分解), else the category's usual one.
        proposed = getattr(appeal, "proposed_lead", None) if name == "dispatch" else None
        kwargs["initial"] = {"lead_department": appeal.lead_department_id
                             or (proposed.department_id if proposed else appeal.category.default_department_id)}
    if data is None:
        return ACTION_FORMS[name](**kwargs)  # unbound: forms such as "edit" start from the appeal's values
    return ACTION_FORMS[name](data, files, **kwargs)


def _detail(request, appeal, *, failed: str | None = None, failed_form=None, error: LianxiError | None = None):
    user = request.user
    panels = []
    for availability in selectors.available_actions(user, appeal):
        name = availability.action.name
        form = None
        if availability.allowed:
            form = failed_form if name == failed else _action_form(name, appeal, user)
            form = for_page(name, form)
        panels.append(ActionPanel(availability, form, open=name == failed))
    return render(request, "web/appeal_detail.html", {
        "appeal": appeal, "attachments": appeal.attachments.all(), "co_departments": appeal.co_departments.all(),
        "timeline": timeline(selectors.appeal_events(appeal)), "panels": panels, "error": error,
        "failed": failed, "failed_label": ACTIONS[failed].label if failed else "",
    }, status=error.status if error else 200)


@lianxi_pages
def appeal_detail(request, pk):
    return _detail(request, selectors.appeal_detail(request.user, pk))


@require_POST
@lianxi_pages
def appeal_act(request, pk, action):
    if action not in ACTION_FORMS:
        raise Http404("没有这个操作")
    appeal = selectors.appeal_detail(request.user, pk)
    try:
        submit_action(action, appeal, acting_user=request.user, data=request.POST, files=request.FILES)
    except NotFound:
        raise
    except LianxiError as exc:
        form = with_errors(_action_form(action, appeal, request.user, request.POST, request.FILES), exc.fields)
        appeal = selectors.appeal_detail(request.user, pk)  # as it stands, in case a concurrent change won
        return _detail(request, appeal, failed=action, failed_form=form, error=exc)
    appeal = selectors.appeal_detail(request.user, pk)
    messages.success(request, f"已{ACTIONS[action].label}，诉求当前状态：{State(appeal.state).label}")
    return redirect("web:appeal_detail", pk=appeal.pk)


@lianxi_pages
def attachment(request, pk, attachment_pk):
    appeal = selectors.appeal_detail(request.user, pk)
    item = get_object_or_404(appeal.attachments.all(), pk=attachment_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件不存在")
    return FileResponse(handle, as_attachment=True, filename=item.name,
                        content_type=item.content_type or "application/octet-stream")


# ---- registration ---------------------------------------------------------------------------------------------

def _registration_form(user, data=None, files=None):
    form = RegisterForm(data, files, user=user)
    del form.fields["enterprise"]  # chosen through the search box (or fixed for an enterprise user)
    form.fields["category"].empty_label = "请选择类别"
    if is_enterprise_only(user):
        for name in ("channel", "urgency"):
            del form.fields[name]
    else:
        form.fields["channel"].empty_label = "按登记人默认"
    return form


def _wants_new_enterprise(data) -> bool:
    return any(data.get(f"new-{f}", "").strip() for f in ("name", "uscc"))


@lianxi_pages
def appeal_register(request):
    user = request.user
    if not may_register(user):
        raise PermissionDenied("您无权登记诉求")
    fixed = user.enterprise if user.enterprise_id and user.has_role(Role.ENTERPRISE) else None
    may_create = may_edit_enterprises(user) and fixed is None
    new_enterprise = QuickEnterpriseForm(prefix="new") if may_create else None
    query = request.GET.get("q", "").strip()
    context = {"fixed": fixed, "may_create": may_create, "q": query, "error": None,
               "results": _search(user, query) if query else None, "selected": None}

    if request.method == "POST":
        data = request.POST.copy()
        creating = may_create and _wants_new_enterprise(data)
        if creating:
            new_enterprise = QuickEnterpriseForm(request.POST, prefix="new")
        try:
            if creating and data.get("enterprise"):
                raise InvalidInput(fields={"enterprise": ["已选择目录中的企业，又填写了新建企业：请二选一"]})
            # One transaction: an enterprise created here is kept only if its appeal is registered too.
            with transaction.atomic():
                if creating:
                    if not new_enterprise.is_valid():
                        raise InvalidInput("请检查新建企业的信息")
                    data["enterprise"] = str(new_enterprise.save().pk)
                registration = submit_registration(acting_user=user, data=data, files=request.FILES)
        except InvalidInput as exc:
            fields = dict(exc.fields)
            if creating and not data.get("enterprise"):
                fields.pop("enterprise", None)  # it is the new one, which has its own errors
            form = with_errors(_registration_form(user, request.POST, request.FILES), fields)
            if "enterprise" in fields and not fixed:
                context["enterprise_errors"] = (fields["enterprise"] if data.get("enterprise")
                                                else ["请选择企业" + ("，或新建企业" if may_create else "")])
            context.update(form=form, new_enterprise=new_enterprise, error=exc, creating=creating,
                           selected=_selected(user, request.POST.get("enterprise")))
            return render(request, "web/appeal_register.html", context, status=exc.status)
        appeal = registration.appeal
        messages.success(request, f"诉求已登记，编号 {appeal.number}")
        return redirect("web:appeal_detail", pk=appeal.pk)

    context.update(form=_registration_form(user), new_enterprise=new_enterprise)
    return render(request, "web/appeal_register.html", context)


def _selected(user, value):
    if not value or not str(value).isdigit():
        return None
    return Enterprise.objects.visible_to(user).filter(pk=value).first()


def _search(user, query: str, limit: int = 10):
    return list(search_enterprises(Enterprise.objects.visible_to(user), query).order_by("name")[:limit])


@lianxi_pages
def enterprise_search(request):
    """The registration page's search box (HTMX): a short list of enterprises to choose from."""
    query = request.GET.get("q", "").strip()
    return render(request, "web/partials/enterprise_choices.html",
                  {"results": _search(request.user, query) if query else None, "q": query,
                   "may_create": may_edit_enterprises(request.user)})


# ---- enterprises (一企一档) -------------------------------------------------------------------------------------

@lianxi_pages
def enterprise_list(request):
    user = request.user
    if is_enterprise_only(user):
        if user.enterprise_id:
            return redirect("web:enterprise_detail", pk=user.enterprise_id)
        raise Http404("未找到")
    filterset = EnterpriseFilter(request.GET or None, queryset=Enterprise.objects.visible_to(user)
                                 .select_related("town").prefetch_related("tags"))
    enterprises = filterset.qs if filterset.is_bound else filterset.queryset
    return render(request, "web/enterprise_list.html", {
        "filter": filterset, "page": paginate(request, enterprises.order_by("name", "pk")),
        "filtered": any(v for k, v in request.GET.items() if k != "page"), "may_edit": may_edit_enterprises(user),
    })


@lianxi_pages
def enterprise_detail(request, pk):
    user = request.user
    enterprise = get_object_or_404(
        Enterprise.objects.visible_to(user).select_related("town").prefetch_related("tags"), pk=pk)
    appeals = selectors.appeals_for(user).filter(enterprise=enterprise)
    counts = {row["state"]: row["n"] for row in appeals.order_by().values("state").annotate(n=Count("id"))}
    return render(request, "web/enterprise_detail.html", {
        "enterprise": enterprise,
        "page": paginate(request, appeals.select_related(*selectors.LIST_RELATED).order_by("-created_at", "-id")),
        "state_counts": [(State(s).label, s, counts[s]) for s in State.values if s in counts],
        "total": sum(counts.values()),
        "may_edit": may_edit_enterprises(user),
        "may_register": may_register(user),
    })
