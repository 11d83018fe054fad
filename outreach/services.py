"""Writes to people and organisations."""

from allauth.account.models import EmailAddress
from django.db import connection, transaction

from outreach import audit
from outreach.db import insert_statement, insert_unless_present, inserted
from outreach.models import AuditAction, Organisation, Role, User, normalise_email
from outreach.tasks import enqueue_on_commit, send_cohost_invitation


class NotACohost(ValueError):
    pass


class ProgrammeStaff(ValueError):
    """Programme staff cannot be turned into co-host members by an invitation."""


@transaction.atomic
def create_person(email: str, **fields) -> User:
    """A new person, who will never need a password, and their address as allauth knows it.

    The address is their primary EmailAddress, not yet verified: the first code they enter,
    to sign in or to sign up, verifies it (allauth verifies only an address it has a row for;
    without one, a first sign-in would ask for a second code to verify the address). The
    services that create people (the public registration form, co-host invitations) call this.
    Writes the person and their EmailAddress; raises IntegrityError, writing nothing, when the
    address is taken.
    """
    email = normalise_email(email)
    person = User.objects.create_user(email, **fields)
    give_primary_address(person)
    return person


def create_person_unless_known(email: str, **fields) -> User | None:
    """`create_person` for an address nobody has, without a savepoint: the new person (and their
    primary EmailAddress), or None when the address is taken, with nothing written.

    One statement on PostgreSQL (`_insert_with_address`), two elsewhere (`_insert_then_address`);
    both write the same rows (tests/outreach/test_db_writes.py).
    """
    person = User(email=normalise_email(email), **fields)
    person.set_unusable_password()
    if connection.vendor == "postgresql":
        return person if _insert_with_address(person) else None
    return person if _insert_then_address(person) else None


def _insert_then_address(person: User) -> bool:
    if not insert_unless_present(person):
        return False
    EmailAddress.objects.create(user=person, email=person.email, primary=True, verified=False)
    return True


def _insert_with_address(person: User) -> bool:
    """The person and their address in one data-modifying WITH (PostgreSQL)."""
    person_sql, params = insert_statement(person, connection)
    address = EmailAddress._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(address.get_field(name).column) for name in ("user", "email", "primary", "verified")
    )
    # Names from the models' metadata, quoted; every value a parameter.
    sql = (
        f"WITH person AS ({person_sql}) "  # noqa: S608
        f"INSERT INTO {quote(address.db_table)} ({columns}) "
        f"SELECT {quote(User._meta.pk.column)}, %s, true, false FROM person "
        f"RETURNING {quote(address.get_field('user').column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, person.email])
        row = cursor.fetchone()
    if row is None:
        return False
    inserted(person, row[0], connection)
    return True


def give_primary_address(person: User) -> None:
    """The person's own address as their primary EmailAddress, unverified, when allauth knows
    no address of theirs (someone created before `create_person`, or in the admin); a person
    with one keeps theirs. Writes at most that row."""
    if not EmailAddress.objects.filter(user=person).exists():
        EmailAddress.objects.create(user=person, email=person.email, primary=True, verified=False)


@transaction.atomic
def update_profile(person: User, *, full_name: str, language: str, time_zone: str) -> User:
    """A person changes their own name, language and time zone. Writes the person row."""
    person.full_name = full_name
    person.language = language
    person.time_zone = time_zone
    person.save(update_fields=["full_name", "language", "time_zone"])
    return person


@transaction.atomic
def invite_cohost_member(
    *,
    by: User | None,
    organisation: Organisation,
    email: str,
    full_name: str,
    cohost_role: str,
    language: str,
) -> User:
    """Make a person a member of a co-hosting organisation and send them an invitation.

    A person already known joins with their account as it is (name, language kept); a new one
    never needs a password: the invitation tells them to sign in with a code sent by email.
    Writes the person and a COHOST_MEMBER_INVITED audit entry (organiser `by`); queues the
    invitation after commit. Raises NotACohost or ProgrammeStaff, writing nothing.
    """
    if organisation.is_firm:
        raise NotACohost(organisation)
    email = normalise_email(email)
    person = User.objects.filter(email=email).first()
    if person is not None and person.role in (Role.ORGANISER, Role.ANALYST):
        raise ProgrammeStaff(person)
    if person is None:
        person = create_person(email, full_name=full_name, language=language)
    person.organisation = organisation
    person.role = Role.COHOST
    person.cohost_role = cohost_role
    person.save(update_fields=["organisation", "role", "cohost_role"])
    give_primary_address(person)
    enqueue_on_commit(send_cohost_invitation, person.pk)
    audit.record(
        by,
        AuditAction.COHOST_MEMBER_INVITED,
        person,
        organisation=person.organisation_id,
        cohost_role=person.cohost_role,
    )
    return person
