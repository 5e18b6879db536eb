from django import template

register = template.Library()


@register.filter
def leader_instructions(timeline) -> list:
    """The 领导批示 entries of an appeal's timeline (lianxi.web.timeline), newest first."""
    return [entry for entry in reversed(list(timeline)) if entry.event.action == "instruct"]
