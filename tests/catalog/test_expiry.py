"""The end of a licence term: one reminder per term, renewal as a ledger record, the
"expires on" badge marketing sees, and the recall at expiry. Real services and views."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from photolib.catalog import recall, search, services
from photolib.catalog.models import Listing
from photolib.catalog.search.index import refresh_clearance
from photolib.consent.models import CollectionMethod, ConsentRecord
from photolib.consent.services import RequestContext
from photolib.photos import expiry
from photolib.photos.errors import WrongState
from photolib.photos.models import ModerationEvent, Photo

pytestmark = pytest.mark.django_db


def ending_in(photo, **delta):
    Photo.objects.filter(pk=photo.pk).update(rights_expire_at=timezone.now() + timedelta(**delta))
    # A raw update announces nothing (on PostgreSQL its trigger unmarks the search
    # document): ask the rule again, as the periodic job search-clearance would.
    refresh_clearance([photo.pk])
    photo.refresh_from_db()
    return photo


def reminders(mailoutbox, user):
    return [m for m in mailoutbox if m.to == [user.email] and "stop being used soon" in m.subject]


def test_one_reminder_per_term_whatever_how_often_the_job_runs(
        catalog_world, cleared, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.PHOTOLIB_EXPIRY_NOTICE_DAYS = 30
    soon = ending_in(cleared("Lighthouse"), days=20)
    also = ending_in(cleared("Pier"), days=29)
    ending_in(cleared("Boats"), days=45)  # outside the window
    resident = catalog_world["resident"]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert expiry.expiry_reminders() == "expiry reminders: 2 photos, 1 residents"
        assert expiry.expiry_reminders() == "expiry reminders: 0 photos, 0 residents"
    [mail] = reminders(mailoutbox, resident)
    assert "2 of your photos" in mail.subject
    assert f"“Lighthouse” (Harbour Photos): licensed to the city until " \
           f"{soon.rights_expire_at:%Y-%m-%d}" in mail.body
    assert "“Pier”" in mail.body and "Boats" not in mail.body
    assert reverse("photos:renew") in mail.body
    # A new term (renewed, then due again) is reminded again, once.
    ending_in(also, days=10)
    with django_capture_on_commit_callbacks(execute=True):
        expiry.expiry_reminders()
        expiry.expiry_reminders()
    assert len(reminders(mailoutbox, resident)) == 2


def test_renewal_is_a_ledger_grant_the_photos_then_rest_on(
        catalog_world, cleared, client, django_capture_on_commit_callbacks):
    group, resident = catalog_world["group"], catalog_world["resident"]
    from tests.consent.conftest import publish

    photo = ending_in(cleared("Lighthouse"), days=5)
    other = ending_in(cleared("Pier"), days=5)
    v2 = publish(group, text="Version two of the agreement.", term_years=3)
    client.force_login(resident)
    page = client.get(reverse("photos:renew"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Version two of the agreement." in body and "Lighthouse" in body

    # Without every statement ticked nothing is recorded.
    before = ConsentRecord.objects.count()
    refused = client.post(reverse("photos:renew"), {
        "group": group.pk, "photo_id": [str(photo.pk)], f"g{group.pk}-version_id": v2.pk})
    assert refused.status_code == 400
    assert "Tick this statement to renew" in refused.content.decode()
    assert ConsentRecord.objects.count() == before

    ticks = {f"g{group.pk}-statement_{i}": "on" for i in range(len(v2.statements))}
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("photos:renew"), {
            "group": group.pk, "photo_id": [str(photo.pk)],
            f"g{group.pk}-version_id": v2.pk, **ticks})
    assert done.status_code == 302
    record = ConsentRecord.objects.order_by("-sequence").first()
    assert (record.action, record.collection_method, record.agreement_version_id,
            record.user_id) == (ConsentRecord.Action.GRANT, CollectionMethod.RENEWAL_FORM,
                                v2.pk, resident.pk)
    assert record.statements == v2.statements
    photo.refresh_from_db()
    other.refresh_from_db()
    assert photo.consent_record_id == record.pk and photo.agreement_version_id == v2.pk
    assert photo.rights_expire_at == v2.term_ends(record.created_at)
    assert other.agreement_version_id != v2.pk  # not ticked: unchanged
    assert Photo.objects.cleared().filter(pk=photo.pk).exists()
    assert ModerationEvent.objects.filter(photo=photo,
                                          action=ModerationEvent.Action.RENEW).count() == 1


def test_an_expired_photo_renewed_comes_back_and_a_withdrawn_one_cannot_be_renewed(
        catalog_world, cleared, django_capture_on_commit_callbacks):
    from photolib.photos import moderation

    group, resident = catalog_world["group"], catalog_world["resident"]
    version = group.current_version()
    photo = ending_in(cleared("Lighthouse"), days=-1)
    assert not Photo.objects.cleared().filter(pk=photo.pk).exists()
    context = RequestContext(ip_address="192.0.2.1", user_agent="pytest")
    assert search.search(search.Filters(q="lighthouse")).total == 0
    with django_capture_on_commit_callbacks(execute=True):
        expiry.photos_renew(owner=resident, group=group, photo_ids=[photo.pk],
                            version_id=version.pk,
                            statements_affirmed=list(version.statements), context=context)
    assert Photo.objects.cleared().filter(pk=photo.pk).exists()
    # The renewal announces the new term: the catalog asks the rule again at once.
    result = search.search(search.Filters(q="lighthouse"))
    assert [p.pk for p in result.photos] == [photo.pk] and result.total == 1

    gone = ending_in(cleared("Pier"), days=3)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_withdraw(photo_id=gone.pk, acting_user=resident)
    count = ConsentRecord.objects.count()
    with pytest.raises(WrongState):
        expiry.photos_renew(owner=resident, group=group, photo_ids=[gone.pk],
                            version_id=version.pk,
                            statements_affirmed=list(version.statements), context=context)
    assert ConsentRecord.objects.count() == count
    assert not Photo.objects.cleared().filter(pk=gone.pk).exists()


def test_marketing_sees_expires_on_and_holders_are_recalled_at_expiry(
        catalog_world, cleared, client, mailoutbox, settings,
        django_capture_on_commit_callbacks):
    settings.PHOTOLIB_EXPIRY_NOTICE_DAYS = 30
    photo = ending_in(cleared("Lighthouse"), days=12)
    later = ending_in(cleared("Pier"), days=60)
    officer = catalog_world["marketing"]
    collection = services.collection_create(owner=officer, name="Coast")
    services.collection_add(collection=collection, photo_id=photo.pk)
    services.collection_add(collection=collection, photo_id=later.pk)
    client.force_login(officer)
    badge = f"expires on {photo.rights_expire_at:%-d %b %Y}"
    for url in (reverse("catalog:search"), reverse("catalog:photo", args=[photo.pk]),
                reverse("catalog:collection", args=[collection.pk])):
        body = client.get(url).content.decode()
        assert badge in body, url
        assert f"expires on {later.rights_expire_at:%-d %b %Y}" not in body, url

    Photo.objects.filter(pk=photo.pk).update(rights_expire_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        recall.recall_periodic()
    listing = Listing.objects.get(photo_key=photo.pk, ended_at__isnull=False)
    assert listing.reason == Listing.Reason.EXPIRED
    assert [n.user for n in listing.notices.all()] == [officer]
    resident_page = client.get(reverse("catalog:collection", args=[collection.pk]))
    assert "1 usable of 2" in resident_page.content.decode()

    client.force_login(catalog_world["resident"])
    mine = client.get(reverse("photos:mine")).content.decode()
    assert 'data-standing="expired"' in mine and "Renew" in mine
