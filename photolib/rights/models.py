"""The erasure log: one row per erased account, for reviewers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ErasureLog(models.Model):
    """Who erased which (now pseudonymous) account, when, and what was kept and why.

    It names the account only by its id: the person's data is what was erased.
    """

    class Via(models.TextChoices):
        RESIDENT = "resident", "The resident, on the site (password confirmed)"
        LETTER = "letter", "An administrator, for a request received by letter"

    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    via = models.CharField(max_length=12, choices=Via.choices)
    acting_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text=_("The administrator, for a letter."))
    at = models.DateTimeField(default=timezone.now, db_index=True)
    records_withdrawn = models.PositiveIntegerField(default=0)
    evidence_rows_erased = models.PositiveIntegerField(default=0)
    photos_deleted = models.PositiveIntegerField(default=0)
    photos_kept = models.JSONField(
        default=list, help_text=_("Photos the city used: id, uses and the date each is kept "
                                "until (legal defence, GDPR Art. 17(3)(e))."))

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"erasure of account {self.account_id} at {self.at:%Y-%m-%d %H:%M}"
