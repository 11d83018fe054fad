import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_series_retention_months"),
        ("outreach", "0005_auditentry"),
        ("registrations", "0011_suppressed_identity_and_anonymised_by"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingRegistration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("registration", "Registration of a known address"),
                            ("sharing", "Sharing with the co-hosts"),
                        ],
                        max_length=12,
                    ),
                ),
                ("email", models.EmailField(max_length=254)),
                ("details", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pending_registrations",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "registration",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="registrations.registration",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="events.session",
                    ),
                ),
                (
                    "share_with",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="outreach.organisation"
                    ),
                ),
                (
                    "source_organisation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="outreach.organisation",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "registration"), ("registration__isnull", True)),
                            models.Q(("kind", "sharing"), ("registration__isnull", False)),
                            _connector="OR",
                        ),
                        name="pending_sharing_names_its_registration",
                    )
                ],
            },
        ),
    ]
