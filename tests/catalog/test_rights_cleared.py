"""The rights-cleared rule, one condition per row: each alone removes a photo from
every marketing surface (search, detail, rendition, download, collection, ZIP), and from
every resource of the API (search, photo, rendition, download, its file link, collection,
adding to a collection), where it is a 404, never a 403."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from photolib.accounts.api_tokens import api_token_create
from photolib.catalog import search, services
from photolib.catalog.models import Synonym
from photolib.consent.models import CollectionMethod
from photolib.consent.services import RequestContext, consent_withdraw
from photolib.photos import moderation
from photolib.photos.models import People, Photo, PhotoAttestation
from tests.api.conftest import ApiClient
from tests.consent.conftest import publish

pytestmark = pytest.mark.django_db


def _unapproved(photo, world):
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.PENDING_REVIEW)


def _rejected(photo, world):
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.REJECTED)


def _withdrawn_photo(photo, world):
    moderation.photo_withdraw(photo_id=photo.pk, acting_user=world["resident"])


def _taken_down(photo, world):
    moderation.photo_take_down(photo_id=photo.pk, acting_user=world["reviewer"],
                               reason="complaint from a neighbour")


def _ingest_unfinished(photo, world):
    Photo.objects.filter(pk=photo.pk).update(processed_at=None)


def _consent_withdrawn(photo, world):
    consent_withdraw(user=world["resident"], group=world["group"],
                     method=CollectionMethod.WITHDRAW_BUTTON, context=RequestContext())


def _withdrawn_then_rejoined(photo, world):
    """Re-joining later does not revive photos shared under the withdrawn grant."""
    from tests.consent.conftest import grant

    consent_withdraw(user=world["resident"], group=world["group"],
                     method=CollectionMethod.WITHDRAW_BUTTON, context=RequestContext())
    grant(world["resident"], world["group"])


def _grant_of_another_version(photo, world):
    other = publish(world["group"], text="A later version")
    Photo.objects.filter(pk=photo.pk).update(agreement_version=other)


def _term_expired(photo, world):
    Photo.objects.filter(pk=photo.pk).update(rights_expire_at=timezone.now() - timedelta(days=1))


def _not_own_work(photo, world):
    PhotoAttestation.objects.filter(photo=photo).update(own_work=False)


def _people_without_required_release(photo, world):
    PhotoAttestation.objects.filter(photo=photo).update(people=People.CONSENTED, release_key="")
    from django.db import connection

    with connection.cursor() as cursor:  # agreements are immutable: raw SQL sets up the case
        if connection.vendor == "postgresql":  # as the superuser, inside the test's transaction
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE consent_agreementversion "
                           "DISABLE TRIGGER consent_agreement_published_immutable")
        cursor.execute("UPDATE consent_agreementversion SET release_required_for_people = %s "
                       "WHERE id = %s", [True, photo.agreement_version_id])


def _minors_without_release(photo, world):
    PhotoAttestation.objects.filter(photo=photo).update(people=People.MINORS, release_key="")


CONDITIONS = [_unapproved, _rejected, _withdrawn_photo, _taken_down, _ingest_unfinished,
              _consent_withdrawn, _withdrawn_then_rejoined, _grant_of_another_version,
              _term_expired, _not_own_work, _people_without_required_release,
              _minors_without_release]


def api_surfaces(api: ApiClient, photo, collection) -> dict[str, int | bool]:
    """Which API resources show the photo: for single-photo resources, the status (200
    while cleared, then 404); for lists, whether the photo is among them."""
    found = api.get(reverse("api:search"), {"q": "harbour"}).json()["results"]
    held = api.get(reverse("api:collection", args=[collection.pk])).json()
    download = api.post(reverse("api:downloads"), {"photo_id": str(photo.pk),
                                                   "use": "web", "campaign": "Spring"})
    scratch = services.collection_create(owner=collection.owner, name="Scratch")
    return {
        "api search": any(r["id"] == str(photo.pk) for r in found),
        "api photo": api.get(reverse("api:photo", args=[photo.pk])).status_code,
        "api rendition": api.get(reverse("api:rendition", args=[photo.pk, "thumb"])
                                 ).status_code,
        "api download": download.status_code,
        "api collection": any(p["id"] == str(photo.pk) for p in held["photos"]),
        "api collection add": api.post(reverse("api:collection_photos", args=[scratch.pk]),
                                       {"photo_id": str(photo.pk)}).status_code,
    }


def surfaces(client, photo, collection) -> dict[str, bool]:
    """Which marketing surfaces show the photo."""
    found = search.search(search.Filters(q="harbour"), with_facets=False)
    # The other ways words reach a photo: a typo corrected, a synonym, an exclusion.
    typo = search.search(search.Filters(q="harbur"), with_facets=False)
    Synonym.objects.get_or_create(terms="haven, harbour")
    synonym = search.search(search.Filters(q="haven"), with_facets=False)
    excluding = search.search(search.Filters(q="-lighthouse"), with_facets=False)
    page = client.get(reverse("catalog:search"), {"q": "harbour"}).content.decode()
    detail = client.get(reverse("catalog:photo", args=[photo.pk]))
    thumb = client.get(reverse("catalog:rendition", args=[photo.pk, "thumb"]))
    download = client.post(reverse("catalog:download", args=[photo.pk]),
                           {"rendition": "web", "use": "web", "campaign": "Spring"})
    listing = client.get(reverse("catalog:collection", args=[collection.pk])).content.decode()
    zipped = client.post(reverse("catalog:collection_zip", args=[collection.pk]),
                         {"rendition": "web", "use": "web", "campaign": "Spring"})
    names = zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content))).namelist()
    return {
        "queryset": Photo.objects.cleared().filter(pk=photo.pk).exists(),
        "search": any(p.pk == photo.pk for p in found.photos),
        "search (typo)": any(p.pk == photo.pk for p in typo.photos),
        "search (synonym)": any(p.pk == photo.pk for p in synonym.photos),
        "search (exclusion)": any(p.pk == photo.pk for p in excluding.photos),
        "search page": str(photo.pk) in page,
        "detail": detail.status_code == 200,
        "rendition": thumb.status_code == 200,
        "download": download.status_code == 200,
        # Usable in the collection: its tile links to the photo (a photo that left shows as
        # a placeholder without one).
        "collection": reverse("catalog:photo", args=[photo.pk]) in listing,
        "zip": any(n.endswith("-web.jpg") for n in names),
        "licence": client.get(reverse("catalog:licence", args=[photo.pk])).status_code == 200,
    }


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.__name__.strip("_"))
def test_each_condition_alone_removes_the_photo_everywhere(client, catalog_world, cleared,
                                                           condition):
    photo = cleared()
    officer = catalog_world["marketing"]
    client.force_login(officer)
    collection = services.collection_create(owner=officer, name="Spring campaign")
    services.collection_add(collection=collection, photo_id=photo.pk)
    _token, secret = api_token_create(user=officer, name="CMS", scope="download")
    api = ApiClient(secret)
    before = surfaces(client, photo, collection)
    assert all(before.values()), before
    api_before = api_surfaces(api, photo, collection)
    assert api_before == {"api search": True, "api photo": 200, "api rendition": 200,
                          "api download": 201, "api collection": True,
                          "api collection add": 200}, api_before
    link = api.post(reverse("api:downloads"), {
        "photo_id": str(photo.pk), "use": "web", "campaign": "Spring"}).json()["file_url"]
    condition(photo, catalog_world)
    after = surfaces(client, photo, collection)
    assert not any(after.values()), after
    # Never a 403: a photo out of the catalog does not exist for the API.
    api_after = api_surfaces(api, photo, collection)
    assert api_after == {"api search": False, "api photo": 404, "api rendition": 404,
                         "api download": 404, "api collection": False,
                         "api collection add": 404}, api_after
    assert api.get(link.removeprefix(settings.SITE_URL)).status_code == 404, link


SEARCHES = [{"q": "harbour"}, {"q": "harbour", "sort": "newest"}, {"q": "harb"},
            {"q": '"old harbour"'}, {"sort": "newest"}, {"sort": "taken"},
            {"make": "Canon", "sort": "newest"}, {"tags": ("harbour",), "sort": "taken"},
            {"q": "harbour", "shape": "landscape", "sort": "newest"},
            {"q": "habour"}, {"q": "-lighthouse", "sort": "newest"}, {"q": "view OR scene"}]


@pytest.mark.django_db(transaction=True)
def test_a_search_in_its_own_transaction_shows_only_cleared_photos(catalog_world, cleared,
                                                                   monkeypatch):
    """As in production, outside any transaction: on PostgreSQL the search then opens its
    own (one snapshot, plan settings, the grid's rows read without the rule again). With
    refused photos newer than the cleared ones, no search, page, total or facet counts
    one of them, and date-sorted pages of a capped set stay exact."""
    good = [cleared(f"Old harbour view {i}") for i in range(4)]
    bad = [cleared(f"Old harbour scene {i}") for i in range(5)]
    moderation.photo_take_down(photo_id=bad[0].pk, acting_user=catalog_world["reviewer"],
                               reason="complaint")
    moderation.photo_withdraw(photo_id=bad[1].pk, acting_user=catalog_world["resident"])
    Photo.objects.filter(pk=bad[2].pk).update(rights_expire_at=timezone.now()
                                              - timedelta(days=1))
    PhotoAttestation.objects.filter(photo=bad[3]).update(own_work=False)
    Photo.objects.filter(pk=bad[4].pk).update(processed_at=None)
    from django.db import connection

    assert not connection.in_atomic_block
    newest_first = [p.pk for p in reversed(good)]
    for params in SEARCHES:
        result = search.search(search.Filters(**params))
        assert [p.pk for p in result.photos] == newest_first or (
            params.get("sort") is None and {p.pk for p in result.photos} == set(newest_first)
        ), params
        assert (result.total, result.total_capped) == (4, False), params
        counts = {f.label: f.count for f in result.facets["tag"]}
        assert counts["harbour"] == 4 and result.facets["group"][0].count == 4, params

    # Capped: one per page, counts over the first three found; date order stays exact.
    monkeypatch.setattr(search.query, "FACET_CAP", 2)
    monkeypatch.setattr(search.query, "PAGE_SIZE", 1)
    for params in (p for p in SEARCHES if p.get("sort")):
        pages = [search.search(search.Filters(**params, page=n)) for n in (1, 2)]
        assert [p.photos[0].pk for p in pages] == newest_first[:2], params
        assert all(p.total_capped and p.total == 2 for p in pages), params
