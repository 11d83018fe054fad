from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        from django.db.models.signals import post_save

        from events.signals import session_changed, session_published
        from registrations.models import Registration
        from registrations.receivers import (
            announce_session_change,
            sync_zoom_registrant,
            sync_zoom_webinar,
        )

        session_changed.connect(announce_session_change, dispatch_uid="registrations-announce")
        session_changed.connect(sync_zoom_webinar, dispatch_uid="registrations-zoom-changed")
        session_published.connect(sync_zoom_webinar, dispatch_uid="registrations-zoom-published")
        post_save.connect(
            sync_zoom_registrant, sender=Registration, dispatch_uid="registrations-zoom-registrant"
        )
