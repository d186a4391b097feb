"""``manage.py reindex_search``: rebuild every search document from its photo.

Run once after upgrading past the change that keeps residents' private display names out
of the search documents (issue 12): documents written before it still hold them. Safe to
run again at any time; it only rewrites documents that exist.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from photolib.catalog.search.index import reindex_all


class Command(BaseCommand):
    help = "Rebuild every catalog search document from its photo as it is now."

    def handle(self, *args, **options) -> None:
        count = reindex_all()
        self.stdout.write(f"Rebuilt {count} search document{'s' if count != 1 else ''}.")
