"""The pages of common problems: the list, creating one, a problem with its members and the actions the user's
roles allow, and 归入共性问题 from an appeal's page. Thin: read through the selectors, write through
``forms.submit`` / the services (the API's path), render; a LianxiError becomes the page's message."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lianxi.appeals import selectors as appeal_selectors
from lianxi.appeals.workflow import State
from lianxi.core.errors import LianxiError, NotFound, NotPermitted
from lianxi.web.views import lianxi_pages, paginate, with_errors

from . import access, selectors, services
from .forms import ACTION_FORMS, ACTION_LABELS, GroupForm, ProblemForm, submit, submit_create
from .models import Stage
from .services import GROUPABLE, LEFT_THE_LOOP


def _auto_id(name: str) -> str:
    return f"id_{name}_%s"


@lianxi_pages
def problem_list(request):
    user = request.user
    problems = selectors.problem_list(user, request.GET)
    return render(request, "problems/problem_list.html", {
        "page": paginate(request, problems), "may_create": access.may_group(user),
        "search": request.GET.get("search", ""), "state": request.GET.get("state", ""), "stages": Stage.choices,
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    })


@lianxi_pages
def problem_create(request):
    user = request.user
    if not access.may_group(user):
        raise NotPermitted("只有派单员、督办员可以创建共性问题")
    form = ProblemForm(request.POST if request.method == "POST" else None, user=user,
                       initial={"appeals": request.GET.get("appeals", "")})
    error = None
    if request.method == "POST":
        try:
            problem = submit_create(acting_user=user, data=request.POST)
        except NotFound:
            raise
        except LianxiError as exc:
            form, error = with_errors(form, exc.fields), exc
        else:
            messages.success(request, f"已创建共性问题“{problem.title}”")
            return redirect("problems:detail", pk=problem.pk)
    return render(request, "problems/problem_form.html", {"form": form, "error": error},
                  status=error.status if error else 200)


@dataclass
class Panel:
    name: str
    label: str
    form: forms.Form | None = None
    open: bool = False
    danger: bool = False


def _form(name: str, problem, user, members, data=None):
    kwargs = {"user": user, "auto_id": _auto_id(name)}
    if data is not None:
        return ACTION_FORMS[name](data, **kwargs)
    if name == "dispatch":
        # The category's usual department of the first member that has one.
        lead = next((m.appeal.category.default_department_id for m in members
                     if m.appeal is not None and m.appeal.category.default_department_id), None)
        kwargs["initial"] = {"lead_department": lead}
    return ACTION_FORMS[name](**kwargs)


def _panels(problem, user, members, failed: str | None, failed_form) -> list[Panel]:
    live = [m.appeal for m in members if m.appeal is not None and m.appeal.state not in LEFT_THE_LOOP]
    names = []
    if problem.is_open and access.may_group(user):
        names.append("add")
    if problem.state == Stage.COLLECTING and access.may_dispatch(user):
        names.append("dispatch")
    if access.may_handle(user, problem):
        if problem.state in (Stage.DISPATCHED, Stage.HANDLING) and any(a.state == State.DISPATCHED for a in live):
            names.append("accept")
        if problem.state == Stage.HANDLING:
            names.append("reply")
    return [Panel(name, ACTION_LABELS[name],
                  failed_form if name == failed else _form(name, problem, user, members), open=name == failed)
            for name in names]


def _detail(request, problem, *, failed: str | None = None, failed_form=None, error: LianxiError | None = None):
    user = request.user
    members = selectors.members_of(problem, user)
    return render(request, "problems/problem_detail.html", {
        "problem": problem, "members": members, "hidden": sum(1 for m in members if m.appeal is None),
        "tally": selectors.tally(members), "removed": selectors.removed_members(problem),
        "co_departments": problem.co_departments.all(),
        "panels": _panels(problem, user, members, failed, failed_form),
        "may_remove": problem.is_open and access.may_group(user),
        "error": error, "failed_label": ACTION_LABELS.get(failed, ""),
    }, status=error.status if error else 200)


@lianxi_pages
def problem_detail(request, pk):
    return _detail(request, selectors.problem_detail(request.user, pk))


@require_POST
@lianxi_pages
def problem_act(request, pk, action):
    if action not in ACTION_FORMS:
        raise Http404("没有这个操作")
    problem = selectors.problem_detail(request.user, pk)
    try:
        submit(action, problem, acting_user=request.user, data=request.POST)
    except NotFound:
        raise
    except LianxiError as exc:
        members = selectors.members_of(problem, request.user)
        form = with_errors(_form(action, problem, request.user, members, request.POST), exc.fields)
        problem = selectors.problem_detail(request.user, pk)  # as it stands, in case a concurrent change won
        return _detail(request, problem, failed=action, failed_form=form, error=exc)
    messages.success(request, f"共性问题已{ACTION_LABELS[action]}")
    return redirect("problems:detail", pk=problem.pk)


# ---- 归入共性问题, from an appeal's page ------------------------------------------------------------------------

def may_group_appeal(user, appeal) -> bool:
    """Whether the appeal page offers 归入共性问题: a dispatcher or supervisor, an appeal in 已登记 or 已交办
    that is in no problem yet."""
    return (access.may_group(user) and appeal.state in GROUPABLE
            and selectors.problem_of(appeal) is None)


@lianxi_pages
def group_appeal(request, appeal_pk):
    user = request.user
    appeal = appeal_selectors.appeal_detail(user, appeal_pk)
    if not access.may_group(user):
        raise NotPermitted("只有派单员、督办员可以将诉求归入共性问题")
    form = GroupForm(request.POST if request.method == "POST" else None, user=user, auto_id=_auto_id("group"))
    error = None
    if request.method == "POST":
        if form.is_valid():
            try:
                if form.cleaned_data["problem"] is not None:
                    problem = services.add_appeals(form.cleaned_data["problem"], acting_user=user, appeals=[appeal])
                else:
                    problem = services.create_problem(acting_user=user, title=form.cleaned_data["title"],
                                                      appeals=[appeal])
            except NotFound:
                raise
            except LianxiError as exc:
                form, error = with_errors(form, exc.fields), exc
            else:
                messages.success(request, f"诉求 {appeal.number} 已归入共性问题“{problem.title}”")
                return redirect("problems:detail", pk=problem.pk)
    status = error.status if error else (400 if form.is_bound else 200)
    return render(request, "problems/group.html", {"appeal": appeal, "form": form, "error": error,
                                                   "current": selectors.problem_of(appeal)}, status=status)
