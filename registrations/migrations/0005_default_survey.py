from django.db import migrations


def create(apps, schema_editor):
    # The survey as the models stood at this migration; 0016 adds what came later.
    from registrations.default_survey import QUESTIONS, TITLE

    Survey = apps.get_model("registrations", "Survey")
    Question = apps.get_model("registrations", "Question")
    Choice = apps.get_model("registrations", "Choice")
    survey, _created = Survey.objects.update_or_create(
        slug="impact",
        defaults={
            "is_default": True,
            "title": TITLE[0],
            "title_en": TITLE[0],
            "title_fr": TITLE[1],
            "title_es": TITLE[2],
        },
    )
    for position, (code, kind, required, texts, choices) in enumerate(QUESTIONS):
        question, _created = Question.objects.update_or_create(
            survey=survey,
            code=code,
            defaults={
                "position": position,
                "kind": kind,
                "required": required,
                "text": texts[0],
                "text_en": texts[0],
                "text_fr": texts[1],
                "text_es": texts[2],
            },
        )
        for choice_position, (choice_code, choice_texts) in enumerate(choices):
            Choice.objects.update_or_create(
                question=question,
                code=choice_code,
                defaults={
                    "position": choice_position,
                    "text": choice_texts[0],
                    "text_en": choice_texts[0],
                    "text_fr": choice_texts[1],
                    "text_es": choice_texts[2],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("registrations", "0004_question_registration_attended_and_more")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
