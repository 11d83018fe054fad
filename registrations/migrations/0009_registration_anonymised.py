import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Registrations can be anonymised: the person link goes, the anonymous facts stay."""

    dependencies = [
        ("registrations", "0008_registration_organisation_facts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="anonymised at"
            ),
        ),
        migrations.AlterField(
            model_name="registration",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registrations",
                to=settings.AUTH_USER_MODEL,
                verbose_name="person",
            ),
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("anonymised_at__isnull", True), ("person__isnull", False)),
                    models.Q(("anonymised_at__isnull", False), ("person__isnull", True)),
                    _connector="OR",
                ),
                name="registration_has_a_person_until_anonymised",
            ),
        ),
    ]
