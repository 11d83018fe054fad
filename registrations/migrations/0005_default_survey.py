from django.db import migrations


def create(apps, schema_editor):
    from registrations.default_survey import create_default_survey

    create_default_survey(
        apps.get_model("registrations", "Survey"),
        apps.get_model("registrations", "Question"),
        apps.get_model("registrations", "Choice"),
    )


class Migration(migrations.Migration):
    dependencies = [("registrations", "0004_question_registration_attended_and_more")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
