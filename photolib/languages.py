"""The languages search understands: which stemmer a document's words go through, on
PostgreSQL (a text-search configuration of our own per language, ``photolib_<name>``:
``unaccent`` first, then the language's Snowball stemmer and stop words) and on SQLite
(the same Snowball stemmers, from the ``snowballstemmer`` package, applied in Python
before the words reach FTS5), so that "Bahnhöfe" finds "Bahnhof", "noel" finds "Noël"
and a query means the same on both databases.

The site's language is ``settings.PHOTOLIB_SEARCH_LANGUAGE``; a community group may set
its own (``CommunityGroup.search_language``). A document is indexed in its group's
language, and a query is read in the language of each document it is matched against.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import snowballstemmer

# Name -> label. Every name is both a PostgreSQL 15 Snowball configuration and a
# ``snowballstemmer`` algorithm, except "simple" (no stemming, no stop words).
LANGUAGES: dict[str, str] = {
    "english": "English",
    "german": "German",
    "french": "French",
    "dutch": "Dutch",
    "spanish": "Spanish",
    "italian": "Italian",
    "portuguese": "Portuguese",
    "danish": "Danish",
    "swedish": "Swedish",
    "norwegian": "Norwegian",
    "finnish": "Finnish",
    "simple": "No stemming (any language)",
}
CHOICES = [(name, label) for name, label in LANGUAGES.items()]
# The task (registered by the catalog) that re-reads a group's documents in its language
# after the group's language changes; asked for by name (``photolib.celery.enqueue``).
REINDEX_GROUP_TASK = "catalog.reindex_group_search"


class UnknownLanguage(ValueError):
    """A language name search does not know; the message names the known ones."""


def check(name: str, source: str = "PHOTOLIB_SEARCH_LANGUAGE") -> str:
    """``name`` if search knows it; otherwise ``UnknownLanguage`` saying which are known."""
    if name not in LANGUAGES:
        raise UnknownLanguage(
            f"{source}={name!r} is not a search language; use one of "
            f"{', '.join(LANGUAGES)} (\"simple\" for no stemming).")
    return name


def ts_config(name: str) -> str:
    """The PostgreSQL text-search configuration for ``name`` (made by the catalog's
    migration 0008): ``photolib_english`` and so on."""
    return f"photolib_{check(name, 'language')}"


def site_language() -> str:
    from django.conf import settings

    return settings.PHOTOLIB_SEARCH_LANGUAGE


def group_language(group) -> str:
    """The language ``group``'s documents are indexed in: its own, or the site's."""
    return getattr(group, "search_language", "") or site_language()


def fold(word: str) -> str:
    """``word`` lower-cased with its accents taken off ("Noël" -> "noel"), as
    ``unaccent`` does in front of every PostgreSQL configuration of ours."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")


@cache
def _stemmer(name: str):
    return None if name == "simple" else snowballstemmer.stemmer(name)


def stem(word: str, name: str) -> str:
    """``word`` as the portable backend indexes it in language ``name``: the language's
    Snowball stem of the word as written, lower-cased, then folded. (PostgreSQL folds
    first; Snowball's German stemmer treats "ö" and "o" alike, so the two agree on the
    words that matter: "Bahnhöfe", "Bahnhofe" and "Bahnhof" give one stem either way.)"""
    stemmer = _stemmer(name)
    lowered = word.lower()
    return fold(stemmer.stemWord(lowered) if stemmer else lowered)
