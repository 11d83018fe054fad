from modeltranslation.translator import TranslationOptions, register

from events.models import Series, Session, Topic


@register(Topic)
class TopicTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Series)
class SeriesTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Session)
class SessionTranslationOptions(TranslationOptions):
    # Falls back to the session's own language in Session.localized(), not here.
    fields = ("title", "summary", "description")
    fallback_undefined = ""
