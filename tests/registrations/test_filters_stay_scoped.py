"""Every write of registrations.services touches its own session, person or row, and nothing of a
second one standing next to it: a query that lost its `session=` (or `pk=`) filter passes any
test with one session, so each test here keeps another session, person or message that must
stay as it was. Found by mutation testing (docs/mutation-testing.md)."""

from datetime import timedelta

import pytest
from django.tasks import default_task_backend
from django.utils import timezone

from events.models import Session
from registrations import services
from registrations.models import (
    Message,
    PendingKind,
    PendingRegistration,
    Registration,
    ReminderRun,
)
from tests.factories import (
    FirmFactory,
    MessageFactory,
    OrganisationFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db


def sign_up(session, person=None, **details):
    person = person or UserFactory()
    return services.register(session, person=person, organisation=person.organisation, **details)


def seats_taken(session) -> int:
    return Session.objects.get(pk=session.pk).confirmed_count


def status_of(registration) -> str:
    return Registration.objects.get(pk=registration.pk).status


def kinds_sent_to(registration) -> list[str]:
    return sorted(Message.objects.filter(registration=registration).values_list("kind", flat=True))


@pytest.fixture
def other_session():
    """A second session with one confirmed and one waiting person: nothing done to the session
    under test may touch it."""
    session = SessionFactory(capacity=1, title_en="The other session")
    confirmed = sign_up(session)
    waiting = sign_up(session)
    return session, confirmed, waiting


def assert_untouched(other_session):
    session, confirmed, waiting = other_session
    assert seats_taken(session) == 1
    assert (status_of(confirmed), status_of(waiting)) == ("confirmed", "waitlisted")
    assert kinds_sent_to(confirmed) == ["confirmation"]
    assert kinds_sent_to(waiting) == ["waitlisted"]


# --- Seats --------------------------------------------------------------------------------------


def test_taking_a_seat_counts_it_in_its_own_session_only(other_session):
    session = SessionFactory(capacity=5)

    sign_up(session)

    assert seats_taken(session) == 1
    assert_untouched(other_session)


def test_a_full_session_waitlists_even_when_another_session_has_seats_free():
    full = SessionFactory(capacity=1)
    sign_up(full)
    roomy = SessionFactory(capacity=50)

    late = sign_up(full)

    assert late.status == "waitlisted"
    assert (seats_taken(full), seats_taken(roomy)) == (1, 0)


def test_cancelling_frees_a_seat_of_its_own_session_only(other_session):
    session = SessionFactory(capacity=5)
    registration = sign_up(session)

    services.cancel_registration(registration)

    assert seats_taken(session) == 0
    assert_untouched(other_session)


def test_moving_a_person_to_the_waitlist_frees_a_seat_of_their_session_only(other_session):
    session = SessionFactory(capacity=5)
    registration = sign_up(session)

    services.waitlist_by_hand(registration)

    assert (status_of(registration), seats_taken(session)) == ("waitlisted", 0)
    assert_untouched(other_session)


def test_confirming_by_hand_takes_a_seat_of_the_persons_session_only(other_session):
    session = SessionFactory(capacity=1)
    sign_up(session)
    waiting = sign_up(session)
    Session.objects.filter(pk=session.pk).update(capacity=2)

    services.confirm_by_hand(waiting)

    assert (status_of(waiting), seats_taken(session)) == ("confirmed", 2)
    assert kinds_sent_to(waiting) == ["promoted", "waitlisted"]
    assert_untouched(other_session)


# --- The waitlist -------------------------------------------------------------------------------


def test_a_freed_seat_goes_to_someone_waiting_for_that_session_not_another(other_session):
    session = SessionFactory(capacity=1)
    holder = sign_up(session)
    waiting_here = sign_up(session)

    services.cancel_registration(holder)

    assert status_of(waiting_here) == "confirmed"
    assert seats_taken(session) == 1
    assert kinds_sent_to(waiting_here) == ["promoted", "waitlisted"]
    assert_untouched(other_session)


def test_the_waitlist_goes_by_waiting_time_even_when_the_rows_were_written_the_other_way():
    session = SessionFactory(capacity=1)
    holder = sign_up(session)
    written_first = sign_up(session)
    written_second = sign_up(session)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Registration.objects.filter(pk=written_second.pk).update(waitlisted_at=an_hour_ago)

    services.cancel_registration(holder)

    assert status_of(written_second) == "confirmed"
    assert status_of(written_first) == "waitlisted"


def test_the_waitlist_goes_by_row_order_when_two_people_waited_as_long():
    session = SessionFactory(capacity=1)
    holder = sign_up(session)
    first = sign_up(session)
    second = sign_up(session)
    same_moment = timezone.now() - timedelta(minutes=5)
    Registration.objects.filter(pk__in=[first.pk, second.pk]).update(waitlisted_at=same_moment)
    # Written again, the first row comes after the second in PostgreSQL's table (not in SQLite's).
    Registration.objects.filter(pk=first.pk).update(job_title="Owner")

    services.cancel_registration(holder)

    assert (status_of(first), status_of(second)) == ("confirmed", "waitlisted")


def test_filling_from_the_waitlist_promotes_only_that_sessions_people(other_session):
    session = SessionFactory(capacity=1)
    sign_up(session)
    waiting = sign_up(session)
    Session.objects.filter(pk=session.pk).update(capacity=3)

    promoted = services.fill_from_waitlist(session, by=None)

    assert [r.pk for r in promoted] == [waiting.pk]
    assert seats_taken(session) == 2
    assert_untouched(other_session)


def test_a_cancelled_registration_is_not_promoted_by_filling_from_the_waitlist():
    session = SessionFactory(capacity=1)
    sign_up(session)
    gone = sign_up(session)
    services.cancel_registration(gone)
    Session.objects.filter(pk=session.pk).update(capacity=2)

    assert services.fill_from_waitlist(session, by=None) == []
    assert status_of(gone) == "cancelled"


def test_someone_waiting_for_another_session_does_not_make_a_newcomer_wait(other_session):
    session = SessionFactory(capacity=5)

    newcomer = sign_up(session)

    assert newcomer.status == "confirmed"
    assert_untouched(other_session)


def test_people_confirmed_in_the_session_do_not_make_a_newcomer_wait():
    session = SessionFactory(capacity=5)
    sign_up(session)

    assert sign_up(session).status == "confirmed"


def test_promotion_asks_whether_its_own_session_started_not_whether_another_did():
    SessionFactory(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() + timedelta(hours=1)
    )
    session = SessionFactory(capacity=1)
    holder = sign_up(session)
    waiting = sign_up(session)

    services.cancel_registration(holder)

    assert status_of(waiting) == "confirmed"


# --- Registering again --------------------------------------------------------------------------


def test_a_person_registered_elsewhere_gets_a_new_registration_for_this_session():
    elsewhere = SessionFactory()
    person = UserFactory()
    theirs = sign_up(elsewhere, person)
    session = SessionFactory()

    here = sign_up(session, person)

    assert here.pk != theirs.pk
    assert (here.session_id, here.status) == (session.pk, "confirmed")
    assert Registration.objects.filter(person=person).count() == 2


def test_a_person_cancelled_elsewhere_registers_here_without_reviving_that_registration():
    elsewhere = SessionFactory()
    person = UserFactory()
    services.cancel_registration(sign_up(elsewhere, person))
    session = SessionFactory()

    here = sign_up(session, person)

    assert here.session_id == session.pk
    assert Registration.objects.get(session=elsewhere, person=person).status == "cancelled"


def test_registering_again_without_sharing_stops_sharing_here_and_keeps_sharing_elsewhere():
    ministry = OrganisationFactory(name="Ministry")
    session = SessionFactory(cohosts=[ministry])
    elsewhere = SessionFactory(cohosts=[ministry])
    person = UserFactory()
    shared_elsewhere = sign_up(elsewhere, person, shares_with_cohosts=True)
    first = sign_up(session, person, shares_with_cohosts=True)
    assert list(first.shared_with.all()) == [ministry]
    services.cancel_registration(first)

    again = sign_up(session, person, shares_with_cohosts=False)

    assert again.pk == first.pk
    assert list(again.shared_with.all()) == []
    assert list(shared_elsewhere.shared_with.all()) == [ministry]


def test_registering_again_counts_a_new_revision_of_the_same_registration():
    session = SessionFactory()
    person = UserFactory()
    first = sign_up(session, person)
    services.cancel_registration(first)  # revision 1

    again = sign_up(session, person)

    assert again.pk == first.pk
    assert again.revision == 2
    assert again.cancelled_at is None


# --- Reminders ----------------------------------------------------------------------------------


def test_reminders_are_scheduled_for_a_session_though_another_has_its_rounds_already():
    busy = SessionFactory()
    services.schedule_reminders(busy)
    session = SessionFactory()

    runs = services.schedule_reminders(session)

    assert sorted(run.minutes_before for run in runs) == [60, 1440]
    assert ReminderRun.objects.filter(session=session).count() == 2
    assert ReminderRun.objects.filter(session=busy).count() == 2


def test_scheduling_reminders_again_adds_nothing():
    session = SessionFactory()
    services.schedule_reminders(session)

    assert services.schedule_reminders(session) == []
    assert ReminderRun.objects.filter(session=session).count() == 2


def test_only_the_rounds_still_ahead_are_scheduled():
    session = SessionFactory(
        starts_at=timezone.now() + timedelta(hours=3),
        ends_at=timezone.now() + timedelta(hours=4),
    )

    runs = services.schedule_reminders(session)

    assert [run.minutes_before for run in runs] == [60]


def test_a_round_exactly_at_its_time_is_no_longer_ahead():
    now = timezone.now()
    session = SessionFactory(
        starts_at=now + timedelta(minutes=60), ends_at=now + timedelta(hours=2)
    )

    runs = services.schedule_reminders(session, now=now)

    assert runs == []


def test_a_reminder_round_writes_to_its_sessions_confirmed_people_only(other_session):
    session = SessionFactory(capacity=1)
    confirmed = sign_up(session)
    waiting = sign_up(session)
    run = ReminderRun.objects.get(session=session, minutes_before=60)

    assert services.send_reminder_round(run) == 1

    assert kinds_sent_to(confirmed) == ["confirmation", "reminder"]
    assert kinds_sent_to(waiting) == ["waitlisted"]
    assert_untouched(other_session)


def test_a_reminder_round_that_ran_sends_nothing_more_and_says_so():
    session = SessionFactory()
    sign_up(session)
    run = ReminderRun.objects.get(session=session, minutes_before=60)
    services.send_reminder_round(run)

    assert services.send_reminder_round(run) == 0
    assert ReminderRun.objects.get(pk=run.pk).done_at is not None


def test_a_round_of_the_old_start_sends_nothing_once_the_session_moved():
    session = SessionFactory()
    confirmed = sign_up(session)
    run = ReminderRun.objects.get(session=session, minutes_before=60)
    later = session.starts_at + timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(
        starts_at=later, ends_at=later + timedelta(hours=1)
    )
    run.session.refresh_from_db()

    assert services.send_reminder_round(run) == 0
    assert kinds_sent_to(confirmed) == ["confirmation"]


# --- Announcing a change ------------------------------------------------------------------------


def test_a_new_time_is_announced_to_the_sessions_confirmed_people_only(other_session):
    session = SessionFactory(capacity=1)
    confirmed = sign_up(session)
    waiting = sign_up(session)
    gone = sign_up(session)
    services.cancel_registration(gone)

    assert services.announce_session_change(session, "rescheduled") == 1

    assert kinds_sent_to(confirmed) == ["confirmation", "rescheduled"]
    assert kinds_sent_to(waiting) == ["waitlisted"]
    assert kinds_sent_to(gone) == ["registration_cancelled", "waitlisted"]
    assert_untouched(other_session)


def test_a_cancellation_is_announced_to_the_sessions_confirmed_and_waiting_people(other_session):
    session = SessionFactory(capacity=1)
    confirmed = sign_up(session)
    waiting = sign_up(session)

    assert services.announce_session_change(session, "cancelled") == 2

    assert kinds_sent_to(confirmed) == ["confirmation", "session_cancelled"]
    assert kinds_sent_to(waiting) == ["session_cancelled", "waitlisted"]
    assert_untouched(other_session)


def test_a_new_time_schedules_the_rounds_of_the_new_start():
    session = SessionFactory()
    sign_up(session)
    new_start = session.starts_at + timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(
        starts_at=new_start, ends_at=new_start + timedelta(hours=1)
    )
    session.refresh_from_db()

    services.announce_session_change(session, "rescheduled")

    assert ReminderRun.objects.filter(session=session, starts_at=new_start).count() == 2


# --- Sending again ------------------------------------------------------------------------------


def test_retrying_a_failed_message_leaves_other_failed_messages_failed():
    failed = MessageFactory(status="failed", attempts=5)
    other = MessageFactory(status="failed", attempts=5)

    services.retry_message(failed, by=None)

    failed.refresh_from_db()
    other.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert (other.status, other.attempts) == ("failed", 5)


def test_retrying_a_message_that_did_not_fail_changes_nothing():
    sent = MessageFactory(status="sent", attempts=1)

    services.retry_message(sent, by=None)

    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == ("sent", 1)


@pytest.mark.parametrize(
    ("status", "kind"), [("confirmed", "confirmation"), ("waitlisted", "waitlisted")]
)
def test_sending_again_by_hand_sends_the_persons_last_news(status, kind):
    registration = RegistrationFactory(status=status, waitlisted_at=timezone.now())

    message = services.resend_by_hand(registration, by=None)

    assert message.kind == kind
    assert message.registration_id == registration.pk


# --- The public form ----------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "full_name": "Ana Pérez",
        "email": "ana@example.org",
        "economy": economy("PE"),
        "organisation_name": "Andes Foods SAC",
        "kind": "firm",
        "size_band": "small",
        "sector": "food",
        "exporting_status": "ready",
        "women_led": True,
        "youth_led": False,
        "job_title": "Director",
        "time_zone": "America/Lima",
        "gender": "woman",
        "shares_with_cohosts": True,
    }
    data.update(overrides)
    return data


