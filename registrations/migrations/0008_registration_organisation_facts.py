import django.db.models.deletion
from django.db import migrations, models


def copy_organisation_facts(apps, schema_editor):
    Registration = apps.get_model("registrations", "Registration")
    Organisation = apps.get_model("outreach", "Organisation")
    facts = Organisation.objects.filter(pk=models.OuterRef("organisation_id"))
    Registration.objects.update(
        economy_id=models.Subquery(facts.values("economy_id")[:1]),
        organisation_kind=models.Subquery(facts.values("kind")[:1]),
        size_band=models.Subquery(facts.values("size_band")[:1]),
        women_led=models.Subquery(facts.values("women_led")[:1]),
        youth_led=models.Subquery(facts.values("youth_led")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_user_cohost_role"),
        ("registrations", "0007_registration_shared_with"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="economy",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="outreach.economy",
                verbose_name="economy",
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="organisation_kind",
            field=models.CharField(
                choices=[
                    ("organiser", "Programme organiser"),
                    ("government", "Ministry or government agency"),
                    ("support", "Business support organisation"),
                    ("firm", "Firm"),
                    ("international", "International organisation"),
                    ("other", "Other organisation"),
                ],
                default="",
                max_length=20,
                verbose_name="kind of organisation",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="registration",
            name="size_band",
            field=models.CharField(
                blank=True,
                choices=[
                    ("micro", "Micro (up to 10 employees)"),
                    ("small", "Small (11 to 50 employees)"),
                    ("medium", "Medium (51 to 250 employees)"),
                    ("large", "Large (more than 250 employees)"),
                ],
                max_length=10,
                verbose_name="size",
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="women_led",
            field=models.BooleanField(default=False, verbose_name="women-led"),
        ),
        migrations.AddField(
            model_name="registration",
            name="youth_led",
            field=models.BooleanField(default=False, verbose_name="youth-led"),
        ),
        migrations.RunPython(copy_organisation_facts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="registration",
            name="economy",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="outreach.economy",
                verbose_name="economy",
            ),
        ),
    ]
