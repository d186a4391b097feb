"""``manage.py sweep_storage [--delete]``: find storage objects and rows that lost each other.

Walks every storage alias an app registered (``photolib.sweep``: photos' originals and
renditions, the catalog's download copies) and reports objects no row names (an upload whose
row failed to commit, a rendition a killed worker left) and rows whose object is gone. With
``--delete`` it removes orphan objects older than ``--grace-minutes`` (an upload in flight has
its object before its row), except those an owner keeps (an original whose photo id the
consent evidence store, the ledger or an outbox row names: after a database restore its row
may be what was lost) and lets each owner settle its rows without an object (rendition
rows go, so ``reprocess_photos`` renders them again; photos whose original is gone are marked
``failed``; download rows are only reported).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import storages
from django.core.management.base import BaseCommand
from django.utils import timezone

from photolib.sweep import registered, walk


class Command(BaseCommand):
    help = "List (and with --delete remove) storage objects without rows and rows without objects."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove the orphans")
        parser.add_argument("--grace-minutes", type=int, default=60,
                            help="leave objects younger than this alone (default 60)")

    def handle(self, *args, delete: bool, grace_minutes: int, **options):
        cutoff = timezone.now() - timedelta(minutes=grace_minutes)
        orphans = missing = removed = 0
        settled: list[str] = []
        for owner in registered():
            storage = storages[owner.alias]
            known = owner.known_keys()
            found = set(walk(storage))
            orphan_names = sorted(found - known)
            kept = owner.keep(orphan_names) if owner.keep and orphan_names else {}
            for name in orphan_names:
                orphans += 1
                young = storage.get_modified_time(name) > cutoff
                note = " (younger than the grace period: kept)" if young and delete else ""
                if name in kept:
                    note = f" ({kept[name]}: never deleted)"
                self.stdout.write(f"object without a row: {owner.alias}/{name}{note}")
                if delete and not young and name not in kept:
                    storage.delete(name)
                    removed += 1
            gone = sorted(known - found)
            missing += len(gone)
            for key in gone:
                self.stdout.write(f"row without an object: {owner.alias}/{key}")
            if delete and owner.forget_missing is not None:
                settled.append(owner.forget_missing(gone))
        if delete:
            self.stdout.write("; ".join([f"Removed {removed} object(s)", *settled]) + ".")
        else:
            self.stdout.write(
                f"{orphans} object(s) without a row, {missing} row(s) without an object. "
                "Run with --delete to remove the orphans.")
