from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import translation


class Command(BaseCommand):
    help = "Create or refresh the demo programme. Running it twice changes nothing."

    def handle(self, *args, **options):
        logins = []
        # Each app may offer a `demo` module with a `seed()`; foundations first, as INSTALLED_APPS.
        with translation.override("en"):
            for app in apps.get_app_configs():
                if app.name not in {"outreach", "events", "registrations"}:
                    continue
                try:
                    demo = import_module(f"{app.name}.demo")
                except ModuleNotFoundError:
                    continue
                logins.extend(demo.seed() or [])
        self.stdout.write(
            "Demo logins: sign in at /en/accounts/login/ with one of these addresses; "
            "the sign-in code is printed in this console (no password needed)."
        )
        for line in logins:
            self.stdout.write(f"  {line}")
