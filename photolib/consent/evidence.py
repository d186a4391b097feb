"""The ledger's head anchored outside the database: signed checkpoints.

After every append commits, ``checkpoint_after_append`` writes one object to the
``evidence`` storage alias: ``checkpoints/<sequence, 12 digits>.jws``, a compact
JWS signed with the city's key whose payload names the sequence, the head hash
at that sequence, the time it was signed and the key id. Checkpoints are never
overwritten (``checkpoint_write`` refuses; in production the bucket's Object
Lock refuses too), so someone who can rewrite the database cannot rewrite them.

Each checkpoint also carries the record itself (``record``: its canonical fields,
the personal data only as its salted commitment), so the evidence store alone proves
what a record said, and a database restored from a backup older than the newest
checkpoint can be told exactly which records it lost (``LostRecord``).

After a restore the chain goes on from the restored head, so a new record can take a
sequence whose checkpoint belongs to a lost record. ``manage.py reconcile`` writes a
signed *restore statement* (``restores/<time>-<random>.jws``) naming every lost
record it settled (re-recorded, or reported); a checkpoint so superseded is no longer
checked against the chain, and the new record's checkpoint goes beside it as
``checkpoints/<sequence>.<first 16 hex digits of its hash>.jws``. Without such a
statement an existing checkpoint is never joined by another.

``verify_checkpoints`` (run by ``manage.py verify_consent_ledger``) checks every
checkpoint against the chain; ``checkpoints_write_missing`` fills gaps left by an
evidence store that was down at append time.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import Max
from django.utils import timezone

from photolib.consent import signing
from photolib.consent.models import ConsentRecord, canonical_hash
from photolib.storage_config import EVIDENCE

logger = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoints"
CHECKPOINT_TYPE = "photolib-checkpoint+jws"
LEDGER_NAME = "photolib-consent-ledger"
RESTORE_DIR = "restores"
RESTORE_TYPE = "photolib-restore+jws"
_NAME = re.compile(r"^(\d{12})(?:\.([0-9a-f]{16}))?\.jws$")
_RESTORE_NAME = re.compile(r"^[0-9TZ]+-[0-9a-f]{8}\.jws$")


class CheckpointExists(Exception):
    """A checkpoint for this sequence is already stored; it is never replaced."""


def checkpoint_name(sequence: int, head_hash: str | None = None) -> str:
    """``checkpoints/<sequence>.jws``; with ``head_hash``, the name a checkpoint takes beside
    a superseded one of the same sequence (after a restore)."""
    if head_hash:
        return f"{CHECKPOINT_DIR}/{sequence:012d}.{head_hash[:16]}.jws"
    return f"{CHECKPOINT_DIR}/{sequence:012d}.jws"


def checkpoint_write(*, sequence: int, head_hash: str,
                     record: dict[str, Any] | None = None) -> str:
    """Sign and store the checkpoint for ``sequence``; return its storage name.

    ``record`` is the record's ``canonical_fields()``, stored in the checkpoint so the
    evidence store can prove the record after a restore lost it. Raises
    ``CheckpointExists`` if one is stored already (nothing is changed), unless a restore
    statement superseded it: then this one goes beside it, under a name with its hash.
    Raises whatever the storage raises if it cannot write (``OSError``, botocore errors).
    """
    storage = storages[EVIDENCE]
    name = checkpoint_name(sequence)
    if storage.exists(name):
        if sequence not in superseded_sequences():
            raise CheckpointExists(f"the checkpoint for #{sequence} exists and is never "
                                   "replaced")
        name = checkpoint_name(sequence, head_hash)
        if storage.exists(name):
            raise CheckpointExists(f"the checkpoint for #{sequence} ({head_hash[:16]}) exists "
                                   "and is never replaced")
    key = signing.city_key()
    claims: dict[str, Any] = {
        "ledger": LEDGER_NAME,
        "sequence": sequence,
        "headHash": head_hash,
        "time": timezone.now().isoformat(timespec="microseconds"),
        "kid": key.kid,
    }
    if record is not None:
        claims["record"] = record
    token = signing.sign_compact(claims, typ=CHECKPOINT_TYPE)
    saved = storage.save(name, ContentFile(token.encode("ascii")))
    if saved != name:
        # Another writer stored this sequence between our check and our write; the
        # storage kept both under different names. Ours is the stray one.
        raise CheckpointExists(f"the checkpoint for #{sequence} was written concurrently; "
                               f"this copy went to {saved}")
    return name


def checkpoint_after_append(*, sequence: int, head_hash: str,
                            record: dict[str, Any] | None = None) -> None:
    """``on_commit`` hook of ``ledger_append``: write the checkpoint, never raise.

    The consent is committed already; if the evidence store fails, the failure is
    logged and ``verify_consent_ledger`` reports the missing checkpoint until
    ``verify_consent_ledger --write-missing`` writes it.
    """
    try:
        checkpoint_write(sequence=sequence, head_hash=head_hash, record=record)
    except Exception:
        logger.exception("consent ledger: the checkpoint for #%s could not be written to the "
                         "'%s' storage; `manage.py verify_consent_ledger --write-missing` "
                         "writes it once the store is back", sequence, EVIDENCE)


@dataclass(frozen=True)
class LostRecord:
    """A record the evidence store holds (its checkpoint) and the database does not."""

    sequence: int
    head_hash: str
    fields: dict[str, Any] | None
    """The record's canonical fields from its checkpoint, when they prove it (they hash to
    the signed head hash); None for a checkpoint written before checkpoints carried them,
    or whose fields do not match."""
    beyond_end: bool

    @property
    def action(self) -> str:
        return (self.fields or {}).get("action", "")

    @property
    def photo_id(self) -> str:
        return (self.fields or {}).get("photo_id", "")

    def describe(self, group_names: dict[int, str] | None = None) -> str:
        if self.fields is None:
            return (f"record #{self.sequence} (hash {self.head_hash}): its checkpoint carries "
                    "no record fields, so what it was cannot be told")
        f = self.fields
        group = f.get("group_id")
        name = (group_names or {}).get(group)
        what = f"{f['action']}"
        if self.photo_id:
            what += f" of photo {self.photo_id} “{f.get('photo_title', '')}”"
        return (f"record #{self.sequence} ({what}, group {f'“{name}” ' if name else ''}"
                f"(id {group}), account {f.get('user_id')}, recorded {f.get('created_at')}, "
                f"id {f.get('id')})")


@dataclass
class CheckpointVerification:
    checkpoints: int = 0  # checkpoints that verified
    chain_end: int = 0
    problems: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    lost: list[LostRecord] = field(default_factory=list)
    """Checkpointed records the chain does not hold (a restore, or deletion): each is also
    one of ``problems``."""
    untrusted: list[str] = field(default_factory=list)
    """The problems that are not about lost records: a store that cannot be read, a
    signature that fails, a name that lies. ``reconcile`` refuses while any is listed."""
    superseded: int = 0  # checkpoints a signed restore statement settled

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing

    def missing_lines(self) -> list[str]:
        return [f"record{'s' if a != b else ''} #{a}{f'–#{b}' if a != b else ''} "
                f"{'have' if a != b else 'has'} no checkpoint in the evidence store"
                for a, b in _ranges(self.missing)]

    def _untrusted(self, line: str) -> None:
        self.problems.append(line)
        self.untrusted.append(line)


def _ranges(numbers: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in numbers:
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def _list(folder: str) -> list[str]:
    try:
        _, files = storages[EVIDENCE].listdir(folder)
    except FileNotFoundError:
        files = []
    return files


def _stored_names() -> list[tuple[int, str | None, str]]:
    """Every checkpoint as (sequence, hash prefix in its name or None, storage name)."""
    found = []
    for filename in _list(CHECKPOINT_DIR):
        match = _NAME.match(filename)
        if match:
            found.append((int(match.group(1)), match.group(2), f"{CHECKPOINT_DIR}/{filename}"))
    return sorted(found, key=lambda item: (item[0], item[1] or ""))


# A checkpoint is a few kilobytes (its record's canonical fields included); no more than
# this is read of one, so a huge object in the store cannot exhaust memory (joserfc itself
# refuses a token past about 126 KiB).
MAX_CHECKPOINT_BYTES = 96 * 1024


def _read(name: str) -> str:
    with storages[EVIDENCE].open(name, "rb") as fh:
        return fh.read(MAX_CHECKPOINT_BYTES).decode("ascii", "replace")


def restore_statements() -> tuple[list[dict[str, Any]], list[str]]:
    """The signed restore statements ``reconcile`` wrote, oldest first, and a line for
    each one that fails its signature (such a statement supersedes nothing)."""
    statements, problems = [], []
    for filename in sorted(_list(RESTORE_DIR)):
        if not _RESTORE_NAME.match(filename):
            continue
        name = f"{RESTORE_DIR}/{filename}"
        try:
            _, payload = signing.verify_compact(_read(name))
        except signing.SigningError as exc:
            problems.append(f"restore statement {name} fails its signature: {exc}; it was "
                            "rewritten or signed by another key, and supersedes nothing")
            continue
        if payload.get("ledger") != LEDGER_NAME or not isinstance(payload.get("superseded"),
                                                                    list):
            problems.append(f"restore statement {name} is not a statement about this ledger")
            continue
        statements.append(payload)
    return statements, problems


def _superseded(statements: list[dict[str, Any]]) -> set[tuple[int, str]]:
    return {(int(entry["sequence"]), str(entry["headHash"]))
            for statement in statements for entry in statement["superseded"]}


def superseded_sequences() -> set[int]:
    """Sequences at which a signed restore statement superseded a lost record's checkpoint."""
    statements, _ = restore_statements()
    return {sequence for sequence, _ in _superseded(statements)}


