"""What residents and reviewers are told about a photo's standing: approval and takedown
mails, My photos' badge (never "Approved" for a photo out of the catalog), the reviewer's
approval message, and a download form that offers only the agreement's uses."""

import pytest
from django.urls import reverse

from photolib.consent.models import CollectionMethod
from photolib.consent.services import RequestContext, consent_withdraw
from photolib.photos import moderation
from photolib.photos.models import Photo
from tests.catalog.conftest import upload
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


def to(mailoutbox, user, words):
    return [m for m in mailoutbox if m.to == [user.email] and words in m.subject]


def test_approval_and_takedown_are_mailed_with_the_reason(catalog_world, cleared, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    resident = catalog_world["resident"]
    photo = cleared("Lighthouse")
    [approved] = to(mailoutbox, resident, "was approved")
    assert "“Lighthouse”" in approved.subject
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_take_down(photo_id=photo.pk, acting_user=catalog_world["reviewer"],
                                   reason="A neighbour's complaint about their window")
    [down] = to(mailoutbox, resident, "was taken down")
    assert "Reason: A neighbour's complaint about their window" in down.body
    assert catalog_world["reviewer"].email not in down.body


@pytest.mark.parametrize("how", ["taken down", "withdrawn", "group withdrawn"])
def test_my_photos_says_why_and_since_when_never_approved(client, catalog_world, cleared, how,
                                                          django_capture_on_commit_callbacks):
    resident = catalog_world["resident"]
    photo = cleared("Lighthouse")
    with django_capture_on_commit_callbacks(execute=True):
        if how == "taken down":
            moderation.photo_take_down(photo_id=photo.pk, acting_user=catalog_world["reviewer"],
                                       reason="Blurred face missing")
        elif how == "withdrawn":
            moderation.photo_withdraw(photo_id=photo.pk, acting_user=resident)
        else:
            consent_withdraw(user=resident, group=catalog_world["group"],
                             method=CollectionMethod.WITHDRAW_BUTTON, context=RequestContext())
    client.force_login(resident)
    body = client.get(reverse("photos:mine")).content.decode()
    card = body[body.index(f'data-photo="{photo.pk}"'):]
    card = card[:card.index("</li>")]
    label = {"taken down": "Taken down", "withdrawn": "Withdrawn",
             "group withdrawn": "Withdrawn (you left the group)"}[how]
    photo.refresh_from_db()
    assert f">{label} " in card and "Approved" not in card
    if how == "taken down":
        assert "Taken down: Blurred face missing" in card


def test_the_reviewer_is_told_when_an_approved_photo_is_not_in_the_catalog(
        client, catalog_world, django_capture_on_commit_callbacks):
    resident = catalog_world["resident"]
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload(resident, catalog_world["group"], "Harbour at noon")
        consent_withdraw(user=resident, group=catalog_world["group"],
                         method=CollectionMethod.WITHDRAW_BUTTON, context=RequestContext())
    staff_login(client, catalog_world["reviewer"])
    response = client.post(reverse("review:approve", args=[photo.pk]), follow=True)
    text = response.content.decode()
    assert "Approved, but “Harbour at noon” is not in the catalog: the photographer withdrew " \
           "their consent for the group." in text
    assert "the photo is in the catalog" not in text
    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.APPROVED


def test_the_download_form_offers_only_the_agreements_uses(client, catalog_world, cleared):
    photo = cleared("Lighthouse")
    client.force_login(catalog_world["marketing"])
    body = client.get(reverse("catalog:photo", args=[photo.pk])).content.decode()
    form = body[body.index('name="use"'):]
    form = form[:form.index("</select>")]
    permitted = photo.agreement_version.permitted_uses
    assert permitted and all(f'value="{u}"' in form for u in permitted)
    assert 'value="merchandise"' not in form and 'value="outdoor"' not in form
