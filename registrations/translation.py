from modeltranslation.translator import TranslationOptions, register

from registrations.models import BulkMessage, Choice, Question, Survey


@register(Survey)
class SurveyTranslationOptions(TranslationOptions):
    fields = ("title",)


@register(Question)
class QuestionTranslationOptions(TranslationOptions):
    fields = ("text",)


@register(Choice)
class ChoiceTranslationOptions(TranslationOptions):
    fields = ("text",)


@register(BulkMessage)
class BulkMessageTranslationOptions(TranslationOptions):
    fields = ("subject", "body")
