"""Demo sessions: two years of quarterly webinars in three languages, national sessions
co-hosted with two ministries, and a three-week training course. Keyed on stable UIDs."""

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from events.models import (
    LANGUAGE_CODES,
    LanguageGroup,
    Series,
    Session,
    SessionFormat,
    SessionStatus,
    SuggestionStatus,
    TextSuggestion,
    Topic,
)
from events.services import suggest_quarter_times
from outreach.models import Economy, Organisation, User
from outreach.periods import next_quarter, quarter_bounds, quarter_of
from outreach.timezones import aware

NAMESPACE = uuid.UUID("0f7c6d1e-5b8a-4c39-9a57-6f1d2b3c4e5f")

TOPICS = {
    "market-research": (
        "Market research with free trade data",
        "Études de marché avec des données commerciales gratuites",
        "Estudios de mercado con datos comerciales gratuitos",
    ),
    "export-readiness": (
        "Is your firm ready to export?",
        "Votre entreprise est-elle prête à exporter ?",
        "¿Está su empresa lista para exportar?",
    ),
    "e-commerce": (
        "Selling abroad online",
        "Vendre à l’étranger en ligne",
        "Vender en el extranjero por internet",
    ),
    "standards": (
        "Meeting standards and technical regulations",
        "Respecter les normes et les règlements techniques",
        "Cumplir normas y reglamentos técnicos",
    ),
    "trade-finance": (
        "Financing your exports",
        "Financer vos exportations",
        "Financiar sus exportaciones",
    ),
    "logistics": (
        "Getting goods across borders",
        "Faire passer les frontières à vos marchandises",
        "Llevar sus mercancías a través de las fronteras",
    ),
}

SUMMARIES = {
    "en": "A practical webinar for micro, small and medium-sized firms, "
    "with time for your questions.",
    "fr": "Un webinaire pratique pour les micro, petites et moyennes entreprises, "
    "avec du temps pour vos questions.",
    "es": "Un seminario web práctico para micro, pequeñas y medianas empresas, "
    "con tiempo para sus preguntas.",
}

SERIES = {
    "quarterly-webinar": (
        "Quarterly open webinar",
        "Webinaire ouvert trimestriel",
        "Seminario web abierto trimestral",
    ),
    "national-sessions": (
        "National sessions with ministries",
        "Sessions nationales avec les ministères",
        "Sesiones nacionales con ministerios",
    ),
    "export-course": (
        "Three-week export training course",
        "Formation à l’export en trois semaines",
        "Curso de exportación de tres semanas",
    ),
}


def _translated(obj, field: str, values: tuple[str, ...]) -> None:
    """Sets `field` in each language from `values`, given in the order of settings.LANGUAGES."""
    for code, value in zip(LANGUAGE_CODES, values, strict=True):
        setattr(obj, f"{field}_{code}", value)


def _topic(slug: str) -> Topic:
    topic = Topic.objects.filter(slug=slug).first() or Topic(slug=slug)
    _translated(topic, "name", TOPICS[slug])
    topic.save()
    return topic


def _series(slug: str) -> Series:
    series = Series.objects.filter(slug=slug).first() or Series(slug=slug)
    _translated(series, "title", SERIES[slug])
    series.save()
    return series


def _session(key: str, **fields) -> Session:
    """Create or refresh one demo session, identified by a UID derived from its key."""
    uid = uuid.uuid5(NAMESPACE, key)
    session = Session.objects.filter(uid=uid).first() or Session(uid=uid)
    related = {name: fields.pop(name, []) for name in ("cohosts", "target_economies", "topics")}
    titles = fields.pop("titles")
    _translated(session, "title", titles)
    _translated(session, "summary", tuple(SUMMARIES[code] for code in LANGUAGE_CODES))
    for name, value in fields.items():
        setattr(session, name, value)
    past = session.ends_at <= timezone.now()
    if session.status != SessionStatus.CANCELLED:
        session.status = SessionStatus.FINISHED if past else SessionStatus.PUBLISHED
    if past:
        session.recording_url = f"https://video.example.org/recordings/{uid.hex[:12]}"
    session.join_url = f"https://meet.example.org/j/{uid.int % 10**10:010d}"
    session.full_clean()
    session.save()
    session.cohosts.set(related["cohosts"])
    session.target_economies.set(related["target_economies"])
    session.topics.set(related["topics"])
    return session


def _quarters(around: datetime):
    """Eight quarters: the five before this one, this one and the two after it."""
    year, quarter = quarter_of(around.date())
    index = year * 4 + quarter - 1
    for i in range(index - 5, index + 3):
        yield i // 4, i % 4 + 1


