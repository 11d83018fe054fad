from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and webhooks")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from api.models import WebhookSubscription
        from api.webhooks import receivers, services
        from events import signals as events_signals
        from registrations import signals as registrations_signals

        for signal, receiver in (
            (events_signals.session_changed, receivers.on_session_changed),
            (events_signals.session_published, receivers.on_session_published),
            (registrations_signals.registration_created, receivers.on_registration_created),
            (registrations_signals.registration_cancelled, receivers.on_registration_cancelled),
            (registrations_signals.attendance_recorded, receivers.on_attendance_recorded),
            (registrations_signals.survey_answered, receivers.on_survey_answered),
        ):
            signal.connect(receiver, dispatch_uid=f"api-webhooks-{receiver.__name__}")
        for signal in (post_save, post_delete):
            signal.connect(
                services.forget_subscribed_events,
                sender=WebhookSubscription,
                dispatch_uid="api-webhooks-subscribed-events",
            )
