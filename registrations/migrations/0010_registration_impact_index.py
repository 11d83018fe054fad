from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0009_registration_anonymised"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                fields=[
                    "economy",
                    "organisation",
                    "session",
                    "status",
                    "attended",
                    "organisation_kind",
                    "size_band",
                    "women_led",
                    "youth_led",
                ],
                name="registration_impact",
            ),
        ),
    ]
