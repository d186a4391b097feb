"""``manage.py apply_retention``: run every retention rule once (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from photolib.rights.retention import retention_apply_all


class Command(BaseCommand):
    help = ("Apply the retention rules once: end legal holds, delete old rejected and failed "
            "photos, delete old download copies. Safe to run any number of times.")

    def handle(self, *args, **options) -> None:
        for name, count in retention_apply_all().items():
            self.stdout.write(f"{name}: {count}")
