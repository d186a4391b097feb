"""Joining and withdrawing while the broker refuses connections: the ledger record and its
answer stand, the receipt mail waits in the outbox and goes out after recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from photolib.consent.models import ConsentRecord
from photolib.outbox.models import OutboxMessage
from photolib.outbox.services import outbox_drain
from tests.conftest import TEST_BROKER_URL, wait_for
from tests.consent.test_join_withdraw import join_data

pytestmark = pytest.mark.worker


def mails(worker) -> list[str]:
    folder = worker.var_dir / "mail"
    return [p.read_text() for p in sorted(folder.glob("*.log"))] if folder.exists() else []


def test_join_and_withdraw_with_the_broker_refusing_are_kept_and_mailed_after_recovery(
        celery_worker, client, group, resident, broker_at, closed_port):
    worker = celery_worker()
    client.force_login(resident)
    broker_at(f"redis://127.0.0.1:{closed_port}/0")
    joined = client.post(reverse("consent:join", args=[group.slug]),
                         join_data(group.current_version()))
    withdrawn = client.post(reverse("consent:withdraw", args=[group.slug]))
    records = list(ConsentRecord.objects.order_by("sequence"))
    assert joined.status_code == 302 and withdrawn.status_code == 302
    assert [r.action for r in records] == ["GRANT", "WITHDRAW"]
    waiting = list(OutboxMessage.objects.filter(sent_at__isnull=True))
    assert sorted(m.args[0] for m in waiting) == sorted(str(r.id) for r in records)
    assert all(m.attempts == 1 and m.last_error for m in waiting)
    assert mails(worker) == []

    broker_at(TEST_BROKER_URL)  # Redis is back
    assert "2 of 2 message(s) sent" in outbox_drain(min_age=timedelta(0))
    sent = wait_for(lambda: len(mails(worker)) == 2 and mails(worker), timeout=30,
                    message=lambda: f"two receipts; worker log:\n{worker.output()[-2000:]}")
    for record in records:
        assert any(record.record_hash in text for text in sent)
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    # A second drain finds nothing more to send: nothing is mailed twice.
    assert outbox_drain(min_age=timedelta(0)).startswith("0 of 0")
