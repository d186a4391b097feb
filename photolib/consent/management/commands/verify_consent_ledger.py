"""``manage.py verify_consent_ledger``: prove the consent ledger is whole.

Re-hashes every published agreement text, checks the chain (every record's hash,
its agreement's hash and its link, and the head) and every signed checkpoint in the
evidence store against it. Prints OK lines, or one line per problem on stderr, and
exits 1 when anything is wrong. A record the evidence store proves and the database
lacks (a restore from an older backup) is printed as a ``LOST:`` line naming its
sequence, action, group, account and photo; ``manage.py reconcile`` settles those.
``--write-missing`` first writes a checkpoint, signed now, for every record that has
none, but only when the chain and every stored checkpoint verified.
"""

from django.core.management.base import BaseCommand

from photolib.consent import signing
from photolib.consent.evidence import checkpoints_write_missing, verify_checkpoints
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import CommunityGroup

MAX_LINES = 50


class Command(BaseCommand):
    help = ("Re-hash every published agreement text; recompute every consent record's hash "
            "and chain link; check every signed checkpoint in the evidence store against "
            "the chain.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--write-missing", action="store_true",
            help="write a checkpoint (signed now) for each record that has none, e.g. after "
                 "the evidence store was down; refused while anything else is wrong")

    def handle(self, *args, write_missing=False, **options):
        chain = verify_ledger()
        anchors = verify_checkpoints()
        if write_missing:
            if chain.ok and not anchors.problems:
                written = checkpoints_write_missing()
                self.stdout.write(f"Wrote {len(written)} missing checkpoint(s).")
                anchors = verify_checkpoints()
            else:
                self.stderr.write("Not writing missing checkpoints: the ledger does not "
                                  "verify (see below); signing it now would hide that.")
        broken = False
        if chain.ok:
            self.stdout.write(self.style.SUCCESS(
                f"OK: {chain.records} records ({chain.grants} grants, "
                f"{chain.withdrawals} withdrawals, {chain.photo_withdrawals} photo "
                f"withdrawals) under {chain.agreements} published agreement versions; every "
                "text hash, record hash and link verified."))
        else:
            broken = True
            p = chain.problem
            if p.agreement:
                where = f"agreement version {p.agreement}"
            elif p.sequence:
                where = f"record #{p.sequence} ({p.record_id})"
            else:
                where = "ledger head"
            self.stderr.write(self.style.ERROR(f"BROKEN at {where}: {p.reason}. "
                                               f"{chain.records} records before it verified."))
        if anchors.ok:
            settled = (f" ({anchors.superseded} more settled by a restore statement)"
                       if anchors.superseded else "")
            self.stdout.write(self.style.SUCCESS(
                f"OK: {anchors.checkpoints} checkpoints, signed by key "
                f"{signing.city_key().kid}, match the chain{settled}."))
        else:
            broken = True
            lines = anchors.problems + anchors.missing_lines()
            for line in lines[:MAX_LINES]:
                self.stderr.write(self.style.ERROR(f"CHECKPOINT: {line}."))
            if len(lines) > MAX_LINES:
                self.stderr.write(self.style.ERROR(
                    f"CHECKPOINT: … and {len(lines) - MAX_LINES} more problems."))
            if anchors.lost:
                names = dict(CommunityGroup.objects.values_list("pk", "name"))
                for lost in anchors.lost[:MAX_LINES]:
                    self.stderr.write(self.style.ERROR(
                        f"LOST: {lost.describe(names)} is in the evidence store but not in "
                        "this database."))
                if len(anchors.lost) > MAX_LINES:
                    self.stderr.write(self.style.ERROR(
                        f"LOST: … and {len(anchors.lost) - MAX_LINES} more records."))
                self.stderr.write(
                    "If the database was restored from a backup older than these records, "
                    "run `manage.py reconcile` before serving marketing: it re-records the "
                    "lost withdrawals and reports the lost grants.")
            if anchors.missing and not anchors.problems:
                self.stderr.write("Once the evidence store is reachable, "
                                  "`manage.py verify_consent_ledger --write-missing` writes "
                                  "the missing checkpoints.")
        if broken:
            raise SystemExit(1)
