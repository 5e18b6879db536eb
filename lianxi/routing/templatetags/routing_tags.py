"""The dispatch form's suggestions: ``{% dispatch_suggestions appeal "dispatch" %}`` inside the form."""

from __future__ import annotations

import logging

from django import template

from lianxi.routing.suggest import suggest_for_appeal

register = template.Library()
log = logging.getLogger(__name__)

SHOWN = 3


@register.inclusion_tag("routing/suggestions.html")
def dispatch_suggestions(appeal, action_name: str = "dispatch"):
    """Top three departments for the appeal as buttons that fill the form's lead department select (its id is
    the action form's: id_<action>_lead_department). A failing router must not take the page down with it."""
    try:
        suggestions = suggest_for_appeal(appeal)[:SHOWN]
    except Exception:  # noqa: BLE001 - the form works without suggestions
        log.exception("routing: suggestions for appeal %s failed", appeal.pk)
        suggestions = None
    return {"suggestions": suggestions, "target": f"id_{action_name}_lead_department"}
