"""Recall: every trigger tells exactly the people who hold the photo, once, with the right
text; the periodic job run twice tells nobody twice; collections, ZIPs and the licence page
keep the story. Through the real services and views (eager tasks, the outbox, the mail
outbox)."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from photolib.catalog import recall, services
from photolib.catalog.models import Listing, RecallNotice
from photolib.consent.models import CollectionMethod
from photolib.consent.services import RequestContext, consent_withdraw
from photolib.photos import lifecycle, moderation
from photolib.photos.models import Photo
from photolib.rights.erasure import account_erase
from tests.conftest import staff_login
from tests.consent.conftest import make_user

CONTEXT = RequestContext(ip_address="192.0.2.7", user_agent="pytest")


@pytest.fixture
def held(catalog_world, cleared, django_capture_on_commit_callbacks):
    """A cleared photo that one officer downloaded, a second officer collected, and a third
    never touched; plus a second photo the first officer downloaded too."""
    photo = cleared("Harbour at dawn")
    other = cleared("Fish market")
    downloader = catalog_world["marketing"]
    collector = make_user("cleo@example.org", role="marketing")
    bystander = make_user("ben@example.org", role="marketing")
    with django_capture_on_commit_callbacks(execute=True):
        services.download_prepare(photo_id=photo.pk, user=downloader, rendition="web",
                                  use="web", campaign="Spring festival")
        services.download_prepare(photo_id=other.pk, user=downloader, rendition="web",
                                  use="social", campaign="Market day")
        collection = services.collection_create(owner=collector, name="Harbour stories")
        services.collection_add(collection=collection, photo_id=photo.pk)
        services.collection_add(collection=collection, photo_id=other.pk)
    return {"photo": photo, "other": other, "downloader": downloader, "collector": collector,
            "bystander": bystander, "collection": collection, **catalog_world}


def recall_mails(mailoutbox, user):
    return [m for m in mailoutbox if m.to == [user.email] and "can no longer be used" in m.subject]


def notices_of(user):
    return list(RecallNotice.objects.filter(user=user).select_related("listing"))


def _withdraw_photo(world, capture):
    with capture(execute=True):
        moderation.photo_withdraw(photo_id=world["photo"].pk, acting_user=world["resident"],
                                  context=CONTEXT)


def _withdraw_group(world, capture):
    with capture(execute=True):
        consent_withdraw(user=world["resident"], group=world["group"],
                         method=CollectionMethod.WITHDRAW_BUTTON, context=CONTEXT)


def _take_down(world, capture):
    with capture(execute=True):
        moderation.photo_take_down(photo_id=world["photo"].pk, acting_user=world["reviewer"],
                                   reason="A complaint about a car's number plate")


def _expire(world, capture):
    Photo.objects.filter(pk=world["photo"].pk).update(
        rights_expire_at=timezone.now() - timedelta(minutes=1))
    with capture(execute=True):
        recall.recall_periodic()


def _erase(world, capture):
    with capture(execute=True):
        account_erase(user=world["resident"], acting_user=world["resident"],
                      password="a-long-test-password", context=CONTEXT)


TRIGGERS = {
    "withdrawn photo": (_withdraw_photo, Listing.Reason.WITHDRAWN, "no new use may start"),
    "withdrawn group": (_withdraw_group, Listing.Reason.GROUP_WITHDRAWN, "no new use"),
    "taken down": (_take_down, Listing.Reason.TAKEN_DOWN, "remove it wherever you can"),
    "expired": (_expire, Listing.Reason.EXPIRED, "licence term it was shared under has ended"),
    "erased": (_erase, Listing.Reason.ERASED, "asked for their account to be erased"),
}


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_trigger_tells_exactly_the_holders_once(held, mailoutbox, trigger,
                                                     django_capture_on_commit_callbacks):
    act, reason, meaning = TRIGGERS[trigger]
    mailoutbox.clear()
    act(held, django_capture_on_commit_callbacks)

    photo = held["photo"]
    listing = Listing.objects.get(photo_key=photo.pk, ended_at__isnull=False)
    assert listing.reason == reason
    assert listing.rights_ended_at is not None
    for user in (held["downloader"], held["collector"]):
        [notice] = [n for n in notices_of(user) if n.listing.photo_key == photo.pk]
        [mail] = [m for m in recall_mails(mailoutbox, user) if str(photo.pk) in m.body]
        assert listing.get_reason_display() in mail.subject
        assert meaning in mail.body
        assert notice.mailed_at is not None
    assert notices_of(held["bystander"]) == []
    assert recall_mails(mailoutbox, held["bystander"]) == []

    downloader_mail = recall_mails(mailoutbox, held["downloader"])
    assert any("campaign “Spring festival”" in m.body for m in downloader_mail)
    collector_mail = recall_mails(mailoutbox, held["collector"])
    assert any("“Harbour stories”" in m.body for m in collector_mail)

    if trigger == "erased":  # the photographer's words go with them
        assert listing.title == ""
        assert all("Harbour at dawn" not in m.body for m in mailoutbox
                   if "can no longer be used" in m.subject)
    else:
        assert any(m.subject.startswith("“Harbour at dawn”") for m in downloader_mail)
    if trigger not in ("withdrawn group", "erased"):
        # Only the photo that left: the other photo the same people hold is still cleared.
        assert not Listing.objects.filter(photo_key=held["other"].pk,
                                          ended_at__isnull=False).exists()

    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        summary = recall.recall_periodic()
        recall.recall_periodic()
    assert "0 notices" in summary
    assert len(mailoutbox) == sent
    assert RecallNotice.objects.count() == (4 if trigger in ("withdrawn group", "erased") else 2)


def test_a_photo_that_left_between_two_scans_is_still_recalled(held, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    """No event and no listing (as for photos held before recall existed): the periodic
    scan finds the holders all the same."""
    photo = held["photo"]
    Listing.objects.filter(photo_key=photo.pk).delete()
    Photo.objects.filter(pk=photo.pk).update(taken_down_at=timezone.now(),
                                             takedown_reason="set in the database")
    with django_capture_on_commit_callbacks(execute=True):
        recall.recall_periodic()
        recall.recall_periodic()
    listing = Listing.objects.get(photo_key=photo.pk)
    assert listing.reason == Listing.Reason.TAKEN_DOWN
    assert {n.user for n in listing.notices.all()} == {held["downloader"], held["collector"]}
    assert len(recall_mails(mailoutbox, held["downloader"])) == 1


def test_a_collected_unused_photo_deleted_by_its_owner_stays_a_placeholder(
        held, client, mailoutbox, django_capture_on_commit_callbacks):
    other = held["other"]  # downloaded: kept on hold when deleted; make an unused one
    fresh = Photo.objects.get(pk=other.pk)
    assert fresh.downloads.exists()
    unused = held["photo"]
    unused.downloads.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.photo_delete(acting_user=held["resident"], photo_id=unused.pk)
    assert not Photo.objects.filter(pk=unused.pk).exists()
    listing = Listing.objects.get(photo_key=unused.pk)
    assert listing.reason == Listing.Reason.DELETED and listing.title == ""
    [notice] = notices_of(held["collector"])
    assert notice.collections == ["Harbour stories"]

    client.force_login(held["collector"])
    page = client.get(reverse("catalog:collection", args=[held["collection"].pk]))
    body = page.content.decode()
    assert "1 usable of 2" in body
    assert f'data-photo="{unused.pk}"' in body and "deleted by the photographer" in body


def test_collection_placeholder_zip_readme_and_counts(held, client,
                                                      django_capture_on_commit_callbacks):
    _withdraw_photo(held, django_capture_on_commit_callbacks)
    photo, collection = held["photo"], held["collection"]
    client.force_login(held["collector"])

    listing_page = client.get(reverse("catalog:collections")).content.decode()
    assert "1 usable of 2" in listing_page
    body = client.get(reverse("catalog:collection", args=[collection.pk])).content.decode()
    assert "1 usable of 2" in body
    assert "Harbour at dawn" in body and "withdrawn by the photographer" in body
    assert reverse("catalog:photo", args=[photo.pk]) not in body  # no way to use it
    assert reverse("catalog:photo", args=[held["other"].pk]) in body

    zipped = client.post(reverse("catalog:collection_zip", args=[collection.pk]),
                         {"rendition": "web", "use": "web", "campaign": "Autumn"})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content)))
    readme = archive.read("README.txt").decode()
    assert f"“Harbour at dawn” (id {photo.pk}): no longer in the catalog, withdrawn by the " \
           f"photographer since {timezone.now():%Y-%m-%d}; no new use." in readme
    assert len([n for n in archive.namelist() if n.endswith(".jpg")]) == 1


def test_licence_page_410_for_a_photo_that_left_404_for_one_never_listed(
        held, client, catalog_world, django_capture_on_commit_callbacks):
    photo = held["photo"]
    url = reverse("catalog:licence", args=[photo.pk])
    assert client.get(url).status_code == 200
    _withdraw_photo(held, django_capture_on_commit_callbacks)
    gone = client.get(url)
    assert gone.status_code == 410
    text = gone.content.decode()
    assert "withdrawn by the photographer" in text and "No new use" in text
    resident = catalog_world["resident"]
    for personal in (photo.title, resident.display_name, resident.email, resident.credit_name):
        assert personal not in text

    pending = Photo.objects.create(
        owner=resident, group=photo.group, consent_record=photo.consent_record,
        agreement_version=photo.agreement_version, title="Never shown",
        original_name="x.jpg", original_key="x", status=Photo.Status.PENDING_REVIEW)
    assert client.get(reverse("catalog:licence", args=[pending.pk])).status_code == 404


def test_notices_page_acknowledge_and_the_reviewers_view(held, client,
                                                         django_capture_on_commit_callbacks):
    _take_down(held, django_capture_on_commit_callbacks)
    downloader, collector = held["downloader"], held["collector"]
    client.force_login(downloader)
    home = client.get(reverse("catalog:search")).content.decode()
    assert 'aria-label="1 unread"' in home
    page = client.get(reverse("catalog:notices")).content.decode()
    assert "taken down by the library" in page and "Spring festival" in page
    [notice] = notices_of(downloader)
    assert client.post(reverse("catalog:notice_acknowledge", args=[notice.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
    assert 'aria-label="1 unread"' not in client.get(reverse("catalog:search")).content.decode()
    # Someone else's notice is not theirs to acknowledge.
    [theirs] = notices_of(collector)
    assert client.post(reverse("catalog:notice_acknowledge", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None

    assert client.get(reverse("catalog:photo_recall", args=[held["photo"].pk])).status_code == 403
    staff_login(client, held["reviewer"])
    audit = client.get(reverse("catalog:photo_recall", args=[held["photo"].pk])).content.decode()
    rows = audit.split("<tr>")
    [d_row] = [r for r in rows if downloader.email in r]
    [c_row] = [r for r in rows if collector.email in r]
    assert f"{notice.acknowledged_at:%Y-%m-%d %H:%M}" in d_row
    assert c_row.count("not yet") == 1  # mailed, not acknowledged


def test_a_photo_cleared_again_is_listed_again_and_a_second_departure_tells_again(
        held, mailoutbox, django_capture_on_commit_callbacks):
    photo = held["photo"]
    Photo.objects.filter(pk=photo.pk).update(rights_expire_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        recall.recall_periodic()
    Photo.objects.filter(pk=photo.pk).update(rights_expire_at=None)  # renewed
    with django_capture_on_commit_callbacks(execute=True):
        recall.recall_periodic()
    assert Listing.objects.filter(photo_key=photo.pk, ended_at__isnull=True).count() == 1
    _take_down(held, django_capture_on_commit_callbacks)
    reasons = list(Listing.objects.filter(photo_key=photo.pk).order_by("listed_at")
                   .values_list("reason", flat=True))
    assert reasons == [Listing.Reason.EXPIRED, Listing.Reason.TAKEN_DOWN]
    assert len(recall_mails(mailoutbox, held["downloader"])) == 2
