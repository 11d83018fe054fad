from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from outreach.models import Economy


@register(Economy)
class EconomyTranslationOptions(TranslationOptions):
    fields = ("name", "sort_name")
    required_languages = tuple(code for code, _name in settings.LANGUAGES)
