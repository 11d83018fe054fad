"""Everyone allauth knows no address of gets their own address as an unverified primary one, as
outreach.services.create_person gives every new person: their first sign-in code then verifies
it, instead of a second code being sent to verify it. Erased people (their address replaced by
registrations.privacy with erased-<id>@invalid.example) stay without one, as erasure left them."""

from django.db import migrations

BATCH = 1000


def give_primary_addresses(apps, schema_editor):
    User = apps.get_model("outreach", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    people = (
        User.objects.filter(emailaddress__isnull=True)
        .exclude(email="")
        .exclude(email__startswith="erased-", email__endswith="@invalid.example")
        .values_list("pk", "email")
        .order_by("pk")
    )
    addresses = [
        EmailAddress(user_id=pk, email=email.lower(), primary=True, verified=False)
        for pk, email in people.iterator(chunk_size=BATCH)
    ]
    EmailAddress.objects.bulk_create(addresses, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0006_periodic_run"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(give_primary_addresses, migrations.RunPython.noop)]
