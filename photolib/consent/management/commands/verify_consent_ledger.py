"""``manage.py verify_consent_ledger``: prove the consent ledger is whole.

Prints OK with counts, or the first broken agreement version or record, and
exits 1 when broken.
"""

from django.core.management.base import BaseCommand

from photolib.consent.ledger import verify_ledger


class Command(BaseCommand):
    help = ("Re-hash every published agreement text; recompute every consent record's hash "
            "and every chain link.")

    def handle(self, *args, **options):
        result = verify_ledger()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(
                f"OK: {result.records} records ({result.grants} grants, "
                f"{result.withdrawals} withdrawals, {result.photo_withdrawals} photo "
                f"withdrawals) under {result.agreements} published agreement versions; every "
                "text hash, record hash and link verified."))
            return
        p = result.problem
        if p.agreement:
            where = f"agreement version {p.agreement}"
        elif p.sequence:
            where = f"record #{p.sequence} ({p.record_id})"
        else:
            where = "ledger head"
        self.stderr.write(self.style.ERROR(f"BROKEN at {where}: {p.reason}. "
                                           f"{result.records} records before it verified."))
        raise SystemExit(1)
