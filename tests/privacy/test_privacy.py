import json
from datetime import timedelta

import pytest
from django.utils import timezone

from impact.filters import ImpactFilters
from impact.queries import Audience, breakdown, headline_figures
from outreach.models import User
from registrations import privacy
from registrations.models import Answer, AttendanceRecord, Registration, SurveyResponse
from tests.factories import (
    AttendanceRecordFactory,
    RegistrationFactory,
    SessionFactory,
    SurveyResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def attendee():
    """A person who attended a past session and answered its survey in words."""
    start = timezone.now() - timedelta(days=3)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    person = UserFactory(full_name="Ana Pérez", email="ana@example.cl", gender="woman")
    registration = RegistrationFactory(
        session=session,
        person=person,
        job_title="Export manager",
        attended=True,
        minutes_attended=55,
    )
    AttendanceRecordFactory(registration=registration, minutes=55)
    SurveyResponseFactory(
        registration=registration,
        organisation_kind="firm",
        size_band="micro",
        language="es",
        answers={"satisfaction": 5, "comments": "Muy útil, Ana"},
    )
    return person


def test_a_person_downloads_everything_held_about_them(client, attendee):
    client.force_login(attendee)

    response = client.get("/es/my-data.json")

    data = json.loads(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert data["person"]["email"] == "ana@example.cl"
    assert data["registrations"][0]["job_title"] == "Export manager"
    assert {a["question"] for a in data["survey_answers"]} == {"satisfaction", "comments"}


def test_someone_else_never_gets_another_persons_data(client, attendee):
    client.force_login(UserFactory())

    data = json.loads(client.get("/es/my-data.json").content)

    assert data["registrations"] == []
    assert "ana@example.cl" not in json.dumps(data)


def test_erasing_removes_identity_and_words_but_keeps_the_figures(client, attendee):
    before = (
        headline_figures(ImpactFilters(), Audience.staff()),
        breakdown(ImpactFilters(), "economy", Audience.staff()),
    )
    client.force_login(attendee)

    response = client.post("/es/erase-me/")

    assert response.status_code == 200
    person = User.objects.get(pk=attendee.pk)
    assert (person.full_name, person.gender, person.is_active) == ("", "", False)
    assert person.email == f"erased-{person.pk}@invalid.example"
    registration = Registration.objects.get()
    assert (
        registration.person,
        registration.anonymised_by,
        registration.job_title,
        registration.attended,
        registration.minutes_attended,
    ) == (None, "erasure", "", True, 55)
    assert AttendanceRecord.objects.get().name == ""
    assert Answer.objects.get(question__code="comments").text == ""
    assert Answer.objects.get(question__code="satisfaction").number == 5
    assert SurveyResponse.objects.get().registration is None
    after = (
        headline_figures(ImpactFilters(), Audience.staff()),
        breakdown(ImpactFilters(), "economy", Audience.staff()),
    )
    assert after == before
    assert client.get("/es/my-sessions/").status_code == 302  # signed out


def test_erasing_kills_the_links_the_person_was_sent(client, attendee):
    registration = Registration.objects.get(person=attendee)
    old_token = registration.token
    old_feed = attendee.calendar_token

    privacy.erase_person(attendee)

    assert client.get(f"/es/registrations/{old_token}/cancel/").status_code == 404
    assert client.get(f"/feeds/people/{old_feed}.ics").status_code == 404


def test_asking_to_erase_shows_a_confirmation_first(client, attendee):
    client.force_login(attendee)

    response = client.get("/es/erase-me/")

    assert response.status_code == 200
    assert User.objects.get(pk=attendee.pk).is_active
