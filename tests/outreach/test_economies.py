import pycountry
import pytest
from django.utils import translation

from outreach.economies import REGIONS, SUB_REGIONS, economy_name, region_name, sort_key
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


def test_other_names_come_from_babel():
    economy = Economy.objects.get(code="CI")

    assert (economy.name_en, economy.name_fr, economy.name_es) == (
        "Côte d’Ivoire",
        "Côte d’Ivoire",
        "Côte d’Ivoire",
    )
    assert Economy.objects.get(code="DE").name_fr == "Allemagne"
    assert Economy.objects.get(code="DE").name_es == "Alemania"


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
    assert names[egypte - 1 : egypte + 2] == ["Dominique", "Égypte", "Émirats arabes unis"]
    assert names.index("États-Unis") < names.index("Éthiopie") < names.index("Fidji")
    assert names == sorted(names, key=sort_key)


def test_economies_sort_by_their_spanish_name_in_spanish():
    with translation.override("es"):
        names = [economy.name for economy in economies_by_name()]

    assert names.index("Alemania") < names.index("Chile") < names.index("España")


def test_region_names_come_from_babel_in_each_language():
    assert region_name("419", "en") == "Latin America"
    assert region_name("202", "fr") == "Afrique subsaharienne"
    assert region_name("002", "es") == "África"


def test_an_economy_name_is_taken_from_the_official_terms_before_babel():
    assert economy_name("TW", "es") == "Taipei Chino"
    assert economy_name("CL", "fr") == "Chili"
