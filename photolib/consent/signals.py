"""What happens to consent, announced for the layers above (photos' catalog, recall).

``consent_withdrawn`` is sent once the transaction that recorded a group WITHDRAW commits,
with ``sender=ConsentRecord``, the person's ``user_id`` and the ``group_id``. A receiver
re-reads what it needs; a failing one is logged and never undoes the withdrawal.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

consent_withdrawn = Signal()
"""A person withdrew their consent for a group: none of their grants there is in force."""


def _send(user_id: int, group_id: int) -> None:
    from photolib.consent.models import ConsentRecord

    for receiver, result in consent_withdrawn.send_robust(sender=ConsentRecord,
                                                          user_id=user_id, group_id=group_id):
        if isinstance(result, Exception):
            logger.error("receiver %r of a consent withdrawal failed for user %s group %s",
                         receiver, user_id, group_id,
                         exc_info=(type(result), result, result.__traceback__))


def announce_withdrawal(user_id: int, group_id: int) -> None:
    transaction.on_commit(partial(_send, user_id, group_id))


photo_withdrawal_reconciled = Signal()
"""A photo withdrawal a database restore lost was re-recorded (``reconcile``). Sent inside
its transaction with ``sender=ConsentRecord``, ``photo_id`` (str) and ``withdrawn_at`` (the
original withdrawal's time); the photos app marks the photo withdrawn and returns a sentence
saying what it did. A receiver that raises rolls the re-recording back."""


agreement_published = Signal()
"""A new agreement version was published. Sent once its transaction commits, with
``sender=AgreementVersion`` and ``version_id``; a failing receiver is logged only."""


def _send_published(version_id: int) -> None:
    from photolib.consent.models import AgreementVersion

    for receiver, result in agreement_published.send_robust(sender=AgreementVersion,
                                                            version_id=version_id):
        if isinstance(result, Exception):
            logger.error("receiver %r of an agreement publication failed for version %s",
                         receiver, version_id,
                         exc_info=(type(result), result, result.__traceback__))


def announce_published(version_id: int) -> None:
    transaction.on_commit(partial(_send_published, version_id))
