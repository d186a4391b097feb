"""Recall: when a photo leaves the catalog, everyone in marketing who holds it is told.

The catalog keeps a ``Listing`` for each stretch of time a photo was cleared. The recall
scan (:func:`recall_scan`, a periodic job, also run for single photos as soon as a
withdrawal, takedown or group withdrawal commits) compares the open listings with
``Photo.objects.cleared()``:

* a cleared photo without an open listing gets one;
* an open listing whose photo is no longer cleared is closed, with the reason and the time
  the rights ended (``photolib.photos.standing``), and every active user who downloaded the
  photo or holds it in a collection gets one ``RecallNotice`` and one mail;
* a photo someone holds that is not cleared and never had a listing (it left between
  two scans) gets a closed listing and the same notices.

Each closed listing is announced (``photolib.catalog.signals.rights_ended``, after commit):
the API's webhooks listen there.

Deleting a photo's rows (its owner deleting an unused photo, account erasure, retention)
closes its listing in the deleting transaction (``photo_removing``), before the rows go.

Every step is idempotent: a listing closes once (row lock), a user is told once per
listing (a unique constraint), a mail goes once per notice (``mailed_at`` under a row
lock). Running the scan twice, or twice at once, tells nobody twice.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from photolib.accounts.language import override_for
from photolib.accounts.models import User
from photolib.catalog.models import CollectionItem, Download, Listing, RecallNotice
from photolib.catalog.signals import announce_rights_ended
from photolib.celery import enqueue
from photolib.consent.models import USE_LABELS
from photolib.photos.models import Photo
from photolib.photos.standing import Absence, why_not_cleared

RECALL_MAIL_TASK = "photolib.catalog.tasks.send_recall_email"
RECALL_SCAN_TASK = "photolib.catalog.tasks.recall_scan_photos"

logger = logging.getLogger(__name__)

_REASONS = {
    Absence.ERASED: Listing.Reason.ERASED,
    Absence.WITHDRAWN: Listing.Reason.WITHDRAWN,
    Absence.GROUP_WITHDRAWN: Listing.Reason.GROUP_WITHDRAWN,
    Absence.TAKEN_DOWN: Listing.Reason.TAKEN_DOWN,
    Absence.EXPIRED: Listing.Reason.EXPIRED,
}

# What a recall means, by reason (the agreement: a withdrawal or the end of the term stops
# new uses; uses already published may stay; a takedown asks for removal).
MEANING = {
    Listing.Reason.WITHDRAWN: gettext_lazy(
        "Under the agreement it was shared under, no new use may start: do not publish it "
        "anywhere new and do not reuse the files you downloaded. Uses already published "
        "before the withdrawal (for example printed brochures) may remain."),
    Listing.Reason.DELETED: gettext_lazy(
        "No new use may start: do not publish it anywhere new and do not reuse the files "
        "you downloaded. Uses already published may remain, as its agreement says."),
    Listing.Reason.GROUP_WITHDRAWN: gettext_lazy(
        "The photographer withdrew their consent for the group: under the agreement no new "
        "use of their photos may start. Uses already published before the withdrawal may "
        "remain."),
    Listing.Reason.ERASED: gettext_lazy(
        "The photographer asked for their account to be erased, which withdraws their "
        "consent: no new use may start. Uses already published may remain, as the agreement "
        "says."),
    Listing.Reason.TAKEN_DOWN: gettext_lazy(
        "The library's reviewers took it down: remove it wherever you can (web pages, social "
        "media, material not yet printed) and delete the files you downloaded."),
    Listing.Reason.EXPIRED: gettext_lazy(
        "The licence term it was shared under has ended: no new use may start. Uses "
        "published during the term may remain, as the agreement says."),
    Listing.Reason.OTHER: gettext_lazy(
        "It no longer meets the library's conditions for use: do not start any new use of it "
        "until it is back in the catalog."),
}


def meaning(reason: str) -> str:
    """What a recall for ``reason`` means, in the active language."""
    return str(MEANING.get(reason, MEANING[Listing.Reason.OTHER]))


# --- listings ----------------------------------------------------------------


def listing_ensure_open(photo: Photo) -> None:
    """Open a listing for ``photo`` (cleared, read by the caller in this transaction) if it
    has none: a download or a collection makes sure its recall will find them."""
    if not Listing.objects.filter(photo_key=photo.pk, ended_at__isnull=True).exists():
        try:
            with transaction.atomic():
                Listing.objects.create(photo=photo, photo_key=photo.pk, title=photo.title)
        except IntegrityError:
            pass  # opened meanwhile by the scan: the same fact


def _reason_for(photo: Photo | None, now: datetime) -> tuple[str, datetime]:
    if photo is None:
        return Listing.Reason.DELETED, now
    standing = why_not_cleared(photo, now=now)
    if standing is None:  # cleared again meanwhile: callers check first
        raise ValueError("the photo is cleared")
    return _REASONS.get(standing.absence, Listing.Reason.OTHER), standing.since or now


def _holdings(photo_key) -> dict[int, dict]:
    """Per active user who downloaded or collected the photo (a collection's owner and
    its editors): their downloads and collection names, oldest first."""
    held: dict[int, dict] = defaultdict(lambda: {"downloads": [], "collections": []})
    for d in (Download.objects.filter(photo_id=photo_key, user__is_active=True)
              .order_by("at")):
        held[d.user_id]["downloads"].append({
            "at": d.at.isoformat(timespec="seconds"), "use": d.use,
            "use_label": str(USE_LABELS.get(d.use, d.use)), "campaign": d.campaign,
            "rendition": d.rendition})
    # A collection is held by its owner and by every colleague it is shared with (they
    # add, remove and download from it too).
    for item in (CollectionItem.objects.filter(photo_key=photo_key)
                 .select_related("collection__owner")
                 .prefetch_related("collection__editors").order_by("added_at")):
        collection = item.collection
        holders = [collection.owner, *collection.editors.all()]
        for user in holders:
            if user.is_active:
                held[user.pk]["collections"].append(collection.name)
    return held


def _tell_holders(listing: Listing) -> int:
    """One notice (and one mail) per holder; returns how many were new."""
    told = 0
    for user_id, holding in _holdings(listing.photo_key).items():
        notice, created = RecallNotice.objects.get_or_create(
            listing=listing, user_id=user_id,
            defaults={"downloads": holding["downloads"],
                      "collections": holding["collections"]})
        if created:
            enqueue(RECALL_MAIL_TASK, notice.pk)
            told += 1
    return told


def _close(listing: Listing, photo: Photo | None, now: datetime) -> int:
    reason, since = _reason_for(photo, now)
    listing.ended_at = now
    listing.reason = reason
    listing.rights_ended_at = since
    if reason == Listing.Reason.ERASED or photo is None:
        listing.title = ""  # the photographer's words go with their account
    listing.save(update_fields=["ended_at", "reason", "rights_ended_at", "title"])
    announce_rights_ended(listing)  # API webhooks, once this commits
    return _tell_holders(listing)


def _locking(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset.select_for_update()


def _open_missing(photo_ids: Iterable | None) -> int:
    cleared = Photo.objects.cleared()
    if photo_ids is not None:
        cleared = cleared.filter(pk__in=photo_ids)
    fresh = cleared.exclude(pk__in=Listing.objects.filter(ended_at__isnull=True)
                            .values("photo_key")).values_list("pk", "title")
    rows = [Listing(photo_id=pk, photo_key=pk, title=title) for pk, title in fresh]
    Listing.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _close_gone(photo_ids: Iterable | None, now: datetime) -> tuple[int, int]:
    stale = (Listing.objects.filter(ended_at__isnull=True)
             .exclude(photo_key__in=Photo.objects.cleared().values("pk")))
    if photo_ids is not None:
        stale = stale.filter(photo_key__in=photo_ids)
    closed = told = 0
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            listing = _locking(Listing.objects.filter(pk=pk, ended_at__isnull=True)).first()
            if listing is None:
                continue  # closed by a scan running beside this one
            photo = Photo.objects.filter(pk=listing.photo_key).first()
            if photo is not None and Photo.objects.cleared().filter(pk=photo.pk).exists():
                continue  # cleared again: the listing goes on
            told += _close(listing, photo, now)
            closed += 1
    return closed, told


def _held_unlisted(photo_ids: Iterable | None, now: datetime) -> tuple[int, int]:
    """Photos someone holds that left the catalog before any scan saw them in it."""
    cleared = Photo.objects.cleared().values("pk")
    listed = Listing.objects.values("photo_key")
    keys = set(Download.objects.exclude(photo_id__in=cleared).exclude(photo_id__in=listed)
               .values_list("photo_id", flat=True).distinct())
    keys |= set(CollectionItem.objects.exclude(photo_key__in=cleared)
                .exclude(photo_key__in=listed).values_list("photo_key", flat=True).distinct())
    if photo_ids is not None:
        keys &= {uuid.UUID(str(k)) for k in photo_ids}
    closed = told = 0
    for key in keys:
        with transaction.atomic():
            photo = Photo.objects.select_for_update().filter(pk=key).first()
            if Listing.objects.filter(photo_key=key).exists():
                continue
            if photo is not None and Photo.objects.cleared().filter(pk=photo.pk).exists():
                continue
            first_held = min([d.at for d in Download.objects.filter(photo_id=key)]
                             + [i.added_at for i in CollectionItem.objects.filter(photo_key=key)],
                             default=now)
            listing = Listing.objects.create(photo=photo, photo_key=key, listed_at=first_held,
                                             title=photo.title if photo else "")
            told += _close(listing, photo, now)
            closed += 1
    return closed, told


def recall_scan(photo_ids: Iterable | None = None) -> str:
    """The recall job: open, close and tell (see the module's docstring). ``photo_ids``
    narrows it to those photos (the on-event run); None scans everything (the periodic
    job). Returns a one-line summary."""
    ids = None if photo_ids is None else [str(i) for i in photo_ids]
    now = timezone.now()
    opened = _open_missing(ids)
    closed, told = _close_gone(ids, now)
    late, told_late = _held_unlisted(ids, now)
    return (f"recall: {opened} listed, {closed + late} left the catalog, "
            f"{told + told_late} notices")


def recall_periodic() -> str:
    return recall_scan()


def recall_on_event(photo_ids: Iterable) -> None:
    """Ask for a recall scan of these photos once the caller's transaction commits (a task,
    through the outbox; the periodic scan catches anything it misses)."""
    ids = [str(i) for i in photo_ids]
    if ids:
        enqueue(RECALL_SCAN_TASK, ids)


def recall_on_removal(photo: Photo) -> None:
    """The photo's rows are being deleted in this transaction: close its listing (opening
    one first if someone holds it) and tell the holders, now, while its rows exist."""
    now = timezone.now()
    listing = Listing.objects.select_for_update().filter(photo_key=photo.pk,
                                                         ended_at__isnull=True).first()
    if listing is None:
        if not (Download.objects.filter(photo_id=photo.pk).exists()
                or CollectionItem.objects.filter(photo_key=photo.pk).exists()):
            return
        if Listing.objects.filter(photo_key=photo.pk).exists():
            return  # left before, holders already told
        listing = Listing.objects.create(photo=photo, photo_key=photo.pk, title="")
    listing.ended_at = now
    listing.reason = Listing.Reason.DELETED  # by its owner, their erasure, or retention
    listing.rights_ended_at = now
    listing.title = ""
    listing.save(update_fields=["ended_at", "reason", "rights_ended_at", "title"])
    announce_rights_ended(listing)
    _tell_holders(listing)


# --- notices -----------------------------------------------------------------


def _rendition_label(code: str) -> str:
    try:
        return str(Download.Rendition(code).label)
    except ValueError:
        return code


def notice_subject(notice: RecallNotice) -> str:
    listing = notice.listing
    reason = listing.get_reason_display()
    if listing.title:
        return _("“%(title)s” can no longer be used: %(reason)s") % {
            "title": listing.title, "reason": reason}
    return _("A photo you hold can no longer be used: %(reason)s") % {"reason": reason}


def notice_lines(notice: RecallNotice) -> list[str]:
    """The notice's text, as the page and the mail give it."""
    listing = notice.listing
    facts = {"id": listing.photo_key, "ended": f"{listing.ended_at:%Y-%m-%d}",
             "reason": listing.get_reason_display(),
             "since": f"{listing.rights_ended_at:%Y-%m-%d %H:%M}"}
    if listing.title:
        first = _("The photo “%(title)s” (id %(id)s) left the city's photo library on "
                  "%(ended)s: %(reason)s, since %(since)s UTC.") % {**facts,
                                                                     "title": listing.title}
    else:
        first = _("A photo (id %(id)s) left the city's photo library on %(ended)s: "
                  "%(reason)s, since %(since)s UTC.") % facts
    lines = [first, ""]
    if notice.downloads:
        lines.append(_("Your downloads of it:"))
        # The use is named in the reader's language; the stored label is the fallback
        # for a use the site no longer knows.
        lines += ["- " + _("%(date)s: %(use)s, campaign “%(campaign)s” (%(rendition)s)") % {
            "date": d["at"][:10], "use": str(USE_LABELS.get(d["use"], d["use_label"])),
            "campaign": d["campaign"], "rendition": _rendition_label(d["rendition"])}
            for d in notice.downloads]
    if notice.collections:
        lines.append(_("Your collections that hold it: %(names)s.") % {
            "names": ", ".join(f"“{c}”" for c in notice.collections)})
    lines += ["", _("What this means: %(meaning)s") % {"meaning": meaning(listing.reason)}]
    return lines