def proven_fields(payload: dict[str, Any]) -> dict[str, Any] | None:
    """A checkpoint's record fields, if they are the record it signed (they hash to its head
    hash and name its sequence); None otherwise."""
    fields = payload.get("record")
    if not isinstance(fields, dict) or fields.get("sequence") != payload.get("sequence"):
        return None
    try:
        proven = canonical_hash(fields) == payload.get("headHash")
    except (TypeError, ValueError):
        return None
    return fields if proven else None


def verify_checkpoints() -> CheckpointVerification:
    """Check every stored checkpoint against the chain; list what is wrong.

    Reported, one line each: a checkpoint whose signature fails (rewritten, or
    signed by another key), one naming another sequence than its file name, one
    beyond the chain's end (the newest records were deleted and the head moved
    back, or the database was restored from a backup older than it), one whose head
    hash differs from the record at its sequence (records were rewritten, or lost to
    a restore and their sequences taken by new records), and an evidence store that
    cannot be read at all. The last two kinds are also listed in ``lost``, with the
    record the checkpoint proves. A checkpoint a signed restore statement superseded
    is only counted. Records with no checkpoint are listed in ``missing``.
    """
    result = CheckpointVerification()
    result.chain_end = ConsentRecord.objects.aggregate(end=Max("sequence"))["end"] or 0
    try:
        stored = _stored_names()
        statements, statement_problems = restore_statements()
    except Exception as exc:  # any backend's failure (OSError, botocore's errors) is reported
        result._untrusted(f"the evidence store ('{EVIDENCE}') cannot be read "
                          f"({type(exc).__name__}: {exc}); no checkpoint was checked")
        return result
    for line in statement_problems:
        result._untrusted(line)
    superseded = _superseded(statements)
    hashes = dict(ConsentRecord.objects.filter(sequence__in={s for s, _, _ in stored})
                  .values_list("sequence", "record_hash"))
    seen: set[int] = set()
    for sequence, suffix, name in stored:
        token = _read(name)
        try:
            _, payload = signing.verify_compact(token)
        except signing.SigningError as exc:
            seen.add(sequence)  # reported here, not a second time as missing
            result._untrusted(f"checkpoint #{sequence} ({name}) fails its signature: "
                              f"{exc}; the checkpoint was rewritten")
            continue
        head_hash = str(payload.get("headHash"))
        if (payload.get("sequence") != sequence or payload.get("ledger") != LEDGER_NAME
                or (suffix is not None and not head_hash.startswith(suffix))):
            seen.add(sequence)
            result._untrusted(f"checkpoint {name} is signed for #{payload.get('sequence')}"
                              f" of {payload.get('ledger')!r}, not for #{sequence}")
            continue
        if (sequence, head_hash) in superseded:
            result.superseded += 1
            continue
        seen.add(sequence)
        if sequence > result.chain_end:
            result.problems.append(
                f"checkpoint #{sequence} is beyond the chain's end (#{result.chain_end}): "
                f"records after #{result.chain_end} were deleted and the head moved back")
        elif sequence not in hashes:
            result.problems.append(f"checkpoint #{sequence} names a record that is not in "
                                   "the ledger: it was deleted")
        elif hashes[sequence] != head_hash:
            result.problems.append(
                f"checkpoint #{sequence} signed head hash {head_hash}, but record "
                f"#{sequence} has {hashes[sequence]}: records were rewritten")
        else:
            result.checkpoints += 1
            continue
        result.lost.append(LostRecord(sequence=sequence, head_hash=head_hash,
                                      fields=proven_fields(payload),
                                      beyond_end=sequence > result.chain_end))
    result.missing = [n for n in range(1, result.chain_end + 1) if n not in seen]
    return result


