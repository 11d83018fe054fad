"""A mail backend for the operations tests: a mail server on disk that other processes share.

Selected with EMAIL_BACKEND=tests.operations.mailbox.MailboxBackend. Each email is written to
$OUTREACH_TEST_MAILBOX/sent/ as one file once "accepted". Before that, a file in sending/ says
which email is on its way, and the backend waits $OUTREACH_TEST_MAIL_DELAY seconds, as a slow
mail server would: a test can kill a worker while it waits, before the email was accepted.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def mailbox() -> Path:
    return Path(os.environ["OUTREACH_TEST_MAILBOX"])


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        delay = float(os.environ.get("OUTREACH_TEST_MAIL_DELAY", "0"))
        for email in email_messages:
            # The worker process, and its parent: RQ sends from a child it forks for each job.
            name = f"{email.to[0]} {os.getpid()} {os.getppid()} {time.time_ns()}"
            (mailbox() / "sending" / name).touch()
            time.sleep(delay)
            (mailbox() / "sent" / name).write_bytes(email.message().as_bytes())
        return len(email_messages)


def sent(directory: Path) -> list[tuple[str, int, int]]:
    """The emails accepted so far: (recipient, pid, parent pid) of each."""
    return [_parse(path.name) for path in sorted((directory / "sent").iterdir())]


def started(directory: Path) -> dict[str, float]:
    """The emails that were started, accepted or not: when each recipient's began (seconds)."""
    return {
        name.split(" ")[0]: int(name.split(" ")[3]) / 1e9
        for name in (path.name for path in (directory / "sending").iterdir())
    }


def _parse(name: str) -> tuple[str, int, int]:
    recipient, pid, parent, _moment = name.split(" ")
    return recipient, int(pid), int(parent)
