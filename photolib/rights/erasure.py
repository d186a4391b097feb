"""Account erasure (GDPR Art. 17): the one place that orchestrates it.

It lives here, above the catalog, because it needs the catalog's fact of whether a photo
was used, and consent, photos and accounts below. ``account_erase`` is one transaction:
either all of it happens or nothing does (files of deleted photos go once it commits).
Callers: the "Delete my account" view and ``manage.py erase_account``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from photolib.accounts.models import User
from photolib.accounts.services import user_anonymise
from photolib.catalog.models import Download
from photolib.consent.models import CollectionMethod
from photolib.consent.services import (
    RequestContext,
    consent_evidence_erase,
    consent_withdraw_everything,
)
from photolib.photos import lifecycle
from photolib.photos.models import Photo
from photolib.rights import errors
from photolib.rights.models import ErasureLog


@transaction.atomic
def account_erase(*, user: User, acting_user: User, password: str | None = None,
                  context: RequestContext | None = None) -> ErasureLog:
    """Erase ``user``'s account and return the erasure log entry.

    ``acting_user`` is the person themselves (then ``password`` must be theirs) or a
    superuser acting on a letter (no password). In order, in one transaction: every
    photo never used is deleted (rows now, objects after commit); every photo the city
    used is withdrawn and kept until the legal-defence period ends
    (``PHOTOLIB_LEGAL_HOLD_DAYS``); every group consent still in force is withdrawn
    (ledger records with method ``ERASURE``; no receipt mail); the ledger's evidence
    rows of the person are deleted; the account keeps only a pseudonymous, inactive
    row (``accounts.services.user_anonymise``). The chain still verifies.

    Raises ``WrongPassword``, ``NotAllowed`` (someone else, not a superuser),
    ``AlreadyErased`` or ``UploadInProgress`` (a photo still processing: its ingest
    would write files for a photo being deleted); nothing changes then.
    """
    context = context or RequestContext()
    by_self = acting_user.pk == user.pk
    if not by_self and not (acting_user.is_active and acting_user.is_superuser):
        raise errors.NotAllowed(_("Only the account's owner or a superuser can erase it."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if ErasureLog.objects.filter(account=user).exists() or not user.is_active:
        raise errors.AlreadyErased(_("This account is already erased or inactive."))
    if by_self and not user.check_password(password or ""):
        raise errors.WrongPassword(_("That is not your password; nothing was deleted."),
                                   field="password")
    photos = list(Photo.objects.select_for_update().filter(owner=user).order_by("uploaded_at"))
    if any(p.status == Photo.Status.PROCESSING for p in photos):
        raise errors.UploadInProgress(
            _("An upload of yours is still being processed. Wait until it has finished (a "
              "minute or two) and try again; nothing was deleted."))
    used = set(Download.objects.filter(photo__in=photos).values_list("photo_id", flat=True))
    deleted, kept = 0, []
    for photo in photos:
        held = lifecycle.photo_delete(acting_user=acting_user, owner=user, photo_id=photo.pk,
                                      used=photo.pk in used, context=context,
                                      method=CollectionMethod.ERASURE, send_receipt=False)
        if held is None:
            deleted += 1
        else:
            kept.append({"photo_id": str(held.pk),
                         "uses": Download.objects.filter(photo=held).count(),
                         "kept_until": held.legal_hold_until.isoformat(timespec="seconds"),
                         "reason": "used by the city: kept for legal defence "
                                   "(GDPR Art. 17(3)(e)), then deleted"})
    withdrawn = consent_withdraw_everything(user=user, context=context,
                                            method=CollectionMethod.ERASURE)
    erased_rows = consent_evidence_erase(user=user)
    user_anonymise(user=user)
    return ErasureLog.objects.create(
        account=user, via=ErasureLog.Via.RESIDENT if by_self else ErasureLog.Via.LETTER,
        acting_user=None if by_self else acting_user, records_withdrawn=len(withdrawn),
        evidence_rows_erased=erased_rows, photos_deleted=deleted, photos_kept=kept)
