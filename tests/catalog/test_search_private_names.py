"""Search indexes the resident's public credit name, never their private display name
(issue 12, item 7). Run on SQLite (portable backend) and PostgreSQL (full-text backend)."""

import io

import pytest
from django.urls import reverse

from photolib.accounts.models import User
from photolib.catalog import search
from photolib.catalog.models import SearchDocument

pytestmark = pytest.mark.django_db


def titles_found(client, q: str) -> list[str]:
    response = client.get(reverse("catalog:search"), {"q": q})
    assert response.status_code == 200
    return [p.title for p in response.context["result"].photos]


@pytest.fixture
def named_resident(catalog_world):
    resident = catalog_world["resident"]
    User.objects.filter(pk=resident.pk).update(display_name="Grzegorzewska Private",
                                               credit_name="Lighthouse Studio")
    return resident


def test_the_display_name_finds_nothing_and_the_credit_name_finds_the_photo(
        client, catalog_world, named_resident, cleared):
    photo = cleared("Boats at dawn")
    client.force_login(catalog_world["marketing"])
    assert titles_found(client, "Grzegorzewska") == []
    assert titles_found(client, "Private") == []
    assert titles_found(client, "Lighthouse Studio") == [photo.title]
    text = SearchDocument.objects.get(photo=photo).text
    assert "Lighthouse Studio" in text and "Grzegorzewska" not in text


def test_reindexing_after_a_name_change_keeps_the_display_name_out(catalog_world,
                                                                  named_resident, cleared):
    photo = cleared("Boats at dawn")
    User.objects.filter(pk=named_resident.pk).update(display_name="Wojciechowski",
                                                     credit_name="Harbour Lens")
    assert search.reindex_owner(named_resident.pk) == 1
    found = {p.title for p in search.search(search.Filters(q="Wojciechowski"),
                                            with_facets=False).photos}
    assert found == set()
    found = {p.title for p in search.search(search.Filters(q="Harbour Lens"),
                                            with_facets=False).photos}
    assert found == {photo.title}


def test_without_a_credit_name_the_credited_display_name_is_the_public_one(
        catalog_world, named_resident, cleared):
    # The sign-up form offers it: an empty credit name credits the display name, so that
    # name is printed on the photo's credit line and may be searched for.
    User.objects.filter(pk=named_resident.pk).update(credit_name="")
    photo = cleared("Boats at dawn")
    assert photo.credit_line().startswith("Photo: Grzegorzewska Private")
    found = {p.title for p in search.search(search.Filters(q="Grzegorzewska"),
                                            with_facets=False).photos}
    assert found == {photo.title}


def test_reindex_search_rewrites_documents_written_with_the_display_name(
        catalog_world, named_resident, cleared):
    from django.core.management import call_command

    photo = cleared("Boats at dawn")
    # A document as the old rule wrote it: the display name among the words.
    from photolib.catalog.search.backends import get_backend

    SearchDocument.objects.filter(photo=photo).update(
        text="Boats at dawn Lighthouse Studio Grzegorzewska Private")
    stale = {"A": "Boats at dawn", "D": "Lighthouse Studio Grzegorzewska Private"}
    get_backend().index_document(SearchDocument.objects.get(photo=photo).pk, stale, "english")
    assert search.search(search.Filters(q="Grzegorzewska"), with_facets=False).photos
    out = io.StringIO()
    call_command("reindex_search", stdout=out)
    assert out.getvalue().strip() == "Rebuilt 1 search document."
    assert "Grzegorzewska" not in SearchDocument.objects.get(photo=photo).text
    assert not search.search(search.Filters(q="Grzegorzewska"), with_facets=False).photos
