"""After a database restore: settle every record the evidence store proves and the
restored database lost (``manage.py reconcile``).

Withdrawals are re-recorded (``services.consent_reconcile_withdrawal``), so a restore can
never silently undo one; lost grants are only reported (a grant needs the person, who
must join again). Then a signed restore statement names every lost record settled, so
``verify_consent_ledger`` stops reporting them, and the re-recorded records get their
checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from photolib.consent import evidence, services
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import GENESIS_HASH, CommunityGroup, ConsentRecord

WITHDRAWALS = (ConsentRecord.Action.WITHDRAW, ConsentRecord.Action.WITHDRAW_PHOTO)


class ReconcileRefused(Exception):
    """The ledger or the evidence store is in a state reconciling would paper over."""


@dataclass
class Settled:
    lost: evidence.LostRecord
    reconciled_as: int | None
    note: str


@dataclass
class ReconcileReport:
    settled: list[Settled] = field(default_factory=list)
    unprovable: list[evidence.LostRecord] = field(default_factory=list)
    statement: str | None = None
    checkpoints_written: list[int] = field(default_factory=list)
    group_names: dict[int, str] = field(default_factory=dict)


def reconcile() -> ReconcileReport:
    """Settle every lost record the evidence store proves; return what was done.

    Refuses (``ReconcileRefused``, nothing done) while the chain itself does not verify,
    the evidence store cannot be trusted (unreadable, a signature failing), or the lost
    records do not branch off this database's chain (not a restore). A lost checkpoint
    without provable record fields is left reported (``unprovable``): what it was cannot
    be known, so verification keeps failing until an operator looks. Running it again
    does nothing: settled records are superseded by the statement, and a re-recording
    interrupted before its statement is not made twice.
    """
    chain = verify_ledger()
    if not chain.ok:
        raise ReconcileRefused(f"the ledger's own chain does not verify "
                               f"({chain.problem.reason}); reconciling would hide that")
    anchors = evidence.verify_checkpoints()
    if anchors.untrusted:
        raise ReconcileRefused("the evidence store cannot be trusted as it is: "
                               + "; ".join(anchors.untrusted))
    report = ReconcileReport(group_names=dict(
        CommunityGroup.objects.values_list("pk", "name")))
    provable = sorted((lost for lost in anchors.lost if lost.fields is not None),
                      key=lambda lost: lost.sequence)
    report.unprovable = [lost for lost in anchors.lost if lost.fields is None]
    if not provable:
        return report
    first = provable[0]
    branch = first.sequence - 1
    branch_hash = (GENESIS_HASH if branch == 0 else ConsentRecord.objects.filter(
        sequence=branch).values_list("record_hash", flat=True).first())
    if first.fields.get("prev_hash") != branch_hash:
        raise ReconcileRefused(
            f"the first lost record, #{first.sequence}, does not follow record #{branch} "
            "of this database; the lost records are not a later part of this chain")
    entries = []
    for lost in provable:
        if lost.action in WITHDRAWALS:
            done = services.consent_reconcile_withdrawal(
                lost=lost.fields, sequence=lost.sequence, head_hash=lost.head_hash)
            reconciled_as = done.record.sequence if done.record else None
            note = "; ".join(done.notes)
        else:
            reconciled_as = None
            note = ("a grant is not re-recorded: it needs the person, who must join again "
                    "(their photos uploaded under it are not in the restored database)")
        report.settled.append(Settled(lost, reconciled_as, note))
        entries.append({"sequence": lost.sequence, "headHash": lost.head_hash,
                        "recordId": lost.fields.get("id"), "action": lost.action,
                        "reconciledAs": reconciled_as, "note": note})
    report.statement = evidence.restore_statement_write(
        restored_to=(branch, branch_hash), superseded=entries)
    report.checkpoints_written = evidence.checkpoints_write_missing()
    return report
