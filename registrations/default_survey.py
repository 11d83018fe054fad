"""The programme's default impact survey, in English, French and Spanish."""

# (code, kind, required, (en, fr, es), [(choice code, (en, fr, es))])
QUESTIONS = [
    (
        "satisfaction",
        "scale",
        True,
        (
            "How satisfied are you with the session?",
            "Êtes-vous satisfait de la session ?",
            "¿Qué tan satisfecho está con la sesión?",
        ),
        [],
    ),
    (
        "simplifies_market_research",
        "yes_no",
        True,
        (
            "Will this session help you simplify your market research?",
            "Cette session vous aidera-t-elle à simplifier vos études de marché ?",
            "¿Le ayudará esta sesión a simplificar sus estudios de mercado?",
        ),
        [],
    ),
    (
        "informs_export_decision",
        "yes_no",
        True,
        (
            "Will it inform an export decision of your firm?",
            "Éclairera-t-elle une décision d’exportation de votre entreprise ?",
            "¿Orientará una decisión de exportación de su empresa?",
        ),
        [],
    ),
    (
        "markets_considered",
        "multiple",
        False,
        (
            "Which markets does your firm now consider?",
            "Quels marchés votre entreprise envisage-t-elle désormais ?",
            "¿Qué mercados considera ahora su empresa?",
        ),
        [
            ("africa", ("Africa", "Afrique", "África")),
            ("americas", ("Americas", "Amériques", "Américas")),
            ("asia", ("Asia", "Asie", "Asia")),
            ("europe", ("Europe", "Europe", "Europa")),
            ("oceania", ("Oceania", "Océanie", "Oceanía")),
        ],
    ),
    (
        "recommend",
        "nps",
        True,
        (
            "How likely are you to recommend these sessions to another firm?",
            "Quelle est la probabilité que vous recommandiez ces sessions à une autre entreprise ?",
            "¿Qué probabilidad hay de que recomiende estas sesiones a otra empresa?",
        ),
        [],
    ),
    (
        "comments",
        "text",
        False,
        (
            "Any comments?",
            "Des commentaires ?",
            "¿Algún comentario?",
        ),
        [],
    ),
]

TITLE = (
    "What was the session worth to you?",
    "Que vous a apporté la session ?",
    "¿Qué le aportó la sesión?",
)


def create_default_survey(survey_model, question_model, choice_model) -> None:
    """Create or refresh the default survey; used by a migration, so it takes the models."""
    create_standard_survey(
        survey_model,
        question_model,
        choice_model,
        slug="impact",
        purpose="after_session",
        title=TITLE,
        questions=QUESTIONS,
    )


def create_standard_survey(
    survey_model, question_model, choice_model, *, slug, purpose, title, questions
) -> None:
    """Create or refresh one of the programme's standard surveys (the default after a session,
    the outcome survey): its questions are indicators (`standard`) whose code, kind and choices
    every version keeps. Used by migrations, so it takes the models."""
    survey, _created = survey_model.objects.update_or_create(
        slug=slug,
        defaults={
            "is_default": True,
            "purpose": purpose,
            "family": slug,
            "title": title[0],
            "title_en": title[0],
            "title_fr": title[1],
            "title_es": title[2],
        },
    )
    for position, (code, kind, required, texts, choices) in enumerate(questions):
        question, _created = question_model.objects.update_or_create(
            survey=survey,
            code=code,
            defaults={
                "position": position,
                "kind": kind,
                "required": required,
                "standard": True,
                "text": texts[0],
                "text_en": texts[0],
                "text_fr": texts[1],
                "text_es": texts[2],
            },
        )
        for choice_position, (choice_code, choice_texts) in enumerate(choices):
            choice_model.objects.update_or_create(
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
