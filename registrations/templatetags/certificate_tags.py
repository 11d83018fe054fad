from django import template

from registrations.certificates import queries

register = template.Library()


@register.inclusion_tag("registrations/certificates/my_certificates.html", takes_context=True)
def my_certificates(context):
    """My sessions' list of the person's certificates (attended sessions, completed courses),
    each with its download link: their own only, valid ones only."""
    user = context["request"].user
    return {"certificates": list(queries.own_certificates(user)) if user.is_authenticated else []}
