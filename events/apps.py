from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Sessions")

    def ready(self):
        # The predicates templates ask by name (user|may:"manage_sessions") are registered when
        # their module is imported: import it before any template is rendered.
        from events import permissions  # noqa: F401
