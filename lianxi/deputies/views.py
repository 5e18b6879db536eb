"""The pages of deputies' opinions: the list (a deputy's own), registering one, and following its tasks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from lianxi.appeals.deadlines import prefetch_running
from lianxi.core.errors import InvalidInput, LianxiError
from lianxi.directory.models import Channel
from lianxi.meetings.documents import progress_of
from lianxi.web.views import lianxi_pages, paginate, with_errors

from . import selectors, services
from .access import may_add_tasks, may_register_opinion
from .forms import OpinionForm, TaskForm


@lianxi_pages
def opinion_list(request):
    user = request.user
    page = paginate(request, selectors.opinions_for(user).order_by("-created_at", "-id"))
    selectors.with_progress(page.object_list)
    return render(request, "deputies/opinion_list.html", {"page": page, "may_register": may_register_opinion(user)})


@lianxi_pages
def opinion_create(request):
    user = request.user
    if not may_register_opinion(user):
        raise PermissionDenied("您无权登记代表建议")
    form = OpinionForm(request.POST or None, user=user, initial={"body": "npc", "kind": "inspection"})
    if request.method == "POST" and form.is_valid():
        try:
            opinion = services.register_opinion(acting_user=user, **form.cleaned_data)
        except InvalidInput as exc:
            form = with_errors(form, exc.fields)
        else:
            messages.success(request, "意见建议已登记，请将其分解为整改任务")
            return redirect("deputies:detail", pk=opinion.pk)
    return render(request, "deputies/opinion_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


@lianxi_pages
def opinion_detail(request, pk):
    user = request.user
    opinion = selectors.opinion_detail(user, pk)
    may_add = may_add_tasks(user, opinion)
    form = TaskForm(user=user) if may_add else None
    error = None
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied("您无权登记整改任务")
        form = TaskForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                appeal = services.add_task(opinion, acting_user=user, **form.action_kwargs())
            except InvalidInput as exc:
                form, error = with_errors(form, exc.fields), exc
            except LianxiError as exc:
                error = exc
            else:
                messages.success(request, f"整改任务已登记，编号 {appeal.number}")
                return redirect("deputies:detail", pk=opinion.pk)
    visible = selectors.tasks_for(opinion, user)
    tasks = list(visible.prefetch_related(prefetch_running()))
    progress, _ = progress_of(visible)
    state = selectors.progress(opinion)
    return render(request, "deputies/opinion_detail.html", {
        "opinion": opinion, "tasks": [(t, progress.get(t.pk, "")) for t in tasks], "progress": state,
        "hidden_tasks": state.total - len(tasks), "form": form, "error": error,
        "letter_url": reverse("api-opinion-answer-letter", kwargs={"pk": opinion.pk}) if state.ready else None,
        "channel_name": Channel.objects.filter(code=opinion.channel_code).values_list("name", flat=True).first(),
    }, status=400 if form is not None and form.is_bound else 200)
