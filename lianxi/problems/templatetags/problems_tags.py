"""For the appeal page: ``{% appeal_problem appeal %}`` (属于共性问题：<title>) and ``{% appeal_grouping appeal %}``
(the 归入共性问题 form for dispatchers and supervisors); and the problem stage badge."""

from django import template
from django.utils.html import format_html

from .. import access, selectors
from ..forms import GroupForm
from ..models import STAGE_COLOURS, Stage
from ..views import may_group_appeal

register = template.Library()


def _user(context):
    request = context.get("request")
    return request.user if request else None


@register.filter
def stage_badge(state: str):
    label = Stage(state).label if state in Stage.values else state
    return format_html('<span class="badge badge-{}">{}</span>', STAGE_COLOURS.get(state, "grey"), label)


@register.inclusion_tag("problems/_appeal_problem.html", takes_context=True)
def appeal_problem(context, appeal):
    """Staff who see the appeal read the problem's title; a link when they may open the problem too. Enterprises
    and deputies are not told (the title is written by staff about several enterprises)."""
    user = _user(context)
    if not access.may_list_problems(user):
        return {"problem": None}
    problem = selectors.problem_of(appeal)
    linked = problem is not None and type(problem).objects.visible_to(user).filter(pk=problem.pk).exists()
    return {"problem": problem, "linked": linked}


@register.inclusion_tag("problems/_appeal_grouping.html", takes_context=True)
def appeal_grouping(context, appeal):
    user = _user(context)
    if user is None or not may_group_appeal(user, appeal):
        return {"form": None}
    return {"form": GroupForm(user=user, auto_id="id_group_%s"), "appeal": appeal}
