from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.models import Session
from registrations import privacy
from registrations.attendance import services as attendance
from registrations.attendance.reports import ReportError


class Command(BaseCommand):
    help = "Import a video platform's attendance report for a session (Zoom, Teams or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("session_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the matches, write nothing."
        )
        parser.add_argument("--platform", default="auto", choices=["auto", "zoom", "teams", "csv"])
        parser.add_argument("--time-zone", help="Time zone of the report (default: the session's).")
        parser.add_argument("--date-order", default="auto", choices=["auto", "dmy", "mdy"])

    def handle(self, *args, session_id, file, dry_run, platform, time_zone, date_order, **options):
        session = Session.objects.filter(pk=session_id).first()
        if session is None:
            raise CommandError(f"No session {session_id}.")
        if privacy.is_past_retention(session):
            raise CommandError(
                f"Session {session_id} is past its series' retention period: its registrations "
                "are anonymised and take no attendance."
            )
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        report_options = attendance.ReportOptions(
            time_zone=time_zone or session.time_zone, platform=platform, date_order=date_order
        )
        try:
            if dry_run:
                people = attendance.preview_attendance(session, data, report_options)
            else:
                _source, changed = attendance.import_attendance_report(
                    session,
                    data,
                    filename=file.name,
                    options=report_options,
                    by=None,
                    command="import_attendance",
                )
                people = attendance.preview_attendance(session, data, report_options)
        except ReportError as error:
            raise CommandError(str(error)) from None
        matched = sum(1 for p in people if p.key is not None)
        attended = sum(1 for p in people if p.attended)
        for person in people:
            mark = "+" if person.attended else "-"
            how = person.matched_by or "no registration"
            self.stdout.write(f"{mark} {person.name or person.email} ({person.minutes} min, {how})")
        verb = "Would import" if dry_run else ("Imported" if changed else "Already imported")
        self.stdout.write(
            f"{verb}: {len(people)} people, {matched} matched to registrations, "
            f"{attended} attended."
        )
