from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Programme")

    def ready(self):
        from outreach.tasks import start_periodic_jobs

        # Every deploy migrates: the first tick of periodic work is queued then.
        post_migrate.connect(start_periodic_jobs, sender=self, dispatch_uid="outreach-periodic")