def test_a_known_address_registered_elsewhere_is_asked_to_confirm_this_session():
    person = UserFactory(email="ana@example.org")
    elsewhere = SessionFactory()
    sign_up(elsewhere, person)
    session = SessionFactory()

    held = services.register_from_form(session, data=form_data(), person=None, language="es")

    assert isinstance(held, PendingRegistration)
    assert (held.kind, held.session_id) == (PendingKind.REGISTRATION, session.pk)
    assert not Registration.objects.filter(session=session).exists()


def test_a_known_address_already_registered_here_gets_its_registration_back():
    person = UserFactory(email="ana@example.org")
    session = SessionFactory()
    registered = sign_up(session, person)

    again = services.register_from_form(session, data=form_data(), person=None, language="es")

    assert again.pk == registered.pk
    assert not PendingRegistration.objects.exists()


def test_a_form_confirmed_by_its_owner_changes_their_profile_and_nobody_elses():
    person = UserFactory(email="ana@example.org", full_name="A. Pérez", gender="")
    bystander = UserFactory(full_name="Someone Else", time_zone="Europe/Paris", gender="man")
    session = SessionFactory()
    held = services.register_from_form(session, data=form_data(), person=None, language="es")

    registration = services.confirm_pending_registration(held)

    person.refresh_from_db()
    bystander.refresh_from_db()
    assert (person.full_name, person.time_zone, person.gender) == (
        "Ana Pérez",
        "America/Lima",
        "woman",
    )
    assert person.organisation.name == "Andes Foods SAC"
    assert (bystander.full_name, bystander.time_zone, bystander.gender) == (
        "Someone Else",
        "Europe/Paris",
        "man",
    )
    assert registration.session_id == session.pk


