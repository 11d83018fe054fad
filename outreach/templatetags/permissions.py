"""The one way templates ask who may do what: ``{% if user|may:"view_impact" %}``."""

from django import template

from outreach.permissions import allowed

register = template.Library()


@register.filter
def may(user, rule_name: str) -> bool:
    """What the predicate registered as ``rule_name`` (outreach.permissions.rule) answers."""
    return allowed(user, rule_name)
