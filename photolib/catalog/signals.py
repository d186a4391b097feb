"""What the catalog announces for the layer above it (the API's webhooks).

``rights_ended`` is sent once the transaction that closed a photo's listing commits (the
recall fan-out, ``photolib.catalog.recall``): the photo left the catalog, for ``reason`` (a
``Listing.Reason`` value) since ``rights_ended_at``. Arguments: ``sender=Listing``,
``listing_id``, ``photo_key`` (str), ``reason``, ``rights_ended_at`` (ISO 8601). A receiver
re-reads what it needs; a failing one is logged and never undoes the recall.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

rights_ended = Signal()
"""A photo left the catalog: everyone holding it is being told (notices, mails)."""


def _send(listing_id: int, photo_key: str, reason: str, rights_ended_at: str) -> None:
    from photolib.catalog.models import Listing

    for receiver, result in rights_ended.send_robust(
            sender=Listing, listing_id=listing_id, photo_key=photo_key, reason=reason,
            rights_ended_at=rights_ended_at):
        if isinstance(result, Exception):
            logger.error("receiver %r of rights_ended failed for %s", receiver, photo_key,
                         exc_info=(type(result), result, result.__traceback__))


def announce_rights_ended(listing) -> None:
    """Send ``rights_ended`` for the closed ``listing`` once the current transaction commits."""
    since = listing.rights_ended_at or listing.ended_at
    transaction.on_commit(partial(_send, listing.pk, str(listing.photo_key), listing.reason,
                                  since.isoformat() if since else ""))