def checkpoints_write_missing() -> list[int]:
    """Write a checkpoint, signed now, for every record that has none; return their
    sequences. Each states the record's hash (and fields) as of this moment, not of its
    append.

    Callers (``verify_consent_ledger --write-missing``, ``reconcile``) run it only once
    the chain and every stored checkpoint verified, so it never blesses a rewritten
    ledger.
    """
    missing = verify_checkpoints().missing
    written = []
    records = {r.sequence: r for r in ConsentRecord.objects.filter(sequence__in=missing)}
    for sequence in missing:
        record = records[sequence]
        try:
            checkpoint_write(sequence=sequence, head_hash=record.record_hash,
                             record=record.canonical_fields())
        except CheckpointExists:
            continue  # written meanwhile by the append itself
        written.append(sequence)
    return written


def restore_statement_write(*, restored_to: tuple[int, str],
                            superseded: list[dict[str, Any]]) -> str:
    """Sign and store a restore statement; return its storage name.

    ``restored_to`` is the (sequence, hash) of the database's chain where the lost records
    branched off; ``superseded`` one entry per lost record settled (``sequence``,
    ``headHash``, ``recordId``, ``action``, ``reconciledAs``: the sequence of the record
    re-recording it, or None, and ``note``: what was done). Written by ``reconcile`` only.
    """
    key = signing.city_key()
    now = timezone.now()
    token = signing.sign_compact({
        "ledger": LEDGER_NAME,
        "statement": "restore",
        "restoredTo": {"sequence": restored_to[0], "headHash": restored_to[1]},
        "superseded": superseded,
        "time": now.isoformat(timespec="microseconds"),
        "kid": key.kid,
    }, typ=RESTORE_TYPE)
    name = f"{RESTORE_DIR}/{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}.jws"
    saved = storages[EVIDENCE].save(name, ContentFile(token.encode("ascii")))
    return saved


def withdrawn_photo_ids() -> set[str]:
    """Every photo id a photo withdrawal in the evidence store names (superseded
    checkpoints included): ``sweep_storage`` never deletes those photos' originals.
    Reads every checkpoint; called only when the sweep is about to delete originals."""
    ids = set()
    for _, _, name in _stored_names():
        try:
            _, payload = signing.verify_compact(_read(name))
        except signing.SigningError:
            continue
        fields = payload.get("record")
        if isinstance(fields, dict) and fields.get("photo_id"):
            ids.add(str(fields["photo_id"]))
    return ids
