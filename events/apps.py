from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Sessions")

    def ready(self):
        # The predicates templates ask by name (user|may:"manage_sessions") are registered when
        # their module is imported: import it before any template is rendered.
        from events import permissions  # noqa: F401
        from events.cards import forget_filter_lists
        from events.models import Topic
        from outreach.models import Economy

        # The catalogue's lists of topics and economies are cached per language (events.cards).
        for model in (Topic, Economy):
            post_save.connect(forget_filter_lists, sender=model, dispatch_uid=f"lists-{model}")
            post_delete.connect(forget_filter_lists, sender=model, dispatch_uid=f"lists-{model}")
