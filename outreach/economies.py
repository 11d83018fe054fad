"""Economy names, regions and groups, from Babel (CLDR), UN M49 and the programme's own terms."""

import csv
import unicodedata
from functools import cache
from pathlib import Path

import pycountry
from babel import Locale

LANGUAGES = ("en", "fr", "es")
DATA_FILE = Path(__file__).resolve().parent / "data" / "economies.csv"

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


def economy_name(code: str, language: str) -> str:
    """The name of an economy in a language: the programme's term where it has one, else CLDR's."""
    official = OFFICIAL_NAMES.get(code)
    if official:
        return official[language]
    return Locale.parse(language).territories[code]


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
            for language in LANGUAGES:
                name = economy_name(code, language)
                row[f"name_{language}"] = name
                row[f"sort_name_{language}"] = sort_key(name)
            row["name"] = row["name_en"]
            row["sort_name"] = row["sort_name_en"]
            rows.append(row)
    return rows


def load_economies(economy_model) -> int:
    """Create or update every economy; used by a data migration, so it takes the model class."""
    rows = read_economy_rows()
    for row in rows:
        code = row.pop("code")
        economy_model.objects.update_or_create(code=code, defaults=row)
    return len(rows)
