"""Webhooks: signed POSTs to the endpoints an admin registered, when rights end or an
agreement version is published.

Flow: a receiver (``receivers.py``) calls :func:`webhook_event_publish` after the change
committed; it writes one ``WebhookDelivery`` per subscribed endpoint and enqueues the
delivery task for each (``photolib.celery.enqueue``: the outbox, then the worker). The task
makes one attempt (:func:`webhook_attempt`); a timeout, a refused connection or any answer
other than 2xx is logged as a ``WebhookAttempt`` and tried again after a growing pause, up to
``PHOTOLIB_WEBHOOK_MAX_ATTEMPTS``; then the delivery is ``failed`` and the endpoint marked
failing. The request that caused the event never waits for an endpoint.

Signing (as Stripe does): the header ``Photolib-Signature: t=<unix time>,v1=<hex>`` where
``<hex>`` is HMAC-SHA256, keyed with the endpoint's secret, of ``"<t>." + body``. Receivers
recompute it over the raw body and refuse old timestamps (:func:`verify_signature` is the
reference; README shows a receiver).

SSRF: an endpoint URL must be https (http only to a loopback address, and only where
``PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK`` is on: development and tests); carry no credentials; and
its host must resolve to public addresses only. The check runs at registration and again at
each attempt, and the connection goes to the very address that was checked (no second DNS
look-up for a rebinding to exploit). Redirects are never followed: a 3xx is a failed attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from photolib.api.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from photolib.celery import enqueue

logger = logging.getLogger(__name__)

WEBHOOK_TASK = "photolib.api.tasks.deliver_webhook"
SIGNATURE_HEADER = "Photolib-Signature"
USER_AGENT = "photolib-webhooks/1"
MIN_SECRET_LENGTH = 24
RESPONSE_KEEP_CHARS = 2000
#: A delivery being attempted is claimed for this long beyond the timeout.
CLAIM_MARGIN = timedelta(seconds=30)


# --- signing ----------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Photolib-Signature`` header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = 300,
                     now: float | None = None) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is at most ``tolerance``
    seconds old: what a receiver does (tests use it as the reference)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# --- where we may send ----------------------------------------------------------------


class RefusedAddress(Exception):
    """The endpoint's host is, or resolves to, an address webhooks may not reach."""


def _loopback_allowed() -> bool:
    return bool(settings.PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK)


def _address_allowed(ip: ipaddress._BaseAddress) -> bool:
    if ip.is_loopback:
        return _loopback_allowed()
    return ip.is_global and not ip.is_multicast


LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")


def validate_endpoint_url(url: str) -> None:
    """Refuse a URL webhooks may not be sent to (``ValidationError`` with the reason).
    Looks the host up in DNS, so registration fails for a host that resolves nowhere."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError as exc:
        raise ValidationError(_("That is not a URL.")) from exc
    if parts.scheme not in ("https", "http"):
        raise ValidationError(_("Webhook URLs start with https://."))
    if parts.username or parts.password:
        raise ValidationError(_("Put no user name or password in the URL; deliveries are "
                                "signed with the secret instead."))
    if not parts.hostname:
        raise ValidationError(_("The URL has no host."))
    if parts.scheme == "http" and not (_loopback_allowed()
                                       and parts.hostname in LOOPBACK_NAMES):
        raise ValidationError(_("Webhook URLs start with https:// (http:// only to this "
                                "machine, in development)."))
    try:
        resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except RefusedAddress as exc:
        raise ValidationError(str(exc)) from exc


def resolve(host: str, port: int) -> list[ipaddress._BaseAddress]:
    """The host's addresses, all of which must be allowed (``RefusedAddress`` otherwise)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(_("The host %(host)s cannot be found.") % {"host": host}) from exc
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not _address_allowed(ip):
            raise RefusedAddress(_("The host %(host)s resolves to %(ip)s, an address webhooks "
                                   "may not be sent to (private, loopback or reserved).")
                                 % {"host": host, "ip": ip})
        addresses.append(ip)
    if not addresses:
        raise RefusedAddress(_("The host %(host)s has no address.") % {"host": host})
    return addresses


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address checked beforehand, with the certificate checked for the host."""

    def __init__(self, host: str, address: str, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """POST once, never following a redirect; (status, the start of the answer's body)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = str(resolve(parts.hostname, port)[0])
    if parts.scheme == "https":
        conn = _PinnedHTTPSConnection(parts.hostname, address, port=port, timeout=timeout,
                                      context=ssl.create_default_context())
    elif parts.scheme == "http" and ipaddress.ip_address(address).is_loopback:
        conn = _PinnedHTTPConnection(parts.hostname, address, port=port, timeout=timeout)
    else:
        raise RefusedAddress(_("Webhook URLs start with https://."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(RESPONSE_KEEP_CHARS * 4).decode("utf-8", "replace")
        return response.status, text[:RESPONSE_KEEP_CHARS]
    finally:
        conn.close()


# --- events and deliveries ----------------------------------------------------------


def payload(event: str, event_id, data: dict) -> dict:
    return {"id": str(event_id), "type": event,
            "created": timezone.now().isoformat(timespec="seconds"), "data": data}


@transaction.atomic
def webhook_event_publish(*, event: str, data: dict) -> list[WebhookDelivery]:
    """Queue ``event`` with ``data`` for every active endpoint subscribed to it: one
    delivery each (one event id for all), each sent by the worker once this commits."""
    if event not in Event.values:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True).order_by("pk")
                 if event in (e.events or [])]
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    body = payload(event, event_id, data)
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event,
                                                  event_id=event_id, payload=body)
        enqueue(WEBHOOK_TASK, delivery.pk)
        deliveries.append(delivery)
    return deliveries