@transaction.atomic
def seed() -> list[str]:
    series = {slug: _series(slug) for slug in SERIES}
    topics = {slug: _topic(slug) for slug in TOPICS}
    topic_cycle = list(TOPICS)

    for n, (year, quarter) in enumerate(_quarters(timezone.now())):
        topic_slug = topic_cycle[(year * 4 + quarter) % len(topic_cycle)]
        planned = []
        for language, (local, zone) in suggest_quarter_times(year, quarter).items():
            starts_at = aware(local, zone)
            session = _session(
                f"quarterly-{year}-q{quarter}-{language}",
                series=series["quarterly-webinar"],
                titles=TOPICS[topic_slug],
                language=language,
                interpretation_languages=["fr", "es"] if language == "en" and n % 2 else [],
                format=SessionFormat.ONLINE,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=90),
                time_zone=zone,
                capacity=500,
                topics=[topics[topic_slug]],
            )
            planned.append(session)
        # The quarter's three languages are one topic, as Plan-a-quarter groups them (the same
        # group when seeding again).
        group = next((s.language_group for s in planned if s.language_group_id), None)
        group = group or LanguageGroup.objects.create()
        Session.objects.filter(pk__in=[s.pk for s in planned]).update(language_group=group)

    chile = Organisation.objects.get(name="Ministry of Economy of Chile (demo)")
    kenya = Organisation.objects.get(name="Ministry of Trade of Kenya (demo)")
    today = timezone.now().date()
    for key, days, language, zone, cohost, economy, topic_slug, status in [
        ("chile-past", -60, "es", "America/Santiago", chile, "CL", "market-research", None),
        ("chile-next", 24, "es", "America/Santiago", chile, "CL", "e-commerce", None),
        ("kenya-next", 52, "en", "Africa/Nairobi", kenya, "KE", "standards", None),
        (
            "kenya-cancelled",
            12,
            "en",
            "Africa/Nairobi",
            kenya,
            "KE",
            "logistics",
            SessionStatus.CANCELLED,
        ),
    ]:
        day = today + timedelta(days=days)
        starts_at = aware(datetime(day.year, day.month, day.day, 10), zone)
        fields = {
            "series": series["national-sessions"],
            "titles": TOPICS[topic_slug],
            "language": language,
            "format": SessionFormat.ONLINE,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2),
            "time_zone": zone,
            "capacity": 150,
            "cohosts": [cohost],
            "target_economies": [Economy.objects.get(code=economy)],
            "topics": [topics[topic_slug]],
        }
        if status:
            fields["status"] = status
        _session(f"national-{key}", **fields)

    first_day, _last = quarter_bounds(*next_quarter(today))
    course_start = first_day + timedelta(days=(1 - first_day.weekday()) % 7 + 7)
    for week in range(3):
        day = course_start + timedelta(weeks=week)
        starts_at = aware(datetime(day.year, day.month, day.day, 9), "Africa/Dakar")
        _session(
            f"export-course-week-{week + 1}",
            series=series["export-course"],
            titles=(
                f"Export training course, week {week + 1}",
                f"Formation à l’export, semaine {week + 1}",
                f"Curso de exportación, semana {week + 1}",
            ),
            language="fr",
            format=SessionFormat.HYBRID,
            venue="Chambre de commerce, Dakar",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            time_zone="Africa/Dakar",
            capacity=5,
            target_economies=list(Economy.objects.filter(code__in=["SN", "CI", "ML", "BF"])),
            topics=[topics["export-readiness"]],
        )
    _cohost_proposals(topics, today)
    return []


def _cohost_proposals(topics, today):
    """A pending proposal from Chile's ministry, and a wording it suggested."""
    chile = Organisation.objects.get(name="Ministry of Economy of Chile (demo)")
    uid = uuid.uuid5(NAMESPACE, "proposal-chile-wine")
    proposal = Session.objects.filter(uid=uid).first() or Session(uid=uid)
    day = today + timedelta(days=75)
    starts_at = aware(datetime(day.year, day.month, day.day, 11), "America/Santiago")
    _translated(
        proposal,
        "title",
        (
            "Exporting Chilean wine to Asia",
            "Exporter le vin chilien vers l’Asie",
            "Exportar vino chileno a Asia",
        ),
    )
    proposal.language = "es"
    proposal.starts_at = starts_at
    proposal.ends_at = starts_at + timedelta(hours=2)
    proposal.time_zone = "America/Santiago"
    proposal.capacity = 120
    proposal.proposed_by = chile
    if proposal.status not in (SessionStatus.PUBLISHED, SessionStatus.DECLINED):
        proposal.status = SessionStatus.DRAFT
    proposal.full_clean()
    proposal.save()
    proposal.cohosts.set([chile])
    proposal.topics.set([topics["market-research"]])

    national = Session.objects.get(uid=uuid.uuid5(NAMESPACE, "national-chile-next"))
    manager = User.objects.get(email="ministry.chile@outreach.example")
    TextSuggestion.objects.get_or_create(
        session=national,
        organisation=chile,
        field="summary",
        language="es",
        defaults={
            "suggested_by": manager,
            "text": "Sesión práctica para exportadores chilenos que venden o quieren vender en "
            "línea, con el apoyo del Ministerio.",
            "status": SuggestionStatus.PENDING,
        },
    )
