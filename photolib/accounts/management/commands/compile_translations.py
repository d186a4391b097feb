"""``manage.py compile_translations``: the ``.po`` files to ``.mo``, without GNU gettext."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from photolib.accounts.translations import compile_catalogs


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po to .mo (pure Python; only what changed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile every catalog.")

    def handle(self, *args, force: bool = False, **options):
        written = compile_catalogs([Path(p) for p in settings.LOCALE_PATHS], force=force)
        for path in written:
            self.stdout.write(f"compiled {path.relative_to(settings.BASE_DIR)}")
        if not written:
            self.stdout.write("translations up to date")
