"""Configuration pages: one list page and one edit page, reused for every kind of directory data.

Each kind is declared once (its form, its columns, who may edit it); the two views below serve them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from lianxi.accounts.access import may_configure, may_edit_enterprises, user_scope
from lianxi.accounts.models import User
from lianxi.directory.models import Category, Channel, Department, Enterprise

from .forms import CategoryForm, ChannelForm, DepartmentForm, EnterpriseForm, UserForm
from .views import lianxi_pages, paginate


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _roles(user: User) -> str:
    # From the prefetched grants: user.role_labels would query once per row.
    return "、".join(grant.get_role_display() for grant in user.role_grants.all())


@dataclass(frozen=True)
class ConfigKind:
    key: str
    title: str  # the thing, e.g. 部门
    form_class: type
    queryset: Callable[[object], QuerySet]  # user -> what they may edit
    columns: tuple[tuple[str, Callable], ...] = ()
    search_fields: tuple[str, ...] = ()
    allowed: Callable[[object], bool] = may_configure
    in_tabs: bool = True  # listed among the configuration tabs
    list_url: str | None = None  # the kind has its own list page elsewhere
    detail_url: str | None = None  # where to go after saving (default: back to the list)

    def after_save(self, obj) -> str:
        if self.detail_url:
            return reverse(self.detail_url, args=[obj.pk])
        return reverse("web:config_list", args=[self.key])


KINDS: dict[str, ConfigKind] = {k.key: k for k in [
    ConfigKind(
        "departments", "部门", DepartmentForm,
        lambda user: Department.objects.select_related("parent").order_by("sort_order", "code"),
        columns=(("代码", lambda d: d.code), ("名称", lambda d: d.name), ("类型", lambda d: d.get_kind_display()),
                 ("上级单位", lambda d: d.parent or ""), ("启用", lambda d: _yes(d.is_active))),
        search_fields=("code", "name")),
    ConfigKind(
        "categories", "诉求类别", CategoryForm,
        lambda user: Category.objects.select_related("default_department").order_by("sort_order", "code"),
        columns=(("代码", lambda c: c.code), ("名称", lambda c: c.name),
                 ("默认主办单位", lambda c: c.default_department or ""),
                 ("签收/紧急/一般/复杂（工作日）",
                  lambda c: f"{c.accept_days} / {c.urgent_days} / {c.general_days} / {c.complex_days}"),
                 ("启用", lambda c: _yes(c.is_active))),
        search_fields=("code", "name")),
    ConfigKind(
        "channels", "渠道", ChannelForm, lambda user: Channel.objects.order_by("sort_order", "code"),
        columns=(("代码", lambda c: c.code), ("名称", lambda c: c.name), ("排序", lambda c: c.sort_order),
                 ("启用", lambda c: _yes(c.is_active))),
        search_fields=("code", "name")),
    ConfigKind(
        "users", "用户", UserForm,
        lambda user: user_scope(User.objects.select_related("department", "enterprise")
                                .prefetch_related("role_grants").order_by("username"), user),
        columns=(("用户名", lambda u: u.username), ("姓名", lambda u: u.name), ("角色", _roles),
                 ("部门/企业", lambda u: u.department or u.enterprise or ""), ("启用", lambda u: _yes(u.is_active))),
        search_fields=("username", "name", "phone")),
    ConfigKind(
        "enterprises", "企业", EnterpriseForm, lambda user: Enterprise.objects.visible_to(user),
        allowed=may_edit_enterprises, in_tabs=False, list_url="web:enterprise_list",
        detail_url="web:enterprise_detail"),
]}


def _kind(request, key: str) -> ConfigKind:
    kind = KINDS.get(key)
    if kind is None:
        raise Http404("没有这个配置项")
    if not kind.allowed(request.user):
        raise PermissionDenied("您没有维护该配置的权限")
    return kind


def _tabs():
    return [(k.key, k.title) for k in KINDS.values() if k.in_tabs]


@lianxi_pages
def config_list(request, kind):
    kind = _kind(request, kind)
    if kind.list_url:
        return redirect(kind.list_url)
    items = kind.queryset(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        match = Q()
        for field in kind.search_fields:
            match |= Q(**{f"{field}__icontains": query})
        items = items.filter(match)
    page = paginate(request, items, per_page=50)
    rows = [(obj, [(label, getter(obj)) for label, getter in kind.columns]) for obj in page]
    return render(request, "web/config/list.html", {
        "kind": kind, "tabs": _tabs(), "page": page, "rows": rows, "q": query,
        "headers": [label for label, _ in kind.columns],
    })


@lianxi_pages
def config_edit(request, kind, pk=None):
    kind = _kind(request, kind)
    instance = get_object_or_404(kind.queryset(request.user), pk=pk) if pk is not None else None
    form = kind.form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, f"已保存{kind.title}“{obj}”")
        return redirect(kind.after_save(obj))
    back = reverse(kind.list_url) if kind.list_url else reverse("web:config_list", args=[kind.key])
    if instance is not None and kind.detail_url:
        back = reverse(kind.detail_url, args=[instance.pk])
    return render(request, "web/config/edit.html", {
        "kind": kind, "tabs": _tabs() if kind.in_tabs else [], "form": form, "instance": instance, "back": back,
    }, status=400 if form.is_bound else 200)
