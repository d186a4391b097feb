"""``manage.py reconcile``: after restoring the database from a backup, apply what the
evidence store proves the restore lost, before the site serves marketing again.

Lost withdrawals (of a group consent, of one photo) are re-recorded as new ledger records
(collection method ``reconciled``) and their photos marked withdrawn; lost grants are
reported only. Prints one line per lost record; a second run finds nothing to do. Exits 1
when it refuses (the ledger or the evidence store does not verify) or when a lost record
cannot be proved from the evidence store.
"""

from django.core.management.base import BaseCommand

from photolib.consent.reconcile import ReconcileRefused, reconcile


class Command(BaseCommand):
    help = ("Re-record the withdrawals a database restore lost, from the evidence store's "
            "signed checkpoints, and report lost grants.")

    def handle(self, *args, **options):
        try:
            report = reconcile()
        except ReconcileRefused as exc:
            self.stderr.write(self.style.ERROR(f"Refused: {exc}."))
            raise SystemExit(1) from exc
        for done in report.settled:
            self.stdout.write(f"{done.lost.describe(report.group_names)}: {done.note}.")
        for lost in report.unprovable:
            self.stderr.write(self.style.ERROR(
                f"UNPROVABLE: {lost.describe()}; verify_consent_ledger keeps reporting it."))
        if report.statement:
            self.stdout.write(f"Wrote the restore statement {report.statement} and "
                              f"{len(report.checkpoints_written)} checkpoint(s).")
        if not report.settled and not report.unprovable:
            self.stdout.write(self.style.SUCCESS(
                "Nothing to reconcile: the evidence store holds no record this database "
                "lacks."))
        if report.unprovable:
            raise SystemExit(1)
