"""Verifying the consent ledger: every record's hash and every link of the chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from photolib.consent.models import GENESIS_HASH, ConsentRecord, LedgerHead


@dataclass(frozen=True)
class Problem:
    sequence: int | None
    record_id: str | None
    reason: str


@dataclass(frozen=True)
class Verification:
    records: int
    grants: int
    withdrawals: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _walk() -> Iterator[ConsentRecord]:
    yield from ConsentRecord.objects.order_by("sequence").iterator(chunk_size=2000)


def verify_ledger() -> Verification:
    """Recompute each record's hash and check it links to the one before it.

    Stops at the first broken record and names it. Runs in constant memory.
    """
    previous_hash, expected_sequence = GENESIS_HASH, 1
    counts = {ConsentRecord.Action.GRANT: 0, ConsentRecord.Action.WITHDRAW: 0}
    total = 0
    problem = None
    for record in _walk():
        ident = (record.sequence, str(record.id))
        if record.sequence != expected_sequence:
            problem = Problem(*ident, f"sequence {record.sequence} where {expected_sequence} "
                                      "was expected: a record is missing")
        elif record.prev_hash != previous_hash:
            problem = Problem(*ident, "its previous-hash does not match the record before it")
        elif record.compute_hash() != record.record_hash:
            problem = Problem(*ident, "its fields do not match its hash: the record was altered")
        if problem:
            break
        counts[record.action] = counts.get(record.action, 0) + 1
        total += 1
        previous_hash, expected_sequence = record.record_hash, record.sequence + 1
    if problem is None:
        head = LedgerHead.objects.filter(id=1).first()
        if head is not None and (head.last_sequence, head.last_hash) != (total, previous_hash):
            problem = Problem(None, None, f"the ledger head points at #{head.last_sequence}, "
                                          f"but the chain ends at #{expected_sequence - 1}: "
                                          "records were removed from its end")
    return Verification(records=total, grants=counts[ConsentRecord.Action.GRANT],
                        withdrawals=counts[ConsentRecord.Action.WITHDRAW], problem=problem)