def recall_mail(*, notice_id: int) -> bool:
    """Mail one notice (the recall mail task's body); False when it went already or is
    gone. Raises what the mail backend raises, for the task to retry."""
    with transaction.atomic():
        notice = (RecallNotice.objects.select_for_update(of=("self",))
                  .select_related("listing", "user").filter(pk=notice_id).first())
        if notice is None or notice.mailed_at is not None or not notice.user.is_active:
            return False
        with override_for(notice.user):  # in the officer's language, whoever runs the task
            body = [_("Hello %(name)s,") % {"name": notice.user.display_name}, ""]
            body += notice_lines(notice) + ["", _(
                "Please acknowledge this notice on the Notices page: %(url)s") % {
                "url": f"{settings.SITE_URL}{reverse('catalog:notices')}"}]
            subject = notice_subject(notice)
        send_mail(subject=subject, message="\n".join(body) + "\n",
                  from_email=None, recipient_list=[notice.user.email])
        notice.mailed_at = timezone.now()
        notice.save(update_fields=["mailed_at"])
    return True


@transaction.atomic
def notice_acknowledge(*, user: User, notice_id) -> RecallNotice:
    """Record that ``user`` read their notice (once; later calls change nothing).
    ``RecallNotice.DoesNotExist`` for a notice that is not theirs."""
    notice = RecallNotice.objects.select_for_update().get(pk=notice_id, user=user)
    if notice.acknowledged_at is None:
        notice.acknowledged_at = timezone.now()
        notice.save(update_fields=["acknowledged_at"])
    return notice