def test_confirming_shares_with_the_sessions_current_cohosts_and_flags_only_that_registration():
    ministry = OrganisationFactory(name="Ministry")
    chamber = OrganisationFactory(name="Chamber")
    session = SessionFactory(cohosts=[ministry, chamber])
    bystander = RegistrationFactory(session=session)
    person = UserFactory(email="ana@example.org")
    held = services.register_from_form(session, data=form_data(), person=None, language="es")
    session.cohosts.remove(chamber)
    SessionFactory(cohosts=[chamber])  # chamber still co-hosts, but another session

    registration = services.confirm_pending_registration(held)

    assert registration.person_id == person.pk
    assert list(registration.shared_with.all()) == [ministry]
    assert Registration.objects.get(pk=registration.pk).shares_with_cohosts is True
    assert Registration.objects.get(pk=bystander.pk).shares_with_cohosts is False


def test_a_signed_in_person_changes_their_own_profile_only():
    person = UserFactory(email="ana@example.org", full_name="A. Pérez")
    bystander = UserFactory(full_name="Someone Else")
    session = SessionFactory()

    registration = services.register_from_form(
        session, data=form_data(), person=person, language="es"
    )

    person.refresh_from_db()
    bystander.refresh_from_db()
    assert (person.full_name, bystander.full_name) == ("Ana Pérez", "Someone Else")
    assert (registration.status, registration.job_title) == ("confirmed", "Director")


