from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    """Impact figures, dashboard and exports: the top layer. It reads outreach, events and
    registrations and writes nothing."""

    name = "impact"
    verbose_name = _("Impact")
