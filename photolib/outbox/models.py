"""One row per task a service asked for: written in the caller's transaction, so a committed
change never loses its side effect, and marked sent once the broker (or, eagerly, this
process) took it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_unsent_idx")]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else f"unsent after {self.attempts} attempt(s)"
        return f"{self.task_name}{tuple(self.args)} ({state})"
