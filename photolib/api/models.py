"""The API's own rows: webhook endpoints an admin registers, and every delivery to them
with each attempt's answer. (Personal API tokens are the accounts app's ``ApiToken``: the
catalog's download log names them, and the catalog sits below this app.)"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    PHOTO_WITHDRAWN = "photo.withdrawn", _("A photo was withdrawn (by its photographer, their "
                                           "consent for the group, deletion or erasure)")
    PHOTO_TAKEN_DOWN = "photo.taken_down", _("A photo was taken down by the reviewers")
    PHOTO_EXPIRED = "photo.expired", _("A photo's licence term ended")
    AGREEMENT_PUBLISHED = "agreement.published", _("A new agreement version was published")


class WebhookEndpoint(models.Model):
    """A URL that receives signed POSTs when the events it subscribes to happen."""

    url = models.URLField(max_length=500, help_text=_(
        "https:// only (http:// to this machine only in development and tests). Redirects "
        "are not followed."))
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=200, help_text=_(
        "Shared with the receiver, which checks each delivery's Photolib-Signature with it. "
        "At least 24 characters."))
    events = models.JSONField(default=list, help_text=_("The events it receives."))
    active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when a delivery gave up after every retry; "
                                           "cleared by the next successful one."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["url"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint; its attempts are logged below it.
    ``event_id`` is the same for re-sends of one event, so receivers can drop repeats."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed after every retry")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        default=timezone.now, db_index=True,
        help_text=_("When the next attempt is due (or, during one, when its claim lapses)."))
    resent_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery and what came back (or why nothing did)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text=_("The first 2,000 characters."))
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
