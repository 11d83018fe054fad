import secrets

from django.db import migrations, models

import outreach.models


def give_each_person_a_calendar_token(apps, schema_editor):
    User = apps.get_model("outreach", "User")
    for person in User.objects.filter(calendar_token__isnull=True).only("pk"):
        User.objects.filter(pk=person.pk).update(calendar_token=secrets.token_urlsafe(24))


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_load_economies")]

    operations = [
        migrations.AlterField(
            model_name="organisation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("organiser", "Programme organiser"),
                    ("government", "Ministry or government agency"),
                    ("support", "Business support organisation"),
                    ("firm", "Firm"),
                    ("international", "International organisation"),
                    ("other", "Other organisation"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="gender",
            field=models.CharField(
                blank=True,
                choices=[
                    ("woman", "Woman"),
                    ("man", "Man"),
                    ("another", "Another gender"),
                    ("unsaid", "Prefer not to say"),
                ],
                max_length=10,
                verbose_name="gender",
            ),
        ),
        # A unique token for rows that already exist: add it empty, fill it, then require it.
        migrations.AddField(
            model_name="user",
            name="calendar_token",
            field=models.CharField(max_length=40, null=True, editable=False),
        ),
        migrations.RunPython(give_each_person_a_calendar_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="calendar_token",
            field=models.CharField(
                default=outreach.models.new_calendar_token,
                editable=False,
                max_length=40,
                unique=True,
            ),
        ),
    ]
