from modeltranslation.translator import TranslationOptions, register

from outreach.models import Economy


@register(Economy)
class EconomyTranslationOptions(TranslationOptions):
    fields = ("name", "sort_name")
    required_languages = ("en", "fr", "es")
