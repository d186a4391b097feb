"""The resident's export (GDPR Art. 15 and 20): everything about them, as one ZIP.

``export_entries`` lists what goes in (names and how to produce each part's bytes), and
``export_zip_stream`` streams the ZIP of them chunk by chunk: an original is copied from
storage in 64 KiB pieces, never loaded whole. Uses of photos name the use, campaign and
date, never who on the staff downloaded them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import storages
from django.utils import timezone

from photolib.accounts.models import User
from photolib.catalog.models import Download
from photolib.consent import iso27560, receipts
from photolib.consent.models import ConsentRecord
from photolib.csvcells import csv_row
from photolib.photos.keys import ORIGINALS, safe_stem
from photolib.photos.models import Photo
from photolib.zipstream import ZipSink

CHUNK = 1 << 16
PHOTO_COLUMNS = ("id", "title", "description", "tags", "place_name", "hide_location", "group",
                 "status",
                 "status_reason", "uploaded_at", "reviewed_at", "withdrawn_at",
                 "taken_down_at", "legal_hold_until", "original_name", "original_size",
                 "sha256", "width", "height", "taken_at", "camera_make", "camera_model",
                 "gps_latitude", "gps_longitude", "people", "uses")
USE_COLUMNS = ("photo_id", "photo_title", "use", "campaign", "date")


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _csv(columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(csv_row(row[c] for c in columns))
    return out.getvalue().encode("utf-8")


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def _photo_row(photo: Photo, uses: int) -> dict[str, Any]:
    attestation = getattr(photo, "attestation", None)
    return {
        "id": str(photo.pk), "title": photo.title, "description": photo.description,
        "tags": ", ".join(t.name for t in photo.tags.all()), "place_name": photo.place_name,
        "hide_location": photo.hide_location,
        "group": photo.group.name, "status": photo.status, "status_reason": photo.status_reason,
        "uploaded_at": _iso(photo.uploaded_at), "reviewed_at": _iso(photo.reviewed_at),
        "withdrawn_at": _iso(photo.withdrawn_at), "taken_down_at": _iso(photo.taken_down_at),
        "legal_hold_until": _iso(photo.legal_hold_until), "original_name": photo.original_name,
        "original_size": photo.original_size, "sha256": photo.sha256, "width": photo.width,
        "height": photo.height, "taken_at": _iso(photo.taken_at),
        "camera_make": photo.camera_make, "camera_model": photo.camera_model,
        "gps_latitude": photo.gps_latitude, "gps_longitude": photo.gps_longitude,
        "people": attestation.people if attestation else "", "uses": uses,
    }


@dataclass(frozen=True)
class Entry:
    """One file of the export: its name in the ZIP and a function giving its chunks."""

    name: str
    chunks: Callable[[], Iterator[bytes]]


def _bytes(data: bytes) -> Callable[[], Iterator[bytes]]:
    return lambda: iter([data])


def _stored(key: str) -> Callable[[], Iterator[bytes]]:
    def read() -> Iterator[bytes]:
        with storages[ORIGINALS].open(key, "rb") as fh:
            yield from iter(lambda: fh.read(CHUNK), b"")
    return read


def export_entries(user: User) -> list[Entry]:
    """Every file of ``user``'s export, in order. Reads the rows now; originals are
    read from storage only when the ZIP is written."""
    photos = list(Photo.objects.filter(owner=user).select_related("group", "attestation")
                  .prefetch_related("tags").order_by("uploaded_at"))
    downloads = list(Download.objects.filter(photo__in=photos).select_related("photo")
                     .order_by("at").only("photo__id", "photo__title", "use", "campaign", "at"))
    counts: dict[Any, int] = {}
    for d in downloads:
        counts[d.photo_id] = counts.get(d.photo_id, 0) + 1
    rows = [_photo_row(p, counts.get(p.pk, 0)) for p in photos]
    uses = [{"photo_id": str(d.photo_id), "photo_title": d.photo.title,
             "use": d.get_use_display(), "campaign": d.campaign, "date": _iso(d.at)}
            for d in downloads]
    records = list(ConsentRecord.objects.filter(user=user)
                   .select_related("group", "agreement_version", "evidence")
                   .order_by("sequence"))
    history = [{"receipt_id": str(r.id), "sequence": r.sequence, "action": r.action,
                "group": r.group.name, "agreement_version": r.agreement_version.number,
                "time": _iso(r.created_at), "collection_method": r.collection_method,
                "statements": list(r.statements), "photo_id": str(r.photo_id or "") or None,
                "photo_title": r.photo_title or None, "record_hash": r.record_hash,
                "personal_commitment": r.personal_commitment}
               for r in records]
    account = {"id": user.pk, "email": user.email, "display_name": user.display_name,
               "credit_name": user.credit_name, "date_joined": _iso(user.date_joined),
               "email_verified_at": _iso(user.email_verified_at),
               "exported_at": _iso(timezone.now())}
    entries = [
        Entry("README.txt", _bytes(README.encode("utf-8"))),
        Entry("account.json", _bytes(_json(account))),
        Entry("photos.json", _bytes(_json(rows))),
        Entry("photos.csv", _bytes(_csv(PHOTO_COLUMNS, rows))),
        Entry("uses.json", _bytes(_json(uses))),
        Entry("uses.csv", _bytes(_csv(USE_COLUMNS, uses))),
        Entry("consent-history.json", _bytes(_json(history))),
        Entry("consent-27560.jsonld", _bytes(_json(iso27560.consent_records_for(user)))),
    ]
    for r in records:
        entries += [
            Entry(f"receipts/{r.id}.jwt", _bytes(receipts.receipt_jws(r).encode("ascii"))),
            Entry(f"receipts/{r.id}.kantara.json", _bytes(_json(receipts.receipt_json(r)))),
            Entry(f"receipts/{r.id}.27560.jsonld",
                  _bytes(_json(iso27560.consent_record(r)))),
        ]
    for p in photos:
        if p.original_key:
            ext = p.original_key.rsplit(".", 1)[-1] if "." in p.original_key else "bin"
            entries.append(Entry(f"originals/{p.pk}-{safe_stem(p.original_name)}.{ext}",
                                 _stored(p.original_key)))
    return entries


README = """Your data from the community photo library

account.json           your account
photos.json, .csv      every photo you uploaded: what you said, its facts and its status
originals/             every original file you uploaded, as you sent it
uses.json, .csv        every use the city recorded of your photos (use, campaign, date)
consent-history.json   every consent record of yours on the ledger
consent-27560.jsonld   your consent as ISO/IEC TS 27560 records
receipts/              each record's receipt: signed (.jwt), Kantara JSON, 27560 JSON-LD

Keep the signed receipts: each carries the salt of its record's personal-data
commitment, so you can prove a record was yours even after deleting your account.
"""


def export_zip_stream(entries: list[Entry]) -> Iterator[bytes]:
    """The ZIP of ``entries``, as chunks (JSON and CSV compressed, originals stored)."""
    sink = ZipSink()
    with zipfile.ZipFile(sink, mode="w") as archive:
        for entry in entries:
            method = (zipfile.ZIP_STORED if entry.name.startswith("originals/")
                      else zipfile.ZIP_DEFLATED)
            info = zipfile.ZipInfo(entry.name, date_time=timezone.now().timetuple()[:6])
            info.compress_type = method
            with archive.open(info, "w") as out:
                for chunk in entry.chunks():
                    out.write(chunk)
                    yield sink.drain()
    yield sink.drain()
