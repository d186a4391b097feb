"""Verifying the consent ledger: every published agreement text, every record's
hash, every link of the chain and every evidence row still present."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from photolib.consent.models import GENESIS_HASH, AgreementVersion, ConsentRecord, LedgerHead


@dataclass(frozen=True)
class Problem:
    sequence: int | None
    record_id: str | None
    reason: str
    agreement: str | None = None  # "<group> – v<n> (id <pk>)" when a version is at fault


@dataclass(frozen=True)
class Verification:
    records: int
    grants: int
    withdrawals: int
    problem: Problem | None
    photo_withdrawals: int = 0
    agreements: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


def _walk() -> Iterator[ConsentRecord]:
    yield from (ConsentRecord.objects.select_related("evidence").order_by("sequence")
                .iterator(chunk_size=2000))


def _evidence_problem(record: ConsentRecord) -> str | None:
    """What is wrong with a record's evidence row, if it has one (erased: nothing)."""
    evidence = record.personal
    if evidence is None:
        return None
    if evidence.account_id != record.user_id:
        return "its evidence row names another account than the record"
    if evidence.commitment() != record.personal_commitment:
        return ("its evidence row does not match the record's personal-data commitment: "
                "the personal data was altered")
    return None


def _agreement_label(version: AgreementVersion) -> str:
    return f"{version.group.name} – v{version.number} (id {version.pk})"


def _verify_agreements() -> tuple[dict[int, str], Problem | None]:
    """Re-hash every published agreement text against its stored ``text_sha256``.

    Returns each published version's hash by id, and the first version (by id)
    whose text no longer matches, if any.
    """
    hashes: dict[int, str] = {}
    for version in (AgreementVersion.objects.published().select_related("group")
                    .order_by("pk").iterator(chunk_size=200)):
        if version.compute_text_sha256() != version.text_sha256:
            return hashes, Problem(None, None, "its text does not match its SHA-256: the "
                                   "published agreement text was altered",
                                   agreement=_agreement_label(version))
        hashes[version.pk] = version.text_sha256
    return hashes, None


def verify_ledger() -> Verification:
    """Re-hash every published agreement text, then recompute each record's hash,
    check it links to the one before it, that the agreement hash it carries is
    its (still published) version's, and that its evidence row, where one is left
    (erasure deletes it), matches the record's personal-data commitment.

    Stops at the first broken agreement version or record and names it. Memory
    grows with the number of agreement versions only, not of records.
    """
    previous_hash, expected_sequence = GENESIS_HASH, 1
    counts = {action: 0 for action in ConsentRecord.Action.values}
    total = 0
    agreement_hashes, problem = _verify_agreements()
    if problem is not None:
        return Verification(records=0, grants=0, withdrawals=0, problem=problem,
                            agreements=len(agreement_hashes))
    for record in _walk():
        ident = (record.sequence, str(record.id))
        version_hash = agreement_hashes.get(record.agreement_version_id)
        if record.sequence != expected_sequence:
            problem = Problem(*ident, f"sequence {record.sequence} where {expected_sequence} "
                                      "was expected: a record is missing")
        elif record.prev_hash != previous_hash:
            problem = Problem(*ident, "its previous-hash does not match the record before it")
        elif record.compute_hash() != record.record_hash:
            problem = Problem(*ident, "its fields do not match its hash: the record was altered")
        elif version_hash is None:
            problem = Problem(*ident, f"its agreement version (id {record.agreement_version_id})"
                                      " is not a published version any more")
        elif record.agreement_text_sha256 != version_hash:
            problem = Problem(*ident, "its agreement text hash is not the hash of its agreement "
                                      f"version (id {record.agreement_version_id})")
        elif (reason := _evidence_problem(record)) is not None:
            problem = Problem(*ident, reason)
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
                        withdrawals=counts[ConsentRecord.Action.WITHDRAW], problem=problem,
                        photo_withdrawals=counts[ConsentRecord.Action.WITHDRAW_PHOTO],
                        agreements=len(agreement_hashes))
