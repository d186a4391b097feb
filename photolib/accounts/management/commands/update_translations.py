"""``manage.py update_translations``: ``makemessages`` for every translated language, with
the options the committed catalogs were made with (no source locations, so a moved line
changes nothing). Needs GNU gettext (xgettext, msgmerge); then translate what it marks new
or fuzzy, and ``tests/test_translations.py`` passes again."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from photolib.accounts.translations import LANGUAGES_TRANSLATED, MAKEMESSAGES_IGNORE


class Command(BaseCommand):
    help = "Run makemessages for the translated languages with the project's options."

    def handle(self, *args, **options):
        for domain in ("django", "djangojs"):
            call_command("makemessages", locale=list(LANGUAGES_TRANSLATED), domain=domain,
                         no_location=True, ignore_patterns=list(MAKEMESSAGES_IGNORE),
                         verbosity=options["verbosity"])
