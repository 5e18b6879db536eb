"""The inbox page (消息) and the channel choices (接收渠道). Thin: lianxi.notifications.services does the work."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lianxi.web.views import lianxi_pages, paginate

from . import services
from .forms import PreferenceForm


@lianxi_pages
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    notifications = services.inbox(request.user).select_related("appeal")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return render(request, "notifications/inbox.html", {
        "page": paginate(request, notifications), "unread_only": unread_only,
        "unread_count": services.unread_count(request.user),
    })


@lianxi_pages
def open_notification(request, pk):
    """Mark the message read and go where it points (the appeal). Reading is idempotent, so a GET may do it."""
    notification = services.mark_read(pk, acting_user=request.user)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect("notifications:inbox")
    return redirect(target)


@require_POST
@lianxi_pages
def mark_read(request, pk):
    services.mark_read(pk, acting_user=request.user)
    return redirect(_back(request))


@require_POST
@lianxi_pages
def mark_all_read(request):
    marked = services.mark_all_read(acting_user=request.user)
    messages.success(request, f"已将 {marked} 条消息标为已读" if marked else "没有未读消息")
    return redirect(_back(request))


@lianxi_pages
def preferences(request):
    form = PreferenceForm(request.POST or None, instance=services.preference_of(request.user))
    if request.method == "POST" and form.is_valid():
        services.update_preferences(acting_user=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields})
        messages.success(request, "接收渠道已保存")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form}, status=400 if form.is_bound else 200)


def _back(request) -> str:
    """Back to the inbox page the form was on (keeping its page and filter), never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "notifications:inbox"
