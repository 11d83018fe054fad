"""The programme's outcome survey, asked months after an organisation's first session of a
series (registrations.surveys.outcomes), in English, French and Spanish. Its question codes are the
indicators the figures read (impact): keep them."""

from registrations.default_survey import create_standard_survey

SLUG = "outcomes"

# (code, kind, required, (en, fr, es), [(choice code, (en, fr, es))])
QUESTIONS = [
    (
        "exported_since",
        "yes_no",
        True,
        (
            "Since the session, has your organisation exported or started exporting?",
            "Depuis la session, votre organisation a-t-elle exporté ou commencé à exporter ?",
            "Desde la sesión, ¿su organización ha exportado o empezado a exportar?",
        ),
        [],
    ),
    (
        "export_markets",
        "economies",
        False,
        (
            "To which markets?",
            "Vers quels marchés ?",
            "¿A qué mercados?",
        ),
        [],
    ),
    (
        "found_partner",
        "yes_no",
        True,
        (
            "Since the session, have you found a buyer or a partner abroad?",
            "Depuis la session, avez-vous trouvé un acheteur ou un partenaire à l’étranger ?",
            "Desde la sesión, ¿ha encontrado un comprador o un socio en el extranjero?",
        ),
        [],
    ),
    (
        "contribution",
        "single",
        True,
        (
            "Did the information from the session contribute to it?",
            "Les informations de la session y ont-elles contribué ?",
            "¿Contribuyó a ello la información de la sesión?",
        ),
        [
            ("not_at_all", ("Not at all", "Pas du tout", "En absoluto")),
            ("somewhat", ("Somewhat", "Un peu", "Algo")),
            ("a_lot", ("A lot", "Beaucoup", "Mucho")),
        ],
    ),
]

TITLE = (
    "What came of the session?",
    "Qu’est-il advenu depuis la session ?",
    "¿Qué resultó de la sesión?",
)


def create_outcome_survey(survey_model, question_model, choice_model) -> None:
    """Create or refresh the outcome survey; used by a migration, so it takes the models."""
    create_standard_survey(
        survey_model,
        question_model,
        choice_model,
        slug=SLUG,
        purpose="outcome",
        title=TITLE,
        questions=QUESTIONS,
    )
