"""System checks for the ingest settings (``manage.py check``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning as CheckWarning


def visibility_timeout_check(app_configs=None, **kwargs) -> list[CheckWarning]:
    """Redis redelivers an unacknowledged task after the visibility timeout; with late
    acknowledgement a task still running past it would run twice at once."""
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if settings.CELERY_BROKER_URL and timeout <= settings.PHOTOLIB_INGEST_TIME_LIMIT:
        return [CheckWarning(
            f"CELERY_VISIBILITY_TIMEOUT ({timeout} s) is not longer than "
            f"PHOTOLIB_INGEST_TIME_LIMIT ({settings.PHOTOLIB_INGEST_TIME_LIMIT} s).",
            hint="Raise CELERY_VISIBILITY_TIMEOUT, or Redis may hand a still-running ingest "
                 "task to a second worker.",
            id="photolib.W001")]
    return []
