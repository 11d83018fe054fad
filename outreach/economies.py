"""Economy names, regions and groups: the UN's names (M49), the programme's own terms, and
Babel (CLDR) for region names and for any language the UN file does not carry."""

import csv
import unicodedata
from functools import cache
from pathlib import Path

import pycountry
from babel import Locale
from django.conf import settings

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILE = DATA_DIR / "economies.csv"
# The UN M49 short names in English, French and Spanish; its header says where they come from.
UN_NAMES_FILE = DATA_DIR / "un_m49_names.csv"


def languages() -> tuple[str, ...]:
    """The site's languages, each of which an economy is named in."""
    return tuple(code for code, _name in settings.LANGUAGES)


# The programme's official terms, which differ from CLDR's ("Taiwan", "Hong Kong SAR China").
OFFICIAL_NAMES = {
    "TW": {"en": "Chinese Taipei", "fr": "Taipei chinois", "es": "Taipei Chino"},
    "HK": {"en": "Hong Kong, China", "fr": "Hong Kong, Chine", "es": "Hong Kong, China"},
    "MO": {"en": "Macao, China", "fr": "Macao, Chine", "es": "Macao, China"},
}

# UN M49 regions and their sub-regions, by code; their names come from Babel.
REGIONS = {
    "002": ("015", "202"),
    "019": ("419", "021"),
    "142": ("143", "030", "035", "034", "145"),
    "150": ("151", "154", "039", "155"),
    "009": ("053", "054", "057", "061"),
}
SUB_REGIONS = {sub: region for region, subs in REGIONS.items() for sub in subs}


@cache
def un_names() -> dict[str, dict[str, str]]:
    """{iso2: {language: name}} from the UN M49 file, empty names left out."""
    with UN_NAMES_FILE.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return {
            row["iso2"]: {
                language: name for language, name in row.items() if language != "iso2" and name
            }
            for row in csv.DictReader(lines)
        }


def economy_name(code: str, language: str) -> str:
    """The name of an economy in a language: the programme's term where it has one, else the
    UN's (M49), else CLDR's (a language the UN file does not carry)."""
    for names in (OFFICIAL_NAMES.get(code, {}), un_names().get(code, {})):
        if language in names:
            return names[language]
    return Locale.parse(language).territories[code]


@cache
def economy_regions() -> dict[str, str]:
    """{economy code: its UN M49 region code}, from the M49 data file."""
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        return {line["alpha2"]: line["region"] for line in csv.DictReader(handle)}


def region_name(code: str, language: str) -> str:
    """The name of a UN M49 region or sub-region in a language."""
    return Locale.parse(language).territories[code]


def sort_key(name: str) -> str:
    """Fold a name for sorting: accents and case removed, so "Égypte" sorts under E."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@cache
def region_choices(language: str) -> list[tuple[str, str]]:
    """Regions as (code, name) pairs, sorted by name in the language."""
    return sorted(
        ((code, region_name(code, language)) for code in REGIONS), key=lambda c: sort_key(c[1])
    )


def read_economy_rows() -> list[dict]:
    """Every economy as model field values, from the M49 data file, Babel and pycountry."""
    rows = []
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        for line in csv.DictReader(handle):
            code = line["alpha2"]
            country = pycountry.countries.get(alpha_2=code)
            row = {
                "code": code,
                "alpha3": country.alpha_3,
                "numeric": country.numeric,
                "region": line["region"],
                "sub_region": line["sub_region"],
                "is_least_developed": line["ldc"] == "1",
                "is_landlocked_developing": line["lldc"] == "1",
                "is_small_island_developing": line["sids"] == "1",
            }
            for language in languages():
                name = economy_name(code, language)
                row[f"name_{language}"] = name
                row[f"sort_name_{language}"] = sort_key(name)
            row["name"] = row[f"name_{settings.LANGUAGE_CODE}"]
            row["sort_name"] = row[f"sort_name_{settings.LANGUAGE_CODE}"]
            rows.append(row)
    return rows


def load_economies(economy_model) -> int:
    """Create or update every economy; used by a data migration, so it takes the model class."""
    rows = read_economy_rows()
    for row in rows:
        code = row.pop("code")
        economy_model.objects.update_or_create(code=code, defaults=row)
    return len(rows)
