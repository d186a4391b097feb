"""Mail to a resident is written in the resident's language (issue 16), whoever's request
or task sends it: the approval, the first use, the weekly digest and the expiry reminder."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from photolib.accounts import services as account_services
from photolib.catalog import digest, services
from photolib.catalog.models import Download
from photolib.photos import expiry
from photolib.photos.models import Photo

pytestmark = pytest.mark.django_db


def mails_to(mailoutbox, user):
    return [m for m in mailoutbox if m.to == [user.email]]


@pytest.mark.parametrize(("lang", "first_use", "digest_subject", "reminder"), [
    ("de", "Ihr Foto „Lighthouse“ wurde zum ersten Mal verwendet",
     "Die Stadt hat Ihre Fotos 2 Mal verwendet", "Ihr Foto „Lighthouse“ wird bald nicht mehr"),
    ("fr", "Votre photo « Lighthouse » a été utilisée pour la première fois",
     "La ville a utilisé vos photos 2 fois", "Votre photo « Lighthouse » ne sera bientôt plus"),
])
def test_mails_to_a_resident_speak_their_language(
        catalog_world, cleared, mailoutbox, settings, django_capture_on_commit_callbacks,
        lang, first_use, digest_subject, reminder):
    settings.PHOTOLIB_USE_DIGEST_DAYS = 7
    settings.PHOTOLIB_EXPIRY_NOTICE_DAYS = 30
    officer, resident = catalog_world["marketing"], catalog_world["resident"]
    account_services.user_set_language(user=resident, language=lang)
    photo = cleared("Lighthouse")
    mailoutbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        for campaign in ("Spring", "Summer", "Autumn"):
            services.download_prepare(photo_id=photo.pk, user=officer, rendition="web",
                                      use="web", campaign=campaign)
    assert [m.subject for m in mails_to(mailoutbox, resident)] == [first_use]
    # The use is named in the resident's language; the campaign as the officer typed it.
    assert ("Websites" if lang == "de" else "Sites web") in mailoutbox[-1].body
    assert ("„Spring“" if lang == "de" else "« Spring »") in mailoutbox[-1].body

    Download.objects.exclude(campaign="Spring").update(at=timezone.now() - timedelta(days=8))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        digest.use_digest()
    assert mails_to(mailoutbox, resident)[-1].subject == digest_subject

    Photo.objects.filter(pk=photo.pk).update(rights_expire_at=timezone.now() + timedelta(days=9))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        expiry.expiry_reminders()
    last = mails_to(mailoutbox, resident)[-1]
    assert last.subject.startswith(reminder)
    assert "/photos/renew/" in last.body
