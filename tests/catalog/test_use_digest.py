"""Residents hear of every use: the first at once, later ones in one digest a week."""

from datetime import timedelta

import pytest
from django.utils import timezone

from photolib.catalog import digest, services
from photolib.catalog.models import Download

pytestmark = pytest.mark.django_db


def digests(mailoutbox, user):
    return [m for m in mailoutbox
            if m.to == [user.email] and "The city used your photos" in m.subject]


def test_later_uses_arrive_in_one_digest_once(catalog_world, cleared, mailoutbox, settings,
                                              django_capture_on_commit_callbacks):
    settings.PHOTOLIB_USE_DIGEST_DAYS = 7
    photo = cleared("Lighthouse")
    officer, resident = catalog_world["marketing"], catalog_world["resident"]
    with django_capture_on_commit_callbacks(execute=True):
        for campaign in ("Spring", "Summer", "Autumn"):
            services.download_prepare(photo_id=photo.pk, user=officer, rendition="web",
                                      use="web", campaign=campaign)
    first = Download.objects.get(campaign="Spring")
    assert first.owner_told_at is not None  # the first-use mail told them
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.use_digest() == "use digest: 0 uses, 0 residents"  # too recent
    Download.objects.filter(campaign="Summer").update(at=timezone.now() - timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.use_digest() == "use digest: 2 uses, 1 residents"
        assert digest.use_digest() == "use digest: 0 uses, 0 residents"
    [mail] = digests(mailoutbox, resident)
    assert "“Summer”" in mail.body and "“Autumn”" in mail.body and "“Spring”" not in mail.body
    assert officer.email not in mail.body

    settings.PHOTOLIB_USE_DIGEST_DAYS = 0
    assert digest.use_digest() == "use digest: off"
