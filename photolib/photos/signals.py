"""What happens to photos, announced for the layers above (the catalog, later the API).

Photos owns the facts; whoever derives something from them (search documents, notices,
download copies) listens here instead of being called. Each signal is sent only after the
transaction that made the change commits (:func:`announce`), with ``sender=Photo`` and the
photo's id as ``photo_id``; a receiver re-reads what it needs. Receivers are connected in
their own app's ``AppConfig.ready()``.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

photo_approved = Signal()
"""A reviewer approved the photo (it is in the catalog if the rest of the rule holds)."""
photo_withdrawn = Signal()
"""Its owner withdrew the photo: no new use, for good."""
photo_taken_down = Signal()
"""A reviewer took the photo out of the catalog."""
photo_facts_changed = Signal()
"""Facts others copy (size, renditions) changed on a photo past review."""
photo_removing = Signal()
"""The photo's rows are about to be deleted (its owner deleted it, or a retention rule).
Unlike the others it is sent at once, inside the deleting transaction, with the ``photo``
itself and the ``action`` (a ``ModerationEvent.Action``): a receiver that writes does so in
that transaction, and an error in it undoes the deletion."""


def _send(signal: Signal, photo_id: str) -> None:
    from photolib.photos.models import Photo

    for receiver, result in signal.send_robust(sender=Photo, photo_id=photo_id):
        if isinstance(result, Exception):
            logger.error("receiver %r of a photo event failed for %s", receiver, photo_id,
                         exc_info=(type(result), result, result.__traceback__))


def announce(signal: Signal, photo_id: uuid.UUID | str) -> None:
    """Send ``signal`` for ``photo_id`` once the current transaction commits (at once outside
    one). A failing receiver is logged, never undoes the change or fails the request."""
    transaction.on_commit(partial(_send, signal, str(photo_id)))
