"""Every string exists in French and Spanish, translated for real: no empty or fuzzy entry."""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def catalogue(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_no_string_is_missing_or_fuzzy(language):
    messages = [message for message in catalogue(language) if message.id]

    untranslated = [
        message.id
        for message in messages
        if not message.string or (isinstance(message.string, tuple) and not all(message.string))
    ]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert len(messages) > 20


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_compiled_catalogue_matches_the_source(language):
    def entries(messages):
        # Plural entries come back as lists from .mo files and tuples from .po files; one msgid
        # may have several contexts ("English" in a list, and in a sentence).
        return {
            (m.context, tuple(m.id) if isinstance(m.id, list | tuple) else m.id): tuple(m.string)
            if isinstance(m.string, list | tuple)
            else m.string
            for m in messages
            if m.id
        }

    source = entries(catalogue(language))
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = entries(read_mo(handle))

    assert compiled == source


@pytest.mark.parametrize("language", ["fr", "es"])
def test_translations_keep_their_placeholders(language):
    broken = []
    for message in catalogue(language):
        if not message.id or isinstance(message.id, tuple):
            continue
        for placeholder in ("%(", "{{", "%s"):
            if message.id.count(placeholder) != message.string.count(placeholder):
                broken.append(message.id)
    assert broken == []


def test_french_puts_a_no_break_space_before_colons_and_inside_guillemets():
    """French typography: "Langue\u00a0: …", "«\u00a0Zoom\u00a0»", "Déjà inscrit\u00a0?" (a no-break
    space, U+00A0 or the narrow U+202F, never a plain one that lets the line break before ":").
    Strings waiting in locale/pending count as merged: they replace the catalogue's."""
    strings = {}
    for path in [
        LOCALE / "fr" / "LC_MESSAGES" / "django.po",
        *sorted(LOCALE.glob("pending/*.fr.po")),
    ]:
        with path.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                if message.id:
                    texts = (
                        message.string if isinstance(message.string, tuple) else (message.string,)
                    )
                    strings[(message.context, message.id)] = texts

    plain = re.compile(r"(?<=\S) [:;?!](?=\s|$)|« | »")
    broken = [key[1] for key, texts in strings.items() if any(plain.search(t) for t in texts)]
    assert broken == []
