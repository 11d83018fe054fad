from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Programme")

    def ready(self):
        from outreach import economy_cache
        from outreach.models import Economy
        from outreach.tasks import start_periodic_jobs

        # Every deploy migrates: the first tick of periodic work is queued then.
        post_migrate.connect(start_periodic_jobs, sender=self, dispatch_uid="outreach-periodic")
        # The economies the public forms read from the cache are read again after any change.
        for signal in (post_save, post_delete):
            signal.connect(
                economy_cache.economy_changed, sender=Economy, dispatch_uid="economy-cache"
            )
        post_migrate.connect(economy_cache.invalidate, sender=self, dispatch_uid="economy-cache")
