from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from events.models import SessionFormat, SessionStatus
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def errors_of(session) -> dict:
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    return error.value.message_dict


def test_texts_fall_back_to_the_sessions_own_language():
    session = SessionFactory(language="es", title_en="", title_es="Vender en línea", title_fr="")

    with translation.override("fr"):
        assert session.display_title == "Vender en línea"
        assert session.display_language == "es"


def test_texts_show_in_the_active_language_when_translated():
    session = SessionFactory(language="es", title_es="Vender en línea", title_fr="Vendre en ligne")

    with translation.override("fr"):
        assert session.display_title == "Vendre en ligne"
        assert session.display_language == "fr"


def test_a_session_must_end_after_it_starts():
    session = SessionFactory.build()
    session.ends_at = session.starts_at

    assert errors_of(session)["ends_at"] == ["The session must end after it starts."]


def test_the_database_refuses_a_session_that_ends_before_it_starts():
    with pytest.raises(IntegrityError):
        SessionFactory(ends_at=SessionFactory.build().starts_at - timedelta(hours=1))


def test_registration_must_close_before_the_session_ends():
    session = SessionFactory.build()
    session.registration_closes_at = session.ends_at

    assert errors_of(session)["registration_closes_at"] == [
        "Registration must close before the session ends."
    ]


def test_capacity_cannot_fall_below_the_confirmed_registrations():
    session = SessionFactory(capacity=50, confirmed_count=40)
    session.capacity = 30

    assert errors_of(session)["capacity"] == [
        "Capacity cannot be below the 40 confirmed registrations."
    ]


def test_a_published_session_needs_a_title_in_its_own_language():
    session = SessionFactory.build(language="fr", title_en="Selling online", title_fr="")

    assert errors_of(session)["title_fr"] == [
        "A published session needs a title in its own language."
    ]


def test_a_draft_may_wait_for_its_title():
    session = SessionFactory.build(status=SessionStatus.DRAFT, title_en="")

    session.full_clean()


def test_a_session_in_person_needs_a_venue():
    session = SessionFactory.build(format=SessionFormat.IN_PERSON, venue="")

    assert errors_of(session)["venue"] == ["A session in person needs a venue."]


def test_validation_messages_are_translated():
    session = SessionFactory.build()
    session.ends_at = session.starts_at

    with translation.override("es"):
        assert errors_of(session)["ends_at"] == ["La sesión debe terminar después de empezar."]


def test_seats_left_never_go_below_zero():
    assert SessionFactory.build(capacity=10, confirmed_count=4).seats_left == 6
    assert SessionFactory.build(capacity=10, confirmed_count=10).seats_left == 0