# --- Organisations ------------------------------------------------------------------------------


def test_an_organisation_of_the_same_name_elsewhere_is_not_given_this_economys_facts():
    chilean = FirmFactory(name="Andes Foods SAC", economy=economy("CL"), sector="")
    details = services.OrganisationDetails(
        name="andes  foods sac",
        economy=economy("PE"),
        kind="firm",
        sector="food",
        size_band="small",
    )

    peruvian = services.find_or_create_organisation(details)

    chilean.refresh_from_db()
    assert peruvian.pk != chilean.pk
    assert (peruvian.name, peruvian.economy_id, peruvian.sector) == (
        "andes foods sac",
        "PE",
        "food",
    )
    assert chilean.sector == ""


def test_a_known_firm_gains_the_facts_it_lacked_and_keeps_those_it_had():
    firm = FirmFactory(name="Andes Foods SAC", economy=economy("PE"), sector="", size_band="micro")
    other = FirmFactory(name="Other Firm", economy=economy("PE"), sector="")
    details = services.OrganisationDetails(
        name="ANDES FOODS SAC",
        economy=economy("PE"),
        kind="firm",
        sector="food",
        size_band="large",
        women_led=True,
    )

    found = services.find_or_create_organisation(details)

    firm.refresh_from_db()
    other.refresh_from_db()
    assert found.pk == firm.pk
    assert (firm.sector, firm.size_band, firm.women_led) == ("food", "micro", True)
    assert (found.sector, found.size_band, found.women_led) == ("food", "micro", True)
    assert other.sector == ""


