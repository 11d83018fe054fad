"""Demo programme: staff, two co-hosting ministries, and about 60 firms and support bodies.

Everything is keyed on a stable natural key (email, or name and economy), so seeding twice
changes nothing.
"""

from allauth.account.models import EmailAddress
from django.db import transaction

from outreach.models import (
    Economy,
    ExportingStatus,
    Organisation,
    OrganisationKind,
    Role,
    Sector,
    SizeBand,
    User,
)

ORGANISER = ("Trade Outreach Programme", OrganisationKind.ORGANISER, "CH")
MINISTRIES = [
    ("Ministry of Economy of Chile (demo)", OrganisationKind.GOVERNMENT, "CL"),
    ("Ministry of Trade of Kenya (demo)", OrganisationKind.GOVERNMENT, "KE"),
]

# (name, economy, sector, size, exporting, women-led, youth-led)
FIRMS = [
    (
        "Andes Orchard Exports",
        "CL",
        Sector.AGRICULTURE,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Patagonia Wool Works",
        "CL",
        Sector.TEXTILES,
        SizeBand.MICRO,
        ExportingStatus.READY,
        True,
        True,
    ),
    (
        "Valparaíso Software Studio",
        "CL",
        Sector.ICT,
        SizeBand.MICRO,
        ExportingStatus.EXPORTING,
        False,
        True,
    ),
    (
        "Atacama Salt & Minerals",
        "CL",
        Sector.MINING,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Rift Valley Coffee Growers",
        "KE",
        Sector.AGRICULTURE,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Nairobi Leather Crafts",
        "KE",
        Sector.TEXTILES,
        SizeBand.MICRO,
        ExportingStatus.NOT_YET,
        True,
        True,
    ),
    (
        "Mombasa Freight Partners",
        "KE",
        Sector.LOGISTICS,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Kisumu Fish Processors",
        "KE",
        Sector.FOOD,
        SizeBand.SMALL,
        ExportingStatus.READY,
        False,
        False,
    ),
    (
        "Dakar Digital Services",
        "SN",
        Sector.ICT,
        SizeBand.MICRO,
        ExportingStatus.READY,
        False,
        True,
    ),
    (
        "Casamance Cashew Coopérative",
        "SN",
        Sector.AGRICULTURE,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Abidjan Cacao Transformation",
        "CI",
        Sector.FOOD,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    ("Ouaga Karité Naturel", "BF", Sector.FOOD, SizeBand.MICRO, ExportingStatus.READY, True, False),
    (
        "Bamako Textiles Bogolan",
        "ML",
        Sector.TEXTILES,
        SizeBand.MICRO,
        ExportingStatus.NOT_YET,
        True,
        True,
    ),
    (
        "Kigali Coffee Roasters",
        "RW",
        Sector.FOOD,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        True,
    ),
    (
        "Addis Spice Traders",
        "ET",
        Sector.TRADE,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Casablanca Argan Cosmetics",
        "MA",
        Sector.MANUFACTURING,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Cairo Cotton Mills",
        "EG",
        Sector.TEXTILES,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Lagos Creative Hub",
        "NG",
        Sector.CREATIVE,
        SizeBand.MICRO,
        ExportingStatus.READY,
        True,
        True,
    ),
    (
        "Accra Shea Collective",
        "GH",
        Sector.AGRICULTURE,
        SizeBand.MICRO,
        ExportingStatus.NOT_YET,
        True,
        False,
    ),
    (
        "Antananarivo Vanilla Export",
        "MG",
        Sector.AGRICULTURE,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Lima Alpaca Design",
        "PE",
        Sector.TEXTILES,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Cusco Quinoa Andina",
        "PE",
        Sector.AGRICULTURE,
        SizeBand.MICRO,
        ExportingStatus.READY,
        False,
        True,
    ),
    (
        "Bogotá Flores del Campo",
        "CO",
        Sector.AGRICULTURE,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    ("Medellín Apps Lab", "CO", Sector.ICT, SizeBand.MICRO, ExportingStatus.EXPORTING, False, True),
    (
        "Oaxaca Mezcal Artesanal",
        "MX",
        Sector.FOOD,
        SizeBand.MICRO,
        ExportingStatus.READY,
        False,
        False,
    ),
    (
        "Guadalajara Auto Parts",
        "MX",
        Sector.MANUFACTURING,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Quito Rosas Finas",
        "EC",
        Sector.AGRICULTURE,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "La Paz Textiles Aymara",
        "BO",
        Sector.TEXTILES,
        SizeBand.MICRO,
        ExportingStatus.NOT_YET,
        True,
        True,
    ),
    (
        "Asunción Stevia Natural",
        "PY",
        Sector.FOOD,
        SizeBand.SMALL,
        ExportingStatus.READY,
        False,
        False,
    ),
    (
        "Kingston Blue Mountain Coffee",
        "JM",
        Sector.FOOD,
        SizeBand.MICRO,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Port-au-Prince Artisans",
        "HT",
        Sector.CREATIVE,
        SizeBand.MICRO,
        ExportingStatus.NOT_YET,
        True,
        True,
    ),
    (
        "Tegucigalpa Café Lenca",
        "HN",
        Sector.AGRICULTURE,
        SizeBand.SMALL,
        ExportingStatus.READY,
        False,
        True,
    ),
    (
        "Dhaka Garment Partners",
        "BD",
        Sector.TEXTILES,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Kathmandu Pashmina House",
        "NP",
        Sector.TEXTILES,
        SizeBand.MICRO,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Colombo Tea Estates",
        "LK",
        Sector.AGRICULTURE,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Hanoi Bamboo Furniture",
        "VN",
        Sector.MANUFACTURING,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Vientiane Silk Weavers",
        "LA",
        Sector.TEXTILES,
        SizeBand.MICRO,
        ExportingStatus.READY,
        True,
        True,
    ),
    (
        "Phnom Penh Pepper Co.",
        "KH",
        Sector.AGRICULTURE,
        SizeBand.MICRO,
        ExportingStatus.READY,
        False,
        True,
    ),
    (
        "Manila BPO Services",
        "PH",
        Sector.PROFESSIONAL,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    ("Almaty Agro Trade", "KZ", Sector.TRADE, SizeBand.SMALL, ExportingStatus.READY, False, False),
    (
        "Bishkek Felt Crafts",
        "KG",
        Sector.CREATIVE,
        SizeBand.MICRO,
        ExportingStatus.NOT_YET,
        True,
        True,
    ),
    (
        "Amman Olive Oil Press",
        "JO",
        Sector.FOOD,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Taipei Precision Tools",
        "TW",
        Sector.MANUFACTURING,
        SizeBand.MEDIUM,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Hong Kong Trade Logistics",
        "HK",
        Sector.LOGISTICS,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        True,
        False,
    ),
    (
        "Chișinău Wine Cellars",
        "MD",
        Sector.FOOD,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Tirana Herbal Exports",
        "AL",
        Sector.AGRICULTURE,
        SizeBand.MICRO,
        ExportingStatus.READY,
        True,
        False,
    ),
    (
        "Suva Ocean Foods",
        "FJ",
        Sector.FOOD,
        SizeBand.SMALL,
        ExportingStatus.EXPORTING,
        False,
        False,
    ),
    (
        "Port Moresby Coffee Growers",
        "PG",
        Sector.AGRICULTURE,
        SizeBand.MICRO,
        ExportingStatus.NOT_YET,
        False,
        True,
    ),
    (
        "Apia Coconut Products",
        "WS",
        Sector.FOOD,
        SizeBand.MICRO,
        ExportingStatus.READY,
        True,
        False,
    ),
    (
        "Port Vila Kava Exports",
        "VU",
        Sector.AGRICULTURE,
        SizeBand.MICRO,
        ExportingStatus.EXPORTING,
        False,
        True,
    ),
]

# (name, economy)
SUPPORT_ORGANISATIONS = [
    ("Santiago Chamber of Commerce", "CL"),
    ("Kenya Export Promotion Council (demo)", "KE"),
    ("Agence sénégalaise de promotion des exportations (démo)", "SN"),
    ("Cámara de Comercio de Lima", "PE"),
    ("Bangladesh Women Exporters Association", "BD"),
    ("Pacific Islands Trade Network", "FJ"),
    ("Chambre de commerce de Côte d'Ivoire", "CI"),
    ("Viet Nam Trade Promotion Network", "VN"),
    ("Asociación de Exportadores de Colombia", "CO"),
    ("Central Asia Business Council", "KZ"),
]

# (email, full name, role, organisation name, language, time zone, role in the co-host)
PEOPLE = [
    (
        "organiser@outreach.example",
        "Olivia Organiser",
        Role.ORGANISER,
        ORGANISER[0],
        "en",
        "Europe/Zurich",
        "",
    ),
    (
        "organisatrice@outreach.example",
        "Odile Organisatrice",
        Role.ORGANISER,
        ORGANISER[0],
        "fr",
        "Europe/Zurich",
        "",
    ),
    (
        "analyst@outreach.example",
        "Ana Analyst",
        Role.ANALYST,
        ORGANISER[0],
        "es",
        "Europe/Zurich",
        "",
    ),
    (
        "ministry.chile@outreach.example",
        "Camila Rojas",
        Role.COHOST,
        MINISTRIES[0][0],
        "es",
        "America/Santiago",
        "manager",
    ),
    (
        "viewer.chile@outreach.example",
        "Diego Soto",
        Role.COHOST,
        MINISTRIES[0][0],
        "es",
        "America/Santiago",
        "viewer",
    ),
    (
        "ministry.kenya@outreach.example",
        "James Mwangi",
        Role.COHOST,
        MINISTRIES[1][0],
        "en",
        "Africa/Nairobi",
        "manager",
    ),
    (
        "firm@outreach.example",
        "Fatou Diop",
        Role.PARTICIPANT,
        "Dakar Digital Services",
        "fr",
        "Africa/Dakar",
        "",
    ),
]


def _organisation(name, kind, economy_code, **facts) -> Organisation:
    economy = Economy.objects.get(code=economy_code)
    organisation, _created = Organisation.objects.update_or_create(
        name=name, economy=economy, defaults={"kind": kind, **facts}
    )
    return organisation


def _person(email, full_name, role, organisation, language, time_zone, cohost_role) -> User:
    person, created = User.objects.update_or_create(
        email=email,
        defaults={
            "full_name": full_name,
            "role": role,
            "organisation": organisation,
            "language": language,
            "time_zone": time_zone,
            "cohost_role": cohost_role,
        },
    )
    if created:
        # Nobody needs a password: people sign in with a code sent to their email.
        person.set_unusable_password()
        person.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=person, email=email, defaults={"verified": True, "primary": True}
    )
    return person


@transaction.atomic
def seed() -> list[str]:
    """Create or refresh the demo organisations and people; return lines describing the logins."""
    organisations = {ORGANISER[0]: _organisation(*ORGANISER)}
    for name, kind, economy in MINISTRIES:
        organisations[name] = _organisation(name, kind, economy)
    for name, economy, sector, size, exporting, women_led, youth_led in FIRMS:
        organisations[name] = _organisation(
            name,
            OrganisationKind.FIRM,
            economy,
            sector=sector,
            size_band=size,
            exporting_status=exporting,
            women_led=women_led,
            youth_led=youth_led,
        )
    for name, economy in SUPPORT_ORGANISATIONS:
        organisations[name] = _organisation(name, OrganisationKind.SUPPORT, economy)

    lines = []
    for email, full_name, role, organisation_name, language, zone, cohost_role in PEOPLE:
        person = _person(
            email, full_name, role, organisations[organisation_name], language, zone, cohost_role
        )
        label = person.get_role_display() + (f" ({cohost_role})" if cohost_role else "")
        lines.append(f"{label:<26} {email}  ({organisation_name})")
    return lines
