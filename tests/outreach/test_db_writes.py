"""The one-statement writes (outreach.db, outreach.services.create_person_unless_known) write
what the ORM would, and nothing when the row exists."""

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.forms.models import model_to_dict

from outreach import services
from outreach.db import insert_or_find, insert_unless_present
from outreach.models import Organisation, User
from tests.factories import FirmFactory

pytestmark = pytest.mark.django_db

PERSON = {"full_name": "José Núñez", "language": "es", "time_zone": "America/Lima"}


def test_insert_unless_present_writes_the_row_save_would():
    firm = Organisation(name="Andes Café", economy_id="CL", kind="firm", size_band="micro")

    assert insert_unless_present(firm) is True

    stored = Organisation.objects.get(pk=firm.pk)
    assert model_to_dict(stored) == model_to_dict(firm)
    assert stored.created_at is not None
    assert not firm._state.adding


def test_insert_unless_present_writes_nothing_for_a_row_that_exists_in_any_case():
    FirmFactory(name="Andes Café", economy_id="CL")
    other_economy = Organisation(name="ANDES CAFÉ", economy_id="PE", kind="firm")
    same = Organisation(name="andes café", economy_id="CL", kind="firm")

    assert insert_unless_present(same) is False
    assert same.pk is None
    assert insert_unless_present(other_economy) is True
    assert Organisation.objects.filter(economy_id="CL").count() == 1


def rows_of(person: User) -> tuple[dict, list]:
    stored = model_to_dict(
        User.objects.get(pk=person.pk), exclude=["id", "password", "calendar_token"]
    )
    addresses = list(
        EmailAddress.objects.filter(user=person).values("email", "primary", "verified")
    )
    return stored, addresses


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path")
def test_both_ways_of_creating_a_person_write_the_same_rows():
    firm = FirmFactory()
    one = User(email="one@example.org", organisation=firm, **PERSON)
    one.set_unusable_password()
    two = User(email="two@example.org", organisation=firm, **PERSON)
    two.set_unusable_password()

    assert services._insert_with_address(one) is True
    assert services._insert_then_address(two) is True

    stored_one, addresses_one = rows_of(one)
    stored_two, addresses_two = rows_of(two)
    stored_one.pop("email"), stored_two.pop("email")
    stored_one.pop("date_joined"), stored_two.pop("date_joined")
    assert stored_one == stored_two
    assert addresses_one == [{"email": "one@example.org", "primary": True, "verified": False}]
    assert addresses_two == [{"email": "two@example.org", "primary": True, "verified": False}]
    assert not User.objects.get(pk=one.pk).has_usable_password()


def test_an_address_taken_in_another_case_creates_nobody():
    taken = services.create_person("lucia@example.org", full_name="Lucía")

    again = services.create_person_unless_known(" Lucia@Example.org ", **PERSON)

    assert again is None
    assert User.objects.count() == 1
    assert EmailAddress.objects.filter(user=taken).count() == 1
    assert User.objects.get().full_name == "Lucía"


def test_a_new_address_gets_a_person_and_an_unverified_primary_address():
    person = services.create_person_unless_known("New@Example.org", **PERSON)

    assert person is not None
    assert User.objects.get(pk=person.pk).email == "new@example.org"
    assert rows_of(person)[1] == [{"email": "new@example.org", "primary": True, "verified": False}]


WHERE = "lower(name) = lower(%s) AND economy_id = %s"


def test_insert_or_find_inserts_a_new_row_and_says_so():
    firm = Organisation(name="Andes Café", economy_id="CL", kind="firm", embed_origins=["x"])

    row, inserted = insert_or_find(firm, where=WHERE, params=["Andes Café", "CL"])

    assert inserted is True
    stored = Organisation.objects.get()
    assert row.pk == stored.pk
    assert model_to_dict(row) == model_to_dict(stored)
    assert stored.embed_origins == ["x"]


def test_insert_or_find_finds_the_row_in_the_way_and_writes_nothing():
    known = FirmFactory(name="Andes Cafe", economy_id="CL", embed_origins=["https://a.example"])
    FirmFactory(name="Andes Cafe", economy_id="PE")
    typed = Organisation(name="ANDES CAFE", economy_id="CL", kind="bso")

    row, inserted = insert_or_find(typed, where=WHERE, params=["ANDES CAFE", "CL"])

    assert inserted is False
    assert row.pk == known.pk
    assert (row.name, row.kind, row.embed_origins) == ("Andes Cafe", "firm", ["https://a.example"])
    assert Organisation.objects.count() == 2
