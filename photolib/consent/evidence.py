"""The ledger's head anchored outside the database: signed checkpoints.

After every append commits, ``checkpoint_after_append`` writes one object to the
``evidence`` storage alias: ``checkpoints/<sequence, 12 digits>.jws``, a compact
JWS signed with the city's key whose payload names the sequence, the head hash
at that sequence, the time it was signed and the key id. Checkpoints are never
overwritten (``checkpoint_write`` refuses; in production the bucket's Object
Lock refuses too), so someone who can rewrite the database cannot rewrite them.

``verify_checkpoints`` (run by ``manage.py verify_consent_ledger``) checks every
checkpoint against the chain; ``checkpoints_write_missing`` fills gaps left by an
evidence store that was down at append time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import Max
from django.utils import timezone

from photolib.consent import signing
from photolib.consent.models import ConsentRecord
from photolib.storage_config import EVIDENCE

logger = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoints"
CHECKPOINT_TYPE = "photolib-checkpoint+jws"
LEDGER_NAME = "photolib-consent-ledger"
_NAME = re.compile(r"^(\d{12})\.jws$")


class CheckpointExists(Exception):
    """A checkpoint for this sequence is already stored; it is never replaced."""


def checkpoint_name(sequence: int) -> str:
    return f"{CHECKPOINT_DIR}/{sequence:012d}.jws"


def checkpoint_write(*, sequence: int, head_hash: str) -> str:
    """Sign and store the checkpoint for ``sequence``; return its storage name.

    Raises ``CheckpointExists`` if one is stored already (nothing is changed), and
    whatever the storage raises if it cannot write (``OSError``, botocore errors).
    """
    storage = storages[EVIDENCE]
    name = checkpoint_name(sequence)
    if storage.exists(name):
        raise CheckpointExists(f"the checkpoint for #{sequence} exists and is never replaced")
    key = signing.city_key()
    token = signing.sign_compact({
        "ledger": LEDGER_NAME,
        "sequence": sequence,
        "headHash": head_hash,
        "time": timezone.now().isoformat(timespec="microseconds"),
        "kid": key.kid,
    }, typ=CHECKPOINT_TYPE)
    saved = storage.save(name, ContentFile(token.encode("ascii")))
    if saved != name:
        # Another writer stored this sequence between our check and our write; the
        # storage kept both under different names. Ours is the stray one.
        raise CheckpointExists(f"the checkpoint for #{sequence} was written concurrently; "
                               f"this copy went to {saved}")
    return name


def checkpoint_after_append(*, sequence: int, head_hash: str) -> None:
    """``on_commit`` hook of ``ledger_append``: write the checkpoint, never raise.

    The consent is committed already; if the evidence store fails, the failure is
    logged and ``verify_consent_ledger`` reports the missing checkpoint until
    ``verify_consent_ledger --write-missing`` writes it.
    """
    try:
        checkpoint_write(sequence=sequence, head_hash=head_hash)
    except Exception:
        logger.exception("consent ledger: the checkpoint for #%s could not be written to the "
                         "'%s' storage; `manage.py verify_consent_ledger --write-missing` "
                         "writes it once the store is back", sequence, EVIDENCE)


@dataclass
class CheckpointVerification:
    checkpoints: int = 0  # checkpoints that verified
    chain_end: int = 0
    problems: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing

    def missing_lines(self) -> list[str]:
        return [f"record{'s' if a != b else ''} #{a}{f'–#{b}' if a != b else ''} "
                f"{'have' if a != b else 'has'} no checkpoint in the evidence store"
                for a, b in _ranges(self.missing)]


def _ranges(numbers: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in numbers:
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def _stored_names() -> list[tuple[int, str]]:
    storage = storages[EVIDENCE]
    try:
        _, files = storage.listdir(CHECKPOINT_DIR)
    except FileNotFoundError:
        files = []
    found = []
    for filename in files:
        match = _NAME.match(filename)
        if match:
            found.append((int(match.group(1)), f"{CHECKPOINT_DIR}/{filename}"))
    return sorted(found)


def verify_checkpoints() -> CheckpointVerification:
    """Check every stored checkpoint against the chain; list what is wrong.

    Reported, one line each: a checkpoint whose signature fails (rewritten, or
    signed by another key), one naming another sequence than its file name, one
    beyond the chain's end (the newest records were deleted and the head moved
    back), one whose head hash differs from the record at its sequence (records
    were rewritten), and an evidence store that cannot be read at all. Records
    with no checkpoint are listed in ``missing``.
    """
    storage = storages[EVIDENCE]
    result = CheckpointVerification()
    result.chain_end = ConsentRecord.objects.aggregate(end=Max("sequence"))["end"] or 0
    try:
        stored = _stored_names()
    except Exception as exc:  # any backend's failure (OSError, botocore's errors) is reported
        result.problems.append(f"the evidence store ('{EVIDENCE}') cannot be read "
                               f"({type(exc).__name__}: {exc}); no checkpoint was checked")
        return result
    hashes = dict(ConsentRecord.objects.filter(sequence__in=[s for s, _ in stored])
                  .values_list("sequence", "record_hash"))
    seen: set[int] = set()
    for sequence, name in stored:
        seen.add(sequence)  # reported below if wrong, not a second time as missing
        with storage.open(name, "rb") as fh:
            token = fh.read(64 * 1024).decode("ascii", "replace")
        try:
            _, payload = signing.verify_compact(token)
        except signing.SigningError as exc:
            result.problems.append(f"checkpoint #{sequence} ({name}) fails its signature: "
                                   f"{exc}; the checkpoint was rewritten")
            continue
        if payload.get("sequence") != sequence or payload.get("ledger") != LEDGER_NAME:
            result.problems.append(f"checkpoint {name} is signed for #{payload.get('sequence')}"
                                   f" of {payload.get('ledger')!r}, not for #{sequence}")
            continue
        if sequence > result.chain_end:
            result.problems.append(
                f"checkpoint #{sequence} is beyond the chain's end (#{result.chain_end}): "
                f"records after #{result.chain_end} were deleted and the head moved back")
        elif sequence not in hashes:
            result.problems.append(f"checkpoint #{sequence} names a record that is not in "
                                   "the ledger: it was deleted")
        elif hashes[sequence] != payload.get("headHash"):
            result.problems.append(
                f"checkpoint #{sequence} signed head hash {payload.get('headHash')}, but record "
                f"#{sequence} has {hashes[sequence]}: records were rewritten")
        else:
            result.checkpoints += 1
    result.missing = [n for n in range(1, result.chain_end + 1) if n not in seen]
    return result


def checkpoints_write_missing() -> list[int]:
    """Write a checkpoint, signed now, for every record that has none; return their
    sequences. Each states the record's hash as of this moment, not of its append.

    Callers (``verify_consent_ledger --write-missing``) run it only once the chain
    and every stored checkpoint verified, so it never blesses a rewritten ledger.
    """
    missing = verify_checkpoints().missing
    written = []
    hashes = dict(ConsentRecord.objects.filter(sequence__in=missing)
                  .values_list("sequence", "record_hash"))
    for sequence in missing:
        try:
            checkpoint_write(sequence=sequence, head_hash=hashes[sequence])
        except CheckpointExists:
            continue  # written meanwhile by the append itself
        written.append(sequence)
    return written
