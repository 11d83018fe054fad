"""The emails of the messages after a session that others queue: an organiser's message to a
group (BULK) and the outcome survey months later, each in the person's language."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from registrations.messages.emails import build_email
from registrations.models import BulkMessage, MessageKind, Survey, SurveyInvitation
from registrations.services import queue_message
from tests.factories import RegistrationFactory, SeriesFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"


def bulk_email(registration, **texts):
    bulk = BulkMessage.objects.create(
        session=texts.pop("session", registration.session),
        series=texts.pop("series", None),
        segment="registered",
        **texts,
    )
    message = queue_message(registration, MessageKind.BULK, unique=f"bulk{bulk.pk}")
    message.bulk = bulk
    message.save(update_fields=["bulk"])
    return build_email(message)


def test_a_message_to_a_group_comes_in_the_persons_language_and_escaped():
    registration = RegistrationFactory(person=UserFactory(language="es"))

    email = bulk_email(
        registration,
        subject_en="Slides",
        body_en="The slides are online.",
        subject_es="Diapositivas",
        body_es="Las diapositivas <b>ya</b> están en línea.\n\nHasta pronto.",
    )

    assert email.subject == "Diapositivas"
    assert "Las diapositivas <b>ya</b> están en línea." in email.body
    html = email.alternatives[0][0]
    assert "&lt;b&gt;ya&lt;/b&gt;" in html
    assert "<b>ya</b>" not in html
    assert "<p>Hasta pronto.</p>" in html
    assert f"{SITE_URL}/es/messages/stop/" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_message_to_a_group_falls_back_to_a_language_filled():
    registration = RegistrationFactory(person=UserFactory(language="fr"))

    email = bulk_email(registration, subject_es="Diapositivas", body_es="En línea.")

    assert email.subject == "Diapositivas"
    assert "En línea." in email.body


def test_a_message_to_a_series_group_shows_no_single_session():
    series = SeriesFactory()
    session = SessionFactory(series=series, title_en="The third webinar")
    registration = RegistrationFactory(session=session)

    email = bulk_email(
        registration, session=None, series=series, subject_en="News", body_en="Hello all."
    )

    assert "The third webinar" not in email.body
    assert "Hello all." in email.body


def test_the_outcome_survey_names_its_series_and_links_to_its_own_invitation():
    series = SeriesFactory(title_fr="Webinaires ouverts")
    session = SessionFactory(series=series, starts_at=timezone.now() - timedelta(days=200))
    anchor = RegistrationFactory(session=session, attended=True, person=UserFactory(language="fr"))
    after = SurveyInvitation.objects.create(
        survey=Survey.objects.get(slug="impact"),
        registration=anchor,
        closes_at=timezone.now() - timedelta(days=150),
    )
    outcome = SurveyInvitation.objects.create(
        survey=Survey.objects.get(slug="outcomes"),
        registration=anchor,
        organisation=anchor.organisation,
        series=series,
        period_starts_at=session.starts_at,
        closes_at=timezone.now() + timedelta(days=14),
        created_at=after.created_at - timedelta(days=1),  # older: the purpose decides
    )

    email = build_email(queue_message(anchor, MessageKind.OUTCOME_SURVEY, unique="outcome"))

    with translation.override("fr"):
        expected = gettext("What came of %(series)s?") % {"series": "Webinaires ouverts"}
    assert email.subject == " ".join(expected.split())  # one line, plain spaces
    assert f"{SITE_URL}/fr/surveys/{outcome.token}/" in email.body
    assert after.token not in email.body
    assert f"{SITE_URL}/fr/messages/stop/" in email.body
    assert "invite.ics" not in [a[0] for a in email.attachments]