@transaction.atomic
def webhook_resend(*, delivery_id) -> WebhookDelivery:
    """Send a delivery's event again to its endpoint, as a new delivery with the same event
    id and body (the admin's "re-send"). ``WebhookDelivery.DoesNotExist`` for no such one."""
    old = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    new = WebhookDelivery.objects.create(endpoint=old.endpoint, event=old.event,
                                         event_id=old.event_id, payload=old.payload,
                                         resent_from=old)
    enqueue(WEBHOOK_TASK, new.pk)
    return new


def retry_delay(attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: the backoff doubling from
    ``PHOTOLIB_WEBHOOK_RETRY_BACKOFF``, at most ``PHOTOLIB_WEBHOOK_RETRY_MAX``."""
    return min(settings.PHOTOLIB_WEBHOOK_RETRY_BACKOFF * 2 ** max(attempts - 1, 0),
               settings.PHOTOLIB_WEBHOOK_RETRY_MAX)


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: ``delivered``, ``retry`` (in ``delay`` seconds), ``failed``
    (gave up), or ``skipped`` (not due, claimed by another worker, or not pending)."""

    result: str
    delay: int = 0


def webhook_attempt(*, delivery_id) -> Outcome:
    """One POST of the delivery (the delivery task's body), logged with its answer.

    The delivery is claimed first (its ``next_attempt_at`` moved past the timeout), so two
    workers, or a retry and the periodic sweep, never send it at the same moment. Never
    raises for what the endpoint does; raises only what the database raises.
    """
    now = timezone.now()
    timeout = settings.PHOTOLIB_WEBHOOK_TIMEOUT_SECONDS
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
    ).update(next_attempt_at=now + timedelta(seconds=timeout) + CLAIM_MARGIN)
    if not claimed:
        return Outcome("skipped")
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Photolib-Event": delivery.event,
        "Photolib-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(endpoint.secret, int(time.time()), body),
    }
    status, text, error = None, "", ""
    started = time.monotonic()
    if not endpoint.active:
        # Switched off by an admin: nothing is sent, and the endpoint is not to blame.
        return _record(delivery.pk, status=None, text="", elapsed_ms=0, give_up=True,
                       error="not sent: the endpoint is switched off")
    try:
        status, text = _post(endpoint.url, body, headers, timeout)
    except RefusedAddress as exc:
        error = str(exc)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # Timeouts (socket.timeout is an OSError), refused connections, TLS failures.
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    elapsed = int((time.monotonic() - started) * 1000)
    return _record(delivery.pk, status=status, text=text, error=error, elapsed_ms=elapsed)


@transaction.atomic
def _record(delivery_id, *, status, text: str, error: str, elapsed_ms: int,
            give_up: bool = False) -> Outcome:
    delivery = (WebhookDelivery.objects.select_for_update().select_related("endpoint")
                .get(pk=delivery_id))
    now = timezone.now()
    WebhookAttempt.objects.create(delivery=delivery, at=now, status_code=status,
                                  response_body=text, error=error[:500],
                                  duration_ms=elapsed_ms)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    if status is not None and 200 <= status < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(failing_since=None)
        outcome = Outcome("delivered")
    elif give_up:
        delivery.status = WebhookDelivery.Status.FAILED
        outcome = Outcome("failed")
    elif delivery.attempts >= settings.PHOTOLIB_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id,
                                       failing_since__isnull=True).update(failing_since=now)
        logger.warning("webhook %s to %s failed after %d attempts", delivery.event,
                       delivery.endpoint.url, delivery.attempts)
        outcome = Outcome("failed")
    else:
        delay = retry_delay(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        outcome = Outcome("retry", delay)
    delivery.save(update_fields=["attempts", "last_attempt_at", "status", "delivered_at",
                                 "next_attempt_at"])
    return outcome


def webhook_retry_due() -> str:
    """The periodic job: enqueue pending deliveries whose next attempt is overdue (a retry
    the broker lost, or tasks run in-process, where retries do not wait). Returns a summary.
    Safe to run twice at once: an attempt claims its delivery first."""
    overdue = timezone.now() - CLAIM_MARGIN
    ids = list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING,
                                              next_attempt_at__lte=overdue)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:500])
    for pk in ids:
        enqueue(WEBHOOK_TASK, pk)
    return f"webhooks: {len(ids)} overdue deliveries sent again"
