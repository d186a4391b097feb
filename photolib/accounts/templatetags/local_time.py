"""``{{ value|when }}``: a time as the reader's zone shows it, and which zone that is.

``when`` prints "2026-03-29 03:30 CEST (Europe/Berlin)" inside a ``<time>`` whose
``datetime`` is the UTC instant in ISO 8601; ``when_utc`` adds that UTC time beside it, as
the signed receipt writes it ("(UTC: 2026-03-29T01:30:15+00:00)"), for receipts. The zone
is the one active for the request (accounts.timezones)."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

register = template.Library()


def _parts(value: datetime, fmt: str) -> tuple[str, str, str]:
    local = timezone.localtime(value)
    utc = value.astimezone(UTC)
    zone = timezone.get_current_timezone_name()
    shown = f"{date_format(local, fmt)} {local.tzname()}"
    if local.tzname() != zone:
        shown += f" ({zone})"
    return utc.isoformat(timespec="seconds"), shown, zone


@register.filter
def when(value, fmt: str = "Y-m-d H:i"):
    if not isinstance(value, datetime):
        return value if value not in (None, "") else ""
    iso, shown, _ = _parts(value, fmt)
    return format_html('<time datetime="{}">{}</time>', iso, shown)


@register.filter
def when_utc(value, fmt: str = "Y-m-d H:i:s"):
    """The local time, then the UTC instant in ISO 8601 (what a receipt records)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value  # not a time we can read: shown as it was written
    if not isinstance(value, datetime):
        return ""
    if timezone.is_naive(value):
        return value.isoformat()
    iso, shown, _ = _parts(value, fmt)
    return format_html('<time datetime="{}">{}</time> <span class="utc">(UTC: {})</span>',
                       iso, shown, iso)
