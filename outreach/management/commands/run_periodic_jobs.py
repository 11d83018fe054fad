"""Run the periodic jobs that are due now, by hand, and make sure the workers' schedule is queued.

Workers run these jobs by themselves (outreach.periodic); this is for a first start, or to see
at once what a tick does. A job that already ran in its current period is skipped here too.
"""

from django.core.management.base import BaseCommand, CommandError

from outreach import periodic
from outreach.tasks import arm_periodic_jobs


class Command(BaseCommand):
    help = (
        "Run every periodic job whose current period has not run yet (finishing sessions, "
        "survey reminders, retention), then queue the workers' next scheduler ticks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--job",
            action="append",
            choices=[job.name for job in periodic.JOBS],
            help="Run only this job (repeat for several).",
        )

    def handle(self, *args, job=None, **options):
        jobs = [periodic.job_named(name) for name in job] if job else periodic.JOBS
        outcomes = periodic.run_due_jobs(jobs=jobs)
        for name, outcome in outcomes.items():
            self.stdout.write(f"{name}: {outcome}")
        armed = arm_periodic_jobs()
        for moment in armed:
            self.stdout.write(f"scheduler: tick queued for {moment:%Y-%m-%d %H:%M} UTC")
        if "failed" in outcomes.values():
            raise CommandError("A periodic job failed; its error is in the log.")
