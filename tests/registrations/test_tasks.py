"""The tasks that services queue by dotted path (registrations/tasks.py is the top of the app and
imports them) are the tasks of that name, as stored task rows name them."""

import pytest
from django.tasks import Task
from django.utils.module_loading import import_string

from registrations import services
from registrations.attendance import services as attendance
from registrations.messages import delivery
from registrations.surveys import services as surveys


@pytest.mark.parametrize(
    "path",
    [
        services.SEND_MESSAGE,
        services.SEND_SESSION_REMINDERS,
        delivery.RECOVER_MESSAGES,
        surveys.SEND_SURVEY_REMINDERS,
        attendance.PULL_ZOOM_ATTENDANCE,
    ],
)
def test_a_task_queued_by_its_dotted_path_is_the_task_stored_under_that_path(path):
    task = import_string(path)

    assert isinstance(task, Task)
    assert task.module_path == path