def unread_count(user) -> int:
    return RecallNotice.objects.filter(user=user, acknowledged_at__isnull=True).count()


def last_listing(photo_key) -> Listing | None:
    """The newest listing of a photo, open or closed; None if it was never listed."""
    return Listing.objects.filter(photo_key=photo_key).order_by("-listed_at", "-pk").first()


def departures(photo_keys: Iterable) -> dict:
    """For photos out of the catalog, by id: (reason text, since) from their newest
    closed listing, or from the photo itself when no scan has closed one yet."""
    keys = list(photo_keys)
    result = {}
    for listing in (Listing.objects.filter(photo_key__in=keys, ended_at__isnull=False)
                    .order_by("listed_at", "pk")):
        result[listing.photo_key] = (listing.get_reason_display(), listing.rights_ended_at)
    missing = [k for k in keys if k not in result]
    for photo in Photo.objects.filter(pk__in=missing).select_related(
            "consent_record", "agreement_version", "attestation"):
        standing = why_not_cleared(photo)
        if standing is not None:
            result[photo.pk] = (standing.text, standing.since)
    for key in keys:
        result.setdefault(key, (Listing.Reason.DELETED.label, None))
    return result




def titles(photo_keys: Iterable) -> list[tuple]:
    """(id, title) of these photos as marketing knew them: the photo's own title while its
    rows exist and its photographer is not erased, else the listing's (empty once erased)."""
    keys = list(photo_keys)
    found = {}
    for listing in Listing.objects.filter(photo_key__in=keys).order_by("listed_at", "pk"):
        found[listing.photo_key] = listing.title
    for pk, title in Photo.objects.filter(pk__in=keys).values_list("pk", "title"):
        if found.get(pk) != "":
            found[pk] = title
    return [(k, found.get(k, "")) for k in keys]
