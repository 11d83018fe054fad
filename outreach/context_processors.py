from django.conf import settings
from django.urls import translate_url
from django.utils import translation

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def site(request):
    """The site's address and the current page in every language, for the switcher."""
    current = translation.get_language()
    path = request.get_full_path()
    links = [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": translate_url(path, code),
            "is_current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]
    return {"SITE_URL": settings.SITE_URL, "language_links": links}
