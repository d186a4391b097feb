"""``manage.py verify_consent_ledger``: prove the consent ledger is whole.

Prints OK with counts, or the first broken record, and exits 1 when broken.
"""

from django.core.management.base import BaseCommand

from photolib.consent.ledger import verify_ledger


class Command(BaseCommand):
    help = "Recompute every consent record's hash and every chain link."

    def handle(self, *args, **options):
        result = verify_ledger()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(
                f"OK: {result.records} records ({result.grants} grants, "
                f"{result.withdrawals} withdrawals); every hash and link verified."))
            return
        p = result.problem
        where = f"record #{p.sequence} ({p.record_id})" if p.sequence else "ledger head"
        self.stderr.write(self.style.ERROR(f"BROKEN at {where}: {p.reason}. "
                                           f"{result.records} records before it verified."))
        raise SystemExit(1)
