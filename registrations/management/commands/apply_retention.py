"""Anonymise the registrations of sessions past their series' retention period (run it daily)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from outreach import audit
from outreach.models import AuditAction
from registrations import privacy


class Command(BaseCommand):
    help = (
        "Anonymise the registrations of every session whose series' retention period has "
        "passed since it ended (the figures stay), and erase the people left with nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be anonymised, write nothing."
        )

    def handle(self, *args, dry_run, **options):
        if dry_run:
            plan = privacy.plan_retention()
        else:
            with transaction.atomic():
                plan = privacy.apply_retention()
                if plan.sessions:
                    audit.record(
                        None,
                        AuditAction.RETENTION_APPLIED,
                        command="apply_retention",
                        sessions=[session.pk for session in plan.sessions],
                        registrations=plan.registration_count,
                        people_erased=len(plan.people_to_erase),
                    )
        for session in plan.sessions:
            title = session.localized("title", session.language) or "—"
            self.stdout.write(
                f"session {session.pk} ({session.series.slug}, ended "
                f"{session.ends_at:%Y-%m-%d}): {plan.registrations.get(session.pk, 0)} "
                f"registrations · {title}"
            )
        verb = "Would anonymise" if dry_run else "Anonymised"
        erased = "would be erased" if dry_run else "erased"
        self.stdout.write(
            f"{verb}: {plan.registration_count} registrations of {len(plan.sessions)} sessions; "
            f"{len(plan.people_to_erase)} people left with nothing {erased}."
        )
