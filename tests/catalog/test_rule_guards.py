"""Guards on whose consent clears a photo: only the uploader's own grant for the photo's
group, and only that person's later withdrawal for that group ends it.

Each row is checked on the queryset and on the photo page marketing opens, which must
agree. The tests fail on mutations the older tests let through (see bench/MUTATION.md).
"""

import pytest
from django.urls import reverse

from photolib.consent.models import CollectionMethod, CommunityGroup, ConsentRecord
from photolib.consent.selectors import withdrawn_after
from photolib.consent.services import RequestContext, consent_withdraw
from photolib.photos import moderation
from photolib.photos.models import Photo
from tests.catalog.conftest import upload
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db


def grants_in_force():
    """Grants no later withdrawal by the same person in the same group ended."""
    return ConsentRecord.objects.grants().exclude(withdrawn_after())


@pytest.fixture
def approved(catalog_world, django_capture_on_commit_callbacks):
    """``approved(user, title)``: upload by ``user`` to the world's group, ingest, approve."""

    def make(user, title: str, group=None) -> Photo:
        with django_capture_on_commit_callbacks(execute=True):
            photo = upload(user, group or catalog_world["group"], title)
        with django_capture_on_commit_callbacks(execute=True):
            moderation.photo_approve(photo_id=photo.pk, acting_user=catalog_world["reviewer"])
        photo.refresh_from_db()
        return photo

    return make


@pytest.fixture
def officer_client(client, catalog_world):
    client.force_login(catalog_world["marketing"])
    return client


def shown(client, photo: Photo) -> bool:
    """Whether marketing can use the photo; fails if the queryset and the page disagree."""
    in_queryset = Photo.objects.cleared().filter(pk=photo.pk).exists()
    page = client.get(reverse("catalog:photo", args=[photo.pk])).status_code
    assert page in (200, 404), page
    assert in_queryset == (page == 200), (in_queryset, page)
    return in_queryset


def withdraw(user, group) -> None:
    consent_withdraw(user=user, group=group, context=RequestContext(),
                     method=CollectionMethod.WITHDRAW_BUTTON)


def test_a_grant_by_another_member_never_clears_the_uploaders_photo(catalog_world, approved,
                                                                    officer_client):
    resident, group = catalog_world["resident"], catalog_world["group"]
    photo = approved(resident, "Harbour cranes")
    assert shown(officer_client, photo)
    neighbour_grant = grant(make_user("sam@example.org"), group)
    # The photo pointed at a grant someone else gave to the same group, same version.
    Photo.objects.filter(pk=photo.pk).update(consent_record=neighbour_grant)
    assert not shown(officer_client, photo)
    withdraw(resident, group)
    assert neighbour_grant in grants_in_force()  # the neighbour's grant is still in force
    assert not shown(officer_client, photo)


def test_another_members_withdrawal_leaves_my_photo_cleared(catalog_world, approved,
                                                             officer_client):
    resident, group = catalog_world["resident"], catalog_world["group"]
    neighbour = make_user("sam@example.org")
    grant(neighbour, group)
    mine = approved(resident, "Harbour at noon")
    theirs = approved(neighbour, "Harbour at night")
    assert shown(officer_client, mine) and shown(officer_client, theirs)
    withdraw(neighbour, group)
    assert shown(officer_client, mine)
    assert not shown(officer_client, theirs)
    in_force = set(grants_in_force().filter(group=group).values_list("user", flat=True))
    assert in_force == {resident.pk}


def test_my_withdrawal_from_another_group_leaves_this_groups_photos_cleared(
        catalog_world, approved, officer_client):
    resident = catalog_world["resident"]
    other = CommunityGroup.objects.create(name="Market Photos", slug="market")
    publish(other, text="The market group's agreement.")
    grant(resident, other)
    here = approved(resident, "Harbour lighthouse")
    there = approved(resident, "Harbour fish market", group=other)
    withdraw(resident, other)
    assert shown(officer_client, here)
    assert not shown(officer_client, there)


def test_a_withdrawal_before_the_grant_does_not_end_it(catalog_world, approved,
                                                       officer_client):
    """Only a later withdrawal ends a grant: someone who left and joined again shares
    new photos under the new grant."""
    resident, group = catalog_world["resident"], catalog_world["group"]
    withdraw(resident, group)
    grant(resident, group)
    photo = approved(resident, "Harbour regatta")
    assert shown(officer_client, photo)
    withdraw(resident, group)
    assert not shown(officer_client, photo)


def test_a_photo_pointing_at_a_withdrawal_is_not_cleared(catalog_world, approved,
                                                        officer_client):
    """The record a photo points at must be a GRANT: a withdrawal of the same person,
    group and version is not consent."""
    resident, group = catalog_world["resident"], catalog_world["group"]
    photo = approved(resident, "Harbour ferry")
    withdraw(resident, group)
    grant(resident, group)  # joined again: the later withdrawal check has nothing to find
    withdrawal = resident.consent_records.withdrawals().get()
    Photo.objects.filter(pk=photo.pk).update(consent_record=withdrawal)
    assert not shown(officer_client, photo)


def test_an_attestation_outside_the_vocabulary_is_not_cleared(catalog_world, approved,
                                                              officer_client):
    from photolib.photos.models import PhotoAttestation

    photo = approved(catalog_world["resident"], "Harbour market")
    PhotoAttestation.objects.filter(photo=photo).update(people="unsure")
    assert not shown(officer_client, photo)


def test_no_people_needs_no_release_even_where_the_agreement_asks_for_one(
        catalog_world, approved, officer_client):
    from photolib.photos.models import People

    group = CommunityGroup.objects.create(name="Strict Photos", slug="strict")
    publish(group, text="Releases for people", release_required_for_people=True)
    grant(catalog_world["resident"], group)
    photo = approved(catalog_world["resident"], "Harbour empty quay", group=group)
    assert photo.attestation.people == People.NONE and photo.attestation.release_key == ""
    assert shown(officer_client, photo)