def test_an_organisation_that_is_not_a_firm_records_no_firm_facts():
    details = services.OrganisationDetails(
        name="Trade Ministry",
        economy=economy("PE"),
        kind="government",
        sector="food",
        size_band="small",
        women_led=True,
    )

    ministry = services.find_or_create_organisation(details)

    ministry.refresh_from_db()
    assert (ministry.sector, ministry.size_band, ministry.women_led) == ("", "", False)


# --- The moment given ---------------------------------------------------------------------------


def test_promotion_happens_at_the_moment_given_and_counts_one_revision():
    session = SessionFactory(capacity=1)
    waiting = RegistrationFactory(  # registered, cancelled and registered again: revision 2
        session=session,
        status="waitlisted",
        waitlisted_at=timezone.now(),
        confirmed_at=None,
        revision=2,
    )
    moment = timezone.now() - timedelta(hours=3)

    promoted = services.promote_from_waitlist(session, now=moment)

    waiting.refresh_from_db()
    assert [r.pk for r in promoted] == [waiting.pk]
    assert (waiting.status, waiting.confirmed_at, waiting.revision) == ("confirmed", moment, 3)
    assert kinds_sent_to(waiting) == ["promoted"]


def test_nobody_is_promoted_at_a_moment_after_the_start_though_the_clock_is_before_it():
    session = SessionFactory(capacity=1)
    sign_up(session)
    waiting = sign_up(session)
    Session.objects.filter(pk=session.pk).update(capacity=2)

    after_start = session.starts_at + timedelta(minutes=1)

    assert services.promote_from_waitlist(session, now=after_start) == []
    assert status_of(waiting) == "waitlisted"


def test_promotion_schedules_the_rounds_ahead_of_the_moment_given():
    now = timezone.now()
    session = SessionFactory(
        capacity=0, starts_at=now + timedelta(hours=3), ends_at=now + timedelta(hours=4)
    )
    waiting = RegistrationFactory(session=session, status="waitlisted", waitlisted_at=now)
    Session.objects.filter(pk=session.pk).update(capacity=1)

    services.promote_from_waitlist(session, now=now - timedelta(days=2))

    assert status_of(waiting) == "confirmed"
    assert sorted(
        ReminderRun.objects.filter(session=session).values_list("minutes_before", flat=True)
    ) == [60, 1440]


def test_the_rounds_due_are_those_ahead_of_the_moment_given_not_of_the_clock():
    now = timezone.now()
    session = SessionFactory(starts_at=now + timedelta(hours=3), ends_at=now + timedelta(hours=4))

    runs = services.schedule_reminders(session, now=now - timedelta(days=2))

    assert sorted(run.minutes_before for run in runs) == [60, 1440]


def test_each_reminder_round_is_queued_to_run_its_minutes_before_the_start(
    django_capture_on_commit_callbacks,
):
    session = SessionFactory()
    default_task_backend.clear()

    with django_capture_on_commit_callbacks(execute=True):
        runs = services.schedule_reminders(session)

    queued = {
        result.args[0]: result.task.run_after
        for result in default_task_backend.results
        if result.task.name == "send_session_reminders"
    }
    default_task_backend.clear()
    assert queued == {
        run.pk: session.starts_at - timedelta(minutes=run.minutes_before) for run in runs
    }


def test_a_reminder_round_records_the_moment_it_ran():
    session = SessionFactory()
    sign_up(session)
    run = ReminderRun.objects.get(session=session, minutes_before=60)
    moment = timezone.now() - timedelta(minutes=7)

    services.send_reminder_round(run, now=moment)

    assert ReminderRun.objects.get(pk=run.pk).done_at == moment


def test_both_rounds_remind_every_confirmed_person_once_each():
    session = SessionFactory()
    people = [sign_up(session), sign_up(session)]

    sent = [
        services.send_reminder_round(run)
        for run in ReminderRun.objects.filter(session=session).order_by("minutes_before")
    ]

    assert sent == [2, 2]
    for registration in people:
        assert kinds_sent_to(registration) == ["confirmation", "reminder", "reminder"]
