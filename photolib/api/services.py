"""The API's short-lived file links: a download answered with a URL that needs no token,
for ``PHOTOLIB_API_FILE_URL_SECONDS``. The link is the download's id signed with the site's
key (``django.core.signing``); it opens that one file, and only while its photo is still
cleared."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from photolib.catalog.models import Download
from photolib.photos.models import Photo

SALT = "photolib.api.download-file"


class LinkExpired(Exception):
    """The link was genuine but is older than its lifetime."""


def file_url(download: Download) -> tuple[str, datetime]:
    """The absolute link to ``download``'s file and when it stops working."""
    signed = signing.dumps(str(download.pk), salt=SALT, compress=False)
    expires = timezone.now() + timedelta(seconds=settings.PHOTOLIB_API_FILE_URL_SECONDS)
    return f"{settings.SITE_URL}{reverse('api:download_file', args=[signed])}", expires


def file_for(signed: str) -> Download:
    """The download a link names, if the link is genuine and fresh and its photo cleared.
    Raises ``LinkExpired``, or ``Download.DoesNotExist`` for anything else (a forged link,
    a photo that left the catalog, a file not stored)."""
    try:
        download_id = signing.loads(signed, salt=SALT,
                                    max_age=settings.PHOTOLIB_API_FILE_URL_SECONDS)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise Download.DoesNotExist from exc
    return Download.objects.exclude(file_key="").get(
        pk=download_id, photo__in=Photo.objects.cleared().values("pk"))
