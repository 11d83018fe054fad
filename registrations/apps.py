from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        from events.signals import session_changed
        from registrations.receivers import announce_session_change

        session_changed.connect(announce_session_change, dispatch_uid="registrations-announce")
