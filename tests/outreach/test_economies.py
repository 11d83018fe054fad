import pycountry
import pytest
from django.utils import translation

from outreach.economies import (
    OFFICIAL_NAMES,
    REGIONS,
    SUB_REGIONS,
    economy_name,
    region_name,
    sort_key,
    un_names,
)
from outreach.models import Economy
from outreach.queries import economies_by_name

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "english", "french", "spanish"),
    [
        ("TW", "Chinese Taipei", "Taipei chinois", "Taipei Chino"),
        ("HK", "Hong Kong, China", "Hong Kong, Chine", "Hong Kong, China"),
        ("MO", "Macao, China", "Macao, Chine", "Macao, China"),
    ],
)
def test_the_programme_official_terms_are_used_in_every_language(code, english, french, spanish):
    economy = Economy.objects.get(code=code)

    assert (economy.name_en, economy.name_fr, economy.name_es) == (english, french, spanish)


# CLDR's colloquial names, which a ministry does not use; UN M49 names replace them.
CLDR_ONLY = {
    "Congo - Kinshasa",
    "Congo-Kinshasa",
    "Congo - Brazzaville",
    "St. Kitts & Nevis",
    "Saint-Christophe-et-Niévès",
    "San Cristóbal y Nieves",
    "South Korea",
    "Corée du Sud",
    "Corea del Sur",
    "North Korea",
    "Palestinian Territories",
    "Territoires palestiniens",
    "Territorios Palestinos",
    "Hong Kong SAR China",
    "R.A.S. chinoise de Hong Kong",
    "RAE de Hong Kong (China)",
    "Macao SAR China",
    "Taiwan",
    "Taïwan",
    "Taiwán",
    "Vatican City",
    "Laos",
    "Russia",
}


@pytest.mark.parametrize(
    ("code", "english"),
    [
        ("CD", "Democratic Republic of the Congo"),
        ("CG", "Congo"),
        ("KN", "Saint Kitts and Nevis"),
        ("KR", "Republic of Korea"),
        ("KP", "Democratic People's Republic of Korea"),
        ("PS", "State of Palestine"),
        ("BO", "Bolivia (Plurinational State of)"),
        ("TZ", "United Republic of Tanzania"),
        ("VA", "Holy See"),
        ("CI", "Côte d’Ivoire"),
    ],
)
def test_english_names_are_the_un_m49_names(code, english):
    assert Economy.objects.get(code=code).name_en == english


@pytest.mark.parametrize(
    ("code", "french"),
    [
        ("CD", "République démocratique du Congo"),
        ("KN", "Saint-Kitts-et-Nevis"),
        ("KR", "République de Corée"),
        ("PS", "État de Palestine"),
        ("MD", "République de Moldova"),
        ("BY", "Bélarus"),
        ("DE", "Allemagne"),
    ],
)
def test_french_names_are_the_un_m49_names(code, french):
    assert Economy.objects.get(code=code).name_fr == french


@pytest.mark.parametrize(
    ("code", "spanish"),
    [
        ("CD", "República Democrática del Congo"),
        ("KN", "Saint Kitts y Nevis"),
        ("KR", "República de Corea"),
        ("PS", "Estado de Palestina"),
        ("TT", "Trinidad y Tabago"),
        ("NZ", "Nueva Zelandia"),
        ("DE", "Alemania"),
    ],
)
def test_spanish_names_are_the_un_m49_names(code, spanish):
    assert Economy.objects.get(code=code).name_es == spanish


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_no_cldr_only_name_is_shown_in_any_language(language):
    names = set(Economy.objects.values_list(f"name_{language}", flat=True))

    assert names & CLDR_ONLY == set()


def test_the_un_names_file_names_every_economy_in_every_language_but_the_programme_terms():
    names = un_names()

    assert set(names) == set(Economy.objects.values_list("code", flat=True))
    incomplete = {code for code, by_language in names.items() if len(by_language) != 3}
    assert incomplete == set(OFFICIAL_NAMES) == {"TW", "HK", "MO"}


def test_every_iso_country_but_antarctica_is_loaded_with_its_codes():
    expected = {c.alpha_2 for c in pycountry.countries} - {"AQ"}

    assert set(Economy.objects.values_list("code", flat=True)) == expected
    chile = Economy.objects.get(code="CL")
    assert (chile.alpha3, chile.numeric) == ("CHL", "152")


def test_every_economy_has_a_region_and_a_sub_region_of_that_region():
    pairs = set(Economy.objects.values_list("region", "sub_region"))

    assert all(SUB_REGIONS[sub] == region for region, sub in pairs)
    assert {region for region, _sub in pairs} == set(REGIONS)


def test_the_reporting_groups_have_the_un_counts():
    assert Economy.objects.filter(is_least_developed=True).count() == 44
    assert Economy.objects.filter(is_landlocked_developing=True).count() == 32
    assert Economy.objects.filter(is_small_island_developing=True).count() == 58
    assert Economy.objects.get(code="ML").is_least_developed
    assert Economy.objects.get(code="BO").is_landlocked_developing
    assert Economy.objects.get(code="FJ").is_small_island_developing
    assert not Economy.objects.get(code="CL").is_least_developed


def test_economies_sort_by_their_french_name_with_accents_folded():
    with translation.override("fr"):
        names = [economy.name for economy in economies_by_name()]

    egypte = names.index("Égypte")
    assert names[egypte - 1 : egypte + 3] == [
        "Dominique",
        "Égypte",
        "El Salvador",
        "Émirats arabes unis",
    ]
    assert names.index("États-Unis d’Amérique") < names.index("Éthiopie") < names.index("Fidji")
    assert names == sorted(names, key=sort_key)


def test_economies_sort_by_their_spanish_name_in_spanish():
    with translation.override("es"):
        names = [economy.name for economy in economies_by_name()]

    assert names.index("Alemania") < names.index("Chile") < names.index("España")


def test_region_names_come_from_babel_in_each_language():
    assert region_name("419", "en") == "Latin America"
    assert region_name("202", "fr") == "Afrique subsaharienne"
    assert region_name("002", "es") == "África"


def test_an_economy_name_is_taken_from_the_official_terms_then_the_un_then_babel():
    assert economy_name("TW", "es") == "Taipei Chino"
    assert economy_name("CL", "fr") == "Chili"
    assert economy_name("KR", "fr") == "République de Corée"
    assert economy_name("KR", "de") == "Südkorea"  # no UN name in German: CLDR's
