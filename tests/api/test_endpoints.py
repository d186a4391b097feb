"""The API's resources through HTTP with a real token: search, photo, rendition,
collections, downloads, notices; and what bad input gets (400 with field and reason)."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from photolib.accounts.api_tokens import api_token_create
from photolib.accounts.models import ApiToken
from photolib.catalog import recall, search, services
from photolib.catalog.models import CollectionItem, Download, RecallNotice
from photolib.photos import moderation
from photolib.storage_config import DOWNLOADS
from tests.api.conftest import ApiClient
from tests.consent.conftest import make_user

pytestmark = pytest.mark.django_db


def _downloads_stored() -> list[str]:
    storage = storages[DOWNLOADS]
    try:
        dirs, _files = storage.listdir("")
    except FileNotFoundError:
        return []
    return [f"{d}/{f}" for d in dirs for f in storage.listdir(d)[1]]


def test_search_answers_what_the_catalog_search_finds_with_facets_and_pages(api, cleared):
    first = cleared("Old harbour at dusk")
    second = cleared("Harbour cranes", tags=("harbour", "industry"))
    response = api.get(reverse("api:search"), {"q": "harbour", "tag": "harbour",
                                               "sort": "newest"})
    assert response.status_code == 200, response.content
    body = response.json()
    expected = search.search(search.Filters(q="harbour", tags=("harbour",), sort="newest"))
    assert [r["id"] for r in body["results"]] == [str(p.pk) for p in expected.photos]
    assert {r["id"] for r in body["results"]} == {str(first.pk), str(second.pk)}
    assert body["total"] == 2 and body["page"] == 1 and body["pages"] == 1
    tags = {f["value"]: f["count"] for f in body["facets"]["tag"]}
    assert tags["harbour"] == 2 and tags["industry"] == 1
    assert body["results"][0]["credit_line"]
    assert body["results"][0]["thumbnail_url"].endswith("/renditions/thumb/")
    # A narrower filter, a second tag: only the photo with both.
    narrowed = api.get(reverse("api:search"), [("tag", "harbour"), ("tag", "industry")])
    assert [r["id"] for r in narrowed.json()["results"]] == [str(second.pk)]


@pytest.mark.parametrize("params, field, words", [
    ({"page": "two"}, "page", "whole number"),
    ({"page": "0"}, "page", "numbered from 1"),
    ({"taken_from": "2025-13-40"}, "taken_from", "valid date"),
    ({"shape": "round"}, "shape", "valid choice"),
    ({"lat": "52.1"}, "non_field_errors", "latitude, longitude and radius together"),
    ({"taken_from": "2025-06-02", "taken_to": "2025-06-01"}, "non_field_errors", "after"),
    ({"group": "999999"}, "group", "valid choice"),
    ({"min_px": "-3"}, "min_px", "greater than or equal"),
])
def test_malformed_filters_are_a_400_naming_the_field_and_the_reason(api, params, field,
                                                                     words):
    response = api.get(reverse("api:search"), params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert words in " ".join(body["fields"][field])


def test_photo_carries_credit_licence_uses_term_coarse_place_and_rendition_links(api, cleared):
    photo = cleared("Lighthouse", gps=(54.3233, 10.1228))
    response = api.get(reverse("api:photo", args=[photo.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(photo.pk) and body["title"] == "Lighthouse"
    assert body["credit_line"] == photo.credit_line()
    assert body["licence_summary"] == services.usage_terms(photo)
    assert body["licence_url"].endswith(reverse("catalog:licence", args=[photo.pk]))
    assert body["permitted_uses"] == photo.agreement_version.permitted_uses
    assert body["term"] == {"expires_at": None, "term_years": None} or body["term"][
        "term_years"] == photo.agreement_version.term_years
    assert body["location"]["place"] == "Old harbour"
    # Coarse only: the exact position never leaves the library.
    assert body["location"]["latitude"] == photo.coarse_latitude
    assert body["location"]["latitude"] != photo.gps_latitude
    kinds = {r["kind"]: r["url"] for r in body["renditions"]}
    assert set(kinds) == {"thumb", "preview"}
    thumb = api.get(kinds["thumb"].removeprefix("http://127.0.0.1:8000"))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert api.get(reverse("api:rendition", args=[photo.pk, "original"])).status_code == 404


def test_photo_carries_its_alt_text_and_extended_description(api, cleared):
    photo = cleared("Lighthouse")
    assert api.get(reverse("api:photo", args=[photo.pk])).json()["alt_text"] == ""
    type(photo).objects.filter(pk=photo.pk).update(
        alt_text="A white lighthouse on a rocky point at dusk",
        extended_description="The lamp is lit; gulls circle the gallery.")
    body = api.get(reverse("api:photo", args=[photo.pk])).json()
    assert body["alt_text"] == "A white lighthouse on a rocky point at dusk"
    assert body["extended_description"] == "The lamp is lit; gulls circle the gallery."


def test_a_hidden_location_is_not_given(api, cleared):
    photo = cleared("Garden")
    type(photo).objects.filter(pk=photo.pk).update(hide_location=True)
    body = api.get(reverse("api:photo", args=[photo.pk])).json()
    assert body["location"] == {"place": "", "latitude": None, "longitude": None}


def test_collections_read_add_remove_for_owner_and_editor_only(api, cleared, catalog_world,
                                                               token_for):
    officer = catalog_world["marketing"]
    photo, other = cleared("Quay"), cleared("Pier")
    mine = services.collection_create(owner=officer, name="Summer")
    colleague = make_user("cleo@example.org", role="marketing")
    shared = services.collection_create(owner=colleague, name="Shared with me")
    services.collection_share(collection=shared, acting_user=colleague, email=officer.email)
    private = services.collection_create(owner=colleague, name="Not shared")

    listed = api.get(reverse("api:collections")).json()
    assert {c["name"]: c["is_owner"] for c in listed} == {"Summer": True,
                                                          "Shared with me": False}
    added = api.post(reverse("api:collection_photos", args=[mine.pk]),
                     {"photo_id": str(photo.pk)})
    assert added.status_code == 200, added.content
    assert [p["id"] for p in added.json()["photos"]] == [str(photo.pk)]
    # An editor adds to a colleague's shared collection.
    assert api.post(reverse("api:collection_photos", args=[shared.pk]),
                    {"photo_id": str(other.pk)}).status_code == 200
    assert CollectionItem.objects.filter(collection=shared, photo_key=other.pk).exists()
    # Someone else's unshared collection does not exist, for reading or writing.
    assert api.get(reverse("api:collection", args=[private.pk])).status_code == 404
    assert api.post(reverse("api:collection_photos", args=[private.pk]),
                    {"photo_id": str(photo.pk)}).status_code == 404
    assert not CollectionItem.objects.filter(collection=private).exists()
    removed = api.delete(reverse("api:collection_photo", args=[mine.pk, photo.pk]))
    assert removed.status_code == 200 and removed.json()["photos"] == []
    bad = api.post(reverse("api:collection_photos", args=[mine.pk]), {"photo_id": "nope"})
    assert bad.status_code == 400 and "photo_id" in bad.json()["fields"]


def test_a_collection_shows_a_photo_that_left_as_a_placeholder_with_the_reason(
        api, cleared, catalog_world):
    photo = cleared("Ferry")
    collection = services.collection_create(owner=catalog_world["marketing"], name="Boats")
    services.collection_add(collection=collection, photo_id=photo.pk)
    moderation.photo_take_down(photo_id=photo.pk, acting_user=catalog_world["reviewer"],
                               reason="complaint")
    body = api.get(reverse("api:collection", args=[collection.pk])).json()
    assert body["photos"] == []
    assert [g["id"] for g in body["gone"]] == [str(photo.pk)]
    assert "taken down" in body["gone"][0]["reason"]


def test_download_makes_the_same_log_entry_naming_the_token_and_a_short_lived_file_url(
        catalog_world, cleared, token_for, settings):
    photo = cleared("Market square")
    token, raw = token_for(catalog_world["marketing"], name="Agency")
    api = ApiClient(raw)
    response = api.post(reverse("api:downloads"), {
        "photo_id": str(photo.pk), "rendition": "web", "use": "web", "campaign": "Autumn"})
    assert response.status_code == 201, response.content
    body = response.json()
    download = Download.objects.get()
    assert (download.user, download.api_token, download.use, download.campaign) == (
        catalog_world["marketing"], token, "web", "Autumn")
    assert body["id"] == str(download.pk) and body["credit_line"] == photo.credit_line()
    # The file URL works without the token, and the file carries its rights metadata.
    anonymous = ApiClient(None)
    path = body["file_url"].removeprefix(settings.SITE_URL)
    served = anonymous.get(path)
    assert served.status_code == 200
    data = b"".join(served.streaming_content)
    assert data.startswith(b"\xff\xd8") and photo.credit_line().encode() in data
    # Tampered with: nothing. Too old: gone, and says so.
    assert anonymous.get(path[:-3] + "xyz/").status_code == 404
    settings.PHOTOLIB_API_FILE_URL_SECONDS = 0
    import time

    time.sleep(1.1)
    assert anonymous.get(path).status_code == 410


def test_the_file_url_stops_working_when_the_photo_leaves_the_catalog(api, cleared,
                                                                      catalog_world, settings):
    photo = cleared("Bridge")
    body = api.post(reverse("api:downloads"), {
        "photo_id": str(photo.pk), "use": "web", "campaign": "Autumn"}).json()
    moderation.photo_withdraw(photo_id=photo.pk, acting_user=catalog_world["resident"])
    assert ApiClient(None).get(body["file_url"].removeprefix(settings.SITE_URL)
                               ).status_code == 404


@pytest.mark.parametrize("data, field", [
    ({"use": "billboard", "campaign": "x"}, "use"),
    ({"use": "web", "campaign": "   "}, "campaign"),
    ({"use": "web"}, "campaign"),
    ({"use": "web", "campaign": "x", "rendition": "huge"}, "rendition"),
    ({"use": "web", "campaign": "x", "photo_id": "not-a-uuid"}, "photo_id"),
])
def test_a_refused_download_is_a_400_and_stores_nothing(api, cleared, data, field):
    photo = cleared("Tram")
    response = api.post(reverse("api:downloads"), {"photo_id": str(photo.pk), **data})
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not Download.objects.exists() and _downloads_stored() == []


def test_a_use_the_agreement_does_not_permit_is_a_400_on_use_and_stores_nothing(
        api, cleared):
    photo = cleared("Tram")
    forbidden = next(code for code in ("outdoor", "broadcast", "merchandise")
                     if code not in photo.agreement_version.permitted_uses)
    response = api.post(reverse("api:downloads"), {"photo_id": str(photo.pk),
                                                   "use": forbidden, "campaign": "x"})
    assert response.status_code == 400
    assert "not permitted" in response.json()["fields"]["use"][0]
    assert not Download.objects.exists() and _downloads_stored() == []


def test_notices_list_and_acknowledge(api, cleared, catalog_world,
                                      django_capture_on_commit_callbacks):
    photo = cleared("Fish market")
    officer = catalog_world["marketing"]
    with django_capture_on_commit_callbacks(execute=True):
        services.download_prepare(photo_id=photo.pk, user=officer, rendition="web", use="web",
                                  campaign="Spring")
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_withdraw(photo_id=photo.pk, acting_user=catalog_world["resident"])
    notice = RecallNotice.objects.get(user=officer)
    listed = api.get(reverse("api:notices")).json()
    assert [n["id"] for n in listed] == [notice.pk]
    assert listed[0]["photo_id"] == str(photo.pk) and listed[0]["reason"] == "withdrawn"
    assert listed[0]["meaning"] == recall.meaning("withdrawn")
    assert listed[0]["acknowledged_at"] is None
    done = api.post(reverse("api:notice_acknowledge", args=[notice.pk]))
    assert done.status_code == 200 and done.json()["acknowledged_at"]
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
    # Someone else's notice: not found, and untouched.
    other = make_user("otto@example.org", role="marketing")
    _t, raw = api_token_create(user=other, name="x", scope="download")
    assert ApiClient(raw).post(reverse("api:notice_acknowledge", args=[notice.pk])
                               ).status_code == 404


def test_api_calls_are_rate_limited_per_owner_with_retry_after(api, settings):
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS, "api-account": "3/minute"}
    answers = [api.get(reverse("api:collections")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = api.get(reverse("api:collections"))
    assert limited.json()["error"] == "rate_limited" and int(limited["Retry-After"]) > 0


def test_a_token_is_stored_hashed_only(catalog_world, token_for):
    token, raw = token_for(catalog_world["marketing"])
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in {str(v) for v in stored.values()}
    assert raw.startswith(stored["prefix"]) and len(stored["digest"]) == 64


def test_a_search_page_costs_the_same_queries_however_many_photos_it_shows(
        api, cleared, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cleared("Harbour one")

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(reverse("api:search"), {"sort": "newest"}).status_code == 200
        return len(queries)

    cost()  # the token's first use of the minute also notes when it was used
    one = cost()
    for n in range(3):
        cleared(f"Harbour more {n}")
    assert cost() == one
